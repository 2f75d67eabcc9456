"""The bulletin as a Word document (.docx): a 通报 laid out as offices issue them.

GB/T 9704-2012 as far as a generated file can follow it: A4 with the standard margins
(天头 37 mm, 订口 28 mm: a type area of 156 × 225 mm), the body in 3号仿宋 on a fixed
line pitch of 22 lines a page, the title in 2号小标宋, first-level headings in 黑体 and
second-level ones in 楷体, page numbers "— 1 —" at the foot. Fonts are named, not
embedded: the office's Word or WPS supplies them (``bulletins.fonts`` changes the names).
With ``bulletins.issuer`` the document gets its 红头 (the issuing office in red over a red
line), its 文号, its addressees (主送), the office and the date of issue at its end
(落款, 成文日期 in Chinese) and its 抄送 line.

The contents are those of the HTML, read from the same view (:func:`render.view`):
the written part first, then the tables; the charts as PNG pictures drawn from the
same SVG (:mod:`.pictures`), or their numbers as tables, said so, on a machine without
a Chinese font.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from engine.bulletins.build import Bulletin
from engine.bulletins.config import Fonts, Issuer
from engine.bulletins.pictures import has_cjk_font, png
from engine.bulletins.render import NUMERALS, svg_charts, view
from engine.bulletins.words import w
from engine.i18n import lookup
from rules.reasons import format_day

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
TABLE_PT = 10.5  # 5号
WIDE_TABLE_PT = 9  # 小5号: the rate tables' eleven columns
NOTE_PT = 14  # 4号: 版记
LINE_PT = 28.95  # 225 mm / 22 lines
INDENT = Pt(2 * BODY_PT)  # two characters
RED = RGBColor(0xE6, 0x00, 0x12)
TYPE_WIDTH = Mm(156)

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "关于{label}{scope}重点项目推进情况的通报",
              "en": "Key projects{scope}: {label}"},
    "intro": {"zh": "现将{label}{scope}重点项目推进情况通报如下。",
              "en": "This bulletin reports how the key projects stood in {label}{scope}."},
    "to": {"zh": "{names}：", "en": "To: {names}"},
    "cc": {"zh": "抄送：{names}。", "en": "Copy: {names}."},
    "printed": {"zh": "{office}", "en": "{office}"},
    "sub.rates": {"zh": "（一）主要指标", "en": "(1) The rates"},
    "sub.lights": {"zh": "（二）节点红黄绿灯", "en": "(2) Node lights"},
    "no_font": {"zh": "（本机未安装中文字体，图表以数据表代替；"
                      "安装 fonts-noto-cjk 后可生成图表。）",
                "en": "(No Chinese font on the machine that wrote this file: the charts are "
                      "given as tables; install fonts-noto-cjk for the pictures.)"},
}
_say = lookup(WORDS)


@dataclass(frozen=True)
class Issue:
    """What the command adds to a Word bulletin: the date of issue and the 文号's number."""

    issued: date
    number: int | None = None  # {n} of the 文号 (default: the period's number in its year)


def document_number(issuer: Issuer, b: Bulletin, number: int | None) -> str:
    """The 文号 from its pattern: 白重项办〔2026〕10号."""
    quarter = (b.period.start.month - 1) // 3 + 1
    return issuer.number.format(year=b.period.end.year, month=b.period.end.month,
                                quarter=quarter, n=number or b.period.ordinal)


