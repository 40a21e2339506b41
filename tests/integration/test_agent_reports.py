#!/usr/bin/env python3
"""The agent's 报送 table (issue 13) with a real county whose campaign has
`cycle = weekly, 5, 18:00`, the agent's and the county's clocks faked
(libfaketime, TZ=Asia/Shanghai): Thursday 2022-06-09 20:00, 22 hours
before the due of period 2022-06-10.

- reports.csv and a workbook's 报送 sheet are read; bad rows exit 65 with
  FILE:LINE: column (a date that is not a due names the due of its period;
  two rows for one period name both lines);
- after a sync the agent says what the period got: 已报送：新增 N 条 for a
  unit that sent rows, 本期无新增（已报送，填报人 张三） for one whose only row
  is a 报送 row saying 无新增, and 尚未报送 with a near-due warning for one
  that sent nothing in the period; `check --state` says the same line;
- a 无新增 row for a period in which the ledger has dated rows is warned;
- a row kept as 本期 is not sent again in the next period: the agent asks for the period's date;
- the template has the 报送 sheet with its drop-downs."""
import os
import re
import shutil
import stat

import hbtest

CAMPAIGN = "jiefang-2022"  # 2022-06-01..2022-12-31 in the generated campaigns.ini
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
NOW = "2022-06-09 20:00:00"  # Thursday, 22 h before the due of period 2022-06-10
A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
R_HDR = ["报送期", "填报人", "审核人", "无新增", "说明", "专项"]


def add_cycle(county):
    with open(county.campaigns_ini, encoding="utf-8") as f:
        lines = f.read().splitlines()
    at = lines.index(f"[{CAMPAIGN}]") + 1
    lines[at:at] = ["cycle = weekly, 5, 18:00"]
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def clock(when):
    """The environment that runs a program with its wall clock at `when`."""
    return {"TZ": "Asia/Shanghai", "LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "@" + when,
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
            .lstrip(":")}


def aggregator_at(t, when):
    """A script running the aggregator with its clock at `when`."""
    path = os.path.join(t.dir, "aggregator-faketime.sh")
    env = " ".join(f"{k}='{v}'" for k, v in clock(when).items())
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#!/bin/sh\nexport {env}\nexec {hbtest.AGGREGATOR} \"$@\"\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def start_aggregator(t, county, when, data=None):
    real = hbtest.AGGREGATOR
    hbtest.AGGREGATOR = aggregator_at(t, when)
    try:
        return t.aggregator(county, data=data)
    finally:
        hbtest.AGGREGATOR = real


def fresh_ledger(county, unit):
    led = county.ledger(unit)
    shutil.rmtree(led, ignore_errors=True)
    os.makedirs(led)
    return led


def sync(t, county, unit, agg, when, ledger=None):
    extra = ["--log-level", "info", "--campaigns", county.campaigns_ini]
    os.makedirs(county.states, exist_ok=True)
    argv = [hbtest.AGENT, "sync", "--unit", unit, "--ledger", ledger or county.ledger(unit),
            "--state", county.state(unit), "--county", agg.listen, "--timeout", "10"]
    return hbtest.run(argv + t.agent_keys(unit, extra) + extra, timeout=40, env=clock(when))


def counts(r):
    d = re.search(r"(\d+) new, (\d+) changed, (\d+) deleted", r.err)
    return tuple(int(x) for x in d.groups()) if d else None


