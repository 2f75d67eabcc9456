"""The ``web:`` section of config.yaml: where the board is reached, how long links last.

Hooked into :class:`engine.config.Config` as one field; imports nothing from
:mod:`engine.config` (which imports this module). The signing secret is never a key:
it is read from the environment (``LIGHTS_WEB_SECRET``) by :mod:`engine.links`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WebConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("", description="the board's address as people reach it; empty: "
                                          "e-mails carry no links")
    link_days: int = Field(14, ge=1, le=90, description="how long a link in an e-mail works")
    session_hours: int = Field(12, ge=1, le=720)
    login_attempts: int = Field(5, ge=1, le=100, description="failed sign-ins before a pause")
    lockout_minutes: int = Field(15, ge=1, le=1440)
    page_size: int = Field(50, ge=10, le=500)
    wall_refresh_seconds: int = Field(300, ge=30, le=3600)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (or be empty)")
        return value

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over TLS when the board is published on https."""
        return self.base_url.startswith("https://")
