"""A channel's summary: one markdown message per run per channel, in numbered parts.

What DingTalk itself asks of robots: not one message per milestone, one summary. The
summary has the digest's content (worst project first, each milestone with its label,
light, step, reason, planned date and progress), in the channel's language; with
``mention: mobile`` each milestone's responsible person (责任人) is @-ed by the mobile
the contacts (or the ledger) give for them.

It is cut into parts at project boundaries (a project too long for one part is cut
between its milestones, a line too long for one part is shortened) so that every part,
numbered ``（1/3）``, fits the service's limit as the service measures it: UTF-8 bytes
after JSON encoding, signed (:meth:`Robot.fits`). Each part is its own outbox row
with its own stable key; each notice is linked to the part that shows it, so a part
telling of a new red may go out in quiet hours while the others wait. WeCom @-mentions
only in text messages: there, a text message with the mentions follows the parts.

Data never shapes the markdown: line breaks become spaces, and the characters that
would make a link, an image, a tag, emphasis or an @-mention are replaced by their
full-width forms.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from engine.i18n import lookup
from engine.store.tables import M, P
from notifications.addresses import check_mobile, is_mobile
from notifications.channels import TEXT_KIND
from notifications.config import CHANNEL_PREFIX, ChannelConfig
from notifications.plan import milestone_columns
from notifications.routing import Directory, Person
from notifications.transports import measurer
from notifications.transports.base import ChatNote

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85\s]+")
_MARKUP = str.maketrans({"@": "＠", "<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊",
                         "`": "'", "|": "｜", "#": "＃", "!": "！", "~": "～"})
LIGHT_MARKS = {"red": "🔴", "yellow": "🟡", "green": "🟢", "done": "🟢", "done_late": "🔴"}

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "{keyword}【{step}】{as_of} 重点项目节点提醒",
              "en": "{keyword}[{step}] {as_of} key project milestones"},
    "part": {"zh": "（{i}/{n}）", "en": " ({i}/{n})"},
    "counts": {"zh": "共{total}个节点：红灯{red}个，黄灯{yellow}个，已解除{resolved}个",
               "en": "{total} milestones: {red} red, {yellow} yellow, {resolved} resolved"},
    "more": {"zh": "（续）", "en": " (continued)"},
    "left_out": {"zh": "另有{n}个节点未在此列出（问题较轻，已计入上述数字）",
                 "en": "{n} more milestone(s), less severe and counted above, not listed here"},
    "reason": {"zh": "原因", "en": "reason"},
    "climbed": {"zh": "升级原因", "en": "why this step"},
    "planned": {"zh": "计划{date}，进度{percent}", "en": "due {date}, {percent} done"},
    "owner": {"zh": "责任人", "en": "owner"},
    "ack": {"zh": "已确认：{author}，暂缓至{until}",
            "en": "acknowledged by {author} until {until}"},
    "footer": {"zh": "重点项目红黄绿灯 · {ref}", "en": "Lights · {ref}"},
    "mention": {"zh": "{keyword}请以上节点的责任人关注并及时处理（{as_of}）：",
                "en": "{keyword}Owners of the milestones above, please see to them ({as_of}):"},
}
_say = lookup(WORDS)


def md(value: Any) -> str:
    """A value from the data as harmless markdown text on one line."""
    return _CONTROL.sub(" ", str(value)).strip().translate(_MARKUP)


@dataclass
class Block:
    """Lines that stay together (a project, or a piece of one): its heading, then one line
    per milestone with the milestone's id."""

    head: str
    rows: list[tuple[str, int]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [self.head, *(line for line, _ in self.rows)]

    @property
    def milestones(self) -> set[int]:
        return {m for _, m in self.rows}


@dataclass
class Part:
    """One message of a channel's summary, ready for the outbox."""

    key: str
    kind: str
    subject: str
    text: str
    milestones: set[int]


class Summary:
    """Builds one channel's parts from a digest context (:meth:`Composer.digest_context`)."""

    def __init__(self, channel: ChannelConfig, lang: str) -> None:
        self.channel = channel
        self.lang = lang
        self.robot = measurer(channel)
        self.keyword = f"{md(channel.keyword)} " if channel.keyword else ""

    def say(self, key: str, **values: Any) -> str:
        return _say(key, self.lang, **values)

    def item(self, i: Mapping[str, Any], mobiles: Iterable[str]) -> str:
        colon, comma, semi = ("：", "，", "；") if self.lang == "zh" else (": ", ", ", "; ")
        text = (f"- {LIGHT_MARKS.get(i['light'], '⚪')} [{md(i['label_text'])}] "
                f"**{md(i['milestone'])}**{colon}{md(i['light_text'])}")
        if i["step"]:
            text += f"{comma}{md(i['step'])}"
        if i.get("climbed"):  # a step reached by a streak of month ends
            text += f"{semi}{self.say('climbed')}{colon}{md(i['climbed'])}"
        text += (f"{semi}{self.say('reason')}{colon}{md(i['reason'])}{semi}"
                 f"{self.say('planned', date=md(i['planned_date']), percent=md(i['percent']))}")
        if i.get("ack"):
            ack = i["ack"]
            text += f"{semi}{self.say('ack', author=md(ack['author']), until=md(ack['until']))}"
        mobiles = list(mobiles)
        if mobiles and self.channel.mention == "mobile" and self.channel.kind == "dingtalk":
            text += f"{semi}{self.say('owner')} " + " ".join(f"@{m}" for m in mobiles)
        return text

    def blocks(self, context: Mapping[str, Any], mobiles: Mapping[int, list[str]]
               ) -> list[Block]:
        out = []
        for p in context["projects"]:
            where = f"{md(p['region'])} · {md(p['department'])}"
            head = f"**{md(p['code'])} {md(p['name'])}**" + (
                f"（{where}）" if self.lang == "zh" else f" ({where})")
            out.append(Block(head, [(self.item(i, mobiles.get(i["id"], [])), i["id"])
                                    for i in p["rows"]]))
        return out

    def render(self, title: str, counts: str, blocks: list[Block], i: int, n: int,
               ref: str) -> ChatNote:
        heading = title + (self.say("part", i=i, n=n) if n > 1 else "")
        body = "\n\n".join("\n".join(b.lines) for b in blocks)
        # Feishu's card markdown has no headings: its card title carries the heading
        top = f"**{heading}**" if self.channel.kind == "feishu" else f"#### {heading}"
        text = f"{top}\n\n{counts}\n\n{body}\n\n> {self.say('footer', ref=ref)}"
        return ChatNote(heading, text, mentions=_mentions(text))

    def _fit_line(self, line: str, fits: Any) -> str:
        """A line too long for a part alone, shortened until it fits."""
        lo, hi = 0, len(line)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(line[:mid] + "…"):
                lo = mid
            else:
                hi = mid - 1
        return line[:lo] + "…"

    def parts(self, context: Mapping[str, Any], mobiles: Mapping[int, list[str]],
              key: str) -> list[Part]:
        """The summary's parts, each fitting the service's limit, numbered."""
        title = self.say("title", keyword=self.keyword, step=md(context["top_step"]),
                         as_of=md(context["as_of"]))
        counts = self.say("counts", **context["counts"])
        left_out = context["more"]["milestones"]
        if left_out:  # a digest lists the worst notices.digest_max_items
            counts += ("；" if self.lang == "zh" else "; ") + self.say("left_out", n=left_out)
        probe = "0" * 8

        def fits(blocks: list[Block]) -> bool:
            return self.robot.fits(self.render(title, counts, blocks, 99, 99, probe))

        packed: list[list[Block]] = [[]]
        for block in self.blocks(context, mobiles):
            for piece in self._pieces(block, fits):
                if fits([*packed[-1], piece]):
                    packed[-1].append(piece)
                else:
                    packed.append([piece])
        packed = [p for p in packed if p] or [[]]
        n = len(packed)
        out = []
        for i, blocks in enumerate(packed, 1):
            part_key = f"{key}|{i}"
            note = self.render(title, counts, blocks, i, n, _ref(part_key))
            out.append(Part(part_key, "chat", note.title, note.text,
                            set().union(*(b.milestones for b in blocks))))
        out += self._mention_parts(context, mobiles, key)
        return out

    def _pieces(self, block: Block, fits: Any) -> list[Block]:
        """The block itself when it fits a part alone, else pieces of it that do (the
        project's heading repeated, marked continued)."""
        if fits([block]):
            return [block]
        more = block.head + self.say("more")
        pieces: list[Block] = [Block(block.head)]
        for line, milestone in block.rows:
            head = pieces[-1].head
            if not fits([Block(more, [(line, milestone)])]):
                line = self._fit_line(line, lambda t, m=milestone: fits([Block(more, [(t, m)])]))
            if pieces[-1].rows and not fits([Block(head, [*pieces[-1].rows, (line, milestone)])]):
                pieces.append(Block(more))
            pieces[-1].rows.append((line, milestone))
        return pieces

    def _mention_parts(self, context: Mapping[str, Any], mobiles: Mapping[int, list[str]],
                       key: str) -> list[Part]:
        """WeCom: the @-mentions as text messages after the markdown (2,048 bytes each)."""
        if self.channel.kind != "wecom" or self.channel.mention != "mobile":
            return []
        wanted = list(dict.fromkeys(m for ms in mobiles.values() for m in ms))
        if not wanted:
            return []
        head = self.say("mention", keyword=self.keyword, as_of=md(context["as_of"]))
        groups: list[list[str]] = [[]]
        for mobile in wanted:
            trial = [*groups[-1], mobile]
            note = ChatNote(head, head + " " + " ".join(f"@{m}" for m in trial),
                            tuple(trial), markdown=False)
            if groups[-1] and not self.robot.fits(note):
                groups.append([mobile])
            else:
                groups[-1] = trial
        return [Part(f"{key}|m{j}", TEXT_KIND, head,
                     head + " " + " ".join(f"@{m}" for m in group), set())
                for j, group in enumerate(groups, 1)]


_MENTION = re.compile(r"@(1[3-9]\d{9})(?!\d)")


def _mentions(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MENTION.findall(text)))


