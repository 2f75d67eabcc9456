"""The board on the web, served for real by uvicorn on loopback and driven over HTTP.

Sign-in and its limits, each role's boundaries on every route, CSRF, the forms calling
the same functions as the commands (what a unit reports is in ``lights status``), bad
input answered on the form with nothing written, links from e-mails (expired and
forged ones refused), and a server error shown as a page, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select, text

from engine import accounts
from engine.delays import latest_reasons
from engine.links import SALT, make_token, read_token
from engine.store.tables import ACK, PBE, REASON, REPORTS, M, T
from engine.web.auth import AddressLimiter
from tests.cli_runner import lights
from tests.webserver import (
    PASSWORD,
    SECRET,
    milestone_id,
    problem_of,
    programme,
    quick_hashes,
    serving,
)


@pytest.fixture(scope="module", autouse=True)
def _quick_hashes():
    with quick_hashes():
        yield


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One programme and one server for the tests that only read, or write to nodes of
    their own."""
    from engine.config import load_config
    from engine.migrations import create_database

    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'lights.db'}"
    engine = create_database(url)
    config = load_config(env={})
    ids = programme(engine, config)
    with serving(config, engine) as board:
        yield board, engine, config, ids, url, folder
    engine.dispose()


def count(engine, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for key, value in where.items():
        query = query.where(table.c[key] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


# -- signing in ------------------------------------------------------------------------
def test_pages_need_a_sign_in_and_the_board_shows_the_counts(site):
    board, engine, *_ = site
    visitor = board.client()
    first = visitor.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/login?next=/"
    refused = visitor.login("督查室", "not the password")
    assert refused.status_code == 401 and "账号或密码不正确" in refused.text
    unknown = visitor.login("无此人", PASSWORD)
    assert unknown.status_code == 401 and "账号或密码不正确" in unknown.text  # the same words
    signed = visitor.login("督查室")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    page = visitor.get("/")
    assert page.status_code == 200
    html = page.text
    # red: W1/开工, W2/设备安装 (late), W1/主体完工 (behind 序时进度)
    assert 'id="count-red"' in html
    red = html.split('id="count-red"')[1].split('class="kpi-value">')[1].split("<")[0]
    assert red == str(count(engine, M, state="red")) == "3"
    assert "南岗区" in html and "道里区" in html  # the region tiles
    assert "市住建局" in html and "市工信局" in html  # the department tiles
    assert "近12周红灯节点数" in html and "<svg" in html
    assert "江北大桥" in html and "玉米深加工项目" in html  # the red list
    # every page carries the security headers; nothing is fetched from elsewhere
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script" not in html
    cookie = page.request.headers.get("cookie", "")
    assert "lights_session=" in cookie
    set_cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    visitor.close()


def test_sign_out_ends_the_session(site):
    board, *_ = site
    visitor = board.client()
    visitor.login("管理员")
    assert visitor.get("/").status_code == 200
    assert visitor.post("/logout").status_code == 303
    assert visitor.get("/").status_code == 303
    visitor.close()


def test_an_account_is_paused_after_failed_sign_ins(site):
    board, engine, config, *_ = site
    accounts.add_account(engine, "试探", "office", password=PASSWORD)
    visitor = board.client()
    for _ in range(config.web.login_attempts - 1):
        assert visitor.login("试探", "wrong password!").status_code == 401
    paused = visitor.login("试探", "wrong password!")
    assert paused.status_code == 429 and "已暂停登录" in paused.text
    still = visitor.login("试探", PASSWORD)  # the right password does not help while paused
    assert still.status_code == 429 and visitor.get("/").status_code == 303
    visitor.close()


def test_one_address_is_limited_whatever_names_it_tries(site):
    board, *_ = site
    limiter = board.app.state.web.limiter
    board.app.state.web.limiter = AddressLimiter(limit=3, window=600)
    try:
        visitor = board.client()
        codes = [visitor.login(f"名字{i}", "guess guess").status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
        assert "登录尝试过于频繁" in visitor.login("督查室").text  # now even the right one
        board.app.state.web.limiter = AddressLimiter(limit=3, window=600)
        for _ in range(5):  # successes do not count: an office signing in every morning
            colleague = board.client()
            assert colleague.login("督查室").status_code == 303
            colleague.close()
        visitor.close()
    finally:
        board.app.state.web.limiter = limiter


def test_a_new_password_ends_the_sessions_made_before_it(site):
    board, engine, *_ = site
    accounts.add_account(engine, "换密码", "office", password=PASSWORD)
    visitor = board.client()
    visitor.login("换密码")
    assert visitor.get("/").status_code == 200
    accounts.set_password(engine, "换密码", "another password!")
    assert visitor.get("/").status_code == 303
    accounts.set_active(engine, "换密码", False)
    assert visitor.login("换密码", "another password!").status_code == 401
    visitor.close()


def test_an_invitation_sets_the_password_once(site):
    board, engine, *_ = site
    token = accounts.add_account(engine, "新同事", "unit", unit="市住建局").invitation
    assert token
    visitor = board.client()
    page = visitor.get(f"/invite/{token}")
    assert page.status_code == 200 and "新同事" in page.text
    differ = visitor.post(f"/invite/{token}", {"password": "a long password", "again": "other"})
    assert differ.status_code == 400 and "不一致" in differ.text
    short = visitor.post(f"/invite/{token}", {"password": "short", "again": "short"})
    assert short.status_code == 400 and "至少需要 10 位" in short.text
    done = visitor.post(f"/invite/{token}", {"password": "a long password",
                                             "again": "a long password"})
    assert done.status_code == 303 and visitor.get("/").status_code == 200
    assert visitor.get(f"/invite/{token}").status_code == 404  # used up
    other = board.client()
    assert other.login("新同事", "a long password").status_code == 303
    visitor.close()
    other.close()


# -- roles and their boundaries ----------------------------------------------------------
ROLES = ("管理员", "督查室", "王副市长", "住建局", "道里区", "赵秘书", None)
# The projects each account may see (None: not signed in).
SEES = {"管理员": {"W1", "W2", "W3"}, "督查室": {"W1", "W2", "W3"}, "王副市长": {"W1", "W3"},
        "住建局": {"W1"}, "道里区": {"W2"}, "赵秘书": {"W1"}, None: set()}
# The problems each account may see: a unit also those it leads or helps with.
SEES_PROBLEMS = {"管理员": {"W1", "W2"}, "督查室": {"W1", "W2"}, "王副市长": {"W1"},
                 "住建局": {"W1"}, "道里区": {"W1", "W2"}, "赵秘书": {"W1"}, None: set()}
PROBLEM_ACTS = {"管理员": {"reply", "extend", "decide", "close", "reopen", "raise", "withdraw"},
                "督查室": {"reply", "extend", "decide", "close", "reopen", "raise", "withdraw"},
                "王副市长": set(), "住建局": {"reply", "extend"}, "道里区": {"reply", "extend"},
                "赵秘书": {"reply", "extend"}, None: set()}
ACTS = {"管理员": {"progress", "reason", "ack", "replan", "suspend", "resume"},
        "督查室": {"progress", "reason", "ack", "replan", "suspend", "resume"},
        "王副市长": set(), "住建局": {"progress", "reason", "ack"},
        "道里区": {"progress", "reason", "ack"}, "赵秘书": {"progress", "reason", "ack"},
        None: set()}


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_and_does_only_what_it_may_on_every_route(site, who):
    """Every route, for every role: pages of projects out of reach are 404 (their
    existence is not told), actions of another role 403; the lists, the CSV and the
    board hold only the account's projects. The actions are posted with a blank form,
    so an allowed one is refused on its fields (400) and nothing is written."""
    board, engine, _config, ids, *_ = site
    visitor = board.client()
    if who is not None:
        assert visitor.login(who).status_code == 303
    sees = SEES[who]
    writes_before = (count(engine, REPORTS), count(engine, T), count(engine, ACK),
                     count(engine, PBE), count(engine, REASON))
    acts = ACTS[who]

    def expect(path: str, allowed: bool, *, post: bool = False, action: str = "") -> None:
        response = visitor.post(path, {}) if post else visitor.get(path)
        if who is None:
            assert response.status_code in (303, 403), path  # to /login (or no token)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")
            return
        if not allowed:
            assert response.status_code == 404, (who, path, response.status_code)
        elif post and action not in acts:
            assert response.status_code == 403, (who, path, response.status_code)
        else:
            assert response.status_code == (400 if post else 200), (who, path,
                                                                     response.status_code)

    wall = visitor.get("/wall")
    if who is None:
        assert wall.status_code == 303
    else:
        assert wall.status_code == (200 if who in ("管理员", "督查室") else 403)
    for code in ("W1", "W2", "W3"):
        expect(f"/projects/{code}", code in sees)
    for ref, mid in ids.items():
        code = ref.split("/")[0]
        expect(f"/nodes/{mid}", code in sees)
        for action in ("progress", "reason", "ack", "replan", "suspend", "resume"):
            if who is not None:
                visitor.get("/")  # a fresh CSRF token for the session
            expect(f"/nodes/{mid}/{action}", code in sees, post=True, action=action)
    acts = PROBLEM_ACTS[who]
    for project in ("W1", "W2"):
        code = problem_of(engine, project)
        expect(f"/problems/{code}", project in SEES_PROBLEMS[who])
        for action in ("reply", "extend", "decide", "close", "reopen", "raise", "withdraw"):
            if who is not None:
                visitor.get("/")
            expect(f"/problems/{code}/{action}", project in SEES_PROBLEMS[who], post=True,
                   action=action)
    if who is not None:
        problems_csv = list(csv.DictReader(io.StringIO(
            visitor.get("/problems.csv").text.lstrip("\ufeff"))))
        assert {r["project"] for r in problems_csv} == SEES_PROBLEMS[who], who
        home = visitor.get("/").text
        listing = visitor.get("/nodes").text
        rows = list(csv.DictReader(io.StringIO(
            visitor.get("/nodes.csv").text.lstrip("\ufeff"))))
        assert {r["project"] for r in rows} == {c for c in sees}, who
        for code, name in (("W1", "江北大桥"), ("W2", "玉米深加工项目"), ("W3", "第三中学")):
            assert (f"/projects/{code}" in listing) == (code in sees), (who, code)
            if code != "W3":  # W3 has no red node: not on the board's red list anyway
                assert (name in home) == (code in sees), (who, name)
    assert (count(engine, REPORTS), count(engine, T), count(engine, ACK),
            count(engine, PBE), count(engine, REASON)) == writes_before
    visitor.close()


# -- CSRF ----------------------------------------------------------------------------------
def test_a_form_without_the_sessions_token_is_refused_and_writes_nothing(site):
    board, engine, _config, ids, *_ = site
    visitor = board.client()
    visitor.login("督查室")
    mid = ids["W1/开工"]
    before = count(engine, REPORTS, milestone_id=mid)
    missing = visitor.post(f"/nodes/{mid}/progress", {"percent": "50"}, csrf=False)
    assert missing.status_code == 403 and "表单已失效" in missing.text
    forged = visitor.post(f"/nodes/{mid}/progress", {"percent": "50", "csrf": "x" * 43})
    assert forged.status_code == 403
    other = board.client()  # another session's token is not this session's
    other.login("管理员")
    stolen = visitor.post(f"/nodes/{mid}/progress", {"percent": "50", "csrf": other.csrf})
    assert stolen.status_code == 403
    assert count(engine, REPORTS, milestone_id=mid) == before
    no_login_token = board.client()
    assert no_login_token.post("/login", {"name": "督查室", "password": PASSWORD},
                               csrf=False).status_code == 403
    visitor.close()
    other.close()
    no_login_token.close()


# -- the actions -------------------------------------------------------------------------
def test_progress_reported_on_the_web_is_in_lights_status_at_once(site):
    board, engine, _config, ids, url, folder = site
    visitor = board.client()
    visitor.login("住建局")
    mid = ids["W1/开工"]
    visitor.get(f"/nodes/{mid}")
    done = visitor.post(f"/nodes/{mid}/progress", {"percent": "100", "done": "2026-11-18",
                                                   "note": "主体基础已完成，验收通过"})
    assert done.status_code == 303 and done.headers["location"] == f"/nodes/{mid}"
    page = visitor.get(f"/nodes/{mid}")
    assert "已记录进展：100%" in page.text and "红灯 → 逾期完成" in page.text
    shown = lights(folder, "status", "--project", "W1", "--format", "json", "--database", url)
    assert shown.returncode == 0, shown.stderr
    row = next(r for r in json.loads(shown.stdout) if r["milestone"] == "开工")
    assert row["light"] == "done_late" and row["actual_date"] == "2026-11-18"
    assert row["percent"] == 100
    moves = lights(folder, "history", str(mid), "--format", "json", "--database", url)
    assert json.loads(moves.stdout)[-1]["actor"] == "住建局"  # audited with the person
    with engine.connect() as conn:
        note = conn.execute(select(REPORTS.c.note, REPORTS.c.reporter)
                            .where(REPORTS.c.milestone_id == mid)
                            .order_by(REPORTS.c.id.desc())).first()
    assert tuple(note) == ("主体基础已完成，验收通过", "住建局")
    visitor.close()


def test_bad_input_gets_a_message_on_the_form_and_nothing_is_written(site):
    board, engine, _config, ids, *_ = site
    visitor = board.client()
    visitor.login("督查室")
    mid = ids["W2/设备安装"]
    before = (count(engine, REPORTS), count(engine, T), count(engine, ACK))
    visitor.get(f"/nodes/{mid}")
    cases = [
        ("progress", {"percent": "abc"}, "进度应写作 60%、60 或 0.6"),
        ("progress", {"percent": "120"}, "进度应写作 60%、60 或 0.6"),
        ("progress", {"percent": "50", "date": "2026-13-45"}, "日期应写作"),
        ("progress", {"done": "2099-01-01"}, "is in the future"),
        ("ack", {"reason": ""}, "请填写此项"),
        ("ack", {"reason": "在办", "days": "0"}, "应为1到90之间的整数"),
        ("replan", {"new_date": "2026-07-01", "reason": "调整"}, "before the planned start"),
        ("replan", {"new_date": "2027-01-31", "reason": ""}, "请填写此项"),
        ("resume", {"reason": "恢复"}, "不能对状态为“红灯”的节点执行“恢复”"),
    ]
    for action, form, words in cases:
        response = visitor.post(f"/nodes/{mid}/{action}", form)
        assert response.status_code == 400, (action, form)
        assert words in response.text, (action, form, words)
        assert f'id="form-{action}"' in response.text or action == "resume"
    kept = visitor.post(f"/nodes/{mid}/progress", {"percent": "abc", "note": "保留的备注"})
    assert "保留的备注" in kept.text  # what was typed stays in the form
    assert (count(engine, REPORTS), count(engine, T), count(engine, ACK)) == before
    visitor.close()


def test_the_office_replans_and_suspends_with_the_same_functions(site):
    board, _engine, _config, ids, url, folder = site
    visitor = board.client()
    visitor.login("督查室")
    mid = ids["W1/主体完工"]
    visitor.get(f"/nodes/{mid}")
    assert visitor.post(f"/nodes/{mid}/replan", {"new_date": "2027-05-31",
                                                 "reason": "冬季停工顺延"}).status_code == 303
    page = visitor.get(f"/nodes/{mid}")
    assert "计划已调整为 2027-05-31" in page.text
    assert visitor.post(f"/nodes/{mid}/suspend", {"reason": "资金未到位"}).status_code == 303
    visitor.get(f"/nodes/{mid}")
    assert visitor.post(f"/nodes/{mid}/resume", {"reason": "资金到位"}).status_code == 303
    moves = json.loads(lights(folder, "history", str(mid), "--format", "json",
                              "--database", url).stdout)
    triggers = [(m["trigger"], m["actor"]) for m in moves if m["actor"]]
    assert ("replan", "督查室") in triggers and ("suspend", "督查室") in triggers
    assert ("resume", "督查室") in triggers
    shown = json.loads(lights(folder, "status", "--project", "W1", "--format", "json",
                              "--database", url).stdout)
    assert next(r for r in shown if r["id"] == mid)["planned_date"] == "2027-05-31"
    visitor.close()


def test_acknowledging_holds_the_escalation_under_the_persons_name(site):
    board, engine, _config, ids, *_ = site
    visitor = board.client()
    visitor.login("道里区")
    mid = ids["W2/设备安装"]
    visitor.get(f"/nodes/{mid}")
    assert visitor.post(f"/nodes/{mid}/ack", {"reason": "设备已到场，正在安装",
                                              "days": "5"}).status_code == 303
    with engine.connect() as conn:
        ack = conn.execute(select(ACK).where(ACK.c.milestone_id == mid)
                           .order_by(ACK.c.id.desc())).first()
    assert (ack.author, ack.reason) == ("道里区", "设备已到场，正在安装")
    assert (ack.hold_until - ack.as_of).days == 5
    visitor.close()


def test_a_unit_replies_to_its_problem_and_lights_problem_show_has_it(site):
    board, engine, _config, _ids, url, folder = site
    code = problem_of(engine, "W1")
    helper = board.client()
    helper.login("道里区")  # a helping unit: its answer is recorded, the state stays
    helper.get(f"/problems/{code}")
    assert helper.post(f"/problems/{code}/reply", {"text": "道里区已出具用地意见"}
                       ).status_code == 303
    lead = board.client()
    lead.login("住建局")
    lead.get(f"/problems/{code}")
    assert lead.post(f"/problems/{code}/reply", {"text": ""}).status_code == 400
    early = lead.post(f"/problems/{code}/extend", {"to": "2026-11-17", "reason": "等待批复"})
    assert early.status_code == 400 and "不晚于现办理时限" in early.text  # the engine's words
    done = lead.post(f"/problems/{code}/reply", {"text": "用地预审已批复，手续办结"})
    assert done.status_code == 303
    page = lead.get(f"/problems/{code}")
    assert "已办复" in page.text and "用地预审已批复，手续办结" in page.text
    shown = lights(folder, "problem", "show", code, "--format", "json", "--database", url)
    assert shown.returncode == 0, shown.stderr
    info = json.loads(shown.stdout)
    assert info["state"] == "replied"
    answers = [(h["event"], h["unit"], h["by"], h["text"]) for h in info["history"]
               if h["event"] in ("reply", "assist_reply")]
    assert answers == [("assist_reply", "道里区", "道里区", "道里区已出具用地意见"),
                       ("reply", "市住建局", "住建局", "用地预审已批复，手续办结")]
    office = board.client()
    office.login("督查室")
    office.get(f"/problems/{code}")
    unsure = office.post(f"/problems/{code}/close", {"result": "partly", "reason": ""})
    assert unsure.status_code == 400 and "须说明原因" in unsure.text
    assert office.post(f"/problems/{code}/close", {"result": "solved"}).status_code == 303
    closed = json.loads(lights(folder, "problem", "show", code, "--format", "json",
                               "--database", url).stdout)
    assert (closed["state"], closed["result"]) == ("closed", "solved")
    assert closed["history"][-1]["by"] == "督查室"
    for visitor in (helper, lead, office):
        visitor.close()


def test_a_unit_gives_its_reason_and_the_notices_will_show_it(site):
    board, engine, _config, ids, *_ = site
    mid = ids["W2/设备安装"]
    visitor = board.client()
    visitor.login("道里区")
    visitor.get(f"/nodes/{mid}")
    assert visitor.post(f"/nodes/{mid}/reason", {"said": ""}).status_code == 400
    said = "进口设备清关延误；已协调海关加急，预计12月10日到场"
    assert visitor.post(f"/nodes/{mid}/reason", {"said": said}).status_code == 303
    page = visitor.get(f"/nodes/{mid}")
    assert "已记录单位说明" in page.text and said in page.text
    with engine.connect() as conn:
        latest = latest_reasons(conn, [mid])[mid]
    assert (latest.text, latest.author, latest.source) == (said, "道里区", "web")
    token = make_token(SECRET, "milestone", mid, "gxj@songjiang.example", "工信局王工")
    linked = board.client()
    linked.get(f"/l/{token}")
    assert linked.post(f"/l/{token}/reason", {"said": "设备已到港"}).status_code == 303
    with engine.connect() as conn:
        latest = latest_reasons(conn, [mid])[mid]
    assert latest.author == "工信局王工 <gxj@songjiang.example>"
    visitor.close()
    linked.close()


# -- lists -----------------------------------------------------------------------------------
def test_the_list_takes_the_filters_of_lights_status_pages_and_downloads(site):
    board, _engine, _config, _ids, url, folder = site
    visitor = board.client()
    visitor.login("管理员")
    page = visitor.get("/nodes", params={"region": "南岗区", "light": ["red", "yellow"]})
    assert page.status_code == 200
    body = page.text
    assert "W2" not in body.split("<tbody>")[1]  # 道里区 filtered out
    wanted = lights(folder, "status", "--region", "南岗区", "--light", "red", "--light", "yellow",
                    "--format", "csv", "--database", url).stdout
    got = visitor.get("/nodes.csv", params={"region": "南岗区", "light": ["red", "yellow"]})
    assert got.headers["content-type"].startswith("text/csv")
    assert got.text.lstrip("\ufeff").splitlines() == wanted.lstrip("\ufeff").splitlines()
    bad = visitor.get("/nodes", params={"due_before": "明天"})
    assert bad.status_code == 400 and "日期应写作" in bad.text
    assert "第 1 / 1 页" not in visitor.get("/nodes").text  # six nodes: one page, no pager
    visitor.close()


# -- links from the e-mails ---------------------------------------------------------------------
def test_a_link_lets_its_recipient_act_on_that_node_without_a_password(site):
    board, engine, _config, ids, *_ = site
    mid = ids["W2/投产"]
    token = make_token(SECRET, "milestone", mid, "qian@songjiang.example", "钱秘书")
    visitor = board.client()
    page = visitor.get(f"/l/{token}")
    assert page.status_code == 200 and "投产" in page.text and "钱秘书" in page.text
    assert "/logout" not in page.text  # no account, no navigation into the board
    assert visitor.post(f"/l/{token}/progress", {"percent": "15", "note": "设备招标完成"}
                        ).status_code == 303
    with engine.connect() as conn:
        report = conn.execute(select(REPORTS).where(REPORTS.c.milestone_id == mid)
                              .order_by(REPORTS.c.id.desc())).first()
    assert (report.percent, report.reporter) == (15, "钱秘书 <qian@songjiang.example>")
    assert visitor.post(f"/l/{token}/replan", {"new_date": "2027-12-31", "reason": "x"}
                        ).status_code == 404  # only what a link allows
    assert visitor.get(f"/nodes/{mid}").status_code == 303  # the rest of the board: sign in
    visitor.close()


def test_a_problem_link_lets_its_recipient_reply_for_their_unit(site):
    board, engine, _config, _ids, url, folder = site
    code = problem_of(engine, "W2")  # led by 市工信局, no helping unit
    token = make_token(SECRET, "problem", code, "gxj@songjiang.example", "工信局王工",
                       "市工信局")
    visitor = board.client()
    page = visitor.get(f"/l/{token}")
    assert page.status_code == 200 and code in page.text and 'id="form-reply"' in page.text
    assert 'name="unit"' not in page.text  # the link says which unit answers
    assert visitor.post(f"/l/{token}/close", {"result": "solved"}).status_code == 404
    assert visitor.post(f"/l/{token}/reply", {"text": ""}).status_code == 400
    assert visitor.post(f"/l/{token}/reply", {"text": "土地证已办结"}).status_code == 303
    info = json.loads(lights(folder, "problem", "show", code, "--format", "json",
                             "--database", url).stdout)
    assert info["state"] == "replied"
    assert (info["history"][-1]["unit"], info["history"][-1]["by"]) == (
        "市工信局", "工信局王工 <gxj@songjiang.example>")
    unsure = make_token(SECRET, "problem", code, "someone@songjiang.example", "某人")
    assert 'name="unit"' in visitor.get(f"/l/{unsure}").text  # which unit: asked
    visitor.close()


def test_an_expired_or_forged_link_is_refused(site):
    board, engine, config, ids, *_ = site
    mid = ids["W2/投产"]

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - (config.web.link_days + 1) * 86400

    old = URLSafeTimedSerializer(SECRET, salt=SALT, signer=LongAgo).dumps(
        {"k": "milestone", "r": str(mid), "e": "qian@songjiang.example", "n": "钱秘书"})
    visitor = board.client()
    expired = visitor.get(f"/l/{old}")
    assert expired.status_code == 410 and "该链接已过期" in expired.text
    forged = make_token("somebody else's secret", "milestone", mid, "x@songjiang.example")
    assert visitor.get(f"/l/{forged}").status_code == 403
    good = make_token(SECRET, "milestone", mid, "qian@songjiang.example", "钱秘书")
    _payload, stamp, signature = good.split(".")
    other = make_token(SECRET, "milestone", ids["W1/开工"], "qian@songjiang.example").split(".")
    altered = ".".join([other[0], stamp, signature])  # another node, the same signature
    refused = visitor.get(f"/l/{altered}")
    assert refused.status_code == 403 and "该链接无效" in refused.text
    before = count(engine, ACK)
    visitor.get(f"/l/{good}")  # a session and its token
    assert visitor.post(f"/l/{old}/ack", {"reason": "x"}).status_code == 410
    assert visitor.post(f"/l/{forged}/ack", {"reason": "x"}).status_code == 403
    assert count(engine, ACK) == before
    visitor.close()


# -- errors ---------------------------------------------------------------------------------------
def test_unknown_pages_and_methods_get_a_page(site):
    board, *_ = site
    visitor = board.client()
    visitor.login("督查室")
    missing = visitor.get("/nodes/999999")
    assert missing.status_code == 404 and "找不到该页面" in missing.text
    assert visitor.get("/projects/NOPE").status_code == 404
    assert visitor.get("/no/such/page").status_code == 404
    huge = visitor.post("/nodes/1/progress", {"note": "很" * 40_000, "percent": "1"})
    assert huge.status_code == 413 and "过长" in huge.text
    wrong = visitor.http.put("/nodes/1")
    assert wrong.status_code in (404, 405) and "<html" in wrong.text
    visitor.close()


def test_a_server_error_is_a_page_never_a_traceback(tmp_path, config, caplog):
    from engine.migrations import create_database

    engine = create_database(f"sqlite:///{tmp_path / 'broken.db'}")
    programme(engine, config)
    with serving(config, engine) as board:
        visitor = board.client()
        visitor.login("督查室")
        with engine.begin() as conn:  # the database loses a table under the running board
            conn.execute(text("ALTER TABLE milestone RENAME TO milestone_gone"))
        with caplog.at_level("ERROR", logger="lights.web"):
            page = visitor.get("/")
        assert page.status_code == 500
        assert "服务器出错" in page.text and "Traceback" not in page.text
        assert "milestone" not in page.text  # no SQL, no table names
        assert any("error" in r.getMessage() for r in caplog.records)
        visitor.close()
    engine.dispose()


def test_the_board_runs_on_postgresql(pg_url, config):
    from engine.migrations import create_database

    engine = create_database(pg_url)
    ids = programme(engine, config)
    with serving(config, engine) as board:
        visitor = board.client()
        visitor.login("住建局")
        assert visitor.get("/").status_code == 200
        assert visitor.get("/projects/W1").status_code == 200
        assert visitor.get(f"/nodes/{ids['W2/投产']}").status_code == 404
        mid = ids["W1/开工"]
        visitor.get(f"/nodes/{mid}")
        assert visitor.post(f"/nodes/{mid}/progress", {"percent": "60"}).status_code == 303
        assert milestone_id(engine, "W1/开工") == mid
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(REPORTS)
                                .where(REPORTS.c.reporter == "住建局")).scalar_one() == 1
        visitor.close()
    engine.dispose()


def test_dates_in_forms_read_as_the_ledgers_write_them():
    from engine.web import forms

    assert forms.day({"d": "2026年11月3日"}, "d") == date(2026, 11, 3)
    assert forms.day({"d": "2026/11/3"}, "d") == date(2026, 11, 3)
    with pytest.raises(forms.FormError):
        forms.day({"d": "11月3日"}, "d")


def test_lights_user_add_reads_the_password_or_prints_an_invitation(tmp_path, config):
    from engine.migrations import create_database

    url = f"sqlite:///{tmp_path / 'lights.db'}"
    create_database(url).dispose()
    added = lights(tmp_path, "user", "add", "发改委", "--role", "unit", "--unit", "市发改委",
                   "--email", "fgw@songjiang.example", "--database", url,
                   input="a good long password\n")
    assert added.returncode == 0, added.stderr
    assert "已开通账号 发改委（责任单位，市发改委）" in added.stdout
    invited = lights(tmp_path, "user", "add", "张副市长", "--role", "leader", "--unit",
                     "张副市长", "--invite", "--database", url)
    assert invited.returncode == 0 and "/invite/" in invited.stdout
    no_unit = lights(tmp_path, "user", "add", "某单位", "--role", "unit", "--database", url,
                     input="a good long password\n")
    assert no_unit.returncode == 1 and "--unit" in no_unit.stderr
    short = lights(tmp_path, "user", "add", "短", "--role", "office", "--database", url,
                   input="short\n")
    assert short.returncode == 1 and "at least 10" in short.stderr
    twice = lights(tmp_path, "user", "add", "发改委", "--role", "office", "--database", url,
                   input="a good long password\n")
    assert twice.returncode == 1 and "already exists" in twice.stderr
    listed = json.loads(lights(tmp_path, "user", "list", "--format", "json",
                               "--database", url).stdout)
    assert [(a["name"], a["role"], a["password"]) for a in listed] == [
        ("张副市长", "leader", False), ("发改委", "unit", True)]


def _digest_links(engine) -> list[tuple[str, str, str]]:
    from engine.store.tables import OUTBOX

    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX.c.recipient, OUTBOX.c.text, OUTBOX.c.html)
                            .where(OUTBOX.c.kind == "digest")).all()
    return [(r.recipient, r.text, r.html) for r in rows]


