#!/usr/bin/env python3
"""Compressed Submits (issue 17, docs/protocol.md "Compressed Submits"):
- two counties of the same ledgers, one as today (Ack.accepts_zstd) and one
  answering as a county before compressed Submits (--no-zstd-submits): the
  agents compress every Submit after the first 32 KB to the first (the first
  Ack says), none to the second, and both store exactly the records the
  independent count expects (and verify);
- the next sync compresses from its first Submit (the agent's state
  remembers what the county said);
- the county downgraded under the agent (restarted with --no-zstd-submits,
  same store): the agent's compressed Submits are answered without results,
  it sends those records again uncompressed, exits 0, every figure exact,
  and the sync after that sends nothing compressed."""
import re
import hbtest

SUBMITS_RE = re.compile(r"(\d+) Submits \((\d+) of them compressed\), (\d+) bytes "
                        r"\((\d+) uncompressed\)")
FLAGS = ["--batch", "100", "--log-level", "info"]


def submits(r):
    """(Submits, compressed ones, bytes, bytes uncompressed) of a sync's log."""
    m = SUBMITS_RE.search(r.err)
    return tuple(map(int, m.groups())) if m else (0, 0, 0, 0)


def sync_all(t, county, agg, what):
    runs = {u: t.sync(county, u, agg, extra=FLAGS) for u in county.units()}
    t.check(all(r.rc == 0 for r in runs.values()), f"{what}: every sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    return {u: submits(r) for u, r in runs.items()}


def main(t):
    new = t.county("new", units=3, rows=1000, seed=17)
    old = t.county("old", units=3, rows=1000, seed=17)
    agg_new = t.aggregator(new)
    agg_old = t.aggregator(old, extra=["--no-zstd-submits"])

    s_new = sync_all(t, new, agg_new, "first sync, county of today")
    s_old = sync_all(t, old, agg_old, "first sync, county before compressed Submits")
    print(f"     Submits, compressed, bytes, uncompressed: {s_new} / {s_old}", flush=True)
    for u in new.units():
        n, z, b, plain = s_new[u]
        t.check(n >= 8 and z >= n / 2, f"{u}: the Submits after the first Ack compressed",
                s_new[u])
        t.check(b < plain, f"{u}: fewer bytes", s_new[u])
        t.check(s_old[u][0] >= 5 and s_old[u][1] == 0,
                f"{u}: nothing compressed to the old county", s_old[u])
    t.check_rollups(new, agg_new, "compressed: rollups equal the independent count")
    t.check_rollups(old, agg_old, "uncompressed: rollups equal the independent count")

    # the next sync compresses from its first Submit
    new.mutate(1, 3)
    s = sync_all(t, new, agg_new, "second sync")
    # (a unit with nothing to send sends one empty Submit, for the epoch)
    t.check(all(n == z or (n == 1 and plain < 100) for n, z, _, plain in s.values()) and
            any(z for _, z, _, _ in s.values()), "second sync: every Submit compressed", s)
    t.check_rollups(new, agg_new, "after the second sync")

    # the county downgraded under the agent: same store, old answers
    t.check_eq(agg_new.stop(), 0, "county stops")
    agg_new.extra = agg_new.extra + ["--no-zstd-submits"]
    agg_new.start()
    new.mutate(2, 4)
    s = sync_all(t, new, agg_new, "sync to the downgraded county")
    sent = {u: x for u, x in s.items() if x[0]}
    t.check(sent and all(z >= 1 and n > z for n, z, _, _ in sent.values()),
            "downgraded: compressed Submits answered without results go again uncompressed", s)
    t.check_rollups(new, agg_new, "downgraded county: rollups equal the independent count")
    new.mutate(3, 5)
    s = sync_all(t, new, agg_new, "sync after the downgrade")
    t.check(all(z == 0 for _, z, _, _ in s.values()), "after the downgrade: nothing compressed",
            s)
    t.check_rollups(new, agg_new, "after the downgrade")
    for a in (agg_new, agg_old):
        a.stop()
        t.check_rc(a.verify(), 0, "verify: aggregates agree with records")


hbtest.Test("zstd_submits").guard(main)
