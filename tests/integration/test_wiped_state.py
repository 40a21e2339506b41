#!/usr/bin/env python3
"""Wiping an agent's --state and syncing again doubles nothing; later edits
still take effect; a wiped state with a changed ledger converges too."""
import shutil
import hbtest


def main(t):
    county = t.county(units=12, rows=20, seed=31)
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "first sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg)

    shutil.rmtree(county.states)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "sync with wiped state exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "no doubling after a wiped state")

    county.mutate(1, 31, "--touch", "1", "--advance", "0.5")
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "sync of edits after the wipe exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "later edits take effect after a wiped state")

    # wipe and edit at once: rows deleted while the state was gone stay stored
    # (nothing remembers them), every other figure must converge
    shutil.rmtree(county.states)
    county.mutate(2, 31, "--touch", "1", "--advance", "0.5", "--delete", "0")
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "wipe + edit: sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "wipe + edit (no deletions): rollups exact")
    agg.stop()
    t.check_rc(agg.verify(), 0, "verify at the end")


hbtest.Test("wiped_state").guard(main)
