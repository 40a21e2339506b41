#!/usr/bin/env python3
"""A county store and the agents' states written by the previous version
open in this one (issue 12, Compatibility): tests/fixtures/store-v0.tar.xz
holds a county (units.csv, campaigns.ini, ledgers), its CURVE keys, the
county's store and the four agents' states, as the programs of commit
be455c5 (before the campaign vocabularies) left them after a first sync and
a round of clerk edits. This version must:
  - verify that store (`huibao-aggregator verify` exit 0, every aggregate
    rebuilt from the old records equals the stored one);
  - serve it: every rollup equals the independent count (new figures zero);
  - go on from the old agents' states: a second round of edits (edits,
    deletions, additions) syncs, the rollups equal the count again, and the
    store still verifies.
Issue 13: the old store's aggregates have no day cells (the base of
per-period figures). Read-only, verify compares the rest and says so; the
county's first (read-write) open rebuilds them from the records once (meta
"agg-format" = 2), after which verify compares them too; with a cycle
added to the old county's campaigns, every period's figures of the old
store equal count.py's (tests/tools/count.py: from the ledgers' dates).

The fixture is made by this script with the old programs:
  HUIBAO_AGGREGATOR=OLD/aggregator/huibao-aggregator \\
  HUIBAO_AGENT=OLD/agents/huibao-agent python3 test_old_store.py --make FILE"""
import os
import sys
import tarfile

import hbtest
from test_period_figures import add_cycle

FIXTURE = os.path.join(hbtest.REPO, "tests", "fixtures", "store-v0.tar.xz")


def make(out):
    t = hbtest.Test("old_store_make")
    t.keys  # noqa: B018 -- the key pairs under t.dir/keys
    county = t.county(units=4, rows=25, seed=12)
    agg = t.aggregator(county, data=os.path.join(t.dir, "store"))
    for rnd in (None, 1):
        if rnd:
            county.mutate(rnd, 12)
        for u, r in t.sync_all(county, agg).items():
            t.check_rc(r, 0, f"old agent of {u}, round {rnd or 0}")
    t.check_eq(agg.stop(), 0, "the old county stops")
    with tarfile.open(out, "w:xz") as tar:
        for name in ("county", "keys", "store"):
            tar.add(os.path.join(t.dir, name), arcname=name)
    t.finish()


def main(t):
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(t.dir)
    county = hbtest.County(os.path.join(t.dir, "county"))
    add_cycle(county)  # issue 13: the rollups then carry periods (check_rollups compares them)
    t._keys = hbtest.Keys(os.path.join(t.dir, "keys"))
    agg = t.aggregator(county, data=os.path.join(t.dir, "store"), start=False)
    r = agg.verify()
    t.check_rc(r, 0, "the old store verifies")
    t.check("without day cells" in r.out, "verify: the old store has no day cells yet", r.out)
    agg.start()
    r = agg.verify()  # read-only, next to the running county
    t.check_rc(r, 0, "the upgraded store verifies, day cells included")
    t.check("without day cells" not in r.out, "the county's open rebuilt the day cells", r.out)
    _, got = t.rollups(agg)
    for c, ro in got.items():
        t.check(any(p.get("problems", {}).get("identified") for p in ro.get("periods") or []),
                f"{c}: the old store's periods carry figures (checked against count.py below)")
    t.check_rollups(county, agg, "the old store's rollups equal the count")
    county.mutate(2, 12)
    for u, r in t.sync_all(county, agg).items():
        t.check_rc(r, 0, f"agent of {u} goes on from its old state")
        t.check("stored" in r.err or "stored" in r.out, f"{u}: its edits were stored", r)
    t.check_rollups(county, agg, "after edits on the old states: equal to the count")
    t.check_eq(agg.stop(), 0, "the county stops")
    r = agg.verify()
    t.check_rc(r, 0, "the store verifies after this version wrote to it")
    t.check("without day cells" not in r.out, "the day cells were kept by the edits", r.out)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--make":
        make(os.path.abspath(sys.argv[2]))
    else:
        hbtest.Test("old_store").guard(main)
