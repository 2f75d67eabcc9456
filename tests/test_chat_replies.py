"""How each robot sorts the services' replies, and a channel's pace: tables by hand."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.config import ChannelConfig
from notifications.pace import Pace
from notifications.transports import robot_class, robot_for
from notifications.transports.base import (
    ChannelRefused,
    ChatNote,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)

SH = ZoneInfo("Asia/Shanghai")


def robot(kind: str, **extra):
    channel = ChannelConfig(name="群", kind=kind, webhook_env="HOOK", roles=["owner"], **extra)
    return robot_class(channel)(channel, "https://robot.invalid/send?access_token=tok-123", "")


REPLIES = [
    # kind, HTTP status, body, expected (None: delivered)
    ("dingtalk", 200, {"errcode": 0, "errmsg": "ok"}, None),
    ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast"}, RateLimited),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, ChannelRefused),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "keywords not in content"}, ChannelRefused),
    ("dingtalk", 200, {"errcode": 300001, "errmsg": "token is not exist"}, ChannelRefused),
    ("dingtalk", 200, {"errcode": 460101, "errmsg": "message too long"}, PermanentFailure),
    ("dingtalk", 200, {"errcode": -1, "errmsg": "system busy"}, TemporaryFailure),
    ("dingtalk", 429, {}, RateLimited),
    ("dingtalk", 502, {}, TemporaryFailure),
    ("dingtalk", 404, {}, ChannelRefused),
    ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, None),
    ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, RateLimited),
    ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, ChannelRefused),
    ("wecom", 200, {"errcode": 40058, "errmsg": "content exceed max length"}, PermanentFailure),
    ("feishu", 200, {"code": 0, "msg": "success", "data": {}}, None),
    ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success"}, None),
    ("feishu", 200, {"code": 11232, "msg": "frequency limited psm"}, RateLimited),
    ("feishu", 200, {"code": 19021, "msg": "sign match fail"}, ChannelRefused),
    ("feishu", 200, {"code": 19024, "msg": "Key Words Not Found"}, ChannelRefused),
    ("feishu", 200, {"code": 9499, "msg": "too many request"}, RateLimited),
]


@pytest.mark.parametrize(("kind", "status", "body", "expected"), REPLIES)
def test_every_reply_is_read(kind, status, body, expected):
    r = robot(kind)
    content = json.dumps(body).encode()
    if expected is None:
        assert r.read(status, content)
        return
    with pytest.raises(expected) as info:
        r.read(status, content)
    assert type(info.value) is expected
    assert "tok-123" not in info.value.reply


def test_a_rate_limit_waits_the_channels_window():
    with pytest.raises(RateLimited) as info:
        robot("dingtalk").read(200, b'{"errcode":130101,"errmsg":"x"}')
    assert info.value.retry_after == 600
    with pytest.raises(RateLimited) as info:
        robot("wecom", rate_limit_seconds=5).read(429, b"")
    assert info.value.retry_after == 5


def test_an_answer_that_is_not_json_is_temporary():
    with pytest.raises(TemporaryFailure, match="not JSON"):
        robot("wecom").read(200, b"<html>gateway</html>")


def test_a_missing_variable_is_one_sentence_without_a_value():
    channel = ChannelConfig(name="群", kind="feishu", webhook_env="HOOK", secret_env="SECRET",
                            roles=["owner"])
    with pytest.raises(ChannelRefused, match="SECRET \\(its signing secret\\) is not set"):
        robot_for(channel, {"HOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/x"})
    with pytest.raises(ChannelRefused, match="does not hold an http"):
        robot_for(channel, {"HOOK": "ftp://x", "SECRET": "s"})


def test_sizes_are_utf8_bytes_after_json_encoding():
    wecom = robot("wecom")
    text = "红" * 1365  # 4,095 bytes
    assert wecom.fits(ChatNote("t", text)) and not wecom.fits(ChatNote("t", text + "红"))
    assert wecom.fits(ChatNote("t", "a" * 4096)) and not wecom.fits(ChatNote("t", "\n" * 2049))
    assert not wecom.fits(ChatNote("t", "红" * 683, markdown=False))  # text: 2,048 bytes
    ding = robot("dingtalk")
    assert ding.size(ChatNote("t", "红" * 100)) == len(json.dumps(
        {"msgtype": "markdown", "markdown": {"title": "t", "text": "红" * 100},
         "at": {"atMobiles": [], "isAtAll": False}}, ensure_ascii=False,
        separators=(",", ":")).encode())


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SH).timestamp()


def test_the_pace_keeps_per_minute_in_any_sixty_seconds():
    pace = Pace(3)
    start = at("2026-11-26 10:00:10")
    for i in range(3):
        assert pace.wait(start + i) == 0
        pace.record(start + i)
    assert pace.wait(start + 3) == pytest.approx(57)  # the first one leaves the window
    assert pace.wait(start + 60.5) == 0


def test_the_pace_starts_from_what_another_process_sent():
    pace = Pace(2)
    now = at("2026-11-26 10:00:40")
    pace.seed([now - 70, now - 30, now - 10])  # one is older than a minute
    assert pace.wait(now) == pytest.approx(30)


def test_feishu_is_paced_a_fifth_of_a_second_apart_and_not_on_the_hour():
    pace = Pace(90, 0.2, (0, 30), SH)
    t = at("2026-11-26 10:15:00")
    pace.record(t)
    assert pace.wait(t + 0.05) == pytest.approx(0.15)
    assert pace.wait(at("2026-11-26 10:59:59.5")) == 0
    assert pace.wait(at("2026-11-26 11:00:20")) == pytest.approx(41)
    assert pace.wait(at("2026-11-26 11:30:59")) == pytest.approx(2)