def check_part(t, county):
    """Bad 报送 rows: 65 with FILE:LINE: column; the contradiction warning."""
    led = os.path.join(t.dir, "bad-ledger")
    os.makedirs(led)
    hbtest.write_csv(os.path.join(led, "activities.csv"), A_HDR,
                     [["HD1", CAMPAIGN, "2022-06-08", "集中学习", "本级", "1", "30", "1", "读书班"]])
    hbtest.write_csv(os.path.join(led, "reports.csv"), R_HDR, [
        ["2022/6/10", "张三", "李四", "是", "本周无新增", ""],   # 2: contradicts HD1
        ["2022-06-09", "张三", "", "否", "", CAMPAIGN],         # 3: not a due
        ["本期", "张三", "", "", "", ""],                       # 4
        ["2022-06-10", "王五", "", "Y", "", ""],                # 5: same as line 2
        ["下周", "张三", "", "", "", ""],                       # 6: not a date
        ["2022-06-17", "张三", "", "也许", "", ""],             # 7: 无新增 unknown
        ["2022-06-17", "张三", "", "", "", "nosuch"],           # 8: unknown campaign
    ])
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", led, "--campaigns", county.campaigns_ini],
                   env=clock(NOW))
    t.check_rc(r, hbtest.EX_DATAERR, "check: bad 报送 rows")
    m = hbtest.diag_re("reports.csv", 3, "报送期").search(r.err)
    t.check(m is not None and "2022-06-09 不是报送截止日（本专项每周五 18:00 截止，如 2022-06-10）"
            in m.group(2), "reports.csv:3: 报送期: not a due, names the period's due", r.err)
    m = hbtest.diag_re("reports.csv", 5, "报送期").search(r.err)
    t.check(m is not None and "第 2 行" in m.group(2), "reports.csv:5: the same period as line 2",
            r.err)
    t.check(hbtest.diag_re("reports.csv", 6, "报送期").search(r.err) is not None,
            "reports.csv:6: 报送期 not a date", r.err)
    t.check(hbtest.diag_re("reports.csv", 7, "无新增").search(r.err) is not None,
            "reports.csv:7: 无新增 unknown word", r.err)
    t.check(hbtest.diag_re("reports.csv", 8, "专项").search(r.err) is not None,
            "reports.csv:8: 专项 unknown campaign", r.err)
    m = hbtest.diag_re("reports.csv", 2, "无新增").search(r.err)
    t.check(m is not None and "警告" in m.group(2) and "1 条" in m.group(2),
            "reports.csv:2: 无新增 while an activity is dated in the period: warned", r.err)
    t.check("本期（截至 6月10日 18:00）" in r.err, "check shows the period line", r.err)


def xlsx_part(t, county):
    """A workbook's 报送 sheet is read; a bad cell is named 台账.xlsx:报送!A3."""
    try:
        import openpyxl
    except ImportError:
        t.check(True, "workbook part skipped (no python3-openpyxl)")
        return
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报送"
    ws.append(R_HDR)
    ws.append(["2022-06-10", "张三", "李四", "是", "", ""])
    ws.append(["2022-06-11", "张三", "", "", "", ""])
    path = os.path.join(t.dir, "台账.xlsx")
    wb.save(path)
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", path, "--campaigns", county.campaigns_ini],
                   env=clock(NOW))
    t.check_rc(r, hbtest.EX_DATAERR, "check of a workbook with a bad 报送 row")
    t.check("台账.xlsx:报送!A3: 报送期: 报送期 2022-06-11 不是报送截止日" in r.err,
            "台账.xlsx:报送!A3: 报送期: names the cell", r.err)
    t.check("报送表：无新增（填报人 张三）" in r.err, "the good row is read (period line)", r.err)


def sync_part(t, county, agg):
    u1, u2, u3 = county.units()[:3]
    # u1: rows dated in the period
    hbtest.write_csv(os.path.join(fresh_ledger(county, u1), "activities.csv"), A_HDR,
                     [["HD1", CAMPAIGN, "2022-06-08", "集中学习", "本级", "1", "30", "1", "读书"],
                      ["HD2", CAMPAIGN, "2022-06-09", "专题研讨", "本级", "1", "20", "2", "研讨"]])
    r = sync(t, county, u1, agg, NOW)
    t.check_rc(r, 0, "u1 sync")
    t.check("本期（截至 6月10日 18:00）已报送：新增 2 条" in r.err, "u1: 已报送：新增 2 条", r.err)
    t.check("警告" not in r.err, "u1: no warning", r.err)

    # u2: only a 报送 row saying 本期 无新增
    led2 = fresh_ledger(county, u2)
    hbtest.write_csv(os.path.join(led2, "reports.csv"), R_HDR,
                     [["本期", "张三", "李四", "是", "本周无新增", ""]])
    r = sync(t, county, u2, agg, NOW)
    t.check_rc(r, 0, "u2 sync (a folder with only reports.csv)")
    t.check("本期无新增（已报送，填报人 张三）" in r.err, "u2: 本期无新增（已报送，填报人 张三）",
            r.err)
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", led2, "--unit", u2, "--state",
                    county.state(u2), "--campaigns", county.campaigns_ini], env=clock(NOW))
    t.check("本期无新增（已报送，填报人 张三）" in r.err, "check --state says the same", r.err)

    # u3: synced last week, nothing since: not reported, near-due warning
    hbtest.write_csv(os.path.join(fresh_ledger(county, u3), "activities.csv"), A_HDR,
                     [["HD1", CAMPAIGN, "2022-06-02", "集中学习", "本级", "1", "30", "1", "读书"]])
    t.check_rc(sync(t, county, u3, agg, "2022-06-02 10:00:00"), 0, "u3 sync last week")
    r = sync(t, county, u3, agg, NOW)
    t.check_rc(r, 0, "u3 sync this week, nothing new")
    t.check("本期（截至 6月10日 18:00）尚未报送" in r.err, "u3: 尚未报送", r.err)
    t.check("警告：本期报送将于 6月10日 18:00 截止" in r.err, "u3: near-due warning", r.err)

    # next week (the county's clock too): u2's row still says 本期 but is
    # not sent again by itself (a standing 无新增 would report every week
    # without anyone looking): the agent says so and names the period
    agg.stop()
    agg = start_aggregator(t, county, "2022-06-16 09:00:00", data=agg.data)
    r = sync(t, county, u2, agg, "2022-06-16 09:00:00")
    t.check_rc(r, 0, "u2 sync next week")
    t.check_eq(counts(r), (0, 0, 0), "the unchanged 本期 row is not sent again", r.err)
    t.check("本期（截至 6月17日 18:00）尚未报送" in r.err, "u2: nothing for 2022-06-17 yet", r.err)
    t.check("请把它的报送期改为 2022-06-17" in r.err, "u2: told to write the period's date",
            r.err)
    # the clerk writes the new period's date on the row: a new 报送 row
    hbtest.write_csv(os.path.join(led2, "reports.csv"), R_HDR,
                     [["2022-06-17", "张三", "李四", "是", "本周无新增", ""]])
    r = sync(t, county, u2, agg, "2022-06-16 10:00:00")
    t.check_rc(r, 0, "u2 sync with the dated row")
    t.check("本期无新增（已报送，填报人 张三）" in r.err, "u2: reported for 2022-06-17", r.err)
    return agg


