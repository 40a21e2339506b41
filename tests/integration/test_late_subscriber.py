#!/usr/bin/env python3
"""A subscriber that starts late has the current state within ~1-2 s; a
change after it subscribed reaches a new snapshot too."""
import time
import hbtest


def main(t):
    county = t.county(units=6, rows=8, seed=41)
    agg = t.aggregator(county, heartbeat_ms=1000)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    time.sleep(2.5)  # every publish so far is long gone
    for c in county.campaigns():
        r, got = t.rollups(agg, c, timeout=5)
        t.check_rc(r, 0, f"late snapshot of {c}")
        t.check(r.secs < 2.5, f"late snapshot of {c} answered within 2.5 s ({r.secs:.2f}s)")
        d = hbtest.hbcount.compare(county.expected()[c], got.get(c)) if c in got else ["none"]
        t.check(not d, f"late snapshot of {c} is exact", "\n".join(d[:20]))
    r, got = t.rollups(agg, None, timeout=5)
    t.check_rc(r, 0, "late snapshot of all campaigns")
    t.check(r.secs < 2.5, f"all campaigns within 2.5 s ({r.secs:.2f}s)")
    t.check_eq(sorted(got), sorted(county.campaigns()), "every campaign in the snapshot")

    # nothing at all on the endpoint: exit 75 after the timeout
    dead = f"tcp://127.0.0.1:{hbtest.free_port()}"
    r = t.snapshot(dead, "jiefang-2022", timeout=1)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "snapshot of an endpoint that gives nothing")
    r = t.snapshot(agg.publish + "," + dead, "jiefang-2022", timeout=1)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "snapshot with one county missing")
    t.check("jiefang-2022" in r.out, "it still prints what it has", r)
    r = t.snapshot(agg, "jiefang-2022", timeout=5, fmt="table")
    t.check_rc(r, 0, "table snapshot")
    t.check("jiefang-2022" in r.out or "解放思想" in r.out, "table names the campaign", r)


hbtest.Test("late_subscriber").guard(main)
