"""A real HTTP server on loopback that answers as DingTalk, WeCom and Feishu robots do.

Written from the services' documented contracts (issue #14), not from our transports:

- DingTalk ``POST /robot/send?access_token=T[&timestamp=ms&sign=S]``: with a secret, the
  timestamp within an hour and ``sign = urlencode(base64(HMAC-SHA256(secret,
  f"{ts}\\n{secret}")))``, else 310000; a keyword that must be in the text, else 310000;
  the body at most 20,000 bytes; past ``per_minute`` a minute: 130101, then blocked for
  ``block_seconds``.
- WeCom ``POST /cgi-bin/webhook/send?key=K``: markdown content at most 4,096 bytes, text
  at most 2,048; past ``per_minute``: 45009; an unknown key: 93000.
- Feishu ``POST /open-apis/bot/v2/hook/T``: with a secret, ``timestamp`` (s) and
  ``sign = base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b""))`` in the body, else 19021;
  keyword else 19024; the body at most 20 KB; past 5 a second or ``per_minute``: 11232.

Every error is HTTP 200 with the code in the JSON, as the services do. ``script`` makes
the next replies HTTP 429 (``"429"``) or a given JSON code; ``delay`` slows each reply.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit


@dataclass
class Bot:
    """One robot: its credentials, its rules, and what it received."""

    kind: str
    token: str
    secret: str = ""
    keyword: str = ""
    per_minute: int = 20
    block_seconds: float = 600.0
    script: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # every request, accepted or not
    blocked_until: float = 0.0

    def texts(self) -> list[str]:
        return [text_of(self.kind, m) for m in self.received]


def text_of(kind: str, m: dict[str, Any]) -> str:
    if kind == "dingtalk":
        return m["markdown"]["text"] if m["msgtype"] == "markdown" else m["text"]["content"]
    if kind == "wecom":
        return m[m["msgtype"]]["content"]
    if m["msg_type"] == "interactive":
        return "\n".join(e["content"] for e in m["card"]["elements"])
    return m["content"]["text"]


class Robots:
    """The server's state; the handler calls :meth:`answer` for each request."""

    def __init__(self) -> None:
        self.bots: dict[tuple[str, str], Bot] = {}
        self.lock = threading.Lock()
        self.delay = 0.0
        self.port = 0

    def add(self, kind: str, token: str, **rules: Any) -> Bot:
        bot = self.bots[(kind, token)] = Bot(kind, token, **rules)
        return bot

    def url(self, bot: Bot) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {"dingtalk": f"{base}/robot/send?access_token={bot.token}",
                "wecom": f"{base}/cgi-bin/webhook/send?key={bot.token}",
                "feishu": f"{base}/open-apis/bot/v2/hook/{bot.token}"}[bot.kind]

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/robot/send":
            kind, token = "dingtalk", query.get("access_token", "")
        elif url.path == "/cgi-bin/webhook/send":
            kind, token = "wecom", query.get("key", "")
        elif url.path.startswith("/open-apis/bot/v2/hook/"):
            kind, token = "feishu", url.path.rsplit("/", 1)[1]
        else:
            return 404, {"error": "not found"}
        with self.lock:
            bot = self.bots.get((kind, token))
            if bot is None:
                return 200, {"dingtalk": {"errcode": 300001, "errmsg": "token is not exist"},
                             "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
                             "feishu": {"code": 19001, "msg": "param invalid: incoming "
                                                             "webhook access token invalid"}
                             }[kind]
            now = time.time()
            bot.times.append(now)
            bot.bodies.append(body)
            status, reply = getattr(self, kind)(bot, query, body, now)
            bot.replies.append(reply)
            return status, reply

    # -- the services ------------------------------------------------------------------------
    def _scripted(self, bot: Bot, err: str) -> tuple[int, dict[str, Any]] | None:
        if not bot.script:
            return None
        step = bot.script.pop(0)
        if step == "429":
            return 429, {"error": "too many requests"}
        return 200, {err: int(step), "errmsg" if err == "errcode" else "msg": "scripted"}

    def _rate(self, bot: Bot, now: float) -> bool:
        """Past the limit: blocked for the window, after which the count starts again."""
        if now < bot.blocked_until:
            return True
        recent = [t for t in bot.times[:-1] if t > now - 60 and t >= bot.blocked_until]
        if len(recent) >= bot.per_minute:
            bot.blocked_until = now + bot.block_seconds
            return True
        return False

    def dingtalk(self, bot: Bot, query: dict[str, str], body: bytes, now: float
                 ) -> tuple[int, dict[str, Any]]:
        scripted = self._scripted(bot, "errcode")
        if scripted:
            return scripted
        if bot.secret:
            ts = query.get("timestamp", "")
            if not ts.isdigit() or abs(int(ts) / 1000 - now) > 3600:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
            digest = hmac.new(bot.secret.encode(), f"{ts}\n{bot.secret}".encode(),
                              hashlib.sha256).digest()
            # parse_qs has url-decoded the sign: compare with the decoded form
            if query.get("sign") != base64.b64encode(digest).decode():
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        if len(body) > 20_000:
            return 200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
        message = json.loads(body)
        if bot.keyword and bot.keyword not in text_of("dingtalk", message):
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        if self._rate(bot, now):
            return 200, {"errcode": 130101,
                         "errmsg": "send too fast, exceed 20 times per minute"}
        bot.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def wecom(self, bot: Bot, query: dict[str, str], body: bytes, now: float
              ) -> tuple[int, dict[str, Any]]:
        scripted = self._scripted(bot, "errcode")
        if scripted:
            return scripted
        message = json.loads(body)
        content = message[message["msgtype"]]["content"].encode()
        limit = 4096 if message["msgtype"] == "markdown" else 2048
        if len(content) > limit:
            return 200, {"errcode": 40058, "errmsg": f"content exceed max length {limit}"}
        if self._rate(bot, now):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        bot.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def feishu(self, bot: Bot, query: dict[str, str], body: bytes, now: float
               ) -> tuple[int, dict[str, Any]]:
        scripted = self._scripted(bot, "code")
        if scripted:
            return scripted
        if len(body) > 20 * 1024:
            return 200, {"code": 19002, "msg": "request body too large"}
        message = json.loads(body)
        if bot.secret:
            ts = message.get("timestamp", "")
            key = f"{ts}\n{bot.secret}".encode()
            good = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not str(ts).isdigit() or abs(int(ts) - now) > 3600 or message.get("sign") != good:
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not "
                                                   "within one hour from current time"}
        if bot.keyword and bot.keyword not in text_of("feishu", message):
            return 200, {"code": 19024, "msg": "Key Words Not Found"}
        last_second = [t for t in bot.times[:-1] if t > now - 1]
        if len(last_second) >= 5 or self._rate(bot, now):
            return 200, {"code": 11232, "msg": "frequency limited psm"}
        bot.received.append(message)
        return 200, {"code": 0, "msg": "success", "data": {}}


def dingtalk_sign(secret: str, ts: int) -> str:
    """For tests that build a URL by hand."""
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


@contextmanager
def robots_server(port: int = 0) -> Iterator[Robots]:
    """The server on 127.0.0.1 (``port``, or a free one) in a thread of the test process."""
    robots = Robots()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            status, reply = robots.answer(self.path, self.rfile.read(length))
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    robots.port = server.server_address[1]
    # shutdown() waits for serve_forever's next poll: 0.5 s by default, at every test's end
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        yield robots
    finally:
        server.shutdown()
        server.server_close()
