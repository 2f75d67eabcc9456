"""The ``bulletins:`` section of config.yaml: investment preset, start nodes, recipients.

Hooked into :class:`engine.config.Config` as one field; imports nothing from
:mod:`engine.config` (which imports this module).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rules.investment import DEFAULT_PRESET, PRESETS, InvestmentParams, resolve


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recipient(_Section):
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class BulletinsConfig(_Section):
    """Bulletins and investment lights; config.yaml documents every key."""

    preset: str = DEFAULT_PRESET
    overrides: dict[str, Any] = Field(default_factory=dict)
    start_kinds: list[str] = Field(default_factory=lambda: ["start"])
    start_words: list[str] = Field(default_factory=lambda: ["开工", "复工"])
    production_kinds: list[str] = Field(default_factory=lambda: ["production"])
    top: int = Field(5, ge=1, le=50)
    send_to: list[Recipient] = Field(default_factory=list)

    @field_validator("preset")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r} (known: {', '.join(sorted(PRESETS))})")
        return value

    @field_validator("overrides")
    @classmethod
    def _valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("preset", DEFAULT_PRESET)
        if name in PRESETS and value:
            try:
                resolve(name, value)
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                errors = getattr(exc, "errors", None)
                if errors:
                    err = errors()[0]
                    key = ".".join(str(x) for x in err["loc"])
                    msg = err["msg"].removeprefix("Value error, ")
                    if err["type"] == "extra_forbidden":
                        msg = "unknown key"
                    raise ValueError(f"{key}: {msg}" if key else msg) from None
                raise
        return value

    @cached_property
    def params(self) -> InvestmentParams:
        """The preset's parameters with the overrides applied."""
        return resolve(self.preset, self.overrides)
