#!/usr/bin/env python3
"""The city verifies its counties (issue 15, docs/verify.md): a real county
and a city (`huibao-sub run --data --detail`, which keeps a replica of the
county's records and history). The county's store is then edited directly
with python3-lmdb while the county is stopped, and the county started
again on it:
  (a) a participant count changed in a stored record (its history entry and
      its records-db value, bytes of the same length),
  (b) an aggregate changed (aggs db: the county's rollup then differs from
      its records),
  (c) a history entry removed;
each is flagged by `huibao-sub verify` (exit 1, naming the county, the
unit and the record or figure), in the metrics
(huibao_county_verify_failed{county} 1) and in the dashboard's JSON; an
unedited store passes (exit 0, metric 0).
Skipped (77) while huibao-sub has no replica (no --detail option)."""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import hbtest

A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
CAMPAIGN = "jiefang-2022"
PARTICIPANTS = 137  # varint 0x89 0x01 after tag 0x48 (Activity.participants = 9)


def has_replica():
    r = hbtest.run([hbtest.SUB, "--help"])
    a = hbtest.run([hbtest.AGGREGATOR, "--help"])
    return "--detail" in r.out and "detail" in (a.out + a.err)


def scrape(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def verify(data, fmt="table"):
    return hbtest.run([hbtest.SUB, "verify", "--data", data, "--format", fmt], timeout=120)


class City:
    """`huibao-sub run` with a replica of one county, and its metrics."""

    def __init__(self, t, agg, detail, name, serve=False):
        self.t, self.data = t, os.path.join(t.dir, name)
        self.port = hbtest.free_port()
        self.log = os.path.join(t.dir, name + ".log")
        argv = [hbtest.SUB, "run", "--connect", agg.publish, "--detail", detail, "--data",
                self.data, "--metrics", f"127.0.0.1:{self.port}"] + t.sub_keys(agg.publish)
        self.url = None
        if serve:  # the dashboard too: its JSON carries the flag
            hbtest.account_add(hbtest.SUB, self.data)
            http = hbtest.free_port()
            argv[1] = "serve"
            argv += ["--http", f"127.0.0.1:{http}"]
            self.url = f"http://127.0.0.1:{http}"
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        t.logs.append(self.log)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.logf.close()

    def metric(self, county):
        for line in scrape(self.port).splitlines():
            if line.startswith(f'huibao_county_verify_failed{{county="{county}"}}'):
                return float(line.split()[-1])
        return None


def wait_verify(city, county, failed, timeout=30):
    """Polls `verify --format json` until the county is checked (compared at
    the rollup's head, or failed); returns the last Run and the county."""
    end = time.monotonic() + timeout
    while True:
        r = verify(city.data, "json")
        try:
            doc = json.loads(r.out)
            k = next((c for c in doc["counties"] if c["code"] == county), None)
        except (ValueError, KeyError):
            k = None
        done = k is not None and (k["failed"] if failed else (not k["failed"] and not k["notes"]))
        if done or time.monotonic() > end:
            return r, k
        time.sleep(0.5)


def county_code(t, agg):
    _, got = t.rollups(agg, CAMPAIGN)
    ro = got.get(CAMPAIGN) or {}
    cs = ro.get("counties") or [{}]
    return cs[0].get("code") or ro.get("source") or "county"


def main(t):
    if not has_replica():
        print("skipped: huibao-sub has no replica yet (--detail)", flush=True)
        sys.exit(77)
    county = t.county(units=3, rows=4, seed=15)
    unit = county.units()[0]
    hbtest.write_csv(os.path.join(county.ledger(unit), "activities.csv"), A_HDR,
                     [["VA01", CAMPAIGN, "2022-07-05", "集中学习", "本级", "1", str(PARTICIPANTS),
                       "0", "专题学习"]])
    dport = hbtest.free_port()
    detail = f"tcp://127.0.0.1:{dport}"
    agg = t.aggregator(county, extra=["--detail", detail, "--detail-keys", t.keys.cities])
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every unit synced")
    code = county_code(t, agg)

    # the unedited store passes
    city = City(t, agg, detail, "city")
    r, k = wait_verify(city, code, failed=False)
    t.check_rc(r, 0, "an unedited county passes verify")
    t.check(k is not None and not k["failed"], "the county is compared and passes", r.out)
    time.sleep(1.5)
    t.check_eq(city.metric(code), 0.0, "huibao_county_verify_failed is 0")
    city.stop()
    agg.stop()
    pristine = os.path.join(t.dir, "pristine")
    shutil.copytree(agg.data, pristine)

    import lmdb  # python3-lmdb (deploy/deps.sh)

    def edit(fn):
        shutil.rmtree(agg.data)
        shutil.copytree(pristine, agg.data)
        env = lmdb.open(agg.data, max_dbs=16, subdir=True)
        with env.begin(write=True) as txn:
            fn(env, txn)
        env.close()

    def participants(env, txn):
        old, new = b"\x48\x89\x01", b"\x48\x8a\x01"  # 137 -> 138
        hit = 0
        for name in (b"log", b"records"):
            db = env.open_db(name, txn=txn)
            for kk, v in list(txn.cursor(db=db)):
                if old in v and unit.encode() in v:
                    txn.put(kk, v.replace(old, new), db=db)
                    hit += 1
        t.check(hit >= 1, "(a) the participant count found in the store", hit)

    def aggregate(env, txn):
        db = env.open_db(b"aggs", txn=txn)
        for kk, v in list(txn.cursor(db=db)):
            if unit.encode() in kk and b"\x89\x01" in v:
                txn.put(kk, v.replace(b"\x89\x01", b"\x8a\x01", 1), db=db)
                return
        t.check(False, "(b) an aggregate of the unit with 137 participants found")

    def remove_entry(env, txn):
        db = env.open_db(b"log", txn=txn)
        keys = [kk for kk, _ in txn.cursor(db=db)]
        txn.delete(keys[len(keys) // 2], db=db)

    cases = (("(a) a participant count changed in a stored record", participants, ["history"]),
             ("(b) an aggregate changed", aggregate, ["participants"]),
             ("(c) a history entry removed", remove_entry, ["history"]))
    for i, (what, fn, words) in enumerate(cases):
        edit(fn)
        agg.start()
        c2 = City(t, agg, detail, f"city-{i}", serve=(i == 1))
        r, k = wait_verify(c2, code, failed=True, timeout=40)
        t.check_rc(r, 1, f"{what}: verify exits 1")
        if i < 2:
            t.check(f"县 {code}" in r.out and f"单位 {unit}" in r.out,
                    f"{what}: names the county and the unit", r.out)
        else:  # the removed entry's record is no longer there to name: the entry is
            t.check(f"县 {code}" in r.out and "history entry" in r.out,
                    f"{what}: names the county and the history entry", r.out)
        t.check(k is not None and any(any(w in (f["figure"] + f["text"]) for w in words)
                                      for f in k["findings"]),
                f"{what}: the finding names {words}", k)
        if i == 0:
            t.check(k is not None and any(f["unit"] == unit and f["record"] == "AVA01"
                                          for f in k["findings"]),
                    f"{what}: a finding names unit {unit} and record AVA01", k)
        time.sleep(1.5)
        t.check_eq(c2.metric(code), 1.0, f"{what}: huibao_county_verify_failed is 1")
        if c2.url:
            web = hbtest.logged_in(c2.url)
            doc = web.json("/api/counties")
            rows = [k2 for cc in doc.get("campaigns", []) for k2 in cc.get("counties", [])
                    if k2.get("code") == code]
            flagged = [k2 for k2 in rows if (k2.get("verify") or {}).get("failed")]
            t.check(flagged and any(f["unit"] == unit for f in flagged[0]["verify"]["findings"]),
                    f"{what}: the dashboard's /api/counties flags the county naming unit {unit}",
                    rows)
            v = web.json("/api/verify")
            t.check_eq(v.get("failed"), 1, f"{what}: /api/verify counts the county failed")
        c2.stop()
        agg.stop()

    # (c) again, seen by the city that held the county's history before the edit (the
    # usual case): its audit finds the entry gone and names its unit and record from the
    # city's own copy of it
    edit(remove_entry)
    agg.start()
    c3 = City(t, agg, detail, "city")
    r, k = wait_verify(c3, code, failed=True, timeout=40)
    t.check_rc(r, 1, "(c) seen by the city that held the entry: verify exits 1")
    named = [f for f in (k or {}).get("findings", []) if f.get("unit") and f.get("record")]
    t.check(named and all(f["unit"] in county.units() for f in named),
            "(c) seen by the city that held the entry: a finding names its unit and record", k)
    c3.stop()
    agg.stop()


if __name__ == "__main__":
    hbtest.Test("verify").guard(main)