def lists_of(wb, ws):
    """{header: [values]} of a sheet's drop-down lists (as test_agent_tables)."""
    hdr = [c.value for c in ws[1]]
    out = {}
    for dv in ws.data_validations.dataValidation:
        m = re.fullmatch(r"=?'?lists'?!\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)", dv.formula1 or "")
        col = re.match(r"[A-Z]+", str(dv.sqref)).group(0)
        if dv.type == "list" and m:
            cells = range(int(m.group(2)), int(m.group(3)) + 1)
            out[hdr[ord(col) - ord("A")]] = [wb["lists"][f"{m.group(1)}{i}"].value for i in cells]
    return out


def template_part(t, county):
    try:
        import openpyxl
    except ImportError:
        t.check(True, "template part skipped (no python3-openpyxl)")
        return
    path = os.path.join(t.dir, "模板.xlsx")
    sup = os.path.join(t.dir, "lsan.supp")
    with open(sup, "w") as f:
        f.write("leak:lxw_strdup\n")
    env = {"LSAN_OPTIONS": f"suppressions={sup}:print_suppressions=0", "TZ": "Asia/Shanghai"}
    r = hbtest.run([hbtest.AGENT, "template", "--out", path, "--campaigns", county.campaigns_ini,
                    "--campaign", CAMPAIGN], env=env)
    t.check_rc(r, 0, "template")
    wb = openpyxl.load_workbook(path)
    t.check_eq(wb.sheetnames, ["活动", "问题", "成效", "典型", "报送", "lists"], "five sheets")
    t.check_eq([c.value for c in wb["报送"][1]], R_HDR, "报送 headers")
    lr = lists_of(wb, wb["报送"])
    t.check_eq(lr.get("无新增"), ["是", "否"], "无新增 drop-down")
    periods = lr.get("报送期") or []
    t.check(periods[:3] == ["本期", "2022-06-03", "2022-06-10"] and periods[-1] == "2023-01-06",
            "报送期 drop-down: 本期 and the campaign's due dates", periods)
    t.check(bool(lr.get("专项")), "专项 drop-down", lr)
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", path, "--campaigns", county.campaigns_ini])
    t.check_rc(r, 0, "the template reads back as a valid empty ledger")


def main(t):
    if not os.path.exists(FAKETIME_LIB):
        t.check(True, f"skipped: {FAKETIME_LIB} missing")
        return
    county = t.county(units=3, rows=4, seed=13)
    add_cycle(county)
    check_part(t, county)
    xlsx_part(t, county)
    template_part(t, county)
    agg = sync_part(t, county, start_aggregator(t, county, NOW))
    agg.stop()


hbtest.Test("agent_reports").guard(main)
