"""Templates to text: Jinja2 in a sandbox, strict, autoescaped for HTML, CSS inlined.

Templates live in notifications/templates/LANG/ (``digest.txt``, ``digest.html``,
``subject.txt``, ``storm.*``, ``steps/NAME.txt``). A deployment can override any of
them from ``notices.templates_dir`` (same layout); those files are edited by people
who are not developers, so every template runs in Jinja's immutable sandbox, and a
missing variable raises (StrictUndefined) instead of printing nothing.

The HTML is made for mail clients: the stylesheet (``style.css``) is inlined into
``style`` attributes by css-inline, which is told not to fetch anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import css_inline
from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    Undefined,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from notifications.addresses import header_text

BUILTIN = Path(__file__).with_name("templates")

LIGHT_COLOURS = {"red": "#d93025", "yellow": "#f4b400", "green": "#188038",
                 "done": "#188038", "done_late": "#b3261e", "planned": "#80868b",
                 "suspended": "#80868b", "cancelled": "#80868b"}


class _HasHtml(Protocol):
    html: str


WithHtml = TypeVar("WithHtml", bound=_HasHtml)


class TemplateProblem(Exception):
    """A template is missing or broken; the message names it."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _plain(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()  # filters must not let Undefined through
    return value


_ONE_LINE = {code: " " for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_ONE_LINE.update({ord(ch): " " for ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
                  "\u2066\u2067\u2068\u2069"})


def one_line(value: Any) -> Any:
    """Every value a template prints, as one line: a CR/LF (or any control character,
    a direction override) in a name becomes a space, so data never adds a line to the
    plain-text digest or turns it round. Markup (already safe HTML) is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup) and not value.isprintable():
        return value.translate(_ONE_LINE)  # every character it maps is not printable
    return value


def _colour(light: Any) -> str:
    return LIGHT_COLOURS.get(str(_plain(light)), "#80868b")


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, reading ``item.name`` of a plain dict as its key first.

    Every value a digest shows is a key of a plain dict, and the sandbox looks for an
    attribute of that name first (an AttributeError raised and caught: most of the
    sandbox's cost, ~900,000 times in a night of 3,000 digests). A key is data, which
    the sandbox lets through anyway; a name of dict's own (``items``, ``get``, …) still
    means the method, as in Jinja.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8)
def environment(override_dir: str = "") -> ImmutableSandboxedEnvironment:
    loaders = [FileSystemLoader(override_dir)] if override_dir else []
    loaders.append(FileSystemLoader(str(BUILTIN)))
    env = _Sandbox(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"], default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=one_line)
    env.filters["colour"] = _colour
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False,
                                 keep_link_tags=False)


class Renderer:
    """Renders one kind of message in one language from the configured templates."""

    def __init__(self, override_dir: str = "") -> None:
        self.env = environment(override_dir)
        # Loaded once per renderer (a night's composing): Jinja would look at the file's
        # time on the disk at every use; a template edited between nights is read anew.
        # Its globals flattened into one dict: Template.render copies the context, then
        # walks the globals' ChainMap into another dict, and the new context walks it
        # again for its keys, at every call: a tenth of composing (a step's line is
        # rendered for every milestone listed).
        self._templates: dict[str, Template] = {}

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            template = self._templates.get(name)
            if template is None:
                template = self._templates[name] = self.env.get_template(name)
                template.globals = dict(template.globals)  # the environment's never change
            # what Template.render does, with the globals and the context merged once
            return self.env.concat(  # type: ignore[attr-defined]
                template.root_render_func(template.new_context(
                    {**template.globals, **context}, shared=True)))
        except TemplateError as exc:
            raise TemplateProblem(f"template {name}: {exc}") from exc

    def step_text(self, template: str, lang: str, context: dict[str, Any]) -> str:
        """The wording of a ladder step for one milestone (plain text)."""
        return self._render(f"{lang}/steps/{template}.txt", context).strip()

    def message(self, kind: str, lang: str, context: dict[str, Any], *,
                inline: bool = True) -> Rendered:
        """Subject, text and HTML of a ``digest`` or ``storm`` message; ``inline=False``
        leaves the stylesheet for :meth:`inline_css` to inline with the others."""
        subject = header_text(self._render(f"{lang}/{kind}_subject.txt", context), 300)
        context = {**context, "subject": subject}
        text = self._render(f"{lang}/{kind}.txt", context)
        html = self._render(f"{lang}/{kind}.html", context)
        return Rendered(subject, text, _inliner().inline(html) if inline else html)

    @staticmethod
    def inline_css(messages: list[WithHtml]) -> list[WithHtml]:
        """The messages with their HTML's stylesheet inlined, all in one call: css-inline
        works through the list on every core (a sixth of composing, one at a time)."""
        todo = [i for i, m in enumerate(messages) if m.html]
        if not todo:
            return messages
        out = list(messages)
        done = _inliner().inline_many([messages[i].html for i in todo])
        for i, html in zip(todo, done, strict=True):
            out[i] = replace(messages[i], html=html)
        return out

    def check(self, langs: tuple[str, ...], steps: list[str]) -> None:
        """Load every template the configuration names; TemplateProblem if one fails."""
        for lang in langs:
            for kind in ("digest", "storm"):
                for part in ("_subject.txt", ".txt", ".html"):
                    self._load(f"{lang}/{kind}{part}")
            for step in steps:
                self._load(f"{lang}/steps/{step}.txt")

    def _load(self, name: str) -> None:
        try:
            self.env.get_template(name)
        except TemplateError as exc:
            raise TemplateProblem(f"template {name}: {exc}") from exc
