#!/usr/bin/env python3
"""Campaigns as counties define them (issue 12, "Done when" items 1-3).

A campaigns.ini declares kinds 讲党课/走流程, indicators 为民办实事 (件) and
捐助物资 (万元, 2 places), sub-categories and four stages. Units' ledgers use
the Chinese names (declared kinds, problems with 子类别/来源/整改类型/责任人/
整改措施, indicators.csv, cases.csv); real agents sync to a real county and a
real city (`huibao-sub run`) subscribes:

1. every new rollup figure at county and city equals tests/tools/count.py,
   and again after edits and deletions;
2. 捐助物资 over many 0.1 and 0.2 rows sums exactly to the hundredth
   (0.1 + 0.2 is 0.3 in the JSON, text "0.30");
3. an activity dated before the campaign's start: the agent exits 65 with
   FILE:LINE naming the date column, and nothing stored changes;
4. the stages' states follow the county's today (its clock moved with
   libfaketime)."""
import os
import stat
import subprocess
import time

import hbtest

CAMPAIGN = "zhuti-2023"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

CAMPAIGNS_INI = """\
; issue 12: a campaign with its own vocabulary, and one without
[zhuti-2023]
name = 学习贯彻习近平新时代中国特色社会主义思想主题教育
start = 2023-04-01
end = 2024-01-31
; deleted problems leave at once, as count.py counts them (issue 14: test_review.py)
problem_delete = free
kind.dangke = 讲党课
kind.zouliucheng = 走流程
indicator.shishi = 为民办实事, 件
indicator.juanzhu = 捐助物资, 万元, 2
category.theory = 理论学习不到位
category.theory.t1 = 学习不系统
category.theory.t2 = 学用脱节
category.work = 工作作风不扎实
category.work.w1 = 服务群众不到位
category.other = 其他
stage.1 = 学习研讨, 2023-04-01, 2023-05-15
stage.2 = 问题查摆, 2023-05-16, 2023-06-30
stage.3 = 深刻剖析, 2023-07-01, 2023-09-30
stage.4 = 推动整改, 2023-10-01, 2024-01-31

[jiefang-2022]
name = 解放思想、振兴发展研讨
start = 2022-06-01
end = 2022-12-31
category.county = 深化县情认识
"""

UNITS = [("xw", "县委理论学习中心组", "县"), ("t01", "大罗镇", "乡镇"), ("t02", "新华街道", "街道"),
         ("d01", "县民政局", "部门"), ("d02", "县教育局", "部门"), ("t03", "东风乡", "乡镇")]

A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期",
         "问题描述", "子类别", "责任人", "整改措施", "来源", "整改类型"]
I_HDR = ["编号", "专项", "日期", "指标", "数量", "说明"]
C_HDR = ["编号", "专项", "日期", "类型", "标题", "摘要"]

KINDS = ["讲党课", "走流程", "集中学习", "dangke", "主题党日"]
CATS = [("理论学习不到位", "学习不系统"), ("理论学习不到位", "学用脱节"), ("理论学习不到位", ""),
        ("工作作风不扎实", "服务群众不到位"), ("其他", "")]
CASE_TYPES = ["典型案例", "经验做法", "先进集体", "先进个人"]


def activities(u, n, edit=False):
    rows = []
    for i in range(n):
        kind = KINDS[(i + u) % len(KINDS)] if not (edit and i % 3 == 0) else "走流程"
        rows.append([f"A{i:03d}", CAMPAIGN if i % 2 else "学习贯彻习近平新时代中国特色社会主义思想主题教育",
                     f"2023-{4 + i % 8:02d}-{1 + (i * 7) % 28:02d}", kind,
                     "基层组织" if i % 4 == 1 else "本级", str(1 + i % 3), str(10 * (i + u + 1)),
                     str(i % 2), f"第{i + 1}次活动"])
    rows.append(["B001", "jiefang-2022", "2022-07-01", "集中学习", "本级", "1", "20", "0", "老专项"])
    return rows


