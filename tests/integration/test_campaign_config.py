#!/usr/bin/env python3
"""campaigns.ini of issue 12 (docs/campaigns.md): a bad file is refused with
FILE:LINE and the reason, by --check-config (exit 78), by huibao-agent check (exit 65, as any bad input
file of the agent) and at SIGHUP, where the
running aggregator logs it and keeps publishing the campaigns it had.

A real aggregator starts on the example of issue 12; every bad file (a
duplicate code, a stage outside the campaign, overlapping stages, an unknown
key) also adds a campaign, so that a reload that took it would show. A good
file at the end is taken, which proves the SIGHUPs reach the reload."""
import os
import re
import signal
import time

import hbtest

GOOD = """\
[zhuti-2023]
name = 学习贯彻习近平新时代中国特色社会主义思想主题教育
start = 2023-04-01
end = 2024-01-31
kind.dangke = 讲党课                       ; an activity kind of this campaign (code = dangke)
kind.zouliucheng = 走流程
indicator.shishi = 为民办实事, 件           ; an outcome indicator: name, unit
indicator.juanzhu = 捐助物资, 万元, 2       ; third field: decimal places (default 0)
indicator.zhidu = 建章立制, 项
category.theory = 理论学习不到位
category.theory.t1 = 学习不系统               ; a sub-category of `theory` (code t1)
category.theory.t2 = 学用脱节
stage.1 = 学习研讨, 2023-04-01, 2023-05-15   ; stages: name, start, end (inside start..end)
stage.2 = 问题查摆, 2023-05-16, 2023-06-30
"""

EXTRA = """
[extra-2024]
name = 新增专项
start = 2024-01-01
end = 2024-12-31
"""

# (what, the line to add after GOOD's line 14, its line, the reason)
BAD = [
    ("a duplicate code", "kind.dangke = 再讲党课", 15,
     "类型代码重复 (duplicate kind code): dangke"),
    ("a stage outside the campaign", "stage.3 = 整改落实, 2023-07-01, 2024-03-31", 15,
     "阶段不在专项期间 2023-04-01..2024-01-31 内 (stage outside the campaign "
     "2023-04-01..2024-01-31): stage.3"),
    ("overlapping stages", "stage.3 = 深刻剖析, 2023-06-20, 2023-07-31", 15,
     "阶段日期与第 2 阶段（第 14 行）重叠 (stage overlaps stage 2 on line 14): stage.3"),
    ("an unknown key", "stages.3 = 深刻剖析, 2023-07-01, 2023-07-31", 15,
     "未知的键 (unknown key; use name, start, end, kind.CODE, indicator.CODE, category.CODE, "
     "category.CODE.SUB, stage.N, cycle): stages.3"),
]

UNITS = "code,name,type\r\nu01,一号镇,township\r\nu02,二号镇,township\r\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def published(t, agg, want, timeout=5.0):
    """{campaign id: campaign_name} of one snapshot, retried until it equals
    want or timeout passes (rollups go out within a heartbeat)."""
    end = time.monotonic() + timeout
    while True:
        r, got = t.rollups(agg)
        names = {c: ro.get("campaign_name") for c, ro in got.items()}
        if names == want or time.monotonic() > end:
            return names, r
        time.sleep(0.2)


def check_config(t, county, data):
    return hbtest.run([hbtest.AGGREGATOR, "--check-config", "--data", data,
                       "--units", county.units_csv, "--campaigns", county.campaigns_ini,
                       "--listen", "tcp://127.0.0.1:1", "--publish", "tcp://127.0.0.1:2",
                       "--insecure"], timeout=30)


def main(t):
    root = os.path.join(t.dir, "county")
    os.makedirs(root)
    county = hbtest.County(root)
    write(county.units_csv, UNITS)
    ini = county.campaigns_ini
    write(ini, GOOD)
    data = os.path.join(t.dir, "agg-data")
    os.makedirs(data)

    ledger = county.ledger("u01")
    hbtest.write_csv(os.path.join(ledger, "activities.csv"),
                     ["id", "campaign", "date", "kind", "level", "sessions", "participants",
                      "outputs", "title"],
                     [["A1", "zhuti-2023", "2023-05-01", "study", "unit", 1, 10, 0, "学习"]])
    r = check_config(t, county, data)
    t.check_rc(r, 0, "--check-config accepts the example of issue 12")
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", ledger, "--unit", "u01", "--campaigns", ini])
    t.check_rc(r, 0, "huibao-agent check accepts it")

    for what, line, n, reason in BAD:
        lines = GOOD.splitlines()
        write(ini, "\n".join(lines[:14] + [line] + lines[14:]) + "\n" + EXTRA)
        r = check_config(t, county, data)
        t.check_rc(r, hbtest.EX_CONFIG, f"--check-config refuses {what}")
        t.check(f"{ini}:{n}: {reason}" in r.err, f"--check-config names {ini}:{n} and why", r)
        t.check("configuration OK" not in r.out, "and does not say OK", r)
        r = hbtest.run([hbtest.AGENT, "check", "--ledger", ledger, "--unit", "u01",
                        "--campaigns", ini], timeout=30)
        t.check_rc(r, hbtest.EX_DATAERR, f"huibao-agent check refuses {what} (as any bad input)")
        t.check(f"{ini}:{n}: {reason}" in r.err, f"huibao-agent check names {ini}:{n} and why", r)

    write(ini, GOOD)
    agg = t.aggregator(county, heartbeat_ms=200)
    old = {"zhuti-2023": "学习贯彻习近平新时代中国特色社会主义思想主题教育"}
    names, r = published(t, agg, old)
    t.check_eq(names, old, "the aggregator publishes the campaign of the file", r)
    pid = agg.proc.pid

    kept = "reload: keeping the old units and campaigns"
    for i, (what, line, n, reason) in enumerate(BAD, 1):
        lines = GOOD.splitlines()
        write(ini, "\n".join(lines[:14] + [line] + lines[14:]) + "\n" + EXTRA)
        agg.proc.send_signal(signal.SIGHUP)
        end = time.monotonic() + 10
        while agg.log_text().count(kept) < i and time.monotonic() < end:
            time.sleep(0.05)
        log = agg.log_text()
        t.check_eq(log.count(kept), i, f"SIGHUP with {what}: the old campaigns are kept",
                   log[-2000:])
        t.check(re.search(re.escape(f"{ini}:{n}: {reason}"), log) is not None,
                f"SIGHUP with {what}: the log names {ini}:{n} and the reason", log[-2000:])
        names, r = published(t, agg, old, timeout=1.0)
        t.check_eq(names, old, f"after {what} the old campaigns are still published", r)
        t.check(agg.proc.poll() is None and agg.proc.pid == pid, "the aggregator still runs")

    # a good file is taken at the next SIGHUP
    write(ini, GOOD + EXTRA)
    agg.proc.send_signal(signal.SIGHUP)
    new = dict(old, **{"extra-2024": "新增专项"})
    names, r = published(t, agg, new, timeout=10)
    t.check_eq(names, new, "a good file at SIGHUP is taken (the new campaign is published)", r)
    t.check("reloaded: 2 units, 2 campaigns" in agg.log_text(), "the reload is logged",
            agg.log_text()[-1000:])
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")


if __name__ == "__main__":
    hbtest.Test("campaign_config").guard(main)
