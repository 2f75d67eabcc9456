"""The ledger's words in Chinese (default) and English: problems, summaries, sheet names."""

from __future__ import annotations

from engine.i18n import lookup

WHY: dict[str, dict[str, str]] = {
    # a cell
    "date": {"zh": "不是日期（可写 2026-10-31、2026/10/31、2026.10.31 或 2026年10月31日）",
             "en": "not a date (write 2026-10-31, 2026/10/31, 2026.10.31 or 2026年10月31日)"},
    "date_year": {"zh": "年份不在 {lo}–{hi} 之间", "en": "the year is not between {lo} and {hi}"},
    "date_month": {"zh": "不是具体日期：此列需要具体日期（如 2026-10-31），只有计划时间可以写月份、"
                         "旬、季度、年底或“……前”",
                   "en": "not a day: this column needs a full date (like 2026-10-31); only "
                         "planned dates may give a month, part of one, a quarter or a year's "
                         "end, or say \"by\" (前)"},
    "date_no_year": {"zh": "没有年份：请写带年份的日期（如 2026-10-31）",
                     "en": "no year: write the date with its year (like 2026-10-31)"},
    "month_ambiguous": {"zh": "是 {year}年1月 还是 {year}年10月？Excel 会把数字 {year}.10 显示为 "
                              "{year}.1，请写成 {year}-01 或 {year}-10",
                        "en": "January or October {year}? Excel shows the number {year}.10 as "
                              "{year}.1; write {year}-01 or {year}-10"},
    "amount": {"zh": "不是金额（可写 3000、3000万元 或 1.5亿元）",
               "en": "not an amount (write 3000, 3000万元 or 1.5亿元)"},
    "negative": {"zh": "不能为负数", "en": "cannot be negative"},
    "percent": {"zh": "不是百分比（可写 60、60% 或 0.6）",
                "en": "not a percentage (write 60, 60% or 0.6)"},
    "percent_negative": {"zh": "进度不能为负数", "en": "progress cannot be negative"},
    "percent_over": {"zh": "进度 {points}% 超过 100%", "en": "progress {points}% is over 100%"},
    "integer": {"zh": "不是整数", "en": "not a whole number"},
    "number": {"zh": "不是数字", "en": "not a number"},
    "bool": {"zh": "应填“是”或“否”", "en": "should be yes or no (是/否)"},
    "pause": {"zh": "不是停工期（如 11-15..03-31，多个用逗号分隔，或填“无”）",
              "en": "not a pause window (like 11-15..03-31, several separated by commas, "
                    "or none)"},
    "email": {"zh": "不是电子邮箱地址", "en": "not an e-mail address"},
    "choice": {"zh": "不是可选值之一：{options}", "en": "not one of: {options}"},
    "region": {"zh": "不是已配置的地区（config.yaml 的 ledger.regions）：{options}",
               "en": "not a configured region (ledger.regions in config.yaml): {options}"},
    "too_long": {"zh": "超过 {max} 个字符", "en": "longer than {max} characters"},
    "control": {"zh": "含有控制字符 {char}（如换行、ESC、NUL 或文字方向控制符），请删去",
                "en": "holds the control character {char} (a line break, ESC, NUL or a "
                      "text direction control): remove it"},
    "extra_cell": {"zh": "该行比表头多出单元格（表头只到 {last} 列），此值不属于任何列",
                   "en": "a cell beyond the header (which ends at column {last}): it belongs "
                         "to no column"},
    "csv_field": {"zh": "第 {row} 行有一个单元格超过 {limit} 个字符，无法作为台账读取（可能是引号"
                        "没有配对）",
                  "en": "a cell on row {row} is longer than {limit} characters and cannot be "
                        "read as a ledger (perhaps an unmatched quote)"},
    "required": {"zh": "必填，不能为空", "en": "is required"},
    "required_new_project": {"zh": "项目 {code} 是新项目（数据库中没有），必须填写此项",
                             "en": "project {code} is new (not in the database) and needs "
                                   "this value"},
    "required_new_milestone": {"zh": "节点 {ref} 是新节点（数据库中没有），必须填写此项",
                               "en": "milestone {ref} is new (not in the database) and needs "
                                     "this value"},
    # the problem list (问题 sheet) and the 存在问题及原因 column
    "unknown_project": {"zh": "没有此项目（数据库和本台账中都没有）",
                        "en": "no such project (neither in the database nor in this ledger)"},
    "unknown_milestone": {"zh": "项目 {code} 没有此节点", "en": "project {code} has no such "
                                                          "milestone"},
    "duplicate_problem": {"zh": "问题编号重复：{where}已有", "en": "duplicate problem code: "
                                                              "already at {where}"},
    "problem_refused": {"zh": "{msg}", "en": "{msg}"},
    "problem_extension": {"zh": "“申请延期”须由单位在办理时限前提出（lights problem extend），"
                                "台账不能直接设为此状态",
                          "en": "an extension is asked by the unit before the deadline (lights "
                                "problem extend); a ledger cannot set this state"},
    "problem_move": {"zh": "问题现为{was}，不能直接改为此状态",
                     "en": "the problem is {was}: it cannot go to this state"},
    # a sheet
    "missing_column": {"zh": "缺少此列", "en": "this column is missing"},
    "missing_progress": {"zh": "缺少“完成进度”或“实际完成时间”列",
                         "en": "needs a Progress or an Actual date column"},
    "duplicate_column": {"zh": "与 {letter} 列重复", "en": "repeats column {letter}"},
    "no_header": {"zh": "前 {n} 行中找不到表头行（需含“项目编号”列）",
                  "en": "no header row in the first {n} rows (it needs a Project code column)"},
    # rows
    "duplicate_project": {"zh": "项目编号重复：{where}已有", "en": "duplicate project code: "
                                                               "already at {where}"},
    "duplicate_milestone": {"zh": "节点重复：项目 {code} 的“{name}”{where}已有",
                            "en": "duplicate milestone: {code} “{name}” already at {where}"},
    "conflict": {"zh": "与{where}的“{other}”不一致", "en": "differs from “{other}” at {where}"},
    "start_after_date": {"zh": "计划完成时间早于计划开始时间 {start}",
                         "en": "the planned date is before the planned start {start}"},
    "annual_over_total": {"zh": "年度计划投资大于总投资 {total} 万元",
                          "en": "the annual plan is more than the total investment "
                                "({total} 10k yuan)"},
    "ytd_below_month": {"zh": "累计完成投资小于本月完成投资 {month} 万元",
                        "en": "the year to date is less than this month's investment "
                              "({month} 10k yuan)"},
    "start_after_report": {"zh": "实际开工时间晚于投资报送日期 {date}",
                           "en": "the actual start is after the investment report date {date}"},
    "invest_date_alone": {"zh": "填了投资报送日期，但没有投资数字（本月完成投资、累计完成投资、"
                                "到位资金或实际开工时间）",
                          "en": "an investment report date without figures (this month's "
                                "investment, year to date, funds in place or actual start)"},
    "ytd_below_previous": {"zh": "累计完成投资小于本月之前已累计的 {ytd} 万元（见 {date} 的报送；"
                                 "同一年内累计数不会减少）",
                           "en": "the year to date is less than the {ytd} (10k yuan) completed "
                                 "before this month (see the report of {date}; it cannot fall "
                                 "within a year)"},
    "done_below_100": {"zh": "已填实际完成时间，但完成进度只有 {percent}%",
                       "en": "has an actual date but progress is only {percent}%"},
    "no_progress": {"zh": "进展行需要完成进度或实际完成时间",
                    "en": "a progress row needs a percentage or an actual date"},
    "future": {"zh": "晚于今天（{today}）", "en": "is after today ({today})"},
    "no_project": {"zh": "项目 {code} 既不在本文件中，也不在数据库中",
                   "en": "project {code} is neither in the file nor in the database"},
    "no_milestone": {"zh": "节点 {ref} 既不在本文件中，也不在数据库中",
                     "en": "milestone {ref} is neither in the file nor in the database"},
    "replan_refused": {"zh": "节点状态为“{state}”，不能调整计划（请先恢复或重新打开）",
                       "en": "the milestone is {state} and cannot be re-planned "
                             "(resume or reopen it first)"},
    # a file
    "xls": {"zh": "旧版 .xls 文件：请在 Excel 或 WPS 中另存为 .xlsx",
            "en": "an old .xls file: save it as .xlsx in Excel or WPS"},
    "suffix": {"zh": "不是 .xlsx 或 .csv 文件", "en": "not an .xlsx or .csv file"},
    "excel": {"zh": "无法作为 Excel 文件打开（{detail}）",
              "en": "cannot be opened as an Excel file ({detail})"},
    "encoding": {"zh": "不是 UTF-8 或 GB18030 编码的文本", "en": "not UTF-8 or GB18030 text"},
    "io": {"zh": "无法读取（{detail}）", "en": "cannot be read ({detail})"},
    "csv_size": {"zh": "文件共 {size} MB，超过上限 {limit} MB，未读取"
                       "（请按地区或部门分成几个文件）",
                 "en": "{size} MB, over the limit of {limit} MB; not read (split it by region or "
                       "department)"},
    "zip_size": {"zh": "解压后共 {size} MB，超过上限 {limit} MB，未打开（可能是压缩炸弹）",
                 "en": "unpacks to {size} MB, over the limit of {limit} MB; not opened (it may "
                       "be a zip bomb)"},
    "zip_ratio": {"zh": "其中 {member} 压缩比 {ratio}:1，超过 {limit}:1，未打开（可能是压缩炸弹）",
                  "en": "its part {member} is compressed {ratio}:1, over {limit}:1; not opened "
                        "(it may be a zip bomb)"},
    "zip_members": {"zh": "压缩包内有 {n} 个文件，超过上限 {limit} 个，未打开",
                    "en": "holds {n} files, over the limit of {limit}; not opened"},
    "no_sheet": {"zh": "没有可识别的台账表（工作表名为 项目、节点 或 进展，或表头含“项目编号”）",
                 "en": "no ledger sheet (sheets named projects, milestones or progress, or "
                       "with a Project code header)"},
}

