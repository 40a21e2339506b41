#!/usr/bin/env python3
"""A flood of garbage from one authenticated peer while good agents sync:
random bytes, truncated and bit-flipped Submits, empty and multi-frame
messages, a Submit for a unit its key does not own, and one message over
ZMQ_MAXMSGSIZE. The aggregator keeps running, stores nothing of it, and
the good agents' totals are exact."""
import os
import subprocess

import hbtest

FLOOD = os.environ.get("HUIBAO_FLOOD") or os.path.join(
    os.environ.get("HUIBAO_BUILD", os.path.join(hbtest.REPO, "build")), "tests", "hb-flood")


def main(t):
    county = t.county(units=12, rows=25, seed=57)
    agg = t.aggregator(county)
    units = county.units()
    hostile = units[0]  # a unit whose key is known to the county, gone rogue
    t.keys.install_units(units)
    flood = subprocess.Popen([FLOOD, "--connect", agg.listen, "--count", "20000", "--seed", "5",
                              "--key", t.keys.secret(hostile),
                              "--county-key", t.keys.public("county")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    hbtest._live.append(flood)
    runs = t.sync_all(county, agg, units=units[1:])
    out, err = flood.communicate(timeout=120)
    t.check_eq(flood.returncode, 0, "the flood ran", err.decode(errors="replace"))
    print(out.decode().strip())
    t.check(agg.proc.poll() is None, "the aggregator is still running")
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, "every good agent synced during the flood (exit 0)",
            "\n".join(map(repr, list(bad.values())[:3])))
    # The hostile unit never synced its ledger: its expected figures are zero.
    empty = os.path.join(t.dir, "empty")
    os.makedirs(empty)
    for name, hdr in (("activities.csv", "id,campaign,date,kind\n"),
                      ("problems.csv", "id,campaign,identified_on,scope,category,status\n")):
        with open(os.path.join(empty, name), "w", encoding="utf-8") as f:
            f.write(hdr)
    real = county.ledger(hostile)
    os.rename(real, real + ".kept")
    os.rename(empty, real)
    t.check_rollups(county, agg, "totals exact after the flood")
    log = agg.log_text()
    t.check("malformed" in log or "refused" in log, "the county logged the garbage",
            log[-1500:])
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")
    t.check_rc(agg.verify(), 0, "verify: stored aggregates equal a recomputation")


hbtest.Test("flood").guard(main)
