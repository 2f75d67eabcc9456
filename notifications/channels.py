"""The group-robot channels as the dispatcher sees them: one outbox row, one outcome.

An outbox row whose recipient is ``channel:NAME`` goes to that channel's robot
(:mod:`notifications.transports.dingtalk`, ``wecom``, ``feishu``) instead of the mail
transport; everything else about it is the outbox's: at least once, its stable key, its
tries and back-off. What a channel adds, decided here for each row:

- it keeps its pace (:class:`notifications.pace.Pace`): a short wait is slept, a long
  one (the minute is full) leaves the row for later without counting a try;
- a rate-limit reply holds the channel for the service's window: this row and the
  channel's next ones wait, none is counted as a failed try, none is lost;
- a refused signature, keyword or webhook fails this row and the channel's other rows
  in the batch without trying them (each failure is reported to the administrators);
- a refused connection holds the channel as an outage (no try counted, a back-off
  that grows while it lasts); a timeout or HTTP 5xx is a try, retried with back-off;
  either holds only this channel (the mail goes on).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.store.tables import OUTBOX
from notifications.config import CHANNEL_PREFIX, RetryConfig
from notifications.pace import Pace
from notifications.transports import robot_for
from notifications.transports.base import (
    ChannelRefused,
    ChatNote,
    ConnectionFailure,
    DeliveryFailure,
    RateLimited,
    TemporaryFailure,
)

MENTION = re.compile(r"@(1[3-9]\d{9})(?!\d)")
SLEEP_AT_MOST = 5.0  # seconds of pace slept in line; longer waits leave the row for later
TEXT_KIND = "chat_text"  # a plain-text message (WeCom's @-mentions); "chat" is markdown


def is_channel(recipient: str) -> bool:
    return recipient.startswith(CHANNEL_PREFIX)


def note_of(row: Any) -> ChatNote:
    """The note an outbox row holds; who is @-ed is read back from the text itself."""
    return ChatNote(row.subject, row.text, tuple(dict.fromkeys(MENTION.findall(row.text))),
                    markdown=row.kind != TEXT_KIND)


@dataclass
class Outcome:
    status: str
    attempts: int
    error: str = ""
    next_at: datetime | None = None
    sent_at: datetime | None = None


def backoff(attempts: int, retry: RetryConfig) -> float:
    return min(retry.max_seconds, retry.base_seconds * 2 ** max(attempts - 1, 0))


class Channels:
    """The robots of one dispatch, created when first needed and closed with it."""

    def __init__(self, engine: Engine, config: Config, env: Mapping[str, str] | None = None,
                 *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine, self.config, self.env = engine, config, env
        self.clock, self.sleep = clock, sleep
        self.robots: dict[str, Any] = {}
        self.paces: dict[str, Pace] = {}
        self.held: dict[str, tuple[float, str]] = {}  # name → (until, why)
        self.refused: dict[str, str] = {}
        self.outages: dict[str, int] = {}  # name → connection failures in a row

    def describe(self) -> str:
        return ", ".join(r.describe() for r in self.robots.values())

    def close(self) -> None:
        for robot in self.robots.values():
            robot.close()
        self.robots.clear()

    def _robot(self, name: str) -> Any:
        robot = self.robots.get(name)
        if robot is None:
            channel = self.config.notices.channel(name)
            if channel is None:
                raise ChannelRefused(f"channel {name} is not in notices.channels any more")
            robot = self.robots[name] = robot_for(channel, self.env)
        return robot

    def _pace(self, name: str, robot: Any) -> Pace:
        pace = self.paces.get(name)
        if pace is None:
            channel = robot.channel
            pace = self.paces[name] = Pace(
                channel.pace, robot.min_gap,
                robot.busy_minutes if channel.avoid_busy_minutes else (), self.config.zone)
            since = datetime.fromtimestamp(self.clock() - 60.0, UTC)
            with self.engine.connect() as conn:
                pace.seed(_aware(t).timestamp() for t in conn.execute(
                    select(OUTBOX.c.sent_at).where(OUTBOX.c.recipient == channel.address,
                                                   OUTBOX.c.sent_at >= since)).scalars())
        return pace

    def _at(self, seconds_from_now: float) -> datetime:
        return datetime.fromtimestamp(self.clock() + seconds_from_now, UTC)

    def deliver(self, row: Any) -> Outcome:
        """Send one row to its channel (see the module doc); never raises for delivery."""
        name = row.recipient.removeprefix(CHANNEL_PREFIX)
        tries = row.attempts + 1
        if name in self.refused:
            return Outcome("failed", row.attempts, f"not sent: {self.refused[name]}")
        if name in self.held and self.held[name][0] > self.clock():
            until, why = self.held[name]
            return Outcome("pending", row.attempts, why, self._at(until - self.clock()))
        try:
            robot = self._robot(name)
            pace = self._pace(name, robot)
            wait = pace.wait(self.clock())
            if wait > SLEEP_AT_MOST:
                return Outcome("pending", row.attempts, f"paced: {robot.channel.pace} a minute",
                               self._at(wait))
            if wait > 0:
                self.sleep(wait)
            pace.record(self.clock())
            robot.send(note_of(row))
        except RateLimited as exc:
            self.held[name] = (self.clock() + exc.retry_after, exc.reply)
            return Outcome("pending", row.attempts, exc.reply, self._at(exc.retry_after))
        except ChannelRefused as exc:
            self.refused[name] = exc.reply
            return Outcome("failed", tries, exc.reply)
        except ConnectionFailure as exc:  # an outage: the channel waits, no try counted
            self.outages[name] = self.outages.get(name, 0) + 1
            delay = backoff(self.outages[name], self.config.notices.retry)
            self.held[name] = (self.clock() + delay, f"outage: {exc.reply}")
            return Outcome("pending", row.attempts, f"outage: {exc.reply}", self._at(delay))
        except TemporaryFailure as exc:
            retry = self.config.notices.retry
            if tries >= retry.attempts:
                return Outcome("failed", tries, f"gave up after {tries} attempts: {exc.reply}")
            delay = backoff(tries, retry)
            self.held[name] = (self.clock() + delay, f"not tried: {exc.reply}")
            return Outcome("pending", tries, exc.reply, self._at(delay))
        except DeliveryFailure as exc:  # permanent
            return Outcome("failed", tries, exc.reply)
        self.outages.pop(name, None)
        return Outcome("sent", tries, "", sent_at=self._at(0))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


TEST_WORDS = {
    "zh": ("{keyword}重点项目红黄绿灯：测试消息",
           "#### {keyword}重点项目红黄绿灯：测试消息\n\n"
           "本群已接入重点项目节点提醒（{name}，{at}）。\n\n> 由 lights channels test 发送"),
    "en": ("{keyword}Lights: test message",
           "#### {keyword}Lights: test message\n\nThis group receives key project milestone "
           "notices ({name}, {at}).\n\n> sent by lights channels test"),
}


def test_channel(config: Config, name: str, env: Mapping[str, str] | None = None,
                 now: datetime | None = None) -> str:
    """Send one test message to a channel now (not through the outbox): the service's
    answer, or the DeliveryFailure saying what it refused (ValueError: no such channel)."""
    channel = config.notices.channel(name)
    if channel is None:
        known = ", ".join(c.name for c in config.notices.channels) or "none"
        raise ValueError(f"no channel {name} in notices.channels (configured: {known})")
    lang = channel.lang or config.lang
    keyword = f"{channel.keyword} " if channel.keyword else ""
    at = (now or datetime.now(config.zone)).strftime("%Y-%m-%d %H:%M")
    title, text = (w.format(keyword=keyword, name=channel.name, at=at)
                   for w in TEST_WORDS[lang])
    robot = robot_for(channel, env)
    try:
        return robot.send(ChatNote(title, text))
    finally:
        robot.close()