WORDS: dict[str, dict[str, str]] = {
    "where.sheet": {"zh": "{file}「{sheet}」", "en": "{file}, sheet {sheet}"},
    "where.row": {"zh": "第{row}行", "en": "row {row}"},
    "where.column": {"zh": "{letter}列「{header}」", "en": "column {letter} ({header})"},
    "where.value": {"zh": "“{value}”", "en": "“{value}”"},
    "where.sep": {"zh": " ", "en": ", "},
    "where.why": {"zh": "：{why}", "en": ": {why}"},
    "where.at": {"zh": "{sheet}第{row}行", "en": "{sheet} row {row}"},
    "import.title": {"zh": "已导入 {files}（灯按 {as_of} 评估）",
                     "en": "Imported {files} (lit as of {as_of})"},
    "import.title_dry": {"zh": "试导入 {files}：未写入任何数据，以下是将要发生的变化",
                         "en": "Dry run of {files}: nothing written; this is what would change"},
    "import.projects": {"zh": "项目：新增 {new}，更新 {updated}，未变 {same}",
                        "en": "Projects: {new} new, {updated} updated, {same} unchanged"},
    "import.milestones": {"zh": "节点：新增 {new}，更新 {updated}（其中调整计划 {replanned}），"
                                "未变 {same}",
                          "en": "Milestones: {new} new, {updated} updated ({replanned} "
                                "re-planned), {same} unchanged"},
    "import.reports": {"zh": "进展：新增 {new} 条（{dup} 条已有，未重复记录）",
                       "en": "Progress reports: {new} added ({dup} already there, not added "
                             "again)"},
    "import.moves": {"zh": "灯变化：{n} 个节点", "en": "Lights changed: {n} milestones"},
    "import.moved": {"zh": "灯有变化的节点", "en": "Lights that changed"},
    "import.more": {"zh": "……另有 {n} 项", "en": "… and {n} more"},
    "import.problems": {"zh": "台账有 {n} 个问题，未导入任何数据",
                        "en": "the ledger has {n} problem(s); nothing was imported"},
    "import.warning": {"zh": "注意：{text}", "en": "Warning: {text}"},
    "import.future": {"zh": "--as-of {day} 在今天之后：历史台账的日期不能晚于今天",
                      "en": "--as-of {day} is after today: a past ledger's day cannot be later"},
    "import.out_of_order": {"zh": "--as-of {day} 早于最近一次评估（{latest}）："
                                  "历史台账须按日期先后导入，未导入任何数据",
                            "en": "--as-of {day} is before the latest evaluation ({latest}): past "
                                  "ledgers are imported in date order; nothing was imported"},
    "warn.ignored": {"zh": "{where} 忽略的列：{columns}", "en": "{where}: columns ignored: "
                                                               "{columns}"},
    "warn.months": {"zh": "{where} 有 {n} 个计划时间只写了年月（或旬、季度、年底），"
                          "已按该期间最后一天读取（计划开始时间按第一天）",
                    "en": "{where}: {n} planned date(s) given as a month (or a part of one, a "
                          "quarter, the year's end), read as its last day (a planned start as "
                          "its first)"},
    "warn.invest_undated": {"zh": "{n} 个项目的投资数据没有“投资报送日期”，已按导入当天 {date} 记录"
                                  "（{codes}）",
                            "en": "{n} projects' investment figures have no 投资报送日期 and are "
                                  "recorded as of the day of the import, {date} ({codes})"},
    "warn.invest_undated_earlier": {"zh": "；其中 {n} 个项目已有日期更早的报送，今后以这次为准："
                                           "如这些数据并非今天的，请填写投资报送日期后重新导入",
                                    "en": "; {n} of them had a report dated earlier, which this "
                                          "one now follows: if the figures are older, give "
                                          "投资报送日期 and import again"},
    "warn.skipped": {"zh": "{where} 不是台账表，已跳过", "en": "{where}: not a ledger sheet, "
                                                             "skipped"},
    "change.new_project": {"zh": "新增项目 {code} {name}", "en": "new project {code} {name}"},
    "change.project": {"zh": "项目 {code}：{fields}", "en": "project {code}: {fields}"},
    "change.new_milestone": {"zh": "新增节点 {ref}（计划完成 {date}）",
                             "en": "new milestone {ref} (planned {date})"},
    "change.milestone": {"zh": "节点 {ref}：{fields}", "en": "milestone {ref}: {fields}"},
    "change.replan": {"zh": "调整计划 {ref}：{old} → {new}", "en": "re-plan {ref}: {old} → {new}"},
    "change.report": {"zh": "进展 {ref}：{percent}%（{date}）",
                      "en": "progress {ref}: {percent}% ({date})"},
    "change.investment": {"zh": "投资 {code}（{date}）：本月 {month} 万元，累计 {ytd} 万元，"
                                "到位 {funds} 万元{started}",
                          "en": "investment {code} ({date}): {month} this month, {ytd} year "
                                "to date, {funds} in place (10k yuan){started}"},
    "change.started": {"zh": "，{date} 开工", "en": ", started {date}"},
    "change.problems": {"zh": "问题清单：新增 {new} 个，更新 {known} 个",
                        "en": "problem list: {new} new, {known} updated"},
    "change.reasons": {"zh": "存在问题及原因：{n} 个节点", "en": "problems and reasons: {n} "
                                                        "milestone(s)"},
    "import.investment": {"zh": "投资报送：新增 {new} 条（{same} 条与上次报送相同，未重复记录）",
                          "en": "Investment reports: {new} added ({same} the same as the last "
                                "report, not added again)"},
    "replan.reason": {"zh": "由台账 {file} 导入", "en": "imported from {file}"},
    "export.done": {"zh": "已导出 {projects} 个项目、{milestones} 个节点到 {file}",
                    "en": "Exported {projects} projects and {milestones} milestones to {file}"},
    "export.split_csv": {"zh": "按级别或地区分表（--split）只适用于 .xlsx 文件",
                         "en": "--split (one sheet per level or region) needs an .xlsx file"},
    "export.suffix": {"zh": "导出文件应为 .xlsx 或 .csv：{file}",
                      "en": "the export file must be .xlsx or .csv: {file}"},
    "template.done": {"zh": "已生成台账模板：{file}", "en": "Ledger template written: {file}"},
    "template.suffix": {"zh": "模板文件应为 .xlsx：{file}",
                        "en": "the template file must be .xlsx: {file}"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "none": {"zh": "无", "en": "none"},
    "sheet.projects": {"zh": "项目", "en": "projects"},
    "sheet.milestones": {"zh": "节点", "en": "milestones"},
    "sheet.progress": {"zh": "进展", "en": "progress"},
    "sheet.problems": {"zh": "问题", "en": "problems"},
    "sheet.notes": {"zh": "说明", "en": "notes"},
    "sheet.lists": {"zh": "选项", "en": "lists"},
}


why = lookup(WHY)
say = lookup(WORDS)
