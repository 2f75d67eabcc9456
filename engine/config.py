"""Configuration: config.yaml validated at load, with environment overrides.

Every key has a default here; config.yaml in the repository documents them. A bad
value is reported as one sentence naming the file and the key, e.g.
``config.yaml: rules[2].yellow_points: Input should be greater than 0 (got -1)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import rules.milestone  # noqa: F401  (registers the default rules)
from engine.bulletins.config import BulletinsConfig
from engine.ledger.settings import LedgerConfig
from engine.problems.settings import ProblemsConfig
from engine.service.settings import SchedulerConfig
from engine.web.settings import WebConfig
from notifications.config import NotificationsConfig
from rules.calendar import PauseWindow, WorkCalendar
from rules.registry import REGISTRY, RuleParams

DEFAULT_CONFIG_NAME = "config.yaml"

# Environment variables that override a key; secrets are only ever read from here.
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "LIGHTS_DATABASE_URL": ("database", "url"),
    "LIGHTS_LANG": ("lang",),
    "LIGHTS_TIMEZONE": ("timezone",),
    "LIGHTS_SMTP_HOST": ("notices", "smtp", "host"),
    "LIGHTS_SMTP_PORT": ("notices", "smtp", "port"),
    "LIGHTS_SMTP_SECURITY": ("notices", "smtp", "security"),
    "LIGHTS_SMTP_USERNAME": ("notices", "smtp", "username"),
    "LIGHTS_MAIL_FROM": ("notices", "mail_from"),
}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(Section):
    url: str = "sqlite:///lights.db"
    # How long a write waits for another process's write before it gives up, saying who
    # holds the database (SQLite's write lock; PostgreSQL's lock_timeout on a row).
    busy_seconds: float = Field(30.0, gt=0, le=3600)

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value


def database_url_problem(url: str) -> str | None:
    """Why Lights cannot use this database URL (it speaks SQLite and PostgreSQL), or None."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme in ("sqlite", "postgresql", "postgres"):
        return None
    return (f"{url.split('://', 1)[0]}:// is not a database Lights uses (sqlite:///FILE or "
            "postgresql://…)") if scheme else f"{url!r} is not a database URL"


class CalendarConfig(Section):
    kind: Literal["china", "weekdays"] = "china"
    uncovered_years: Literal["guess", "weekdays"] = "guess"


class WinterPauseConfig(Section):
    enabled: bool = True
    windows: list[str] = Field(default_factory=lambda: ["11-15..03-31"])

    @field_validator("windows")
    @classmethod
    def _parse(cls, value: list[str]) -> list[str]:
        for text in value:
            PauseWindow.parse(text)
        return value

    @property
    def pause(self) -> tuple[PauseWindow, ...]:
        return tuple(PauseWindow.parse(w) for w in self.windows) if self.enabled else ()


class MilestoneKind(Section):
    code: str
    zh: str
    en: str
    # Work on the site itself: the winter pause applies to it on outdoor projects.
    # Paperwork (approvals, permits) and indoor steps go on through the winter.
    site_work: bool = False


DEFAULT_KINDS = [
    ("approval", "立项", "Project approval"),
    ("land", "用地", "Land use"),
    ("planning_permit", "规划许可", "Planning permit"),
    ("eia", "环评", "Environmental assessment"),
    ("construction_permit", "施工许可", "Construction permit"),
    ("start", "开工", "Start of works"),
    ("structure", "主体完工", "Main structure done"),
    ("equipment", "设备安装", "Equipment installed"),
    ("completion", "竣工", "Completion"),
    ("production", "投产", "Production"),
    ("full_output", "达效", "Design output reached"),
    ("statistics", "入统", "In statistics"),
    ("custom", "其他", "Other"),
]
SITE_WORK_KINDS = frozenset({"start", "structure", "completion"})


class RunConfig(Section):
    chunk_size: int = Field(5000, ge=100, le=1_000_000)
    # A run dated further past today is refused unless --force (a typo such as 2062
    # would light everything red and refuse every later night).
    max_days_ahead: int = Field(3, ge=0, le=3660)


def _default_rules() -> list[dict[str, Any]]:
    return [{"rule": name} for name in
            ("finished", "overdue", "schedule_lag", "due_soon", "stale_report")]


