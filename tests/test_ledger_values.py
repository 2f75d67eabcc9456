"""Ledger cells and headers as real ledgers write them (pure parsers, no files)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from engine.config import ConfigError, load_config
from engine.ledger import values as v
from engine.ledger.headers import HeaderTable, column_letter, find_header, layout, split


@pytest.mark.parametrize("raw", [
    "2026-10-31", "2026/10/31", "2026.10.31", "2026年10月31日", "2026-10-31 00:00:00",
    datetime(2026, 10, 31), datetime(2026, 10, 31, 14, 30), date(2026, 10, 31),
    46326,  # an Excel date serial whose cell lost its date format
    "20261031", "２０２６年１０月３１日", "２０２６／１０／３１", " 2026 - 10 - 31 ",
    "2026年 10月 31日", "\u30002026.10.31\u3000", "2026/10/31T08:00",
])
def test_dates_in_every_form_ledgers_write(raw):
    assert v.day(raw) == date(2026, 10, 31)


def test_single_digit_months_and_days():
    assert v.day("2026/3/1") == date(2026, 3, 1)
    assert v.day("2026年3月1日") == date(2026, 3, 1)


@pytest.mark.parametrize(("raw", "why"), [
    ("2026-13-01", "date"), ("2026-02-30", "date"), ("明年三月", "date"),
    ("10/31/2026", "date"), (3.5, "date"), ("1899-12-31", "date_year"), (1000, "date"),
    (99999, "date_year"),
    # a month where a full date is needed (an actual date, a report date)
    ("2026年10月", "date_month"), ("2026-10", "date_month"), ("2026.10", "date_month"),
    ("2026年10月底", "date_month"), (2026.12, "date_month"), ("2026.1", "date_month"),
    # no year: this year or next? (a deadline in winter crosses the year)
    ("10月底", "date_no_year"), ("10月31日", "date_no_year"), ("10/31", "date_no_year"),
    ("10月", "date_no_year"),
])
def test_bad_dates_say_why(raw, why):
    with pytest.raises(v.Invalid) as caught:
        v.day(raw)
    assert caught.value.why == why


@pytest.mark.parametrize(("raw", "number_format", "last", "first"), [
    ("2026年10月", None, date(2026, 10, 31), date(2026, 10, 1)),
    ("2026-10", None, date(2026, 10, 31), date(2026, 10, 1)),
    ("2026/10", None, date(2026, 10, 31), date(2026, 10, 1)),
    ("2026.10", None, date(2026, 10, 31), date(2026, 10, 1)),
    ("２０２６年２月", None, date(2026, 2, 28), date(2026, 2, 1)),
    ("2028年2月份", None, date(2028, 2, 29), date(2028, 2, 1)),
    ("2026年1月", None, date(2026, 1, 31), date(2026, 1, 1)),
    ("2026-01", None, date(2026, 1, 31), date(2026, 1, 1)),
    ("2026年10月底", None, date(2026, 10, 31), date(2026, 10, 31)),  # 底/末 says its end
    ("2026年10月底前", None, date(2026, 10, 31), date(2026, 10, 31)),
    # Excel number cells, as the cell shows them
    (2026.12, None, date(2026, 12, 31), date(2026, 12, 1)),
    (2026.3, "General", date(2026, 3, 31), date(2026, 3, 1)),
    (2026.1, "0.00", date(2026, 10, 31), date(2026, 10, 1)),        # shows 2026.10
    (2026.01, "0.00", date(2026, 1, 31), date(2026, 1, 1)),
])
def test_a_planned_date_may_be_a_month(raw, number_format, last, first):
    assert v.month_day(raw, number_format, end=True) == last
    assert v.month_day(raw, number_format, end=False) == first


@pytest.mark.parametrize("raw", ["2026-10-31", datetime(2026, 10, 1), 46326, "20261031",
                                 2026, "明年", 2026.123, None])
def test_what_is_not_a_month(raw):
    assert v.month_day(raw, None, end=True) is None


@pytest.mark.parametrize(("raw", "number_format"), [("2026.1", None), (2026.1, None),
                                                    (2026.1, "General"), (2026.1, "0.0")])
def test_2026_point_1_may_be_january_or_october(raw, number_format):
    """Excel turns 2026.10 typed into a number cell into 2026.1: not read as January."""
    with pytest.raises(v.Invalid) as caught:
        v.month_day(raw, number_format, end=True)
    assert caught.value.why == "month_ambiguous" and caught.value.params == {"year": "2026"}


def test_bad_months():
    with pytest.raises(v.Invalid) as caught:
        v.month_day("2026-13", end=True)
    assert caught.value.why == "date"
    with pytest.raises(v.Invalid) as caught:
        v.month_day("1899年10月", end=True)
    assert caught.value.why == "date_year"


def test_a_date_cell_showing_a_month():
    assert v.shows_month(datetime(2026, 10, 1), 'yyyy"年"m"月"')
    assert v.shows_month(datetime(2026, 10, 1), "[$-804]yyyy\"年\"m\"月\";@")
    assert v.shows_month(datetime(2026, 10, 1), "mmm-yy")
    assert not v.shows_month(datetime(2026, 10, 15), 'yyyy"年"m"月"')  # a day of its own
    assert not v.shows_month(datetime(2026, 10, 1), "yyyy-mm-dd")
    assert not v.shows_month(2026.1, 'yyyy"年"m"月"')


@pytest.mark.parametrize(("raw", "unit", "expected"), [
    (3000, None, "3000.00"),
    (3000.5, None, "3000.50"),
    ("3000", None, "3000.00"),
    ("3000万元", None, "3000.00"),
    ("3000万", None, "3000.00"),
    ("1.5亿元", None, "15000.00"),
    ("1.5亿", None, "15000.00"),
    (1.5, "亿元", "15000.00"),          # 总投资（亿元） in the header
    ("2000万元", "亿元", "2000.00"),     # the cell's unit wins over the header's
    ("1,234.5", None, "1234.50"),
    ("３０００万元", None, "3000.00"),
    (" 3000 万元 ", None, "3000.00"),
    (5000000, "元", "500.00"),
    ("0.125", None, "0.13"),            # 2 decimals of 万元, rounded half up
])
def test_amounts_in_wan_or_yi_in_the_cell_or_the_header(raw, unit, expected):
    assert v.amount(raw, unit) == Decimal(expected)


@pytest.mark.parametrize(("raw", "why"), [("-3", "negative"), (-0.5, "negative"),
                                          ("三千万", "amount"), ("3000美元", "amount")])
def test_bad_amounts(raw, why):
    with pytest.raises(v.Invalid) as caught:
        v.amount(raw)
    assert caught.value.why == why


@pytest.mark.parametrize(("raw", "number_format", "expected"), [
    (60, None, 60.0), ("60", None, 60.0), ("60%", None, 60.0), (0.6, None, 60.0),
    ("0.6", None, 60.0), (1, None, 100.0), ("1%", None, 1.0), (0, None, 0.0),
    ("62.5%", None, 62.5), ("６０％", None, 60.0), (" 60 % ", None, 60.0),
    (0.6, "0%", 60.0), (0.625, "0.0%", 62.5), (0.01, "0%", 1.0),
    (60, '0"%"', 60.0),                 # a literal % sign in the format does not scale
    (0.333, None, 33.3),                # no float noise (0.333 * 100 = 33.300000000000004)
])
def test_percent_one_rule(raw, number_format, expected):
    assert v.percent(raw, number_format) == expected


@pytest.mark.parametrize(("raw", "number_format", "why"), [
    ("120", None, "percent_over"), ("101%", None, "percent_over"),
    (1.5, "0%", "percent_over"),        # an Excel percent cell showing 150%
    ("-5", None, "percent_negative"), ("六成", None, "percent"), ("60%%", None, "percent"),
])
def test_bad_percents(raw, number_format, why):
    with pytest.raises(v.Invalid) as caught:
        v.percent(raw, number_format)
    assert caught.value.why == why


def test_codes_and_names():
    assert v.code("ＨＢ－００１ ") == "HB-001"
    assert v.code(1001.0) == "1001"
    assert v.text("  玉米深加工（一期）\u3000") == "玉米深加工（一期）"  # own characters kept
    assert v.text(None) is None and v.text("   ") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("是", True), ("否", False), ("Y", True), ("no", False), (1, True), (0, False),
    (True, True), ("室内", False)])
def test_yes_no(raw, expected):
    assert v.boolean(raw) is expected


def test_choices_accept_codes_labels_and_ledger_suffixes():
    options = {"省级": "provincial", "provincial": "provincial", "产业": "industrial"}
    assert v.choice("省级", options) == "provincial"
    assert v.choice("Provincial", options) == "provincial"
    assert v.choice("省级重点项目", options) == "provincial"
    assert v.choice("产业类", options) == "industrial"
    with pytest.raises(v.Invalid):
        v.choice("国家级", options)


def test_pause_windows():
    assert v.pause("11-01..03-31") == "11-01..03-31"
    assert v.pause("11-01至03-31") == "11-01..03-31"
    assert v.pause("无") == "none"
    with pytest.raises(v.Invalid):
        v.pause("冬天")


@pytest.mark.parametrize(("header", "base", "unit"), [
    ("总投资（万元）", "总投资", "万元"),
    ("总投资(亿元)", "总投资", "亿元"),
    ("总投资亿元", "总投资", "亿元"),
    ("Total investment (10k yuan)", "totalinvestment", "万元"),
    ("完成进度（%）", "完成进度", None),
    ("2026年计划投资", "年度计划投资", None),
    ("*项目编号", "项目编号", None),
    ("计划完成\n时间", "计划完成时间", None),
])
def test_header_units_and_spellings(header, base, unit):
    assert split(header) == (base, unit)


def test_headers_in_chinese_english_and_local_variants():
    table = HeaderTable({"项目编号": ["统一编号"], "leader": ["包抓领导"]})
    for header, key in [("项目编号", "code"), ("Project code", "code"), ("项目代码", "code"),
                        ("统一编号", "code"), ("包抓领导", "leader"), ("形象进度", "percent"),
                        ("总投资（亿元）", "total_investment"),
                        ("2026年度计划投资（万元）", "annual_plan"),
                        ("PLANNED DATE", "planned_date"),
                        ("县（市）区", "region")]:
        found = table.match(header)
        assert found is not None and found[0].key == key, header
    assert table.match("总投资（亿元）")[1] == "亿元"
    assert table.match("联系电话") is None


def test_bad_aliases_in_the_config_name_the_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("ledger:\n  header_aliases:\n    项目编码2: [x]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ledger.header_aliases: '项目编码2' is not a ledger"):
        load_config(path, env={})
    path.write_text("ledger:\n  header_aliases:\n    项目编号: [项目名称]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="already names the column 项目名称"):
        load_config(path, env={})


def test_a_group_header_and_its_sub_headers_read_as_one():
    """Merged cells read as their first cell and blanks: a group runs while sub-headers do."""
    rows = [(3, ["项目编号", "节点名称", "计划", None, "完成投资（亿元）", None, "总投资", "备注"]),
            (4, [None, None, "开始时间", "完成时间", "本月", "累计", "合计", "（选填）"]),
            (5, ["HB-001", "开工", "2026-03", "2026-10", 0.1, 0.8, 5, None])]
    table = HeaderTable()
    header = find_header(rows, table)
    assert (header.row, header.last) == (3, 4)
    placed = layout("节点", header.row, header.values, table, header.rows).placed
    assert [(p.letter, p.column.key, p.unit, p.row) for p in placed] == [
        ("A", "code", None, 3), ("B", "milestone", None, 3), ("C", "planned_start", None, 4),
        ("D", "planned_date", None, 4), ("E", "month_amount", "亿元", 4),
        ("F", "ytd_amount", "亿元", 4), ("G", "total_investment", None, 4),
        ("H", "note", None, 3)]  # a note under a header of its own: the header stands


def test_a_row_of_data_below_the_header_is_not_a_sub_header():
    table = HeaderTable()
    for below in (["HB-001", "开工", "2026-10-31"],     # the code: data
                  [None, "开工", "2026-10-31"],         # no code, but nothing it names
                  [None, "开工", 46326]):                # a number: data
        header = find_header([(1, ["项目编号", "节点名称", "计划完成时间"]), (2, below)], table)
        assert (header.row, header.last) == (1, 1), below


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == \
        ["A", "Z", "AA", "AB", "ZZ", "AAA"]


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026年10月上旬", date(2026, 10, 1), date(2026, 10, 10)),
    ("2026年10月初", date(2026, 10, 1), date(2026, 10, 10)),
    ("2026年10月中旬", date(2026, 10, 11), date(2026, 10, 20)),
    ("2026年2月下旬", date(2026, 2, 21), date(2026, 2, 28)),
    ("2028年2月下旬前", date(2028, 2, 21), date(2028, 2, 29)),
    ("2026年三季度", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026年第4季度末", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026年上半年", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026年下半年", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026年底", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026年年底前", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026年内", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026年10月31日前", date(2026, 10, 31), date(2026, 10, 31)),
    ("２０２６－１０－３１之前", date(2026, 10, 31), date(2026, 10, 31)),
])
def test_periods_a_planned_date_may_name(text, first, last):
    assert v.period_of(text) == (first, last)
    assert v.month_day(text, end=True) == last and v.month_day(text, end=False) == first
    with pytest.raises(v.Invalid) as caught:  # where the day is needed
        v.day(text)
    assert caught.value.why in ("date_month", "date")


@pytest.mark.parametrize("text", ["10月上旬", "2026年", "2026年5季度", "明年底", "2026年10月"])
def test_not_periods(text):
    assert v.period_of(text) is None
