"""The ``notices:`` section of config.yaml: the escalation ladder, digests, delivery.

Validated with the rest of the configuration when any command starts, so a ladder
naming an unknown role or a template that does not exist stops the command with one
sentence instead of failing at night. The SMTP password is never part of it: the
SMTP transport reads ``LIGHTS_SMTP_PASSWORD`` from the environment when it connects.
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LadderLight = Literal["yellow", "red"]

ROLES = ("owner", "secretary", "department", "leader", "supervision_office", "leaders_office",
         "admin")
"""Recipient roles. The first four come from the ledger (a milestone's 责任人, a project's
服务秘书, 责任单位 and 包保领导) unless the contacts table names someone; the others
only from the contacts table."""

STEP_TEMPLATES = ("remind", "supervise", "listed", "interview")
"""The step wordings shipped in notifications/templates/LANG/steps/ (a template
override directory may add more)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Consecutive(_Section):
    """A step reached by repetition: ``light`` in ``periods`` consecutive monthly
    evaluations (the light at each month's end), e.g. two yellows in a row.

    ``scope`` says whose evaluations count: the milestone's own, its project's (the
    worst light among the project's open milestones at each month end), or either.
    """

    light: LadderLight = "yellow"
    periods: int = Field(2, ge=2, le=24)
    period: Literal["month"] = "month"
    scope: Literal["milestone", "project", "either"] = "either"


class LadderStep(_Section):
    """One rung: who is told, and with which wording, once a milestone has held
    ``light`` for ``days`` working days."""

    step: str = Field(min_length=1, max_length=32)
    light: LadderLight
    days: int = Field(0, ge=0, le=3650)
    roles: list[str] = Field(min_length=1)
    template: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    zh: str = Field(min_length=1, max_length=32, description="the step's name in Chinese")
    en: str = Field(min_length=1, max_length=64, description="the step's name in English")
    reply_days: int = Field(3, ge=1, le=60,
                            description="working days the unit has to answer (the notice's date)")
    after_consecutive: Consecutive | None = Field(
        None, description="also reached after this light in consecutive periods")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        for role in value:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        return value


def _default_ladder() -> list[LadderStep]:
    base = ["owner", "secretary"]
    red = [*base, "department", "leader"]
    return [
        LadderStep(step="remind", light="yellow", days=0, roles=base, template="remind",
                   zh="提醒", en="Reminder"),
        LadderStep(step="supervise", light="red", days=0, roles=red, template="supervise",
                   zh="督办", en="Supervision"),
        LadderStep(step="listed", light="red", days=10, roles=[*red, "supervision_office"],
                   template="listed", zh="挂牌督办", en="Listed supervision"),
        LadderStep(step="interview", light="red", days=20,
                   roles=[*red, "supervision_office", "leaders_office"], template="interview",
                   zh="约谈", en="Interview"),
    ]


class ContactEntry(_Section):
    """A person who receives notices for a role, within a scope (blank = everywhere)."""

    name: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=254)
    role: str
    region: str = ""
    department: str = ""
    project: str = ""
    lang: Literal["zh", "en"] | None = None
    mobile: str = Field("", description="for @-mentions in chat groups (11 digits)")

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str) -> str:
        from notifications.addresses import check_mobile

        return check_mobile(value)

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r} (known: {', '.join(ROLES)})")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        from notifications.addresses import check_address

        return check_address(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        from notifications.addresses import check_display_name

        return check_display_name(value)


class SmtpConfig(_Section):
    """Where mail goes. Unset host: the file transport writes .eml files instead."""

    host: str = ""
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str = ""
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    rate_per_second: float = Field(0.0, ge=0, description="0: no limit")

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"none": 25, "starttls": 587, "ssl": 465}[self.security]


ChannelKind = Literal["dingtalk", "wecom", "feishu"]

PER_MINUTE = {"dingtalk": 18, "wecom": 18, "feishu": 90}
"""Under each service's limit of 20, 20 and 100 a minute per robot."""

RATE_WINDOW = {"dingtalk": 600.0, "wecom": 60.0, "feishu": 60.0}
"""How long a service blocks a robot that went over its limit (DingTalk: 10 minutes)."""


