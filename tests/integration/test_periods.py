#!/usr/bin/env python3
"""Reporting periods (issue 13, "Done when" items 1 and 4; docs/periods.md).

A campaign with `cycle = weekly, 5, 18:00` (reports due Fridays 18:00,
Asia/Shanghai). The county's clock (and the agents') is driven with
libfaketime: FAKETIME_TIMESTAMP_FILE + FAKETIME_NO_CACHE=1, so rewriting the
file moves the clock of the running processes. In the week due 2022-06-10:

  xq-a  stores a change on Thursday (no reports.csv: an old agent)  reported
  xq-b  a 报送 row "2022-06-10", 无新增 = 是, on Thursday           nil
  xq-f  a 报送 row "本期", 无新增 = 是, on Thursday                  nil
  xq-c  a 报送 row for 2022-06-10 (专项 named) after the due        late
  xq-d  silent                                                        missing
  xq-e  no reports.csv (an old agent); its change is stored after
        the due: never late, it counts for the next week             missing

The county's rollup JSON (`periods`, `period_current`, `period_last_closed`)
and the city's (`huibao-sub run`) say exactly that, the moment the due has
passed, and again after a restart of both. The next week, xq-e (only
changes) is reported and xq-a missing. A campaign without cycle has none
of the period keys."""
import json
import os
import stat
import subprocess
import time

import hbtest

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
TZ = "Asia/Shanghai"
CAMPAIGN = "zhoubao-2022"
PLAIN = "plain-2022"
WEEK = "2022-06-10"
NEXT = "2022-06-17"

CAMPAIGNS_INI = """\
[zhoubao-2022]
name = 周报专项
start = 2022-06-01
end = 2022-06-30
cycle = weekly, 5, 18:00      ; 每周五 18:00 前报送

[plain-2022]
name = 不设报送周期的专项
start = 2022-06-01
end = 2022-12-31
"""

UNITS = [("xq-a", "城关镇", "乡镇"), ("xq-b", "东风乡", "乡镇"), ("xq-c", "新华街道", "街道"),
         ("xq-d", "县民政局", "部门"), ("xq-e", "县教育局", "部门"), ("xq-f", "大罗镇", "乡镇")]

A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
R_HDR = ["报送期", "填报人", "审核人", "无新增", "说明"]
R_HDR_CAMPAIGN = ["报送期", "专项", "填报人", "审核人", "无新增", "说明"]


class Clock:
    """The faked wall clock of every process started through wrapper()."""

    def __init__(self, t):
        self.path = os.path.join(t.dir, "faketime")
        self.dir = t.dir

    def set(self, when):
        """Moves every running faked process to `when` (local time, TZ)."""
        self.when = when
        tmp = self.path + ".new"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("@" + when + "\n")
        os.replace(tmp, self.path)
        os.environ["HUIBAO_TODAY"] = when[:10]  # the agents' today

    def wrapper(self, real, name, keep_today):
        """A script running `real` on this clock (libfaketime exec'd: the
        program keeps the pid, so SIGTERM reaches it)."""
        path = os.path.join(self.dir, name + "-faketime.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n" + ("" if keep_today else "unset HUIBAO_TODAY\n") +
                    "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                    f"TZ={TZ} FAKETIME_TIMESTAMP_FILE={self.path} FAKETIME_NO_CACHE=1 "
                    f"FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD={FAKETIME_LIB} "
                    f"exec {real} \"$@\"\n")
        os.chmod(path, stat.S_IRWXU)
        return path


class City:
    """A `huibao-sub run` subscribed to the county, republishing; restartable
    on the same data folder."""

    def __init__(self, t, county_pub):
        self.t, self.county_pub = t, county_pub
        self.data = os.path.join(t.dir, "city-data")
        os.makedirs(self.data, exist_ok=True)
        self.publish = f"tcp://127.0.0.1:{hbtest.free_port()}"
        self.subs = os.path.join(t.dir, "city-subscribers")
        os.makedirs(self.subs, exist_ok=True)
        t.keys.make(["reader"])
        t.keys.install("reader", self.subs)
        self.starts = 0
        self.proc = None

    def start(self):
        k = self.t.keys
        self.starts += 1
        log = os.path.join(self.t.dir, f"city.{self.starts}.log")
        argv = [hbtest.SUB, "run", "--connect", self.county_pub, "--data", self.data, "--source",
                "city", "--source-name", "市", "--publish", self.publish, "--secret",
                k.secret("city"), "--subscriber-keys", self.subs, "--heartbeat-ms", "200",
                "--key", k.secret("city"), "--server-key", k.public("county")]
        self.logf = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        self.t.logs.append(log)

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(10)
        self.logf.close()
        return rc

    def rollups(self):
        k = self.t.keys
        r = hbtest.run([hbtest.SUB, "snapshot", "--connect", self.publish, "--format", "json",
                        "--timeout", "5", "--key", k.secret("reader"), "--server-key",
                        k.public("city")], timeout=40)
        try:
            doc = json.loads(r.out)
        except ValueError:
            return r, {}
        items = doc.get("campaigns", [doc]) if isinstance(doc, dict) else doc
        return r, {it["campaign"]: it for it in items if isinstance(it, dict) and "campaign" in it}


