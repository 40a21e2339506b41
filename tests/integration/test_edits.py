#!/usr/bin/env python3
"""Edits: a problem moves 已查摆 -> 整改中 -> 已整改 without double counting, a
deleted row leaves the rollup, and three rounds of clerk edits (status
changes, count edits, deletions, additions) keep every figure exact."""
import os
import hbtest

A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期", "问题描述"]


def one_problem(t, county, agg, unit, status, resolved_on=""):
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR,
                     [["WT001", "jiefang-2022", "2022-07-01", "个人", "深化县情认识", status, "2",
                       "2022-09-30", resolved_on, "对县情认识不清，把握不透"],
                      ["WT002", "jiefang-2022", "2022-07-02", "班子", "county", "整改中", "1",
                       "2024-06-30", "", "“四个体系”落实不到位"]],
                     encoding="gbk")
    r = t.sync(county, unit, agg)
    t.check_rc(r, 0, f"sync after setting WT001 to {status}")


def unit_row(ro, unit):
    return next((u for u in ro.get("units", []) if u.get("code") == unit), {})


def main(t):
    county = t.county(units=8, rows=12, seed=5)
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "first sync of every unit exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg)

    unit = county.units()[1]
    before = county.expected()["jiefang-2022"]
    for status, ro, want in (("已查摆", "", "identified"), ("整改中", "", "rectifying"),
                             ("已整改", "2022-12-20", "resolved")):
        one_problem(t, county, agg, unit, status, ro)
        if not t.check_rollups(county, agg, f"rollups exact with WT001 {want}"):
            continue
        _, got = t.rollups(agg, "jiefang-2022")
        p = unit_row(got["jiefang-2022"], unit).get("problems", {})
        t.check_eq((p.get("total"), p.get(want)), (2, 1 + (want == "rectifying")),
                   f"unit {unit} has 2 problems, WT001 counted once as {want}")

    # delete WT001: it leaves the rollup
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR,
                     [["WT002", "jiefang-2022", "2022-07-02", "班子", "county", "整改中", "1",
                       "2024-06-30", "", "“四个体系”落实不到位"]])
    t.check_rc(t.sync(county, unit, agg), 0, "sync after deleting WT001")
    t.check_rollups(county, agg, "rollups exact after a deletion")

    # delete the whole ledger of another unit: it becomes missing
    gone = county.units()[2]
    for f in ("activities.csv", "problems.csv"):
        hbtest.write_csv(os.path.join(county.ledger(gone), f), A_HDR if f[0] == "a" else P_HDR, [])
    t.check_rc(t.sync(county, gone, agg), 0, "sync after emptying a ledger")
    t.check_rollups(county, agg, "rollups exact after emptying a ledger")
    _, got = t.rollups(agg, "jiefang-2022")
    t.check(gone in (got.get("jiefang-2022", {}).get("coverage", {}).get("missing") or []),
            f"emptied unit {gone} is listed as missing")
    del before

    for rnd in (1, 2, 3):
        st = county.mutate(rnd, 5, "--touch", "0.9", "--advance", "0.4", "--delete", "0.08")
        t.check(st["advanced"] > 0 and st["deleted"] > 0 and st["added"] > 0,
                f"round {rnd} edits something ({st})")
        runs = t.sync_all(county, agg)
        t.check(all(r.rc == 0 for r in runs.values()), f"round {rnd}: every sync exits 0",
                [r for r in runs.values() if r.rc != 0][:2])
        t.check_rollups(county, agg, f"round {rnd}: rollups exact")
    t.check_eq(agg.stop(), 0, "aggregator stops on SIGTERM")
    t.check_rc(agg.verify(), 0, "aggregator verify after the edits")


hbtest.Test("edits").guard(main)
