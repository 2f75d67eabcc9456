"""Signed links in the e-mails: one recipient, one item, a few days, no password.

A digest item links to its node's page on the board, a problem step to the problem's.
The link carries the item (a milestone, or a problem and the unit the recipient answers
for), the recipient's address and name, and the time it was made,
signed with the secret in ``LIGHTS_WEB_SECRET`` (itsdangerous, HMAC-SHA256 via its
default signer) so that it cannot be made or changed without the secret. It works for
``web.link_days`` days (default 14) and lets that recipient act on that one item and
nothing else (a node: acknowledge, give a reason, report progress; a problem: reply,
ask for more time); what they do is recorded under their name and address.

With no ``web.base_url`` the e-mails stay as they were, without links; with a base URL
but no secret there are no links either, and :func:`Linker.warning` says why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SECRET_VARIABLE = "LIGHTS_WEB_SECRET"
SALT = "lights-item-link"
KINDS = ("milestone", "problem")


def secret_from_env() -> str | None:
    value = os.environ.get(SECRET_VARIABLE, "").strip()
    return value or None


class LinkRefused(Exception):
    """A link that cannot be used: ``expired`` or ``invalid`` (forged, altered, cut)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class ItemLink:
    kind: str  # milestone | problem
    ref: str  # the milestone's id, or the problem's code
    email: str
    name: str
    issued: datetime
    unit: str = ""  # for a problem: the unit the recipient answers for (lead or helping)

    @property
    def actor(self) -> str:
        """How the audit names the person: their name and address (64 characters)."""
        who = f"{self.name} <{self.email}>" if self.name and self.name != self.email \
            else self.email
        return who[:64]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(secret: str, kind: str, ref: str | int, email: str, name: str = "",
               unit: str = "") -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    data = {"k": kind, "r": str(ref), "e": email, "n": name}
    if unit:
        data["u"] = unit
    return _serializer(secret).dumps(data)


def read_token(secret: str, token: str, days: int) -> ItemLink:
    """The link's item and recipient; LinkRefused when expired, forged or altered."""
    try:
        data, issued = _serializer(secret).loads(token, max_age=days * 86400,
                                                 return_timestamp=True)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        raise LinkRefused("invalid") from None
    if not isinstance(data, dict) or data.get("k") not in KINDS:
        raise LinkRefused("invalid")
    return ItemLink(data["k"], str(data.get("r", "")), str(data.get("e", "")),
                    str(data.get("n", "")), issued.astimezone(UTC), str(data.get("u", "")))


class Linker:
    """Makes the links of one composition; ``enabled`` only with a base URL and a secret."""

    def __init__(self, base_url: str, secret: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret if secret is not None else secret_from_env()

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.secret)

    @property
    def warning(self) -> str | None:
        if self.base_url and not self.secret:
            return (f"web.base_url is set but {SECRET_VARIABLE} is not: the e-mails carry "
                    f"no links to the board")
        return None

    def url(self, kind: str, ref: str | int, email: str, name: str = "", unit: str = ""
            ) -> str | None:
        if not self.enabled:
            return None
        token = make_token(self.secret or "", kind, ref, email, name, unit)
        return f"{self.base_url}/l/{token}"
