#!/usr/bin/env python3
"""The agent's two new tables with a real county: indicators.csv (成效) and
cases.csv (典型) sync; an edit sends only the changed row; a deleted row
sends a tombstone; a missing indicators.csv deletes nothing; an activity
dated before its campaign's start exits 65 naming FILE:LINE and the date
column, and nothing stored changes. `huibao-agent template` writes the four
sheets with the campaign's drop-downs."""
import os
import re

import hbtest

CAMPAIGN = "jiefang-2022"  # 2022-06-01..2022-12-31 in the generated campaigns.ini
DECLARED = ["indicator.shishi = 为民办实事, 件",
            "indicator.juanzhu = 捐助物资, 万元, 2",
            "kind.dangke = 讲党课"]
A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
I_HDR = ["编号", "专项", "日期", "指标", "数量", "说明"]
C_HDR = ["编号", "专项", "日期", "类型", "标题", "摘要"]
ACTS = [["HD1", CAMPAIGN, "2022-07-01", "集中学习", "本级", "1", "30", "1", "读书班"],
        ["HD2", CAMPAIGN, "2022-07-08", "专题研讨", "本级", "1", "20", "2", "研讨会"]]
INDS = [["CX1", CAMPAIGN, "2022-07-01", "为民办实事", "3", "帮办实事"],
        ["CX2", CAMPAIGN, "2022-07-02", "juanzhu", "0.1", "捐助物资"],
        ["CX3", CAMPAIGN, "2022-07-03", "捐助物资", "0.2", ""]]
CASES = [["DX1", CAMPAIGN, "2022-08-01", "先进集体", "某村党支部", "先进基层党组织"],
         ["DX2", CAMPAIGN, "2022-08-02", "先进个人", "张三", "优秀共产党员"]]


def declare(county):
    """Adds the indicators and a kind to CAMPAIGN's section of campaigns.ini."""
    with open(county.campaigns_ini, encoding="utf-8") as f:
        lines = f.read().splitlines()
    at = lines.index(f"[{CAMPAIGN}]") + 1
    lines[at:at] = DECLARED
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def counts(r):
    """(new, changed, deleted) from the agent's info line, and (sent, stored)
    from its summary line; None where a line is missing."""
    d = re.search(r"(\d+) new, (\d+) changed, (\d+) deleted", r.err)
    s = re.search(r"sent (\d+), stored (\d+)", r.err)
    return (tuple(int(x) for x in d.groups()) if d else None,
            tuple(int(x) for x in s.groups()) if s else None)


def unit_row(t, agg, unit):
    """unit's row in CAMPAIGN's county rollup, without its last_sync (a sync
    that sends nothing still asks the county for its epoch)."""
    _, got = t.rollups(agg, CAMPAIGN)
    ro = got.get(CAMPAIGN, {})
    row = next((u for u in ro.get("units", []) if u.get("code") == unit), {})
    return {k: v for k, v in row.items() if k != "last_sync"}


def figures(t, agg, unit):
    """(indicators, cases) of unit in CAMPAIGN's county rollup."""
    row = unit_row(t, agg, unit)
    return ({k: (v.get("text"), v.get("records")) for k, v in row.get("indicators", {}).items()},
            row.get("cases", {}))