class ChannelConfig(_Section):
    """A group robot of DingTalk, WeCom or Feishu that receives the digests of some roles.

    The webhook URL and the signing secret are credentials: only the names of the
    environment variables holding them are configured, never their values.
    """

    name: str = Field(min_length=1, max_length=48, pattern=r"^[^\s:/]+$")
    kind: ChannelKind
    webhook_env: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    secret_env: str = Field("", max_length=64, pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$")
    keyword: str = Field("", max_length=32, description="a word the robot requires in text")
    roles: list[str] = Field(min_length=1)
    regions: list[str] = Field(default_factory=list, description="empty: every region")
    departments: list[str] = Field(default_factory=list, description="empty: every one")
    per_minute: int | None = Field(None, ge=1, le=100, description="default by kind")
    mention: Literal["none", "mobile"] = "none"
    lang: Literal["zh", "en"] | None = None
    rate_limit_seconds: float | None = Field(
        None, ge=0, le=3600, description="back-off after a rate-limit reply; default by kind")
    timeout_seconds: float = Field(15.0, gt=0, le=120)
    avoid_busy_minutes: bool = Field(True, description="Feishu: not at :00 and :30")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        for role in value:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        return value

    @model_validator(mode="after")
    def _mentions(self) -> ChannelConfig:
        if self.mention == "mobile" and self.kind == "feishu":
            raise ValueError("mention: mobile is not offered by Feishu robots (they mention "
                             "by open_id); use none")
        return self

    @property
    def pace(self) -> int:
        return self.per_minute or PER_MINUTE[self.kind]

    @property
    def window(self) -> float:
        return RATE_WINDOW[self.kind] if self.rate_limit_seconds is None \
            else self.rate_limit_seconds

    @property
    def address(self) -> str:
        """The channel as a recipient of notices (never an e-mail address)."""
        return f"{CHANNEL_PREFIX}{self.name}"


CHANNEL_PREFIX = "channel:"


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``22:00..07:30`` → (start, end); "" → None. The window may cross midnight."""
    if not text.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split(".."))
    except ValueError:
        raise ValueError(f"{text!r} is not HH:MM..HH:MM (e.g. 22:00..07:30)") from None
    if start == end:
        raise ValueError(f"{text!r}: the start and the end are the same time")
    return start, end


class RetryConfig(_Section):
    attempts: int = Field(6, ge=1, le=100)
    base_seconds: float = Field(30.0, ge=0)
    max_seconds: float = Field(900.0, ge=0)
    wait_seconds: float = Field(120.0, ge=0, description="how long one `send` waits for retries")
    batch_seconds: float = Field(300.0, gt=0, le=86400,
                                 description="a batch of messages taking longer (a server that "
                                             "hangs) stops the dispatch; the rest wait for the "
                                             "retry job")


class NotificationsConfig(_Section):
    enabled: bool = True
    send_after_run: bool = True
    ladder: list[LadderStep] = Field(default_factory=_default_ladder, min_length=1)
    repeat_every_days: int = Field(7, ge=1, le=365)
    flap_window_days: int = Field(3, ge=0, le=60)
    ack_hold_days: int = Field(7, ge=1, le=365)
    storm_threshold: float = Field(0.3, gt=0, le=1)
    storm_min_milestones: int = Field(20, ge=0)
    digest_max_items: int = Field(200, ge=1, description=(
        "the most milestones one digest lists, worst first; it counts the others and "
        "says where to see them"))
    compose_processes: int = Field(1, ge=0, le=64, description=(
        "processes rendering a large night's digests: 1, the run's own (a night stays "
        "one process, under 400 MB at 1,000,000 milestones); N, that many workers; 0, "
        "one per core (a first night at 1,000,000: 167 s to 132 s on 2 cores, about "
        "twice the memory)"))
    contacts: list[ContactEntry] = Field(default_factory=list)
    templates_dir: str = ""
    outbox_dir: str = "outbox"
    mail_from: str = "lights@localhost"
    reply_to: str = Field("", description="where units send reasons and replies (default: "
                                          "mail_from)")
    mail_from_name: str = "重点项目红黄绿灯"
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    channels: list[ChannelConfig] = Field(default_factory=list)
    quiet_hours: str = Field("", description="HH:MM..HH:MM: nothing is delivered inside")
    working_days_only: bool = False
    urgent_red_now: bool = True

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value.strip()

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        return parse_quiet_hours(self.quiet_hours)

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)

    @field_validator("mail_from")
    @classmethod
    def _from(cls, value: str) -> str:
        from notifications.addresses import check_address

        return check_address(value)

    @field_validator("reply_to")
    @classmethod
    def _reply_to(cls, value: str) -> str:
        from notifications.addresses import check_address

        return check_address(value) if value.strip() else ""

    @property
    def reply_address(self) -> str:
        """Where a unit sends its reason or reply: reply_to, else the sender."""
        return self.reply_to or self.mail_from

    @field_validator("mail_from_name")
    @classmethod
    def _from_name(cls, value: str) -> str:
        from notifications.addresses import check_display_name

        return check_display_name(value)

    @model_validator(mode="after")
    def _ladder_order(self) -> NotificationsConfig:
        names = [s.step for s in self.ladder]
        if len(set(names)) != len(names):
            raise ValueError("ladder: step names must be unique")
        for light in ("yellow", "red"):
            days = [s.days for s in self.ladder if s.light == light]
            if days != sorted(days) or len(set(days)) != len(days):
                raise ValueError(f"ladder: the {light} steps must be in increasing order of days")
        lights = [s.light for s in self.ladder]
        if "yellow" in lights and "red" in lights and \
                max(i for i, x in enumerate(lights) if x == "yellow") > lights.index("red"):
            raise ValueError("ladder: the yellow steps come before the red ones")
        channels = [c.name for c in self.channels]
        if len(set(channels)) != len(channels):
            raise ValueError("channels: names must be unique")
        return self
