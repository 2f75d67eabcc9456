"""Contacts files as offices write them: Chinese headers and role names accepted.

``lights contacts load`` reads a CSV (or YAML) whose header may be 姓名,邮箱,角色,地区,
责任单位,项目编号,语言,手机 as well as name,email,role,…, and whose roles may be written
责任人, 服务秘书, 责任单位, 包保领导, 督查室, 领导办公室 or 管理员 as well as their codes.
"""

from __future__ import annotations

import unicodedata
from typing import Any

HEADERS: dict[str, str] = {
    "姓名": "name", "名字": "name", "联系人": "name",
    "邮箱": "email", "电子邮箱": "email", "邮件": "email", "电子邮件": "email", "e-mail": "email",
    "角色": "role", "身份": "role",
    "地区": "region", "所属地区": "region", "县(市)区": "region",
    "单位": "department", "责任单位": "department", "部门": "department",
    "项目": "project", "项目编号": "project",
    "语言": "lang",
    "手机": "mobile", "手机号": "mobile", "手机号码": "mobile",
}
ROLE_NAMES: dict[str, str] = {
    "责任人": "owner", "节点责任人": "owner",
    "服务秘书": "secretary", "秘书": "secretary",
    "责任单位": "department",
    "包保领导": "leader", "领导": "leader",
    "督查室": "supervision_office", "督查": "supervision_office",
    "领导办公室": "leaders_office",
    "管理员": "admin", "系统管理员": "admin",
}
LANGS: dict[str, str] = {"中文": "zh", "汉语": "zh", "英文": "en", "英语": "en", "english": "en"}


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def normalise(entry: dict[str, Any]) -> dict[str, Any]:
    """One contact's fields with Chinese headers, roles and languages as their codes."""
    out: dict[str, Any] = {}
    for key, value in entry.items():
        name = HEADERS.get(_key(key), _key(key))
        if name == "role" and isinstance(value, str):
            value = ROLE_NAMES.get(_key(value), value)
        elif name == "lang" and isinstance(value, str):
            value = LANGS.get(_key(value), value)
        out[name] = value
    return out