class Config(Section):
    lang: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    winter_pause: WinterPauseConfig = Field(default_factory=WinterPauseConfig)
    rules: list[dict[str, Any]] = Field(default_factory=_default_rules)
    milestone_kinds: list[MilestoneKind] = Field(
        default_factory=lambda: [MilestoneKind(code=c, zh=z, en=e, site_work=c in SITE_WORK_KINDS)
                                 for c, z, e in DEFAULT_KINDS])
    run: RunConfig = Field(default_factory=RunConfig)
    ledger: LedgerConfig = Field(default_factory=LedgerConfig)
    notices: NotificationsConfig = Field(default_factory=NotificationsConfig)
    bulletins: BulletinsConfig = Field(default_factory=BulletinsConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    problems: ProblemsConfig = Field(default_factory=ProblemsConfig)
    web: WebConfig = Field(default_factory=WebConfig)

    source: str = Field(DEFAULT_CONFIG_NAME, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise ValueError("must be a list of rules")
        for entry in value:
            if not isinstance(entry, dict) or "rule" not in entry:
                raise ValueError("each entry needs 'rule: NAME'")
        return value

    @cached_property
    def rule_chain(self) -> list[tuple[str, RuleParams]]:
        """The configured rules, validated: (name, params) in evaluation order."""
        return _rule_chain(self.rules, self.source)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today in the configured timezone (the default as-of date)."""
        from datetime import datetime

        return datetime.now(self.zone).date()

    def new_calendar(self) -> WorkCalendar:
        return WorkCalendar(self.calendar.kind, self.calendar.uncovered_years)

    @cached_property
    def site_work_kinds(self) -> frozenset[str]:
        """Kinds the winter pause applies to (on outdoor projects)."""
        return frozenset(k.code for k in self.milestone_kinds if k.site_work)

    def kind_label(self, code: str, lang: str) -> str:
        for kind in self.milestone_kinds:
            if kind.code == code:
                return kind.zh if lang == "zh" else kind.en
        return code

    def kind_code(self, text: str) -> str | None:
        """The catalogue code for a code or a label in either language."""
        for kind in self.milestone_kinds:
            if text in (kind.code, kind.zh, kind.en):
                return kind.code
        return None


def _rule_chain(entries: list[dict[str, Any]], source: str) -> list[tuple[str, RuleParams]]:
    chain: list[tuple[str, RuleParams]] = []
    for i, entry in enumerate(entries):
        params = dict(entry)
        name = params.pop("rule")
        spec = REGISTRY.get(name)
        if spec is None:
            known = ", ".join(sorted(REGISTRY))
            raise ConfigError(f"{source}: rules[{i}].rule: unknown rule {name!r} (known: {known})")
        try:
            chain.append((name, spec.params.model_validate(params)))
        except ValidationError as exc:
            raise ConfigError(_explain(exc, source, f"rules[{i}]")) from None
    return chain


def _explain(exc: ValidationError, source: str, prefix: str = "") -> str:
    """The first validation error as 'file: key.path: message (got value)'."""
    err = exc.errors()[0]
    parts = [prefix] if prefix else []
    for loc in err["loc"]:
        if isinstance(loc, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{loc}]"]
        else:
            parts.append(str(loc))
    key = ".".join(parts) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    got = "" if err["type"] in ("missing", "extra_forbidden") else f" (got {err.get('input')!r})"
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return f"{source}: {key}: {msg}{got}"


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    for var, path in ENV_KEYS.items():
        if var in env and env[var] != "":
            node = raw
            for key in path[:-1]:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise ConfigError(f"{var}: cannot override {'.'.join(path)}")
            node[path[-1]] = env[var]


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe: plain YAML types only


def _parse_yaml(text: str) -> Any:
    """YAML read by libyaml (C: 1.5 ms for the repository's config.yaml, 17 ms in pure
    Python, on every command); a file it refuses is read again by the pure-Python parser,
    whose messages name the character at fault."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def find_config_file(explicit: str | os.PathLike[str] | None,
                     env: Mapping[str, str] | None = None) -> Path | None:
    """--config, else $LIGHTS_CONFIG, else ./config.yaml when present, else defaults."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("LIGHTS_CONFIG"):
        return Path(env["LIGHTS_CONFIG"])
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def load_config(path: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None,
                overrides: Mapping[tuple[str, ...], Any] | None = None) -> Config:
    """Read, override from the environment, validate. Raises ConfigError."""
    env = os.environ if env is None else env
    file = find_config_file(path, env)
    raw: dict[str, Any] = {}
    source = str(file) if file else "(built-in defaults)"
    if file is not None:
        try:
            loaded = _parse_yaml(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{file}: configuration file not found") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{file}: not a text file in UTF-8 (byte {exc.start + 1} "
                              "cannot be read); save it as UTF-8 YAML") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot be read: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"{file}:{where}: not valid YAML: "
                              f"{getattr(exc, 'problem', exc)}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{file}: the top level must be a mapping of keys")
        raw = loaded or {}
    _apply_env(raw, env)
    for keys, value in (overrides or {}).items():
        node = raw
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    try:
        config = Config.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, source)) from None
    config.rule_chain  # noqa: B018  (validate the rule parameters now, not mid-run)
    return config
