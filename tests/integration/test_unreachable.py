#!/usr/bin/env python3
"""County unreachable: the agent exits 75 after --timeout, keeps its outbox,
and a later sync (with no ledger change) delivers everything."""
import hbtest


def main(t):
    county = t.county(units=4, rows=10, seed=81)
    agg = t.aggregator(county, start=False)
    unit = county.units()[1]
    r = t.sync(county, unit, agg, timeout=2)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "sync with the county down")
    t.check(r.secs < 6, f"gives up within the timeout ({r.secs:.1f}s for --timeout 2)")
    agg.start()
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "later sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "everything delivered after the outage")
    agg.kill9()
    county.mutate(1, 81, "--touch", "1")
    runs = t.sync_all(county, agg, timeout=2)
    t.check(all(r.rc == hbtest.EX_TEMPFAIL for r in runs.values()),
            "edits while the county is down: exit 75",
            [r for r in runs.values() if r.rc != hbtest.EX_TEMPFAIL][:2])
    agg.start()
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "sync after the county is back exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "the edits arrive after the outage")


hbtest.Test("unreachable").guard(main)
