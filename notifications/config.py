"""The ``notices:`` section of config.yaml: the escalation ladder, digests, delivery.

Validated with the rest of the configuration when any command starts, so a ladder
naming an unknown role or a template that does not exist stops the command with one
sentence instead of failing at night. The SMTP password is never part of it: the
SMTP transport reads ``LIGHTS_SMTP_PASSWORD`` from the environment when it connects.
"""

from __future__ import annotations

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


class RetryConfig(_Section):
    attempts: int = Field(6, ge=1, le=100)
    base_seconds: float = Field(30.0, ge=0)
    max_seconds: float = Field(900.0, ge=0)
    wait_seconds: float = Field(120.0, ge=0, description="how long one `send` waits for retries")


class NotificationsConfig(_Section):
    enabled: bool = True
    send_after_run: bool = True
    ladder: list[LadderStep] = Field(default_factory=_default_ladder, min_length=1)
    repeat_every_days: int = Field(7, ge=1, le=365)
    flap_window_days: int = Field(3, ge=0, le=60)
    ack_hold_days: int = Field(7, ge=1, le=365)
    storm_threshold: float = Field(0.3, gt=0, le=1)
    storm_min_milestones: int = Field(20, ge=0)
    contacts: list[ContactEntry] = Field(default_factory=list)
    templates_dir: str = ""
    outbox_dir: str = "outbox"
    mail_from: str = "lights@localhost"
    mail_from_name: str = "重点项目红黄绿灯"
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)

    @field_validator("mail_from")
    @classmethod
    def _from(cls, value: str) -> str:
        from notifications.addresses import check_address

        return check_address(value)

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
        return self
