#!/usr/bin/env python3
"""Issue 13's 通报 end check on the 61-unit sample county (deploy/sample/,
jiefang-2022 with `cycle = weekly, 5, 18:00`): the county's clock is driven
with libfaketime (FAKETIME_TIMESTAMP_FILE, rewritten to move the clock of
the running aggregator) through two periods of the campaign:

  2022-06-02 10:00  period 2022-06-03: every unit but R syncs its ledgers
  2022-06-09 10:00  period 2022-06-10: the units R sync their ledgers
                    (changes stored within the period: reported); the
                    units N send a 报送 row 2022-06-10 无新增=是 (nil)
  2022-06-11 10:00  after the due: the units L send a 报送 row for
                    2022-06-10 (late); every other unit stays silent (missing)
  2022-06-13 10:00  period_last_closed = 2022-06-10

`huibao-sub report --template docs/templates/tongbao-weekly.txt` then names
exactly the late and missing units of 2022-06-10 (and the nil ones), with
the period's figures equal to the rollup JSON's and to an independent count
of the ledgers' dates; --period 2022-06-03 gives the other period (nobody
late); an unknown --period exits 66 and lists the periods. Then the
dashboard (`huibao-sub serve`, the city's merged view) in headless Chromium:
the units x periods grid's column 2022-06-10 shows every unit's state in its
colour and the summary names the late and missing units
(test_dashboard.period_grid_part); a screenshot is saved as a test artefact
(Testing/artefacts/dashboard-periods.png).
"""
# ctest-labels: nosan
import datetime
import os
import re
import shutil
import stat
import sys
import time
import zipfile

import hbtest
import test_dashboard
import test_report

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SAMPLE = os.path.join(hbtest.REPO, "deploy", "sample")
TEMPLATE = os.path.join(hbtest.REPO, "docs", "templates", "tongbao-weekly.txt")
CAMPAIGN = "jiefang-2022"
PERIOD, FIRST = "2022-06-10", "2022-06-03"
START, END = datetime.date(2022, 6, 4), datetime.date(2022, 6, 10)
REPORTS_HDR = ["报送期", "填报人", "审核人", "无新增", "说明"]


def sample_county(t):
    root = os.path.join(t.dir, "sample")
    r = hbtest.run([sys.executable, os.path.join(SAMPLE, "make_ledgers.py"), "--out", root],
                   timeout=120)
    if r.rc != 0:
        raise RuntimeError(f"make_ledgers.py failed: {r}")
    shutil.copy(os.path.join(SAMPLE, "units.csv"), os.path.join(root, "units.csv"))
    with open(os.path.join(SAMPLE, "campaigns.ini"), encoding="utf-8") as f:
        ini = f.read()
    section = ini.split(f"[{CAMPAIGN}]", 1)[1].split("\n[", 1)[0]
    if "\ncycle" not in section:  # the shipped sample gives it; a copy without still works
        ini = ini.replace(f"[{CAMPAIGN}]\n", f"[{CAMPAIGN}]\ncycle = weekly, 5, 18:00\n", 1)
    with open(os.path.join(root, "campaigns.ini"), "w", encoding="utf-8") as f:
        f.write(ini)
    return hbtest.County(root)


class Clock:
    """The county's (and the agents') clock: a libfaketime timestamp file
    the programs read at every call (FAKETIME_NO_CACHE=1); HUIBAO_TODAY
    stays 2023-12-31 so that the ledgers' later dates are not "in the
    future"."""

    def __init__(self, t):
        self.dir = t.dir
        self.path = os.path.join(t.dir, "faketime")

    def wrapper(self, real, name):
        """A script running real on this clock."""
        path = os.path.join(self.dir, name + "-faketime.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n"
                    "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                    "TZ=Asia/Shanghai FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 "
                    f"FAKETIME_TIMESTAMP_FILE='{self.path}' "
                    f"LD_PRELOAD={FAKETIME_LIB} exec {real} \"$@\"\n")
        os.chmod(path, stat.S_IRWXU)
        return path

    def set(self, when):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("@" + when + "\n")
        os.replace(tmp, self.path)


def write_reports(county, unit, nothing_new):
    hbtest.write_csv(os.path.join(county.ledger(unit), "reports.csv"), REPORTS_HDR,
                     [[PERIOD, "张三", "李四", "是" if nothing_new else "否", "第二期报送"]])