def problems(u, n, edit=False):
    rows = []
    for i in range(n):
        cat, sub = CATS[(i + u) % len(CATS)]
        if edit and i % 4 == 0:
            cat, sub = "理论学习不到位", "学用脱节"
        status = ["已查摆", "整改中", "已整改"][(i + u) % 3]
        resolved = "2023-11-20" if status == "已整改" else ""
        rows.append([f"P{i:03d}", CAMPAIGN, f"2023-{5 + i % 6:02d}-{10 + i % 15:02d}",
                     "个人" if i % 2 else "班子", cat, status, str(i % 4), "2023-12-01", resolved,
                     f"问题{i}", sub, f"责任人{i}", f"措施：第{i}条；限期完成",
                     ["增量", "存量", "", "new"][i % 4], ["立行立改", "长期整改", "", "long_term"][(i + 1) % 4]])
    return rows


def indicators(u, n, edit=False):
    rows = []
    for i in range(n):
        if i % 5 == 0:
            rows.append([f"I{i:03d}", CAMPAIGN, "2023-06-01", "为民办实事", str(1 + i % 4), "帮办实事"])
        else:
            v = "0.1" if (i + u) % 2 else "0.2"
            if edit and i % 7 == 0:
                v = "0.25"
            rows.append([f"I{i:03d}", CAMPAIGN, f"2023-{4 + i % 9:02d}-15", "juanzhu", v, "捐款"])
    return rows


def cases(u, n):
    return [[f"C{i:03d}", CAMPAIGN, "2023-10-10", CASE_TYPES[(i + u) % 4], f"标题{i}", f"摘要{i}"]
            for i in range(n)]


def write_county(root):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "campaigns.ini"), "w", encoding="utf-8") as f:
        f.write(CAMPAIGNS_INI)
    hbtest.write_csv(os.path.join(root, "units.csv"), ["编码", "名称", "类型"], UNITS)
    county = hbtest.County(root)
    for u, (code, _, _) in enumerate(UNITS):
        write_unit(county, u, code)
    return county


def write_unit(county, u, code, edit=False):
    d = county.ledger(code)
    if code == "d02":  # a unit that has not reported yet
        os.makedirs(d, exist_ok=True)
        return
    if code == "t03":  # 0.1 + 0.2, and nothing else
        hbtest.write_csv(os.path.join(d, "indicators.csv"), I_HDR,
                         [["J1", CAMPAIGN, "2023-06-01", "捐助物资", "0.1", ""],
                          ["J2", CAMPAIGN, "2023-06-02", "捐助物资", "0.2", ""]])
        return
    na, np_, ni, nc = 6 + u, 5 + u, 12 + 3 * u, 1 + u
    if edit:  # edits and deletions (the last rows of every table disappear)
        na, np_, ni, nc = na - 2, np_ - 1, ni - 3, nc - 1
    hbtest.write_csv(os.path.join(d, "activities.csv"), A_HDR, activities(u, na, edit))
    hbtest.write_csv(os.path.join(d, "problems.csv"), P_HDR, problems(u, np_, edit))
    hbtest.write_csv(os.path.join(d, "indicators.csv"), I_HDR, indicators(u, ni, edit))
    hbtest.write_csv(os.path.join(d, "cases.csv"), C_HDR, cases(u, nc))


class City:
    """A `huibao-sub run` that subscribes to the county and republishes."""

    def __init__(self, t, county_pub, name="city"):
        self.t = t
        self.data = os.path.join(t.dir, f"{name}-data")
        os.makedirs(self.data, exist_ok=True)
        self.publish = f"tcp://127.0.0.1:{hbtest.free_port()}"
        self.log = os.path.join(t.dir, f"{name}.log")
        k = t.keys
        k.make(["reader"])
        subs = os.path.join(t.dir, "city-subscribers")
        os.makedirs(subs, exist_ok=True)
        k.install("reader", subs)
        argv = [hbtest.SUB, "run", "--connect", county_pub, "--data", self.data, "--source",
                "city", "--source-name", "市", "--publish", self.publish, "--secret",
                k.secret("city"), "--subscriber-keys", subs, "--heartbeat-ms", "200",
                "--key", k.secret("city"), "--server-key", k.public("county")]
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        t.logs.append(self.log)

    def rollups(self):
        k = self.t.keys
        r = hbtest.run([hbtest.SUB, "snapshot", "--connect", self.publish, "--format", "json",
                        "--timeout", "5", "--key", k.secret("reader"), "--server-key",
                        k.public("city")], timeout=40)
        import json
        try:
            doc = json.loads(r.out)
        except ValueError:
            return r, {}
        items = doc.get("campaigns", [doc]) if isinstance(doc, dict) else doc
        return r, {it["campaign"]: it for it in items if isinstance(it, dict) and "campaign" in it}


