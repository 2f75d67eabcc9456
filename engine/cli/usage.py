"""Usage mistakes (click's own errors) as one sentence in the user's language.

Click words its errors in English and prints the usage block above them. A person
typing ``lights suspend M`` without ``--reason`` should read one line in Chinese (or
English with ``--lang en``): ``lights: 用法有误：缺少选项 --reason（lights suspend --help
查看用法）``. The sentence is built here from what click's exception carries (its class,
the parameter, the option name) and, for the messages of click's parameter types, from
their English text matched against the patterns below; anything else is passed on in
English inside the Chinese frame. Our own parameter types raise :class:`Bad` with
their words in both languages.

Imported at every start of the command: click and the standard library only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import click
from click import exceptions as ce

LANGS = ("zh", "en")


class Bad(click.BadParameter):
    """A parameter type's refusal, worded in both languages."""

    def __init__(self, zh: str, en: str, ctx: click.Context | None = None,
                 param: click.Parameter | None = None) -> None:
        super().__init__(en, ctx, param)
        self.words = {"zh": zh, "en": en}


def usage_lang(args: Sequence[str], env: dict[str, str] | None = None) -> str:
    """The language for a usage error: ``--lang`` anywhere on the line, else
    LIGHTS_LANG, else the configuration file's ``lang``, else Chinese."""
    env = dict(os.environ) if env is None else env
    args = list(args)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in LANGS:
            return args[i + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    if env.get("LIGHTS_LANG") in LANGS:
        return env["LIGHTS_LANG"]
    return _configured_lang(args, env)


def _configured_lang(args: list[str], env: dict[str, str]) -> str:
    path = None
    for i, arg in enumerate(args):
        if arg == "--config" and i + 1 < len(args):
            path = args[i + 1]
        elif arg.startswith("--config="):
            path = arg[9:]
    path = path or env.get("LIGHTS_CONFIG") or "config.yaml"
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                found = re.match(r"^lang:\s*['\"]?(zh|en)['\"]?\s*(#.*)?$", line.strip())
                if found:
                    return found.group(1)
    except (OSError, UnicodeDecodeError):
        pass
    return "zh"


# click's English messages of its own parameter types → Chinese
_TYPE_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<v>.+) is not one of (?P<c>.+)\.$", re.S), "{v} 不是可选的值（{c}）"),
    (re.compile(r"^(?P<v>.+) is not (?P<c>'[^']*')\.$", re.S), "{v} 不是可选的值（{c}）"),
    (re.compile(r"^(?P<v>.+) is not a valid integer\.$", re.S), "{v} 不是整数"),
    (re.compile(r"^(?P<v>.+) is not a valid float\.$", re.S), "{v} 不是数字"),
    (re.compile(r"^(?P<v>.+) is not a valid integer range\.$", re.S), "{v} 不是整数"),
    (re.compile(r"^(?P<v>.+) is not a valid float range\.$", re.S), "{v} 不是数字"),
    (re.compile(r"^(?P<v>.+) is not in the range (?P<c>.+)\.$", re.S), "{v} 不在允许的范围 {c} 内"),
    (re.compile(r"^(?P<v>.+) is not a valid boolean\..*$", re.S), "{v} 不是是/否值"),
    (re.compile(r"^(?:File|Path|Directory) (?P<v>.+) does not exist\.$", re.S), "{v} 不存在"),
    (re.compile(r"^(?:File|Path) (?P<v>.+) is a directory\.$", re.S), "{v} 是目录，不是文件"),
    (re.compile(r"^(?:Directory|Path) (?P<v>.+) is a file\.$", re.S), "{v} 是文件，不是目录"),
    (re.compile(r"^(?:File|Path|Directory) (?P<v>.+) is not readable\.$", re.S), "{v} 不可读"),
    (re.compile(r"^(?:File|Path|Directory) (?P<v>.+) is not writable\.$", re.S), "{v} 不可写"),
]


def _type_message(message: str, lang: str) -> str:
    if lang == "en":
        return message
    for pattern, words in _TYPE_MESSAGES:
        found = pattern.match(message)
        if found:
            return words.format(**{k: _unquote(v) for k, v in found.groupdict().items()})
    return message


def _unquote(text: str) -> str:
    """'a', 'b' → “a”、“b” (click quotes values with repr)."""
    parts = re.findall(r"'((?:[^'\\]|\\.)*)'", text)
    if parts and re.fullmatch(r"\s*'(?:[^'\\]|\\.)*'(\s*,\s*'(?:[^'\\]|\\.)*')*\s*", text):
        return "、".join(f"“{p}”" for p in parts)
    return text


def _hint(exc: ce.UsageError) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    if hint is None and param is not None:
        hint = param.get_error_hint(exc.ctx) if exc.ctx is not None else param.name
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    return (hint or "").replace('"', "").replace("'", "").replace("[", "").replace("]", "")


def _possibilities(exc: ce.UsageError, lang: str) -> str:
    found = getattr(exc, "possibilities", None)
    if not found:
        return ""
    names = ("、" if lang == "zh" else ", ").join(found)
    return f"（是否想用 {names}？）" if lang == "zh" else f" (did you mean {names}?)"


def _zh(exc: ce.ClickException) -> str:
    if isinstance(exc, ce.MissingParameter):
        kind = {"argument": "参数", "option": "选项"}.get(
            exc.param_type or (exc.param.param_type_name if exc.param else ""), "参数")
        return f"缺少{kind} {_hint(exc)}".rstrip()
    if isinstance(exc, ce.NoSuchOption):
        return f"没有选项 {exc.option_name}{_possibilities(exc, 'zh')}"
    if isinstance(exc, ce.NoSuchCommand):
        return f"没有命令 {exc.command_name}{_possibilities(exc, 'zh')}"
    if isinstance(exc, Bad):
        return f"{_hint(exc)} {exc.words['zh']}".strip()
    if isinstance(exc, ce.BadParameter):
        return f"{_hint(exc)} 的值有误：{_type_message(exc.message, 'zh')}".lstrip()
    message = exc.message
    found = re.match(r"^Option '(.+)' requires (?:an argument|(\d+) arguments)\.$", message)
    if found:
        count = f"{found.group(2)}个" if found.group(2) else "一个"
        return f"选项 {found.group(1)} 后面需要{count}值"
    found = re.match(r"^Option '(.+)' does not take a value\.$", message)
    if found:
        return f"选项 {found.group(1)} 不带值"
    found = re.match(r"^Got unexpected extra arguments? \((.*)\)$", message)
    if found:
        return f"多余的参数：{found.group(1)}"
    if message == "Missing command.":
        return "缺少命令"
    return message


def _en(exc: ce.ClickException) -> str:
    if isinstance(exc, Bad):
        return f"{_hint(exc)}: {exc.words['en']}".lstrip(": ")
    return exc.format_message()


def usage_sentence(exc: ce.ClickException, lang: str) -> str:
    """``lights: …`` — one line saying what is wrong and where to read the usage."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "lights"
    if not isinstance(exc, ce.UsageError):  # FileError and the like: no usage hint
        return f"lights: {_zh(exc) if lang == 'zh' else exc.format_message()}"
    if lang == "zh":
        return f"lights: 用法有误：{_zh(exc)}（{where} --help 查看用法）"
    return f"lights: usage: {_en(exc)} (see {where} --help)"