def test_the_nights_digests_link_to_pages_that_open(tmp_path, config, monkeypatch):
    """A night composes each digest item with its recipient's link; the link opens the
    node's page and takes an acknowledgement under the recipient's name; with no base
    URL the same night writes no link."""
    import re

    from engine.migrations import create_database
    from engine.nightly import nightly

    monkeypatch.setenv("LIGHTS_WEB_SECRET", SECRET)
    plain = create_database(f"sqlite:///{tmp_path / 'plain.db'}")
    programme(plain, config)
    nightly(plain, config, date(2026, 11, 27), mode="manual")
    mails = _digest_links(plain)
    assert mails and all("/l/" not in text and "/l/" not in html for _, text, html in mails)
    plain.dispose()

    engine = create_database(f"sqlite:///{tmp_path / 'linked.db'}")
    ids = programme(engine, config)
    with serving(config, engine) as board:
        linked = config.model_copy(deep=True)
        linked.web.base_url = board.url
        nightly(engine, linked, date(2026, 11, 27), mode="manual")
        mails = _digest_links(engine)
        to_zhao = [m for m in mails if m[0] == "zhao@songjiang.example"]
        assert to_zhao, [m[0] for m in mails]
        _, text, html = to_zhao[0]
        urls = re.findall(rf"{re.escape(board.url)}/l/[A-Za-z0-9_.\-]+", text)
        assert urls and set(urls) <= set(re.findall(
            rf"{re.escape(board.url)}/l/[A-Za-z0-9_.\-]+", html))
        visitor = board.client()
        for url in urls:
            page = visitor.get(url.removeprefix(board.url))
            assert page.status_code == 200 and "赵秘书" in page.text
        mid = ids["W1/开工"]
        mine = next(u for u in urls
                    if read_token(SECRET, u.rsplit("/", 1)[1], 14).ref == str(mid))
        assert read_token(SECRET, mine.rsplit("/", 1)[1], 14).email == "zhao@songjiang.example"
        path = mine.removeprefix(board.url)
        visitor.get(path)
        assert visitor.post(f"{path}/ack", {"reason": "已协调施工单位加快进度"}).status_code == 303
        with engine.connect() as conn:
            authors = set(conn.execute(select(ACK.c.author)).scalars())
        assert "赵秘书 <zhao@songjiang.example>" in authors
        visitor.close()
    engine.dispose()


def test_a_base_url_without_the_secret_is_told_and_links_nothing(tmp_path, config, monkeypatch):
    from engine.migrations import create_database
    from engine.nightly import nightly

    monkeypatch.delenv("LIGHTS_WEB_SECRET", raising=False)
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    programme(engine, config)
    linked = config.model_copy(deep=True)
    linked.web.base_url = "https://lights.city.example"
    summary = nightly(engine, linked, date(2026, 11, 27), mode="manual")
    assert any("LIGHTS_WEB_SECRET" in w for w in summary.warnings), summary.warnings
    assert all("/l/" not in text for _, text, _ in _digest_links(engine))
    engine.dispose()