def write_county(root):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "campaigns.ini"), "w", encoding="utf-8") as f:
        f.write(CAMPAIGNS_INI)
    hbtest.write_csv(os.path.join(root, "units.csv"), ["编码", "名称", "类型"], UNITS)
    county = hbtest.County(root)
    for code, _, _ in UNITS:
        os.makedirs(county.ledger(code), exist_ok=True)
    return county


def activity(aid, day, campaign=CAMPAIGN):
    return [aid, campaign, day, "集中学习", "本级", "1", "20", "0", f"学习 {aid}"]


def sync(t, county, unit, agg):
    return t.sync(county, unit, agg, extra=["--campaigns", county.campaigns_ini])


def period_of(ro, pid):
    for p in (ro or {}).get("periods") or []:
        if isinstance(p, dict) and p.get("id") == pid:
            return p
    return {}


def states(ro, pid):
    return period_of(ro, pid).get("units") or {}


def counts(**kw):
    c = {"reported": 0, "nil": 0, "late": 0, "missing": 0, "pending": 0}
    c.update(kw)
    return c


def wait_for(get, want, timeout=6.0):
    """Polls get() until it returns want (a rollup is coalesced, a city
    lags its county); returns the last value."""
    end = time.monotonic() + timeout
    while True:
        v = get()
        if v == want or time.monotonic() > end:
            return v
        time.sleep(0.3)


def county_ro(t, agg, campaign=CAMPAIGN):
    return t.rollups(agg, campaign)[1].get(campaign) or {}


def city_ro(city, campaign=CAMPAIGN):
    return city.rollups()[1].get(campaign) or {}


def check_week(t, get, where, want_units, want_counts, current, last_closed, pid=WEEK):
    """The period pid of the rollup get() returns: every unit's state, the
    counts, period_current and period_last_closed."""
    want = (want_units, want_counts, current, last_closed)

    def view():
        ro = get()
        p = period_of(ro, pid)
        return (p.get("units"), p.get("counts"), ro.get("period_current"),
                ro.get("period_last_closed"))

    got = wait_for(view, want)
    t.check_eq(got[0], want_units, f"{where}: every unit's state for {pid}")
    t.check_eq(got[1], want_counts, f"{where}: counts of {pid}")
    t.check_eq(got[2], current, f"{where}: period_current")
    t.check_eq(got[3], last_closed, f"{where}: period_last_closed")


