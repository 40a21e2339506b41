#!/usr/bin/env python3
"""A 60-unit county with thousands of rows: every number of every campaign's
rollup equals the independent count; a second sync with no change sends
nothing new (seq unchanged); the stored aggregates verify."""
import hbtest


def main(t):
    county = t.county(units=60, rows=30, seed=11)
    exp = county.expected()
    nrows = sum(e["activities"]["total"]["records"] + e["problems"]["total"] for e in exp.values())
    t.check(nrows >= 2000, f"county has thousands of rows ({nrows})")
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, "every unit's first sync exits 0", "\n".join(map(repr, list(bad.values())[:3])))
    t.check_rollups(county, agg)

    seqs = {c: t.seqs(agg, c) for c in county.campaigns()}
    t.check(all(isinstance(s, int) for s in seqs.values()), "rollups carry a county seq", seqs)
    runs = t.sync_all(county, agg)
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, "second sync (no change) exits 0", "\n".join(map(repr, list(bad.values())[:3])))
    seqs2 = {c: t.seqs(agg, c) for c in county.campaigns()}
    t.check_eq(seqs2, seqs, "a sync without ledger change stores nothing (seq unchanged)")
    t.check_rollups(county, agg, "rollups unchanged after the second sync")

    t.check_eq(agg.stop(), 0, "aggregator stops on SIGTERM with exit 0")
    v = agg.verify()
    t.check_rc(v, 0, "aggregator verify: stored aggregates equal a recomputation")
    agg.start()
    t.check_rollups(county, agg, "rollups after a restart")


hbtest.Test("totals").guard(main)