def write_docx(b: Bulletin, lang: str, issue: Issue, issuer: Issuer | None,
               fonts: Fonts, pictures: bool | None = None) -> tuple[bytes, list[str]]:
    """The .docx file's bytes, and what the reader must be told (no Chinese font).

    ``pictures``: draw the charts (default: when the machine has a Chinese font)."""
    doc = _Doc(fonts)
    v = view(b, lang, with_charts=False)
    said: list[str] = []
    scope = b.scope.label(lang)
    scope_words = f"（{scope}）" if scope and lang == "zh" else f" ({scope})" if scope else ""
    label = b.period.label(lang)
    if issuer is not None:
        doc.red_head(issuer, document_number(issuer, b, issue.number) if issuer.number else "")
    doc.title(_say("title", lang, label=label, scope=scope_words))
    doc.line(w("subtitle", lang, label=label, as_of=b.as_of), centre=True, size=BODY_PT - 2)
    if issuer is not None and issuer.to:
        doc.line(_say("to", lang, names=("，" if lang == "zh" else ", ").join(issuer.to)))
    doc.para(_say("intro", lang, label=label, scope=scope_words))
    for note in v["notes"]:
        doc.para(note, size=NOTE_PT)

    h = v["h"]
    doc.heading1(h["overview"])
    for para in v["assessment"]:
        doc.para(para)
    doc.table([w("col.item", lang), ""], [[r["label"], r["value"]] for r in v["overview"]])
    doc.heading2(_say("sub.rates", lang))
    doc.table([w("col.item", lang), w("col.now", lang), w("col.before", lang),
               w("col.change", lang)],
              [[r["label"], r["now"], r["before"], r["change"]] for r in v["rates"]],
              numeric_from=1)
    doc.heading2(_say("sub.lights", lang))
    doc.table([w("col.light", lang), w("col.now", lang), w("col.before", lang),
               w("col.change", lang)],
              [[r["label"], r["now"], r["before"], r["change"]] for r in v["lights"]]
              + [[f"{w('invest_lights', lang)}：{r['label']}", r["now"], r["before"],
                  r["change"]] for r in v["invest_lights"]], numeric_from=1)

    if v["campaign"]:
        c = v["campaign"]
        doc.heading1(h["campaign"])
        doc.para(c["window"])
        doc.para(c["sentence"])
        if c["rows"]:
            doc.table([w("col.item", lang), w("camp.target", lang), w("camp.start", lang),
                       w("col.now", lang), w("camp.gap", lang), w("camp.met", lang)],
                      [[r["label"], r["target"], r["start"], r["now"], r["gap"], r["met"]]
                       for r in c["rows"]], numeric_from=1)
        if c["regions"]:
            doc.table([w("col.region", lang), *c["columns"]],
                      [[r["name"], *(x["text"] for x in r["cells"])] for r in c["regions"]],
                      numeric_from=1)

    doc.heading1(h["rankings"])
    if v["score_formula"]:
        doc.para(v["score_formula"])
    for i, ranking in enumerate(v["rankings"]):
        doc.heading2(f"（{'一二三四'[i]}）{ranking['title']}" if lang == "zh"
                     else f"({i + 1}) {ranking['title']}")
        doc.para(f"{ranking['top_label']}：{ranking['top']}；"
                 f"{ranking['bottom_label']}：{ranking['bottom']}。" if lang == "zh" else
                 f"{ranking['top_label']}: {ranking['top']}. "
                 f"{ranking['bottom_label']}: {ranking['bottom']}.")
        head = [w("col.rank", lang), ranking["column"], w("col.due", lang),
                w("col.on_time", lang), w("rate.node", lang)]
        head += [w("col.score", lang)] if v["scored"] else []
        head += [w("col.move", lang), w("col.lights", lang)]
        rows = [[r["rank"], r["name"], r["due"], r["on_time"], r["rate"],
                 *([r["score"]] if v["scored"] else []), r["arrow"],
                 f"{r['red']}/{r['yellow']}/{r['green']}"] for r in ranking["rows"]]
        doc.table(head, rows, numeric_from=2, text_columns=(1,))
    if v["too_few"]:
        doc.para(v["too_few"], size=NOTE_PT)

    doc.heading1(h["charts"])
    if has_cjk_font() if pictures is None else pictures:
        for title, svg in _charts(b, lang):
            doc.caption(title)
            doc.picture(png(svg))
    else:
        said.append(_say("no_font", lang).strip("（）()"))
        doc.para(_say("no_font", lang), size=NOTE_PT)
        for t in v["chart_tables"]:
            doc.caption(t["title"])
            doc.table(t["header"], t["rows"], numeric_from=1, text_columns=(1,))

    doc.heading1(h["groups"])
    for t in v["groups"]:
        head = [t["column"], w("col.projects", lang), w("col.plan_yi", lang),
                w("col.completed_yi", lang), w("rate.expected", lang),
                w("rate.investment", lang), w("rate.schedule", lang), w("rate.funds", lang),
                w("rate.start", lang), w("rate.production", lang), w("rate.node", lang)]
        doc.table(head, [[r["name"], r["projects"], r["plan"], r["completed"], r["expected"],
                          r["investment"], r["schedule"], r["funds"], r["start"],
                          r["production"], r["node"]] for r in t["rows"] + [t["total"]]],
                  numeric_from=1, size=WIDE_TABLE_PT)

    doc.heading1(h["red"])
    doc.para(v["red_by_unit"])
    if v["red"]:
        doc.table([f"{w('col.project', lang)}／{w('col.milestone', lang)}",
                   f"{w('col.department', lang)}／{w('col.leader', lang)}",
                   w("col.planned", lang), w("col.days_late", lang), w("col.reason", lang)],
                  [[f"{r['project']} {r['project_name']}\n{r['milestone']}",
                    f"{r['department']}\n{r['leader']}", r["planned"], r["days_late"],
                    r["reason"]] for r in v["red"]],
                  size=WIDE_TABLE_PT, numeric_columns=(3,))

    if v["problems"]:
        doc.heading1(h["problems"])
        doc.para(v["problems"]["sentence"])
        if v["problems"]["rows"]:
            doc.table([w("col.lead", lang), w("col.p_due", lang), w("col.p_closed", lang),
                       w("col.p_on_time", lang), w("rate.closed", lang),
                       w("rate.closed_on_time", lang), w("col.p_raised", lang),
                       w("col.p_cleared", lang), w("rate.cleared", lang),
                       w("col.p_overdue", lang)],
                      [[r["unit"], r["due"], r["closed"], r["on_time"], r["closing"],
                        r["on_time_rate"], r["raised"], r["cleared"], r["cleared_rate"],
                        r["overdue"]] for r in v["problems"]["rows"]],
                      numeric_from=1, size=WIDE_TABLE_PT)

    doc.heading1(h["invest"])
    if v["flagged"]:
        doc.table([w("col.light", lang), w("col.project", lang), w("col.department", lang),
                   w("col.plan_wan", lang), w("col.completed_wan", lang), w("col.reason", lang)],
                  [[r["light_label"], f"{r['project']} {r['project_name']}", r["department"],
                    r["plan"], r["completed"], r["reason"]] for r in v["flagged"]],
                  size=WIDE_TABLE_PT, numeric_columns=(3, 4))
    else:
        doc.para(w("no_flagged", lang))

    doc.heading1(h["due"])
    doc.para(v["due_title"])
    if v["due"]:
        doc.table([w("col.planned", lang), w("col.project", lang), w("col.milestone", lang),
                   w("col.department", lang), w("col.leader", lang), w("col.light", lang)],
                  [[r["planned"], f"{r['project']} {r['project_name']}", r["milestone"],
                    r["department"], r["leader"], r["light_label"]] for r in v["due"]],
                  size=WIDE_TABLE_PT)
    else:
        doc.para(w("no_due", lang))

    if v["checks"]:
        doc.heading1(h["checks"])
        doc.para(w("check.intro", lang))
        doc.table([w("col.project", lang), w("col.department", lang), w("col.check", lang)],
                  [[f"{r['project']} {r['project_name']}", r["department"], r["what"]]
                   for r in v["checks"]], size=WIDE_TABLE_PT)

    doc.heading1(h["judgement"])
    for para in v["judgement"]:
        doc.para(para)
    doc.heading1(h["requirements"])
    for i, item in enumerate(v["requirements"], 1):
        doc.para(f"{i}. {item}" if lang == "en" else f"{_numeral(i)}{item}")
    doc.heading1(h["closing"])
    for line in v["closing"]:
        doc.para(line)
    doc.para(f"{w('c.definitions', lang)}：{w('def.start', lang)}{w('def.investment', lang)}"
             f"{w('def.funds', lang)}{w('def.production', lang)}{w('def.node', lang)}",
             size=NOTE_PT)
    doc.para(w("def.history", lang), size=NOTE_PT)

    if issuer is not None:
        doc.signature(issuer.signed or issuer.office, format_day(issue.issued, lang))
        doc.colophon(_say("cc", lang, names=("，" if lang == "zh" else ", ").join(issuer.cc))
                     if issuer.cc else "", issuer.office, format_day(issue.issued, lang), lang)
    return doc.save(), said