def _mobile(value: str) -> str:
    """A ledger's 责任人手机 as typed (138-1234-5678, +86 …), or "" when it is not one."""
    try:
        return check_mobile(value or "")
    except ValueError:
        return ""


def _ref(key: str) -> str:
    """A short reference printed on each part: the same part always shows the same one."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def owner_mobiles(conn: Connection, directory: Directory, ids: Iterable[int]
                  ) -> dict[int, list[str]]:
    """Each milestone's responsible people's (责任人) mobiles, for @-mentions."""
    ids = sorted(set(ids))
    out: dict[int, list[str]] = {}
    for i in range(0, len(ids), 5000):
        rows = conn.execute(select(*milestone_columns(), M.c.owner_mobile).select_from(M.join(P))
                            .where(M.c.id.in_(ids[i:i + 5000]))).all()
        for m in rows:
            people, _ = directory.resolve("owner", m)
            ledger = _mobile(m.owner_mobile)
            found = [directory.mobile(p, ledger) for p in people] or [ledger]
            out[m.id] = [x for x in dict.fromkeys(found) if is_mobile(x)]
    return out


def channel_parts(composer: Any, conn: Connection, directory: Directory, person: Any,
                  notices: list[Any], as_of: date, histories: Mapping[int, list[Any]],
                  acks: Mapping[int, Any]) -> list[tuple[Part, list[int]]]:
    """A channel's parts for its pending notices, each with the ids of the notices it shows.

    None when the channel is no longer configured: its notices stay pending.
    """
    channel = composer.config.notices.channel(person.email.removeprefix(CHANNEL_PREFIX))
    if channel is None or not notices:
        return []
    lang = channel.lang or composer.config.lang
    ctx = composer.digest_context(Person(person.name, person.email, lang), notices, as_of,
                                  histories, acks, [])
    mobiles = owner_mobiles(conn, directory, {n.milestone_id for n in notices}) \
        if channel.mention == "mobile" else {}
    ids = ",".join(str(n.id) for n in notices)
    key = f"chat|{as_of}|{channel.name}|{hashlib.sha1(ids.encode()).hexdigest()[:12]}"
    parts = Summary(channel, lang).parts(ctx, mobiles, key)
    shown = set().union(*(part.milestones for part in parts))
    # the notices a summary does not list (beyond digest_max_items) are told by its
    # counts: they go with its first part, not left pending for the next night
    return [(part, [n.id for n in notices if n.milestone_id in part.milestones
                    or (i == 0 and n.milestone_id not in shown)])
            for i, part in enumerate(parts)]
