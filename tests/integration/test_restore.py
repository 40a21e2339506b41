#!/usr/bin/env python3
"""A county restored from a backup recovers by itself (docs/operations.md).

A county, its agents and a city (`huibao-sub run --data`) sync; a backup is
taken while the service runs; then rounds of ledger edits, additions AND
deletions are synced. The service is stopped, its --data replaced by the
backup, and started again: the county has lost what it acked after the
backup, and its seq went back. Every agent syncs once (exit 0): each sees
the store's new epoch in the county's Ack and re-sends its whole known state
(rows and deletions). The county's rollups and the city's stored view then
equal the independent count number for number, the restored store verifies,
and a second restore from the same backup is recovered the same way."""
import json
import os
import shutil
import subprocess
import time

import hbtest


def show(t, city_dir, campaign):
    r = hbtest.run([hbtest.SUB, "show", "--data", city_dir, "--campaign", campaign])
    try:
        return r, json.loads(r.out)
    except ValueError:
        return r, None


def check_city(t, county, city_dir, what, settle=8.0):
    """The city's stored view of every campaign equals count.py."""
    exp = county.expected()
    end = time.monotonic() + settle
    while True:
        diffs = {}
        for c in exp:
            r, got = show(t, city_dir, c)
            diffs[c] = [f"no stored view: {r}"] if got is None else hbtest.hbcount.compare(exp[c], got)
        if not any(diffs.values()) or time.monotonic() > end:
            break
        time.sleep(0.3)
    for c, d in diffs.items():
        t.check(not d, f"{what} [{c}]", "\n".join(d[:20]))


def city_follows(t, agg, city_dir, city_log, what, timeout=10.0):
    """The city holds, for every campaign, the county's current seq (which
    after a restore may be below the one it held: the epoch rule), and it
    logged that the county's store changed."""
    camps = agg.county.campaigns()
    end = time.monotonic() + timeout
    while True:
        want = {c: t.seqs(agg, c) for c in camps}
        have = {}
        for c in camps:
            _, got = show(t, city_dir, c)
            cs = (got or {}).get("counties") or [{}]
            have[c] = cs[0].get("seq")
        with open(city_log, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        noticed = log.count("its store changed")
        if (have == want and noticed) or time.monotonic() > end:
            break
        time.sleep(0.3)
    t.check_eq(have, want, f"{what}: the city holds the restored county's seqs")
    return noticed


def restore(t, agg, backup):
    """docs/operations.md: stop, swap the data folder, start."""
    t.check_eq(agg.stop(), 0, "the aggregator stops")
    shutil.rmtree(agg.data)
    os.makedirs(agg.data)
    shutil.copy(os.path.join(backup, "data.mdb"), agg.data)
    agg.start()


def resync(t, county, agg, what):
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), f"{what}: every agent's sync exits 0",
            [(u, r) for u, r in runs.items() if r.rc != 0][:2])
    said = [u for u, r in runs.items() if "the county's store changed" in r.err
            and "re-sending all" in r.err]
    t.check_eq(sorted(said), sorted(county.units()), f"{what}: every agent says it re-sent",
               [r.err for r in runs.values()][:1])
    return runs


def main(t):
    county = t.county(units=6, rows=12, seed=93)
    agg = t.aggregator(county)
    city_dir = os.path.join(t.dir, "city")
    city_log = os.path.join(t.dir, "city.log")
    with open(city_log, "wb") as lf:
        city = subprocess.Popen([hbtest.SUB, "run", "--connect", agg.publish, "--data", city_dir,
                                 "--log-level", "info"] + t.sub_keys(agg.publish),
                                stdout=lf, stderr=subprocess.STDOUT)
    hbtest._live.append(city)
    t.logs.append(city_log)

    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "first sync exits 0")
    t.check_rollups(county, agg, "before the backup")

    backup = os.path.join(t.dir, "backup")
    r = hbtest.run([hbtest.AGGREGATOR, "backup", "--data", agg.data, "--out", backup])
    t.check_rc(r, 0, "backup while the service runs")
    t.check("epoch" in r.out and "new store epoch" in r.out, "backup says the copy has a new epoch", r)

    # after the backup: edits, additions and deletions, acked by the county
    deleted = 0
    for rnd in (1, 2, 3):
        st = county.mutate(rnd, 93, "--touch", "1", "--delete", "0.15")
        deleted += st["deleted"]
        runs = t.sync_all(county, agg)
        t.check(all(r.rc == 0 for r in runs.values()), f"round {rnd} syncs exit 0")
    t.check(deleted > 0, f"rows were deleted after the backup ({deleted})")
    t.check_rollups(county, agg, "before the restore")
    check_city(t, county, city_dir, "the city's view before the restore")

    # a quiet sync (nothing changed) still asks for the epoch: no re-send
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 and "re-sending" not in r.err for r in runs.values()),
            "a sync without change before the restore re-sends nothing")

    before = {c: t.seqs(agg, c) for c in county.campaigns()}
    restore(t, agg, backup)
    _, got = t.rollups(agg)
    exp = county.expected()
    t.check(any(hbtest.hbcount.compare(exp[c], got.get(c, {})) for c in exp),
            "the restored county lacks what was acked after the backup")
    # nothing changed in the ledgers since the last sync: the agents re-send
    # because the county's epoch changed, not because of a diff
    resync(t, county, agg, "after the restore")
    t.check_rollups(county, agg, "the restored county has the exact totals")
    after = {c: t.seqs(agg, c) for c in county.campaigns()}
    t.check(any(after[c] < before[c] for c in before),
            f"the restored county's seq is below the one the city held ({after} < {before})")
    n1 = city_follows(t, agg, city_dir, city_log, "after the restore")
    t.check(n1 >= 1, f"the city logs that the county's store changed ({n1} times)")
    # an edit now: its seq is still below the old one, the city takes it
    county.mutate(4, 93, "--touch", "1", "--delete", "0.15")
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 and "re-sending" not in r.err for r in runs.values()),
            "an edit after the restore syncs (exit 0) without re-sending")
    check_city(t, county, city_dir, "the city's stored view follows the restored county")

    # the same backup restored a second time gets yet another epoch
    restore(t, agg, backup)
    resync(t, county, agg, "after a second restore of the same backup")
    t.check_rollups(county, agg, "exact totals after the second restore")
    n2 = city_follows(t, agg, city_dir, city_log, "after the second restore")
    t.check(n2 > n1, f"the city logs the second change of the county's store ({n2} > {n1})")
    check_city(t, county, city_dir, "the city's view after the second restore")
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 and "re-sending" not in r.err for r in runs.values()),
            "the next sync re-sends nothing")

    t.check_eq(agg.stop(), 0, "the aggregator stops")
    v = agg.verify()
    t.check(v.rc == 0 and " 0 differences" in v.out, "verify of the restored store exits 0", v)
    city.terminate()
    city.wait(10)


hbtest.Test("restore").guard(main)
