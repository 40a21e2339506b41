#!/usr/bin/env python3
"""kill -9 of the aggregator while every agent is syncing; after a restart on
the same data and a re-sync, every figure is exact and the stored
aggregates agree with the stored records."""
import time
import hbtest


def main(t):
    county = t.county(units=60, rows=30, seed=23)
    agg = t.aggregator(county)
    procs = {u: t.start_sync(county, u, agg.listen, timeout=3) for u in county.units()}
    time.sleep(0.25)
    agg.kill9()
    rcs = {}
    for u, p in procs.items():
        try:
            rcs[u] = p.wait(30)
        except Exception:  # noqa: BLE001
            p.kill()
            rcs[u] = "timeout"
    cut = sum(1 for rc in rcs.values() if rc != 0)
    print(f"     {cut} of {len(rcs)} syncs were cut off by the kill", flush=True)
    t.check(all(rc in (0, hbtest.EX_TEMPFAIL) for rc in rcs.values()),
            "a sync cut off by the kill exits 75 (or 0 if it finished first)",
            {u: rc for u, rc in rcs.items() if rc not in (0, hbtest.EX_TEMPFAIL)})

    v = agg.verify()
    t.check_rc(v, 0, "verify right after kill -9: aggregates agree with records")
    agg.start()
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "re-sync after restart exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "rollups exact after kill -9 and re-sync")

    # once more, with edits pending while the county dies
    county.mutate(1, 23)
    procs = {u: t.start_sync(county, u, agg.listen, timeout=3) for u in county.units()}
    time.sleep(0.1)
    agg.kill9()
    for p in procs.values():
        p.wait(30)
    agg.start()
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "re-sync after second kill exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "rollups exact after edits, kill -9 and re-sync")
    agg.stop()
    t.check_rc(agg.verify(), 0, "verify at the end")


hbtest.Test("kill9").guard(main)
