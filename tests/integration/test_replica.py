#!/usr/bin/env python3
"""The city's replica (issue 15, docs/replica.md): a county with units
syncing and a reviewer deciding, a city `run --data --detail`; the replica
equals the county's records and review states exactly, through kill -9 of
the county and of the city; a catch-up fetches only what it missed."""
import os
import re
import subprocess
import time

import hbreplica
import hbtest


def start_city(t, agg, data, extra=()):
    detail = agg.detail
    log = os.path.join(t.dir, f"city.{time.monotonic_ns()}.log")
    argv = [hbtest.SUB, "run", "--connect", agg.publish, "--data", data, "--detail", detail,
            "--log-level", "debug"] + t.sub_keys(agg.publish) + list(extra)
    f = open(log, "wb")
    p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
    hbtest._live.append(p)
    t.logs.append(log)
    return p, log


def wait_equal(t, agg, data, code, what, timeout=30):
    end = time.monotonic() + timeout
    diffs = ["not compared"]
    while time.monotonic() < end:
        try:
            cty, n = hbreplica.county_state(agg.data)
            rep, held, c = hbreplica.replica_state(data, code)
            diffs = hbreplica.compare(cty, rep)
            if not diffs and held == n:
                break
            diffs = diffs or [f"entries held {held}, county {n}"]
        except Exception as e:  # noqa: BLE001 -- not there yet
            diffs = [repr(e)]
        time.sleep(0.3)
    t.check(not diffs, what, "\n".join(diffs[:20]))
    return not diffs


def fetched(log):
    with open(log, "rb") as f:
        txt = f.read().decode("utf-8", "replace")
    return txt


def detail_agg(t, county):
    port = hbtest.free_port()
    t.keys.install("city", os.path.join(t.dir, "keys", "cities"))
    detail_keys = os.path.join(t.dir, "keys", "detail")
    os.makedirs(detail_keys, exist_ok=True)
    t.keys.install("city", detail_keys)
    agg = t.aggregator(county, extra=["--detail", f"tcp://127.0.0.1:{port}",
                                      "--detail-keys", detail_keys])
    agg.detail = f"tcp://127.0.0.1:{port}"
    return agg


PASSWORD = "correct horse battery"


def review(agg, *args):
    argv = [hbtest.AGGREGATOR, "review", "--data", agg.data, "--as", "审核员"] + list(args)
    p = subprocess.run(argv, input=(PASSWORD + "\n").encode(), capture_output=True, timeout=60)
    return p.returncode


def decide_some(agg, rnd):
    """Reviewer decisions on the county's records: confirm every 已整改 problem
    it can, return a few activities, and decide the deletions waiting
    (approve one, refuse the next)."""
    recs, _ = hbreplica.county_state(agg.data)
    done = calls = 0
    for i, (k, (body, st)) in enumerate(sorted(recs.items())):
        if calls >= 10:  # each call checks the password (Argon2id): a few seconds
            break
        calls += st == 4 or (k.split(b"\0", 1)[1][:1] == b"P" and (i + rnd) % 3 == 0) or \
            (k.split(b"\0", 1)[1][:1] == b"A" and (i + rnd) % 7 == 0)
        unit, rest = k.split(b"\0", 1)
        kind, rid = chr(rest[0]), rest[1:].decode()
        unit = unit.decode()
        if kind == "P" and st == 4:
            rc = review(agg, "approve-delete" if done % 2 == 0 else "refuse-delete", unit, rid,
                        "--kind", "problem", *([] if done % 2 == 0 else ["--reason", "不同意"]))
            done += rc == 0
        elif kind == "P" and (i + rnd) % 3 == 0:
            done += review(agg, "confirm", unit, rid, "--kind", "problem") == 0
        elif kind == "A" and (i + rnd) % 7 == 0:
            done += review(agg, "return", unit, rid, "--kind", "activity",
                           "--reason", "材料不全") == 0
    return done


def main(t):
    county = t.county(units=12, rows=15, seed=7)
    # one campaign holds a unit's deletion of a problem for review (docs/review.md)
    with open(county.campaigns_ini, encoding="utf-8") as f:
        ini = f.read()
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write(ini.replace("problem_delete = free", "problem_delete = review", 1))
    agg = detail_agg(t, county)
    p = subprocess.run([hbtest.AGGREGATOR, "account", "add", "--data", agg.data, "审核员",
                        "--role", "reviewer"], input=(PASSWORD + "\n").encode(),
                       capture_output=True, timeout=60)
    t.check_eq(p.returncode, 0, "a reviewer account", p.stderr)
    code = None
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "units sync")
    data = os.path.join(t.dir, "city")
    city, log = start_city(t, agg, data)
    end = time.monotonic() + 20
    while not code and time.monotonic() < end:
        m = re.search(r"is county (\S+)", fetched(log))
        code = m.group(1) if m else None
        time.sleep(0.2)
    wait_equal(t, agg, data, code, "the replica equals the county's records after the snapshot")

    # edits and decisions while the city runs: updates
    t.check(decide_some(agg, 0) > 0, "the reviewer decided")
    county.mutate(1, 7)
    t.sync_all(county, agg)
    n_dec = decide_some(agg, 1)
    print(f"     {n_dec} decisions after the edits", flush=True)
    wait_equal(t, agg, data, code,
               "the replica follows the edits and decisions (records and review states)")
    recs, _ = hbreplica.county_state(agg.data)
    states = sorted({st for _, st in recs.values()})
    print(f"     review states in the county: {states}", flush=True)
    t.check(len(states) >= 3, "the comparison covers several review states", states)

    # kill -9 of the city, edits meanwhile, restart: resumes, fetching only what it missed
    city.kill()
    city.wait()
    _, n_before = hbreplica.county_state(agg.data)
    county.mutate(1, 8)
    t.sync_all(county, agg)
    _, n_after = hbreplica.county_state(agg.data)
    city, log = start_city(t, agg, data)
    wait_equal(t, agg, data, code, "after kill -9 of the city: equal again")
    got = sum(int(x) for x in re.findall(r"applied (\d+) entries", fetched(log)))
    t.check_eq(got, n_after - n_before, "the restarted city fetched only the entries it missed")

    # kill -9 of the county while units sync; restart; equal
    county.mutate(1, 9)
    procs = {u: t.start_sync(county, u, agg.listen, timeout=3) for u in county.units()}
    time.sleep(0.2)
    agg.kill9()
    for p in procs.values():
        p.wait(30)
    agg.start()
    t.sync_all(county, agg)
    wait_equal(t, agg, data, code, "after kill -9 of the county: equal again")
    city.terminate()
    t.check_eq(city.wait(15), 0, "the city stops cleanly")
    agg.stop()


hbtest.Test("replica").guard(main)
