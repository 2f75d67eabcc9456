"""User-facing words of the CLI in Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LIGHT_LABELS: dict[str, dict[str, str]] = {
    "planned": {"zh": "未开始", "en": "planned"},
    "green": {"zh": "绿灯", "en": "green"},
    "yellow": {"zh": "黄灯", "en": "yellow"},
    "red": {"zh": "红灯", "en": "red"},
    "done": {"zh": "按期完成", "en": "done"},
    "done_late": {"zh": "逾期完成", "en": "done late"},
    "suspended": {"zh": "暂停", "en": "suspended"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
}

TRIGGER_LABELS: dict[str, dict[str, str]] = {
    "start": {"zh": "开始", "en": "start"},
    "slip": {"zh": "转黄", "en": "slip"},
    "miss": {"zh": "转红", "en": "miss"},
    "ease": {"zh": "红转黄", "en": "ease"},
    "recover": {"zh": "恢复绿灯", "en": "recover"},
    "finish": {"zh": "按期完成", "en": "finish"},
    "finish_late": {"zh": "逾期完成", "en": "finish late"},
    "suspend": {"zh": "暂停", "en": "suspend"},
    "resume": {"zh": "恢复", "en": "resume"},
    "replan": {"zh": "调整计划", "en": "replan"},
    "cancel": {"zh": "取消", "en": "cancel"},
    "reopen": {"zh": "重新打开", "en": "reopen"},
    "undo": {"zh": "撤销运行", "en": "undo"},
}

VALUE_LABELS: dict[str, dict[str, str]] = {
    "industrial": {"zh": "产业", "en": "industrial"},
    "infrastructure": {"zh": "基础设施", "en": "infrastructure"},
    "services": {"zh": "服务业", "en": "services"},
    "social": {"zh": "社会事业", "en": "social"},
    "livelihood": {"zh": "民生", "en": "livelihood"},
    "health": {"zh": "医疗卫生", "en": "health"},
    "provincial": {"zh": "省级", "en": "provincial"},
    "city": {"zh": "市级", "en": "city"},
    "county": {"zh": "县区级", "en": "county"},
    "new": {"zh": "新建", "en": "new"},
    "continuing": {"zh": "续建", "en": "continuing"},
    "active": {"zh": "在建", "en": "active"},
}

WORDS: dict[str, dict[str, str]] = {
    # table headers
    "col.project": {"zh": "项目", "en": "Project"},
    "col.milestone": {"zh": "节点", "en": "Milestone"},
    "col.kind": {"zh": "类型", "en": "Kind"},
    "col.region": {"zh": "地区", "en": "Region"},
    "col.department": {"zh": "责任单位", "en": "Department"},
    "col.planned": {"zh": "计划完成", "en": "Planned"},
    "col.baseline": {"zh": "原计划", "en": "Baseline"},
    "col.start": {"zh": "计划开始", "en": "Start"},
    "col.actual": {"zh": "实际完成", "en": "Actual"},
    "col.percent": {"zh": "进度", "en": "Progress"},
    "col.light": {"zh": "灯", "en": "Light"},
    "col.reason": {"zh": "原因", "en": "Reason"},
    "col.date": {"zh": "日期", "en": "Date"},
    "col.move": {"zh": "变化", "en": "Move"},
    "col.by": {"zh": "操作人", "en": "By"},
    "col.leader": {"zh": "包保领导", "en": "Leader"},
    "col.counts": {"zh": "节点灯数", "en": "Lights"},
    "col.timeline": {"zh": "时间轴（计划◆ 实际●）", "en": "Timeline (plan ◆ actual ●)"},
    "col.rules": {"zh": "规则", "en": "Rules"},
    # summaries
    "status.footer": {"zh": "共 {total} 个节点", "en": "{total} milestones"},
    "status.empty": {"zh": "没有符合条件的节点", "en": "No milestone matches"},
    "status.more": {"zh": "只列出最严重的 {shown} 个（共 {total} 个）：--all 列出全部，"
                          "--format csv 或 json 输出全部供存档",
                    "en": "Only the worst {shown} of {total} are listed: --all lists every "
                          "one, --format csv or json gives them all for a file"},
    "run.title": {"zh": "{as_of} 评估完成", "en": "Evaluated as of {as_of}"},
    "run.title_dry": {"zh": "{as_of} 试运行（未写入）",
                      "en": "Dry run as of {as_of} (nothing written)"},
    "run.title_replay": {"zh": "{as_of} 回放（不改写历史）",
                         "en": "Replay as of {as_of} (history untouched)"},
    "run.evaluated": {"zh": "评估节点 {n} 个，变化 {moves} 个，用时 {secs} 秒",
                      "en": "{n} milestones evaluated, {moves} moved, {secs} s"},
    "run.moves": {"zh": "变化", "en": "Moves"},
    "run.would_move": {"zh": "将要变化的节点", "en": "Would move"},
    "run.interrupted": {"zh": "运行被中断，已提交的部分保留，可再次运行续完",
                        "en": "Run interrupted; committed chunks kept, run again to finish"},
    "run.progress": {"zh": "评估中", "en": "Evaluating"},
    "init.done": {"zh": "数据库已就绪：{db}", "en": "Database ready: {db}"},
    "demo.built": {"zh": "已生成演示数据：{projects} 个项目，{milestones} 个节点，{reports} 条进展",
                   "en": "Demo programme built: {projects} projects, {milestones} milestones, "
                         "{reports} reports"},
    "demo.worst": {"zh": "问题最多的项目", "en": "Worst projects"},
    "demo.serve": {"zh": "网页看板：{command}  然后打开 {url}/（邮件中的链接也指向这里）",
                   "en": "The board on the web: {command}  then open {url}/ (the links in the "
                         "e-mails lead there)"},
    "demo.account": {"zh": "  账号 {name}（{role}）设置密码：{url}",
                     "en": "  account {name} ({role}), set its password at: {url}"},
    "demo.next": {"zh": "试试：lights status --light red    lights show {code}",
                  "en": "Try: lights status --light red    lights show {code}"},
    "progress.done": {"zh": "已记录：{ref} 进度 {percent}%", "en": "Recorded: {ref} at {percent}%"},
    "moved": {"zh": "{ref}：{frm} → {to}（{trigger}）{reason}",
              "en": "{ref}: {frm} → {to} ({trigger}) {reason}"},
    "unchanged": {"zh": "灯未变化", "en": "Light unchanged"},
    "history.title": {"zh": "{ref} 的变化记录", "en": "Moves of {ref}"},
    "history.empty": {"zh": "尚无变化记录", "en": "No moves yet"},
    "show.title": {"zh": "{code} {name}（{region}，{department}，包保领导：{leader}）",
                   "en": "{code} {name} ({region}, {department}, leader: {leader})"},
    "warning": {"zh": "注意：{text}", "en": "Warning: {text}"},
    # errors
    "err.no_database": {"zh": "数据库 {db} 尚未建立：请先运行 lights init（或 lights demo）",
                        "en": "No database at {db} yet: run lights init (or lights demo) first"},
    "err.config": {"zh": "配置有误：{msg}", "en": "Bad configuration: {msg}"},
    "err.not_found": {"zh": "找不到{what}：{ref}", "en": "No {what} {ref}"},
    "err.refused_run": {"zh": "评估日期 {as_of} 早于最近一次运行（{latest}）；"
                              "如需回看历史请加 --replay",
                        "en": "As-of {as_of} is before the latest run ({latest}); "
                              "use --replay to look back"},
    "err.run_ahead": {"zh": "评估日期 {as_of} 比今天（{today}）晚 {n} 天，超过 run.max_days_ahead"
                            "（{days} 天），可能是输错了日期，未运行；确需如此请加 --force",
                      "en": "As-of {as_of} is {n} days after today ({today}), more than "
                            "run.max_days_ahead ({days}): probably a typo, nothing was run; "
                            "add --force to insist"},
    "err.write.no_dir": {"zh": "无法写入 {path}：目录 {dir} 不存在",
                         "en": "Cannot write {path}: the directory {dir} does not exist"},
    "err.write.full": {"zh": "无法写入 {path}：磁盘已满（{detail}）；未留下不完整的文件，"
                             "原有文件未变",
                       "en": "Cannot write {path}: the disk is full ({detail}); no partial file "
                             "was left and any earlier file is unchanged"},
    "err.write.denied": {"zh": "无法写入 {path}：没有权限（{detail}）",
                         "en": "Cannot write {path}: not permitted ({detail})"},
    "err.write.other": {"zh": "无法写入 {path}：{detail}", "en": "Cannot write {path}: {detail}"},
    "err.refused_move": {"zh": "不能对状态为“{state}”的节点执行“{trigger}”",
                         "en": "Cannot {trigger} a milestone that is {state}"},
    "err.bad_input": {"zh": "输入有误：{msg}", "en": "Bad input: {msg}"},
    "err.demo_real_data": {"zh": "数据库 {db} 中已有非演示数据，未做改动；"
                                 "请用 --database 指定另一个文件",
                           "en": "{db} holds data that is not the demo; nothing changed. "
                                 "Use --database for another file"},
    "err.database": {"zh": "数据库出错：{msg}", "en": "Database error: {msg}"},
    "err.lock_busy": {"zh": "评估正在进行：{job}（主机 {host}，进程 {pid}，{since} 开始）"
                            "持有运行锁，本次未运行；请等它结束后再试",
                      "en": "A run is in progress: {job} on {host} (pid {pid}) has held the run "
                            "lock since {since}; nothing was done. Try again when it has finished"},
    "err.db_busy": {"zh": "数据库正被占用，等了 {secs} 秒仍未轮到，本次未写入："
                          "评估 {job}（主机 {host}，进程 {pid}，{since} 开始）正在写入；请稍后再试",
                    "en": "The database stayed busy for {secs} s and nothing was written: the "
                          "run {job} on {host} (pid {pid}, since {since}) is writing; try "
                          "again later"},
    "err.db_busy_other": {"zh": "数据库正被占用，等了 {secs} 秒仍未轮到，本次未写入："
                                "另一个进程正在写入；请稍后再试",
                          "en": "The database stayed busy for {secs} s and nothing was "
                                "written: another process is writing; try again later"},
    "err.lock_lost": {"zh": "运行锁已被另一个进程接管（本进程的心跳已过期），已停止",
                      "en": "The run lock was taken over by another process (this one's "
                            "heartbeat had expired); stopped"},
    "what.project": {"zh": "项目", "en": "project"},
    "what.milestone": {"zh": "节点", "en": "milestone"},
    "what.region": {"zh": "地区", "en": "region"},
    "what.department": {"zh": "责任单位", "en": "department"},
    "what.leader": {"zh": "包保领导", "en": "leader"},
    "did_you_mean": {"zh": "（是否是：{names}？）", "en": " (did you mean {names}?)"},
}


WordTable = Mapping[str, Mapping[str, str]]


def lookup(table: WordTable) -> Callable[..., str]:
    """How every word table is read: ``say(key, lang, **values)`` gives the words for
    ``key`` in ``lang``, filled in. Each feature keeps its own table beside its code
    (tests/test_words.py checks that every table says everything in both languages)."""

    def say(key: str, lang: str, /, **values: Any) -> str:
        return table[key][lang].format(**values)

    return say


t = lookup(WORDS)


def light_label(light: str, lang: str) -> str:
    return LIGHT_LABELS.get(light, {}).get(lang, light)


def trigger_label(trigger: str, lang: str) -> str:
    return TRIGGER_LABELS.get(trigger, {}).get(lang, trigger)


def value_label(value: str, lang: str) -> str:
    return VALUE_LABELS.get(value, {}).get(lang, value)


def value_code(text: str) -> str:
    """Accept a stored code or its label in either language (e.g. 省级 → provincial)."""
    for code, labels in (VALUE_LABELS | LIGHT_LABELS).items():
        if text == code or text in labels.values():
            return code
    return text