def check_city(t, county, city, what, settle=5.0):
    exp = county.expected()
    end = time.monotonic() + settle
    while True:
        r, got = city.rollups()
        diffs = {c: (hbtest.hbcount.compare(exp[c], got[c]) if c in got else [f"no rollup: {r}"])
                 for c in exp}
        if not any(diffs.values()) or time.monotonic() > end:
            break
        time.sleep(0.3)
    for c, d in diffs.items():
        t.check(not d, f"{what} [{c}]", "\n".join(d[:60]))
    return got


def faketime_wrapper(t, when):
    """A script that runs the aggregator with its wall clock at `when` and no
    HUIBAO_TODAY, so its today comes from the (faked) clock."""
    path = os.path.join(t.dir, "aggregator-faketime.sh")
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\nunset HUIBAO_TODAY\n"
                "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                "FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME='@" + when + "' "
                f"LD_PRELOAD={FAKETIME_LIB} exec {hbtest.AGGREGATOR} \"$@\"\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def figures(ro):
    """What stored records decide in a rollup (not its time stamps)."""
    keep = ("activities", "problems", "indicators", "cases", "coverage", "units", "seq")
    return {k: ro.get(k) for k in keep}


def sync(t, county, unit, agg):
    """An agent sync that knows the campaigns (declared kinds, dates)."""
    return t.sync(county, unit, agg, extra=["--campaigns", county.campaigns_ini])


def sync_all(t, county, agg, what):
    units = [u for u in county.units() if os.listdir(county.ledger(u))]  # d02 has not reported
    runs = {u: sync(t, county, u, agg) for u in units}
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, what, "\n".join(f"{u}: {r}" for u, r in bad.items()))


