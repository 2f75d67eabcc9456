"""Addresses and header values: what comes from data never shapes the message.

Names and subjects come from ledgers people type into; a CR or LF in them must never
start a new header. Every header value goes through :func:`header_text`, which turns
control characters into spaces, and addresses must match a strict pattern.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import formataddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
# Deliberately narrow: local@domain with no spaces, quotes, commas or angle brackets.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")


class BadAddress(ValueError):
    """An e-mail address that cannot be used as given."""


def header_text(value: str, limit: int = 500) -> str:
    """A value safe for any header: control characters become one space."""
    return _CONTROL.sub(" ", value).strip()[:limit]


def is_address(value: str) -> bool:
    return bool(_ADDRESS.match(value)) and len(value) <= 254


def check_address(value: str) -> str:
    """The address, trimmed; BadAddress (a ValueError) with the reason otherwise."""
    text = value.strip()
    if not is_address(text):
        raise BadAddress(f"{value!r} is not an e-mail address like name@example.cn")
    return text


def check_display_name(value: str) -> str:
    """A person's name as typed, without control characters."""
    text = header_text(value, 64)
    if not text:
        raise ValueError("a name is needed")
    return text


def mailbox(name: str, address: str) -> str:
    """``Name <address>``, the name encoded (RFC 2047) when it is not ASCII."""
    return formataddr((header_text(name, 64), check_address(address)), charset="utf-8")


def header_address(name: str, address: str) -> Address:
    """An Address object for EmailMessage headers (the policy encodes the name)."""
    local, domain = check_address(address).rsplit("@", 1)
    return Address(display_name=header_text(name, 64), username=local, domain=domain)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def check_mobile(value: str) -> str:
    """A mainland mobile number (11 digits, spaces and dashes dropped), or "" for none."""
    text = re.sub(r"[\s-]", "", value or "").removeprefix("+86")
    if text and not _MOBILE.match(text):
        raise ValueError(f"{value!r} is not a mobile number like 13812345678")
    return text


def is_mobile(value: str) -> bool:
    return bool(_MOBILE.match(value or ""))