def main(t):
    if not os.path.exists(FAKETIME_LIB):
        print(f"skipped: {FAKETIME_LIB} missing (Debian package faketime)")
        raise SystemExit(77)
    os.environ["TZ"] = TZ
    county = write_county(os.path.join(t.dir, "county"))
    clock = Clock(t)
    clock.set("2022-06-09 09:00:00")  # Thursday: the week due Friday 2022-06-10 18:00
    hbtest.AGGREGATOR = clock.wrapper(hbtest.AGGREGATOR, "aggregator", keep_today=False)
    hbtest.AGENT = clock.wrapper(hbtest.AGENT, "agent", keep_today=True)
    agg = t.aggregator(county, heartbeat_ms=200)
    city = City(t, agg.publish)
    city.start()

    # Thursday: xq-a stores a change (an old agent: no reports.csv at all),
    # xq-b and xq-f say 无新增 for the week (by its id, and as 本期)
    hbtest.write_csv(os.path.join(county.ledger("xq-a"), "activities.csv"), A_HDR,
                     [activity("A1", "2022-06-08")])
    hbtest.write_csv(os.path.join(county.ledger("xq-b"), "reports.csv"), R_HDR,
                     [[WEEK, "张三", "李四", "是", "本周无新增"]])
    hbtest.write_csv(os.path.join(county.ledger("xq-f"), "reports.csv"), R_HDR,
                     [["本期", "王五", "赵六", "是", ""]])
    for u in ("xq-a", "xq-b", "xq-f"):
        r = sync(t, county, u, agg)
        t.check_rc(r, 0, f"{u} syncs on Thursday")

    ro = county_ro(t, agg)
    t.check_eq(ro.get("cycle"), "weekly,5,18:00", "county: the campaign's cycle")
    t.check_eq([p.get("id") for p in ro.get("periods") or []],
               ["2022-06-03", "2022-06-10", "2022-06-17", "2022-06-24", "2022-07-01"],
               "county: the periods of June, by due date (the last due after the end)")
    p = period_of(ro, WEEK)
    t.check_eq((p.get("start"), p.get("end"), p.get("due")),
               ("2022-06-04", "2022-06-10", "2022-06-10 18:00"), "county: the week's days and due")
    last = period_of(ro, "2022-07-01")
    t.check_eq((last.get("start"), last.get("end")), ("2022-06-25", "2022-06-30"),
               "county: the last period ends with the campaign")
    plain = county_ro(t, agg, PLAIN)
    t.check(plain and not any(k in plain for k in ("cycle", "periods", "period_current",
                                                   "period_last_closed", "contradictions")),
            "a campaign without cycle has none of the period keys",
            sorted(plain) if plain else "no rollup")
    before = {"xq-a": "reported", "xq-b": "nil", "xq-c": "pending", "xq-d": "pending",
              "xq-e": "pending", "xq-f": "nil"}
    check_week(t, lambda: county_ro(t, agg), "county before the due", before,
               counts(reported=1, nil=2, pending=3), WEEK, "2022-06-03")
    t.check_eq(states(county_ro(t, agg), "2022-06-03"), {u[0]: "missing" for u in UNITS},
               "county: the week that closed before anyone stored anything: all missing")

    # Friday 18:00:30: the due has passed; nobody has stored anything since
    clock.set("2022-06-10 18:00:30")
    closed = dict(before, **{"xq-c": "missing", "xq-d": "missing", "xq-e": "missing"})
    check_week(t, lambda: county_ro(t, agg), "county just after the due", closed,
               counts(reported=1, nil=2, missing=3), NEXT, WEEK)

    # xq-c's 报送 row for the week arrives late (naming its campaign); xq-e
    # (an old agent) stores a change dated in the week, but after the due
    hbtest.write_csv(os.path.join(county.ledger("xq-c"), "reports.csv"), R_HDR_CAMPAIGN,
                     [[WEEK, CAMPAIGN, "钱七", "孙八", "否", "补报"]])
    hbtest.write_csv(os.path.join(county.ledger("xq-e"), "activities.csv"), A_HDR,
                     [activity("E1", "2022-06-10")])
    for u in ("xq-c", "xq-e"):
        t.check_rc(sync(t, county, u, agg), 0, f"{u} syncs after the due")
    final = dict(closed, **{"xq-c": "late"})
    want_counts = counts(reported=1, nil=2, late=1, missing=2)
    check_week(t, lambda: county_ro(t, agg), "county", final, want_counts, NEXT, WEEK)
    next_week = {u[0]: "pending" for u in UNITS}
    next_week["xq-e"] = "reported"
    t.check_eq(wait_for(lambda: states(county_ro(t, agg), NEXT), next_week), next_week,
               "county: xq-e's change after the due counts for the next week")
    check_week(t, lambda: city_ro(city), "city", final, want_counts, NEXT, WEEK)
    t.check_eq(states(city_ro(city), NEXT), next_week, "city: the next week")
    cro = city_ro(city)
    t.check_eq(cro.get("cycle"), "weekly,5,18:00", "city: the campaign's cycle")
    t.check(not cro.get("cycle_mismatch"), "city: one county, no cycle_mismatch",
            cro.get("cycle_mismatch"))

    # restart both: the city first, while the county is down (it answers
    # from its own store), then the county
    clock.set("2022-06-11 10:00:00")
    t.check_eq(agg.stop(), 0, "the county stops")
    t.check_eq(city.stop(), 0, "the city stops")
    city.start()
    check_week(t, lambda: city_ro(city), "city restarted, county down", final, want_counts,
               NEXT, WEEK)
    # later than anything the county said before (a city takes a rollup of
    # the same seq only when it speaks later, as_of)
    clock.set("2022-06-11 11:00:00")
    agg.start()
    check_week(t, lambda: county_ro(t, agg), "county restarted", final, want_counts, NEXT, WEEK)
    t.check_eq(states(county_ro(t, agg), NEXT), next_week, "county restarted: the next week")
    check_week(t, lambda: city_ro(city), "city after both restarted", final, want_counts, NEXT,
               WEEK)
    t.check_rc(agg.verify(), 0, "verify: the store with its period facts is sound")

    # the next week closes: the old agents' units by their changes alone
    clock.set("2022-06-17 18:00:30")
    nxt = {u[0]: "missing" for u in UNITS}
    nxt["xq-e"] = "reported"
    check_week(t, lambda: county_ro(t, agg), "county after the next due", nxt,
               counts(reported=1, missing=5), "2022-06-24", NEXT, pid=NEXT)
    t.check_eq(states(county_ro(t, agg), WEEK), final, "county: the first week is unchanged")
    check_week(t, lambda: city_ro(city), "city after the next due", nxt,
               counts(reported=1, missing=5), "2022-06-24", NEXT, pid=NEXT)


if __name__ == "__main__":
    hbtest.Test("periods").guard(main)
