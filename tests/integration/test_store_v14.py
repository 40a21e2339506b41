#!/usr/bin/env python3
"""A county store written by issue 14 (records db = the packed bodies,
every history entry indexed in db logidx) opens in this version and is
upgraded in one transaction (issue 15 perf, docs/history.md "Storage"):
tests/fixtures/store-v14.tar.xz holds a county, its CURVE keys and the
county's store as the programs of commit e1d55be left them after two
rounds of syncs, a reviewer's confirm and return, and an admin unlock.
This version must:
  - verify it read-only before the upgrade (exit 0, same entry count);
  - at its first read-write open, point every records value at the entry
    of its current version (20 bytes: n, last entry, body length; the body
    in that entry equal to the body the store held, byte for byte), keep
    the history itself unchanged (same entries, same head), put the removed
    record's last entry into db gone, freeze logidx (meta logidx-upto = the
    head) and say so in meta records-format = 1;
  - show the same history for an edited, a decided and a removed record
    before and after the upgrade;
  - serve it, go on with a new round of edits
    (entries linked by about_prev after the frozen index) and verify clean.

The fixture is made by this script with the issue-14 programs:
  HUIBAO_AGGREGATOR=MAIN14/aggregator/huibao-aggregator \\
  HUIBAO_AGENT=MAIN14/agents/huibao-agent python3 test_store_v14.py --make FILE"""
import os
import struct
import subprocess
import sys
import tarfile

import hbtest

FIXTURE = os.path.join(hbtest.REPO, "tests", "fixtures", "store-v14.tar.xz")
PASSWORD = "mima-12345678\n"