def _numeral(i: int) -> str:
    """（一）… as the second level counts in a 公文's body."""
    return f"（{NUMERALS[i - 1]}）"


def _charts(b: Bulletin, lang: str) -> list[tuple[str, Any]]:
    """The HTML's charts (the same SVG), with their captions."""
    drawn = svg_charts(b, lang)
    titles = {"lights": "chart.lights", "rank": "chart.rank", "rank_dept": "chart.rank_dept",
              "invest": "chart.invest"}
    return [(w(titles[key], lang), drawn[key]) for key in titles if drawn.get(key)]


class _Doc:
    """python-docx with the 公文's page, fonts and paragraph shapes."""

    def __init__(self, fonts: Fonts) -> None:
        self.fonts = fonts
        self.doc = Document()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28)
        normal = self.doc.styles["Normal"]
        _set_font(normal.font, normal.element.get_or_add_rPr(), fonts.body, BODY_PT)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        self._page_numbers(section)

    # -- paragraphs ----------------------------------------------------------------------
    def _p(self, text: str, font: str, size: float, *, bold: bool = False,
           align: Any = None, indent: Any = None, colour: RGBColor | None = None,
           exact: float | None = None) -> Paragraph:
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent is not None:
            p.paragraph_format.first_line_indent = indent
        if exact is not None:
            p.paragraph_format.line_spacing = Pt(exact)
        run = p.add_run(text)
        _set_font(run.font, run._element.get_or_add_rPr(), font, size)
        run.font.bold = bold
        if colour is not None:
            run.font.color.rgb = colour
        return p

    def red_head(self, issuer: Issuer, number: str) -> None:
        colour = RED if issuer.red_head else None
        # As large as one line of the type area allows, at most 36 pt (小初号 is 36).
        size = max(16, min(36, int(TYPE_WIDTH.pt * 0.96 / max(_width(issuer.office), 1))))
        self._p(issuer.office, self.fonts.title, size, align=WD_ALIGN_PARAGRAPH.CENTER,
                colour=colour, exact=size * 1.5)
        self._p("", self.fonts.body, BODY_PT)
        line = self._p(number, self.fonts.body, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
        if issuer.red_head:
            _border(line, "bottom", "FF0000", 18)
        self._p("", self.fonts.body, BODY_PT)

    def title(self, text: str) -> None:
        self._p(text, self.fonts.title, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, exact=36)

    def line(self, text: str, centre: bool = False, size: float = BODY_PT) -> None:
        self._p(text, self.fonts.body, size,
                align=WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT)

    def para(self, text: str, size: float = BODY_PT) -> None:
        self._p(text, self.fonts.body, size, indent=Pt(2 * size),
                align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    def heading1(self, text: str) -> None:
        self._p(text, self.fonts.heading1, BODY_PT, indent=INDENT).paragraph_format \
            .keep_with_next = True

    def heading2(self, text: str) -> None:
        self._p(text, self.fonts.heading2, BODY_PT, indent=INDENT).paragraph_format \
            .keep_with_next = True

    def caption(self, text: str) -> None:
        self._p(text, self.fonts.heading2, NOTE_PT, align=WD_ALIGN_PARAGRAPH.CENTER) \
            .paragraph_format.keep_with_next = True

    def picture(self, data: bytes) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.add_run().add_picture(io.BytesIO(data), width=TYPE_WIDTH)

    def table(self, head: list[Any], rows: list[list[Any]], *, numeric_from: int | None = None,
              numeric_columns: tuple[int, ...] = (), text_columns: tuple[int, ...] = (),
              size: float = TABLE_PT) -> None:
        """A ruled table; numbers right-aligned, the header bold."""
        def numeric(i: int) -> bool:
            return i in numeric_columns or (numeric_from is not None and i >= numeric_from
                                            and i not in text_columns)

        table = self.doc.add_table(rows=1 + len(rows), cols=len(head))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _cell_margins(table, Mm(1))
        widths = column_widths(head, rows, TYPE_WIDTH, size,
                               tuple(i for i in range(len(head)) if numeric(i)))
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width

        # Row by row: table.cell(r, i) walks the whole table each time (minutes at 500 rows).
        for r, (row, values) in enumerate(zip(table.rows, [head, *rows], strict=True)):
            for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[i]
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                p.paragraph_format.first_line_indent = Pt(0)
                p.alignment = (WD_ALIGN_PARAGRAPH.CENTER if r == 0 else
                               WD_ALIGN_PARAGRAPH.RIGHT if numeric(i) else WD_ALIGN_PARAGRAPH.LEFT)
                run = p.add_run("" if value is None else str(value))
                _set_font(run.font, run._element.get_or_add_rPr(), self.fonts.body, size)
                run.font.bold = r == 0
        self.doc.add_paragraph()

    def signature(self, office: str, day: str) -> None:
        self._p("", self.fonts.body, BODY_PT)
        for text in (office, day):
            p = self._p(text, self.fonts.body, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(4 * BODY_PT)

    def colophon(self, cc: str, office: str, day: str, lang: str) -> None:
        """版记: 抄送 and the office that printed it, between rules, at the end."""
        self._p("", self.fonts.body, BODY_PT)
        if cc:
            p = self._p(cc, self.fonts.body, NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
            p.paragraph_format.left_indent = Pt(NOTE_PT)
            _border(p, "top", "000000", 8)
        p = self._p(f"{office}　　{day}{'印发' if lang == 'zh' else ''}", self.fonts.body,
                    NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        p.paragraph_format.left_indent = Pt(NOTE_PT)
        if not cc:
            _border(p, "top", "000000", 8)
        _border(p, "bottom", "000000", 8)

    def _page_numbers(self, section: Any) -> None:
        """— 1 — centred at the foot (4号 宋体 in the standard; the body font here)."""
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part in ("— ", None, " —"):
            run = p.add_run()
            _set_font(run.font, run._element.get_or_add_rPr(), "宋体", NOTE_PT)
            if part is not None:
                run.text = part
                continue
            for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = text
                run._element.append(el)

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def _width(text: str) -> float:
    """Characters as wide as a Chinese one: Latin letters and digits count half."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.6 for c in text)


def column_widths(head: list[Any], rows: list[list[Any]], total: Any,
                  size: float = TABLE_PT, numeric: tuple[int, ...] = ()) -> list[Any]:
    """Widths for the type area: each column what its longest value needs on one line
    (a header may wrap onto two); when that is too wide, the widest text columns give
    way first (they wrap), numbers never. Widths counted in characters of ``size``."""
    need = []
    for i, title in enumerate(head):
        longest = max((_width(line) + 0.8 for row in rows if row[i] is not None
                       for line in str(row[i]).split("\n")), default=0)
        need.append(max(longest, _width(str(title)) / 2 + 0.8, 2.5))
    room = total.pt / size
    chars = list(need)
    floor = [n if i in numeric else min(n, 10.0 if n > 16 else 5.0) for i, n in enumerate(need)]
    while sum(chars) > room:
        widest = max((i for i in range(len(chars)) if chars[i] > floor[i]),
                     key=lambda i: chars[i], default=None)
        if widest is None:
            break  # nothing can give way: scaled below
        chars[widest] = max(floor[widest], chars[widest] - 0.5)
    return [int(total * c / sum(chars)) for c in chars]


def _cell_margins(table: Any, margin: Any) -> None:
    """Narrow cell margins (Word's default 1.9 mm a side leaves little for eleven columns)."""
    tpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(int(margin.twips)))
        edge.set(qn("w:type"), "dxa")
        mar.append(edge)
    tpr.append(mar)


def _set_font(font: Any, rpr: Any, name: str, size: float) -> None:
    """A font by name for Chinese and Latin text alike (Word reads w:eastAsia for CJK)."""
    font.name = name
    font.size = Pt(size)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _border(p: Paragraph, side: str, colour: str, size: int) -> None:
    """A rule above or below a paragraph (the 红头's red line, the 版记's rules)."""
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"),
                       ("w:color", colour)):
        edge.set(qn(key), value)
    borders.append(edge)


__all__ = ["Issue", "document_number", "write_docx"]