def main(t):
    county = write_county(os.path.join(t.dir, "county"))
    agg = t.aggregator(county, heartbeat_ms=200)
    city = City(t, agg.publish)

    # 1. first sync: county and city equal the independent count
    sync_all(t, county, agg, "every unit syncs its Chinese ledgers (declared kinds, 成效, 典型)")
    t.check_rollups(county, agg, "county: every new figure equals count.py")
    got = check_city(t, county, city, "city: every new figure equals count.py")
    _, cg = t.rollups(agg, CAMPAIGN)
    ro = cg.get(CAMPAIGN, {})
    bk = ro.get("activities", {}).get("by_kind", {})
    t.check_eq((bk.get("dangke") or {}).get("name"), "讲党课", "by_kind.dangke carries its name")
    t.check_eq((bk.get("study") or {}).get("name"), "集中学习", "a built-in kind carries its name")
    t.check(any(c.get("kind") == "zouliucheng" for c in ro.get("activities", {}).get("cube", [])),
            "the cube lists a declared kind by its code")
    exp = county.expected()[CAMPAIGN]
    ju = ro.get("indicators", {}).get("juanzhu", {})
    t.check_eq(ju.get("text"), exp["indicators"]["juanzhu"]["text"],
               "捐助物资 sums exactly to the hundredth over many 0.1 and 0.2 rows", ju)
    t.check(ju.get("records", 0) > 20, "many 捐助物资 rows were summed", ju)
    t3 = next((u for u in ro.get("units", []) if u.get("code") == "t03"), {})
    j3 = (t3.get("indicators") or {}).get("juanzhu", {})
    t.check(j3.get("value") == 0.3 and j3.get("text") == "0.30",
            "0.1 + 0.2 gives 0.3 (text 0.30), not 0.30000000000000004", j3)
    t.check(str(ju.get("value")) == ju.get("text", "").rstrip("0").rstrip("."),
            "the JSON number prints the exact decimal", ju)
    t.check_eq(ro.get("stage_current", {}) and ro["stage_current"].get("name"), "推动整改",
               f"today {hbtest.TODAY}: the current stage is 推动整改")
    cro = got.get(CAMPAIGN, {})
    t.check_eq(cro.get("stages"), ro.get("stages"), "the city carries the county's stages")

    # 2. edits and deletions
    for u, (code, _, _) in enumerate(UNITS):
        write_unit(county, u, code, edit=True)
    sync_all(t, county, agg, "edited ledgers sync")
    t.check_rollups(county, agg, "county after edits and deletions equals count.py")
    check_city(t, county, city, "city after edits and deletions equals count.py")

    # 3. an activity dated before the campaign's start: exit 65, nothing stored changes
    _, before = t.rollups(agg, CAMPAIGN)
    path = os.path.join(county.ledger("t01"), "activities.csv")
    rows = activities(1, 5, True)
    rows.append(["A900", CAMPAIGN, "2023-03-01", "讲党课", "本级", "1", "5", "0", "太早的活动"])
    hbtest.write_csv(path, A_HDR, rows)
    r = sync(t, county, "t01", agg)
    t.check_rc(r, hbtest.EX_DATAERR, "an activity dated before the campaign's start: exit 65")
    m = hbtest.diag_re("activities.csv", len(rows) + 1, "日期").search(r.err)
    t.check(m is not None, "FILE:LINE names the date column", r.err)
    t.check(m is not None and "2023-04-01" in m.group(0), "the message gives the campaign's dates",
            r.err)
    time.sleep(0.5)
    _, after = t.rollups(agg, CAMPAIGN)
    t.check_eq(figures(after.get(CAMPAIGN, {})), figures(before.get(CAMPAIGN, {})),
               "nothing stored changed (county rollup unchanged)")
    hbtest.write_csv(path, A_HDR, activities(1, 5, True))
    t.check_rc(sync(t, county, "t01", agg), 0, "the corrected ledger syncs")

    # 4. stages by the county's today
    if not os.path.exists(FAKETIME_LIB):
        t.check(True, f"skipped the stage dates: {FAKETIME_LIB} missing")
        return
    real = hbtest.AGGREGATOR
    for when, cur in (("2023-05-20 10:00:00", "问题查摆"), ("2023-03-01 10:00:00", None),
                      ("2024-03-01 10:00:00", None), ("2023-07-01 00:30:00", "深刻剖析")):
        t.check_eq(agg.stop(), 0, "the county stops")
        hbtest.AGGREGATOR = faketime_wrapper(t, when)
        try:
            agg.start()
        finally:
            hbtest.AGGREGATOR = real
        day = hbtest.hbledger.parse_date(when[:10])
        stages, current = hbtest.hbcount.stages_of(
            hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers,
                                       day)["campaigns"].find(CAMPAIGN), day)
        _, g = t.rollups(agg, CAMPAIGN)
        ro = g.get(CAMPAIGN, {})
        t.check_eq(ro.get("stages"), stages, f"county today {when[:10]}: every stage's state")
        t.check_eq((ro.get("stage_current") or {}).get("name"), cur,
                   f"county today {when[:10]}: stage_current")
        # a city that held the county's rollup of the real clock keeps it (the
        # faked county speaks earlier, as_of, with the same seq): a new city
        city.proc.terminate()
        city.proc.wait()
        city = City(t, agg.publish, "city-" + when[:10])
        end = time.monotonic() + 8
        while True:
            _, cg = city.rollups()
            if (cg.get(CAMPAIGN) or {}).get("stages") == stages or time.monotonic() > end:
                break
            time.sleep(0.3)
        t.check_eq((cg.get(CAMPAIGN) or {}).get("stages"), stages,
                   f"city follows the county's today {when[:10]}")


if __name__ == "__main__":
    hbtest.Test("campaign_model").guard(main)
