"""What every request of the application shares (``app.state.web``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from engine.config import Config
from engine.web.auth import AddressLimiter


@dataclass
class Web:
    """What every request needs: the configuration, the database, the sign-in limiter."""

    config: Config
    engine: Engine
    secret: str
    secret_from_env: bool
    limiter: AddressLimiter = field(default_factory=AddressLimiter)
    cache: dict[Any, Any] = field(default_factory=dict)