def cmd(argv, stdin=""):
    p = subprocess.run([hbtest.AGGREGATOR] + argv, input=stdin.encode(), capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def problem_ids(data, unit):
    """The ids of unit's problems in the store (records keys unit \\0 P id)."""
    import lmdb  # python3-lmdb (deploy/deps.sh)
    env = lmdb.open(data, max_dbs=16, readonly=True, lock=False)
    with env.begin() as txn:
        pre = unit.encode() + b"\0P"
        ids = [bytes(k)[len(pre):].decode() for k, _ in
               txn.cursor(db=env.open_db(b"records", txn=txn, create=False)) if bytes(k).startswith(pre)]
    env.close()
    return ids


def make(out):
    t = hbtest.Test("store_v14_make")
    t.keys  # noqa: B018 -- the key pairs under t.dir/keys
    county = t.county(units=3, rows=12, seed=15)
    agg = t.aggregator(county, data=os.path.join(t.dir, "store"))
    for rnd in (None, 1):
        if rnd:
            county.mutate(rnd, 15)
        for u, r in t.sync_all(county, agg).items():
            t.check_rc(r, 0, f"issue-14 agent of {u}, round {rnd or 0}")
    t.check_eq(agg.stop(), 0, "the issue-14 county stops")
    unit = county.units()[0]
    ids = problem_ids(agg.data, unit)
    rc, _, err = cmd(["account", "add", "--data", agg.data, "李四", "--role", "reviewer"], PASSWORD)
    t.check_eq(rc, 0, "account add", err)
    rc, _, err = cmd(["review", "--data", agg.data, "--as", "李四", "return", unit, ids[0],
                      "--kind", "problem", "--reason", "材料不全"], PASSWORD)
    t.check_eq(rc, 0, "review return", err)
    rc, _, err = cmd(["admin", "--data", agg.data, "unlock", unit, ids[1]])
    t.check_eq(rc, 0, "admin unlock", err)
    with open(os.path.join(t.dir, "store-ids.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(ids[:3]) + "\n")
    with tarfile.open(out, "w:xz") as tar:
        for name in ("county", "keys", "store", "store-ids.txt"):
            tar.add(os.path.join(t.dir, name), arcname=name)
    t.finish()


def snapshot(data):
    """(records {key: value}, log [(n, bytes)], head, logidx count, meta, gone)."""
    import lmdb  # python3-lmdb (deploy/deps.sh)
    env = lmdb.open(data, max_dbs=16, readonly=True, lock=False)
    with env.begin() as txn:
        def db(name):
            try:
                return env.open_db(name, txn=txn, create=False)
            except lmdb.NotFoundError:
                return None
        records = dict((bytes(k), bytes(v)) for k, v in txn.cursor(db=db(b"records")))
        log = [(struct.unpack(">Q", k)[0], bytes(v)) for k, v in txn.cursor(db=db(b"log"))]
        meta = dict((bytes(k), bytes(v)) for k, v in txn.cursor(db=db(b"meta")))
        logidx = txn.stat(db(b"logidx"))["entries"]
        g = db(b"gone")
        gone = dict((bytes(k), struct.unpack(">Q", v)[0]) for k, v in txn.cursor(db=g)) if g else None
    env.close()
    return records, log, meta.get(b"log-head"), logidx, meta, gone


def body_of(entry):
    """The packed body inside a packed LogEntry holding a Record (field 6)."""
    import hbwire
    m = hbwire.parse(entry)
    rec = hbwire.parse(m[6][0])
    for f in (2, 3, 4, 5, 6):
        if f in rec:
            return rec[f][0]
    return None


def histories(t, data, unit, ids):
    out = {}
    for rid in ids:
        rc, o, err = cmd(["history", "--data", data, unit, rid, "--format", "json"])
        t.check_eq(rc, 0, f"history {unit} {rid}", err)
        out[rid] = o
    return out


def main(t):
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(t.dir)
    county = hbtest.County(os.path.join(t.dir, "county"))
    t._keys = hbtest.Keys(os.path.join(t.dir, "keys"))
    data = os.path.join(t.dir, "store")
    agg = t.aggregator(county, data=data, start=False)
    unit = county.units()[0]
    records0, log0, head0, logidx0, meta0, gone0 = snapshot(data)
    with open(os.path.join(t.dir, "store-ids.txt"), encoding="utf-8") as f:
        ids = f.read().split()  # the returned, the removed, then an edited problem
    t.check(gone0 is None and b"records-format" not in meta0 and logidx0 > 0,
            f"the fixture is an issue-14 store ({len(records0)} records, {len(log0)} entries, "
            f"{logidx0} indexed)")

    # read-only, before the upgrade
    r = agg.verify()
    t.check_rc(r, 0, "the issue-14 store verifies read-only")
    t.check(f"history: {len(log0)} entries" in r.out, "verify: every entry", r.out)
    before = histories(t, data, unit, ids[:3])
    t.check("材料不全" in before[ids[0]], "history shows the return before the upgrade",
            before[ids[0]])
    records_mid, _, _, _, meta_mid, _ = snapshot(data)
    t.check_eq(records_mid, records0, "a read-only open changes nothing")

    # the first read-write open upgrades it
    agg.start()
    t.check_eq(agg.stop(), 0, "the county stops after its first open")
    records1, log1, head1, logidx1, meta1, gone1 = snapshot(data)
    t.check_eq(log1, log0, "the history is unchanged by the upgrade (every entry byte for byte)")
    t.check_eq(head1, head0, "the head is unchanged")
    t.check_eq(logidx1, logidx0, "logidx is kept, frozen")
    t.check_eq(meta1.get(b"records-format"), struct.pack(">Q", 1), "meta records-format = 1")
    t.check_eq(meta1.get(b"logidx-upto"), head0[:8], "meta logidx-upto = the head's n")
    t.check_eq(sorted(records1), sorted(records0), "the same records")
    entries = dict(log0)
    bad = []
    for k, v in records1.items():
        n, last, blen = struct.unpack(">QQI", v) if len(v) == 20 else (0, 0, 0)
        if len(v) != 20 or n not in entries or body_of(entries[n]) != records0[k] or \
                blen != len(records0[k]) or last < n:
            bad.append(k)
    t.check_eq(bad, [], f"each of the {len(records1)} records points at the entry of its body "
               "(byte for byte, its length)")
    size0 = sum(len(v) for v in records0.values())
    size1 = sum(len(v) for v in records1.values())
    t.check_eq(size1, 20 * len(records0), f"records values: {size0} -> {size1} bytes")
    removed = unit.encode() + b"\0P" + ids[1].encode()
    t.check(removed not in records1 and gone1 is not None and removed in gone1,
            "the removed record's last entry is in db gone", gone1)
    t.check_eq(gone1.get(removed) if gone1 else None, int.from_bytes(head0[:8], "big"),
               "... the unlock, the last entry of the fixture")
    ret = unit.encode() + b"\0P" + ids[0].encode()
    n0, last0, _ = struct.unpack(">QQI", records1[ret])
    t.check(last0 > n0, "the returned record's last entry is the decision after its version",
            (n0, last0))

    r = agg.verify()
    t.check_rc(r, 0, "the upgraded store verifies")
    t.check(f"history: {len(log0)} entries" in r.out and "0 differences" in r.out,
            f"verify: {len(log0)} entries, 0 differences", r.out)
    after = histories(t, data, unit, ids[:3])
    t.check_eq(after, before, "the same history of a returned, a removed and an edited record")

    # serve it, edit on, verify
    # (the ledgers still hold the record the admin removed: the rollups are
    # checked by verify's recount, not against the ledgers' count)
    agg.start()
    county.mutate(2, 15)
    for u, r in t.sync_all(county, agg).items():
        t.check_rc(r, 0, f"agent of {u} syncs on the upgraded store")
    t.check_eq(agg.stop(), 0, "the county stops")
    r = agg.verify()
    t.check_rc(r, 0, "the store verifies after new entries")
    records2, log2, _, logidx2, _, _ = snapshot(data)
    t.check_eq(logidx2, logidx0, "nothing new in logidx")
    t.check(len(log2) > len(log0), f"new entries: {len(log0)} -> {len(log2)}")
    grown = histories(t, data, unit, [ids[0]])[ids[0]]
    t.check(grown.startswith(after[ids[0]][:20]) and len(grown) >= len(after[ids[0]]),
            "the history of a record goes on after the frozen index", grown)
    # what an edit does to the stored size: one 20-byte value per record
    t.check(all(len(v) == 20 for v in records2.values()), "every records value is 20 bytes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--make":
        make(os.path.abspath(sys.argv[2]))
    else:
        hbtest.Test("store_v14").guard(main)