def sync(t, county, agg, units, what):
    runs = t.sync_all(county, agg, units=units)
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, what, "\n".join(f"{u}: {r}" for u, r in list(bad.items())[:3]))


def period_figures(county):
    """Activities dated in START..END and problems identified / resolved in
    it, counted from the ledgers (count.py's reader), independently of C."""
    c = hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers,
                                   hbtest.TODAY_DATE)
    sessions = participants = identified = resolved = 0
    for code, _, _ in c["units"]:
        acts, probs, _ = c["ledgers"][code]
        for a in acts:
            if a["campaign"] == CAMPAIGN and START <= a["date"] <= END:
                sessions += a["sessions"]
                participants += a["participants"]
        for q in probs:
            if q["campaign"] != CAMPAIGN:
                continue
            identified += START <= q["identified_on"] <= END
            resolved += q["status"] == "resolved" and START <= q["resolved_on"] <= END
    return sessions, participants, identified, resolved


def names_after(text, label):
    """The names listed on the line "label：A、B、C。" of the report."""
    m = re.search("^" + re.escape(label) + "：(.*)。$", text, re.M)
    return m.group(1).split("、") if m else None


def main(t):
    if not os.path.exists(FAKETIME_LIB):
        print(f"skipped: {FAKETIME_LIB} missing (apt-get install faketime)")
        sys.exit(77)
    county = sample_county(t)
    units = county.units()
    t.check_eq(len(units), 61, "the sample county has 61 units")
    names = {code: name for code, name, _ in
             hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers,
                                        hbtest.TODAY_DATE)["units"]}
    R, N, L = units[1:4], units[4:7], units[7:9]
    missing = [u for u in units if u not in R + N + L]

    clock = Clock(t)
    clock.set("2022-06-02 10:00:00")
    real = hbtest.AGGREGATOR
    hbtest.AGGREGATOR = clock.wrapper(real, "aggregator")
    hbtest.AGENT = clock.wrapper(hbtest.AGENT, "agent")
    try:
        agg = t.aggregator(county, heartbeat_ms=200)
    finally:
        hbtest.AGGREGATOR = real
    sync(t, county, agg, [u for u in units if u not in R], "2022-06-02: 58 units sync")
    clock.set("2022-06-09 10:00:00")
    sync(t, county, agg, R, "2022-06-09: the units R sync their ledgers")
    for u in N:
        write_reports(county, u, True)
    sync(t, county, agg, N, "2022-06-09: the units N send 报送 无新增=是")
    clock.set("2022-06-11 10:00:00")
    for u in L:
        write_reports(county, u, False)
    sync(t, county, agg, L, "2022-06-11 (after the due): the units L send 报送")
    clock.set("2022-06-13 10:00:00")

    js = {}
    for _ in range(50):  # the next rollup is built on the faked clock
        _, got = t.rollups(agg, CAMPAIGN)
        js = got.get(CAMPAIGN) or {}
        if js.get("period_last_closed") == PERIOD:
            break
        time.sleep(0.2)
    t.check_eq(js.get("period_last_closed"), PERIOD, "the last closed period is 2022-06-10")
    p = next((x for x in js.get("periods") or [] if x.get("id") == PERIOD), {})
    t.check_eq(p.get("units"), {**{u: "reported" for u in R}, **{u: "nil" for u in N},
                                **{u: "late" for u in L}, **{u: "missing" for u in missing}},
               "the rollup: R reported, N nil, L late, the others missing")

    r = test_report.report(t, agg, CAMPAIGN, TEMPLATE)
    t.check_rc(r, 0, "report with tongbao-weekly.txt")
    out = r.out
    print(f"---- 通报\n{out}\n----", flush=True)
    t.check("关于第二期“解放思想、振兴发展研讨”推进情况的通报" in out,
            "the title names the period's number (第二期)", out[:200])
    t.check("第二期（2022年6月4日至2022年6月10日，报送截止时间为2022年6月10日18:00）" in out,
            "the period's dates and due", out[:400])
    t.check_eq(names_after(out, "迟报（截止时间后才报送）的单位"), [names[u] for u in L],
               "the 通报 names exactly the late units")
    t.check_eq(names_after(out, "未报的单位"), [names[u] for u in missing],
               "the 通报 names exactly the missing units, in units.csv order")
    t.check_eq(names_after(out, "报送“无新增”的单位"), [names[u] for u in N],
               "the 通报 names the nil units")
    t.check(f"本期应报送台账的61家单位中，按时报送{len(R) + len(N)}家，其中有新增台账的{len(R)}家，"
            f"报送“无新增”的{len(N)}家；迟报{len(L)}家；未报{len(missing)}家。" in out,
            "the counts sentence")
    t.check(f"以上{len(L) + len(missing)}家单位未按时报送" in out and "均按时报送" not in out,
            "the late-or-missing sentence (template conditional)")
    pa, pp = (p.get("activities") or {}).get("total") or {}, p.get("problems") or {}
    sessions, participants, identified, resolved = period_figures(county)
    t.check_eq((pa.get("sessions"), pa.get("participants"), pp.get("identified"),
                pp.get("resolved")), (sessions, participants, identified, resolved),
               "the rollup's period figures equal the ledgers' dates")
    want = (f"本期各单位共开展各类活动{test_report.wan(sessions)}场次、参加"
            f"{test_report.wan(participants)}人次，形成成果{test_report.wan(pa.get('outputs', 0))}份；"
            f"新查摆问题{identified}个，整改销号{resolved}个。")
    t.check(want in out, "the 通报 gives the period's figures", want)
    od = pp.get("overdue_at_end", -1)
    t.check((f"超过整改时限仍未整改的问题{od}个" in out) if od > 0 else ("没有超过整改时限" in out),
            f"the 通报 gives the overdue problems at the period's end ({od})")
    tot = js["activities"]["total"]
    t.check(f"全县共开展各类活动{test_report.wan(tot['sessions'])}场次" in out and
            f"查摆问题{test_report.wan(js['problems']['total'])}个" in out,
            "the campaign's totals")

    docx = os.path.join(t.dir, "通报.docx")
    r = test_report.report(t, agg, CAMPAIGN, TEMPLATE, "--out", docx)
    t.check_rc(r, 0, "report --out 通报.docx")
    with zipfile.ZipFile(docx) as z:
        body = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    t.check(all(names[u] in body for u in L + missing) and "关于第二期" in body,
            "the .docx 通报 holds the title and the late and missing units' names")
    r = test_report.report(t, agg, CAMPAIGN, TEMPLATE, "--period", FIRST)
    t.check_rc(r, 0, "report --period 2022-06-03")
    t.check("第一期（2022年6月1日至2022年6月3日" in r.out and "迟报（" not in r.out,
            "--period 2022-06-03: the first period, nobody late", r.out[:600])
    t.check_eq(names_after(r.out, "未报的单位"), [names[u] for u in R],
               "--period 2022-06-03: the units R (first synced later) are missing")
    r = test_report.report(t, agg, CAMPAIGN, TEMPLATE, "--period", "2022-06-11")
    t.check_rc(r, hbtest.EX_NOINPUT, "an unknown --period: exit 66")
    t.check("没有报送期 2022-06-11" in r.err and PERIOD in r.err and r.out == "",
            "an unknown --period: the message lists the periods, nothing written", r.err)
    want = {u: p.get("units", {}).get(u) for u in units}
    dashboard_part(t, agg, want, names)
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")


def dashboard_part(t, agg, want, names):
    if not (shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)):
        t.check(False, "chromium is installed (deploy/deps.sh installs it)")
        return
    serve = test_dashboard.Serve(t, [agg], os.path.join(t.dir, "city"), hbtest.TODAY)
    br = test_dashboard.Chromium(t.dir)
    try:
        t.check(serve.browser_login(br), "the browser logs in through the login page")
        s = br.open(serve.url + "/")
        t.check(br.wait(s, "document.body.dataset.version !== '0' && "
                           "!document.getElementById('board').hidden"),
                "the dashboard renders the sample county")
        test_dashboard.period_grid_part(t, br, s, CAMPAIGN, PERIOD, want, names)
        path = os.path.join(os.path.dirname(test_dashboard.artefact_path()),
                            "dashboard-periods.png")
        w, h = br.screenshot(s, path)
        t.check(os.path.getsize(path) > 20000, f"screenshot saved: {path} ({w}x{h})")
        print(f"screenshot: {path}", flush=True)
    finally:
        br.close()
        t.check_eq(serve.stop(), 0, "serve stops with exit 0")


if __name__ == "__main__":
    hbtest.Test("tongbao").guard(main)