def sync_part(t, county, agg):
    unit = county.units()[0]
    led = county.ledger(unit)
    # --campaigns: the agent itself resolves names and checks dates (a clerk's
    # computer with the county's campaigns file)
    extra = ["--log-level", "info", "--campaigns", county.campaigns_ini]
    sync = lambda: t.sync(county, unit, agg, extra=extra)  # noqa: E731
    hbtest.write_csv(os.path.join(led, "activities.csv"), A_HDR, ACTS)
    t.check_rc(sync(), 0, "first sync (activities and problems only)")

    hbtest.write_csv(os.path.join(led, "indicators.csv"), I_HDR, INDS)
    hbtest.write_csv(os.path.join(led, "cases.csv"), C_HDR, CASES, encoding="gbk")
    r = sync()
    t.check_rc(r, 0, "sync with indicators.csv and cases.csv")
    t.check_eq(counts(r), ((5, 0, 0), (5, 5)), "5 new rows sent and stored", r.err)
    ind, cases = figures(t, agg, unit)
    t.check_eq(ind.get("juanzhu"), ("0.30", 2), "捐助物资 0.1 + 0.2 = 0.30 at the county")
    t.check_eq(ind.get("shishi"), ("3", 1), "为民办实事 3 at the county")
    t.check_eq((cases.get("total"), cases.get("by_type", {}).get("group")), (2, 1),
               "two cases, one 先进集体, at the county")

    r = sync()
    t.check_eq(counts(r)[0], (0, 0, 0), "the same ledger again: nothing to send", r.err)

    INDS[1][4] = "0.15"
    hbtest.write_csv(os.path.join(led, "indicators.csv"), I_HDR, INDS)
    r = sync()
    t.check_rc(r, 0, "sync after editing one indicator")
    t.check_eq(counts(r), ((0, 1, 0), (1, 1)), "only the edited row is sent", r.err)
    t.check_eq(figures(t, agg, unit)[0].get("juanzhu"), ("0.35", 2), "the edit reaches the county")

    hbtest.write_csv(os.path.join(led, "cases.csv"), C_HDR, CASES[:1])
    r = sync()
    t.check_rc(r, 0, "sync after deleting a case")
    t.check_eq(counts(r), ((0, 0, 1), (1, 1)), "the deleted case is sent as a tombstone", r.err)
    t.check_eq(figures(t, agg, unit)[1].get("total"), 1, "one case left at the county")

    os.remove(os.path.join(led, "indicators.csv"))
    r = sync()
    t.check_rc(r, 0, "sync without indicators.csv")
    t.check("indicators.csv" in r.err, "the missing file is noted", r.err)
    t.check_eq(counts(r)[0], (0, 0, 0), "a missing indicators.csv deletes nothing", r.err)
    t.check_eq(figures(t, agg, unit)[0].get("juanzhu"), ("0.35", 2), "the county keeps them")
    hbtest.write_csv(os.path.join(led, "indicators.csv"), I_HDR, INDS)

    # an activity dated before its campaign: 65, FILE:LINE: 日期, nothing changes
    before = unit_row(t, agg, unit)
    hbtest.write_csv(os.path.join(led, "activities.csv"), A_HDR,
                     ACTS + [["HD3", CAMPAIGN, "2020-05-01", "集中学习", "本级", "1", "9", "0", "早"]])
    r = sync()
    t.check_rc(r, hbtest.EX_DATAERR, "an activity dated before the campaign's start")
    m = hbtest.diag_re("activities.csv", 4, "日期").search(r.err)
    t.check(m is not None and "2022-06-01" in m.group(2) and "2020-05-01" in m.group(2),
            "activities.csv:4: 日期: names the campaign's dates and the row's", r.err)
    t.check_eq(counts(r)[0], (0, 0, 0), "nothing new, changed or deleted", r.err)
    t.check_eq(unit_row(t, agg, unit), before, "nothing stored at the county changes")
    hbtest.write_csv(os.path.join(led, "activities.csv"), A_HDR, ACTS)
    t.check_rc(sync(), 0, "the fixed ledger syncs")


def lists_of(wb, ws):
    """{header: [values]} of a sheet's drop-down lists (ranges of `lists`)."""
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
    sup = os.path.join(t.dir, "lsan.supp")  # libxlsxwriter 1.1.4's leak, as in test_xlsx
    with open(sup, "w") as f:
        f.write("leak:lxw_strdup\n")
    r = hbtest.run([hbtest.AGENT, "template", "--out", path, "--campaigns", county.campaigns_ini,
                    "--campaign", CAMPAIGN],
                   env={"LSAN_OPTIONS": f"suppressions={sup}:print_suppressions=0"})
    t.check_rc(r, 0, "template")
    wb = openpyxl.load_workbook(path)
    t.check_eq(wb.sheetnames, ["活动", "问题", "成效", "典型", "报送", "lists"],
               "five sheets (报送 of issue 13) and lists")
    t.check_eq([c.value for c in wb["成效"][1]], I_HDR, "成效 headers")
    t.check_eq([c.value for c in wb["典型"][1]], C_HDR, "典型 headers")
    la, lp = lists_of(wb, wb["活动"]), lists_of(wb, wb["问题"])
    li, lc = lists_of(wb, wb["成效"]), lists_of(wb, wb["典型"])
    t.check("讲党课" in (la.get("类型") or []) and "集中学习" in (la.get("类型") or []),
            "活动 类型: built-in and declared kinds", la.get("类型"))
    t.check_eq(li.get("指标"), ["为民办实事", "捐助物资"], "成效 指标 drop-down")
    t.check_eq(lc.get("类型"), ["典型案例", "经验做法", "先进集体", "先进个人"], "典型 类型 drop-down")
    t.check_eq((lp.get("来源"), lp.get("整改类型")), (["增量", "存量"], ["立行立改", "长期整改"]),
               "问题 来源 and 整改类型 drop-downs")
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", path, "--campaigns", county.campaigns_ini])
    t.check_rc(r, 0, "the template reads back as a valid empty ledger")


def main(t):
    county = t.county(units=3, rows=4, seed=12)
    declare(county)
    agg = t.aggregator(county)
    sync_part(t, county, agg)
    template_part(t, county)
    agg.stop()
    t.check_rc(agg.verify(), 0, "verify at the end")


hbtest.Test("agent_tables").guard(main)
