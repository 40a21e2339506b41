#!/usr/bin/env python3
"""A unit cannot lock its records (issue 18, item 2). With a unit's own key,
a raw client sends a version at the top of uint64 for a row and for a
deletion: the county answers REJECTED ("version from the future") and
stores nothing, so the clerk's next edit is stored. A lock stored before
this check (made here by a county whose clock says 2099) is told apart by
the agent from a county that is down (exit 65 naming the row and the
command, not 75 "unreachable"), the agent's versions do not follow it, and
`huibao-aggregator admin unlock` / `reset-unit`, run while the service
runs, clear it: the service reloads, republishes with a higher seq, and
`verify` passes."""
import os
import stat
import time

import hbtest
import hbwire

P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期", "问题描述"]
CAMPAIGN = "jiefang-2022"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def write_problems(county, unit, rows):
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, rows)


def row(pid, status, resolved=""):
    return [pid, CAMPAIGN, "2022-07-01", "个人", "深化县情认识", status, "2", "2024-06-30", resolved,
            f"问题 {pid}"]


def unit_problems(t, agg, unit):
    _, got = t.rollups(agg, CAMPAIGN)
    for u in got.get(CAMPAIGN, {}).get("units", []):
        if u.get("code") == unit:
            return u.get("problems", {})
    return {}


def wait_for(fn, timeout=5.0):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.2)


def admin(agg, *args):
    return hbtest.run([hbtest.AGGREGATOR, "admin", "--data", agg.data] + list(args))


def faketime_wrapper(t, when):
    """A script that runs the aggregator with its wall clock at `when`."""
    path = os.path.join(t.dir, "aggregator-faketime.sh")
    with open(path, "w", encoding="utf-8") as f:
        # libfaketime preloaded and exec'd: the aggregator keeps this pid,
        # so SIGTERM reaches it (the faketime program would stand between)
        # under ASan the preloaded library comes before ASan's runtime:
        # tell ASan that this order is meant (the sanitizer pass of test.sh)
        f.write("#!/bin/sh\nASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                "FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME='@" + when + "' "
                f"LD_PRELOAD={FAKETIME_LIB} exec {hbtest.AGGREGATOR} \"$@\"\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def main(t):
    if not os.path.exists(FAKETIME_LIB):
        print(f"skipped: {FAKETIME_LIB} missing (Debian package faketime)")
        raise SystemExit(77)
    county = t.county(units=3, rows=4, seed=7)
    unit = county.units()[1]
    write_problems(county, unit, [row("WT001", "整改中"), row("WT002", "整改中")])
    agg = t.aggregator(county)
    t.check_rc(t.sync(county, unit, agg), 0, "first sync")
    keys = t.keys

    # 1. the attack, with the unit's own key: refused, nothing stored
    raw = hbwire.Agent(agg.listen, keys.secret(unit), keys.public("county"))
    a = raw.submit(unit, [hbwire.problem(unit, "WT001", hbwire.U64_MAX, CAMPAIGN, status=3,
                                         description="locked"),
                          hbwire.problem(unit, "WT002", hbwire.U64_MAX, CAMPAIGN, deleted=True)])
    raw.close()
    codes = [r["code"] for r in a["results"]] if a else None
    t.check_eq(codes, [hbwire.REJECTED, hbwire.REJECTED],
               "versions at the top of uint64 (a row, a deletion) are REJECTED", a)
    t.check(a and all(r["field"] == "version" and "version from the future" in r["reason"]
                      for r in a["results"]), "the reason says: version from the future", a)
    write_problems(county, unit, [row("WT001", "已整改", "2022-12-20"), row("WT002", "整改中")])
    r = t.sync(county, unit, agg)
    t.check_rc(r, 0, "the clerk's next edit is stored")
    t.check_eq(unit_problems(t, agg, unit).get("resolved"), 1, "WT001 counted as resolved")

    # 2. a lock stored before the check: a county whose clock said 2099
    t.check_eq(agg.stop(), 0, "aggregator stops")
    real = hbtest.AGGREGATOR
    hbtest.AGGREGATOR = faketime_wrapper(t, "2099-01-01 00:00:00")
    try:
        agg.start()
    finally:
        hbtest.AGGREGATOR = real
    v2099 = hbwire.day("2099-01-01") * 86400 * 1000000
    raw = hbwire.Agent(agg.listen, keys.secret(unit), keys.public("county"))
    a = raw.submit(unit, [hbwire.problem(unit, "WT002", v2099, CAMPAIGN, status=1,
                                         description="locked in 2099")])
    raw.close()
    t.check(a and a["results"] and a["results"][0]["code"] == hbwire.STORED,
            "a county whose clock says 2099 stored a version of 2099", a)
    t.check_eq(agg.stop(), 0, "the 2099 county stops")
    agg.start()

    write_problems(county, unit, [row("WT001", "已整改", "2022-12-20"),
                                  row("WT002", "已整改", "2022-12-21")])
    r = t.sync(county, unit, agg)
    t.check_rc(r, hbtest.EX_DATAERR, "the locked row: exit 65, not 75 (county down)")
    t.check("the county holds a version from the future for row WT002" in r.err
            and f"unlock {unit} WT002 --kind problem" in r.err and "unreachable" not in r.err,
            "the agent names the row and the county's command", r)

    # 3. unlock while the service runs
    seq0 = t.seqs(agg, CAMPAIGN)
    u = admin(agg, "unlock", unit, "WT002", "--kind", "problem")
    t.check_rc(u, 0, "admin unlock")
    t.check(f"unlocked unit {unit} problem WT002 (version {v2099})" in u.out, "it says what it did",
            u)
    t.check(wait_for(lambda: "changed by another process" in agg.log_text()
                     and f"unlocked unit {unit} problem WT002" in agg.log_text()),
            "the service notices and logs it", agg.log_text()[-1500:])
    seq1 = wait_for(lambda: (t.seqs(agg, CAMPAIGN) or 0) > (seq0 or 0) and t.seqs(agg, CAMPAIGN))
    t.check(seq1 and seq0 is not None and seq1 > seq0, f"the campaign's seq grew ({seq0} -> {seq1})")
    t.check_rc(admin(agg, "unlock", unit, "WT002"), hbtest.EX_DATAERR, "nothing left to unlock")
    r = t.sync(county, unit, agg)
    t.check_rc(r, 0, "after unlock the row is stored")
    t.check_eq(unit_problems(t, agg, unit).get("resolved"), 2, "WT002 counted as resolved")
    write_problems(county, unit, [row("WT001", "已整改", "2022-12-20"),
                                  row("WT002", "已整改", "2022-12-21"), row("WT003", "整改中")])
    t.check_rc(t.sync(county, unit, agg), 0,
               "a new row is stored: the agent's versions did not follow the lock")

    # 4. reset a unit while the service runs
    u = admin(agg, "reset-unit", unit)
    t.check_rc(u, 0, "admin reset-unit")
    t.check(wait_for(lambda: unit_problems(t, agg, unit).get("total", 0) == 0),
            "the unit's problems leave the rollup", unit_problems(t, agg, unit))
    import shutil
    shutil.rmtree(county.state(unit))
    t.check_rc(t.sync(county, unit, agg), 0, "the unit syncs again from a fresh state")
    for other in county.units():
        if other != unit:
            t.check_rc(t.sync(county, other, agg), 0, f"unit {other} syncs")
    t.check_rollups(county, agg, "rollups equal the independent count after unlock and reset")
    t.check_eq(agg.stop(), 0, "aggregator stops")
    t.check_rc(agg.verify(), 0, "verify passes after the admin commands")


hbtest.Test("locked_records").guard(main)
