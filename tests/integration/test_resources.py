#!/usr/bin/env python3
"""Resources run out, nothing acked is lost.

(a) county disk full: the aggregator's store on a small tmpfs (mounted here,
    as root; exit 77 = skipped otherwise). Syncs are refused (agent exit 75,
    records kept in the outbox), the aggregator stays up and logs why; the
    tmpfs is enlarged under the running aggregator, which stores again by
    itself: totals exact, verify exit 0.
(b) long outage: the county is down while one agent runs 20 times and its
    ledger accumulates more than 20,000 changed rows; when the county is back,
    syncs deliver everything exactly.
(c) stale LMDB readers of a kill -9'd process are cleared at start-up (the
    aggregator's store and the city's store; checked with mdb_stat -r), and
    by the running aggregator (every 60 s, and at once on SIGHUP).
(d) agent disk full: the agent's --state on a small tmpfs that a large
    ledger's diff does not fit: exit 74 "disk full", the outbox keeps what it
    held byte for byte; after the tmpfs is enlarged one sync delivers
    everything, totals exact.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import hbtest

SKIP = 77

HOLDER = r"""
import ctypes, sys, time
l = ctypes.CDLL("liblmdb.so.0")
env = ctypes.c_void_p()
assert l.mdb_env_create(ctypes.byref(env)) == 0
l.mdb_env_set_maxdbs(env, 8)
assert l.mdb_env_open(env, sys.argv[1].encode(), 0x20000, 0o600) == 0
print("open", flush=True)
time.sleep(600)
"""

READER = r"""
import ctypes, sys, time
l = ctypes.CDLL("liblmdb.so.0")
env = ctypes.c_void_p(); txn = ctypes.c_void_p()
assert l.mdb_env_create(ctypes.byref(env)) == 0
l.mdb_env_set_maxdbs(env, 8)
rc = l.mdb_env_open(env, sys.argv[1].encode(), 0x20000, 0o600)  # MDB_RDONLY
assert rc == 0, rc
assert l.mdb_txn_begin(env, None, 0x20000, ctypes.byref(txn)) == 0
print("reading", flush=True)
time.sleep(600)
"""


def readers(path):
    """PIDs in the reader table of the LMDB environment in path."""
    r = hbtest.run(["mdb_stat", "-r", path])
    pids = set()
    for line in r.out.splitlines():
        m = re.match(r"\s*(\d+)\s+[0-9a-f]+\s+(\d+|-)\s*$", line)
        if m:
            pids.add(int(m.group(1)))
    return pids


def stale_reader(t, path, what):
    """Leaves a reader slot of a kill -9'd process in path; returns its pid.
    LMDB resets the reader table when a process opens the environment alone,
    so a second process keeps it open until the caller's program has started
    (the caller kills it: the returned holder)."""
    h = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdout=subprocess.PIPE)
    hbtest._live.append(h)
    t.check_eq(h.stdout.readline().decode().strip(), "open", f"{what}: a second process holds it open")
    p = subprocess.Popen([sys.executable, "-c", READER, path], stdout=subprocess.PIPE)
    hbtest._live.append(p)
    line = p.stdout.readline().decode()
    t.check_eq(line.strip(), "reading", f"{what}: a reader holds a read transaction")
    t.check(p.pid in readers(path), f"{what}: mdb_stat -r lists reader {p.pid}")
    p.send_signal(signal.SIGKILL)
    p.wait()
    t.check(p.pid in readers(path), f"{what}: the slot of the killed reader is still there")
    return p.pid, h


def mounted(path):
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == path for line in f)


def disk_full(t):
    mnt = os.path.join(t.dir, "countyfs")
    os.makedirs(mnt)
    r = hbtest.run(["mount", "-t", "tmpfs", "-o", "size=384k,mode=0700", "tmpfs", mnt])
    if r.rc != 0:
        return f"cannot mount a tmpfs: {r.err.strip()}"
    try:
        county = t.county(units=30, rows=60, seed=31)
        agg = t.aggregator(county, data=os.path.join(mnt, "data"))
        runs = t.sync_all(county, agg, timeout=3, workers=30)
        rcs = sorted(set(r.rc for r in runs.values()))
        refused = [u for u, r in runs.items() if r.rc == hbtest.EX_TEMPFAIL]
        print(f"     full store: {len(refused)} of {len(runs)} syncs refused", flush=True)
        t.check(len(refused) >= 1 and set(rcs) <= {0, hbtest.EX_TEMPFAIL},
                "a full store refuses syncs: agent exit 75 (no other exit code)",
                {u: r for u, r in runs.items() if r.rc not in (0,)} or rcs)
        # (It used to die of SIGSEGV here: it grew the map on ENOSPC until
        # mdb_env_set_mapsize failed. Fixed; a death is now a failure.)
        t.check(agg.proc.poll() is None, "the aggregator stays up with a full store",
                f"exit {agg.proc.returncode}")
        log = agg.log_text()
        # LMDB reports a full disk as ENOSPC, or as EIO when a write came up short
        t.check(re.search(r"error: cannot store a batch of \d+ submits, agents will resend: "
                          r".*(No space left on device|Input/output error|storage full)", log),
                "the aggregator logs why it does not store", log[-1500:])
        u = refused[0] if refused else county.units()[0]
        st = hbtest.run(["mdb_stat", "-s", "outbox", county.state(u)])
        m = re.search(r"Entries: (\d+)", st.out)
        t.check(m is not None and int(m.group(1)) > 0,
                f"the refused records of {u} are kept in its outbox", st)
        r = hbtest.run(["mount", "-o", "remount,size=64m", mnt])
        t.check_rc(r, 0, "tmpfs enlarged under the running aggregator")
        runs = t.sync_all(county, agg, timeout=10, workers=30)
        t.check(all(r.rc == 0 for r in runs.values()), "with space again every sync exits 0",
                [r for r in runs.values() if r.rc != 0][:2])
        t.check(agg.proc.poll() is None, "same aggregator process, no restart")
        t.check("storing again" in agg.log_text(), "the aggregator logs that it stores again")
        t.check_rollups(county, agg, "totals exact after the disk was full")
        t.check_eq(agg.stop(), 0, "aggregator stops cleanly")
        t.check_rc(agg.verify(), 0, "verify after the disk was full")
    finally:
        hbtest._reap()
        if mounted(mnt):
            if hbtest.run(["umount", mnt]).rc != 0:
                hbtest.run(["umount", "-l", mnt])
    return None


def outbox_dump(state):
    """(entries, mdb_dump text) of the agent's outbox in state."""
    st = hbtest.run(["mdb_stat", "-s", "outbox", state])
    m = re.search(r"Entries: (\d+)", st.out)
    return (int(m.group(1)) if m else None), hbtest.run(["mdb_dump", "-s", "outbox", state]).out


def agent_disk_full(t):
    """The agent's --state on a 512 KiB tmpfs: the outbox of a small ledger
    fits (about 70 KiB), the diff of the same unit's large ledger (7,000
    records, about 2.7 MiB) does not."""
    mnt = os.path.join(t.dir, "agentfs")
    os.makedirs(mnt)
    r = hbtest.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", mnt])
    if r.rc != 0:
        return f"cannot mount a tmpfs: {r.err.strip()}"
    try:
        small = t.county("agent-small", units=1, rows=40, seed=71)
        county = t.county("agent-big", units=1, rows=3000, seed=71)
        unit = county.units()[0]
        t.check_eq(small.units(), [unit], "the small and the large ledger are one unit's")
        county.states = os.path.join(mnt, "state")
        state = county.state(unit)
        agg = t.aggregator(county, start=False)
        r = t.sync(county, unit, agg, timeout=1, ledger=small.ledger(unit))
        t.check_rc(r, hbtest.EX_TEMPFAIL, "county down: the small ledger waits in the outbox")
        n0, dump0 = outbox_dump(state)
        t.check(n0 is not None and n0 > 0, f"the outbox holds {n0} records")

        agg.start()
        for attempt in (1, 2):
            r = t.sync(county, unit, agg, timeout=10)
            t.check_rc(r, 74, f"large ledger on a full state disk (attempt {attempt}): "
                              f"agent exit 74 (state not writable)")
            t.check(re.search(r"state .* cannot be written: disk full", r.err),
                    "the agent says the state's disk is full", r)
            n, dump = outbox_dump(state)
            t.check(n == n0 and dump == dump0,
                    f"the outbox still holds the same {n0} records, byte for byte", n)
        df = hbtest.run(["df", "-k", mnt]).out.strip().splitlines()[-1]
        print(f"     state disk: {df}", flush=True)

        r = hbtest.run(["mount", "-o", "remount,size=64m", mnt])
        t.check_rc(r, 0, "state tmpfs enlarged")
        r = t.sync(county, unit, agg, timeout=30)
        t.check_rc(r, 0, "with space again the sync delivers everything")
        t.check_eq(outbox_dump(state)[0], 0, "the outbox is empty")
        t.check_rollups(county, agg, "totals exact after the agent's disk was full")
        t.check_eq(agg.stop(), 0, "aggregator stops cleanly")
        t.check_rc(agg.verify(), 0, "verify after the agent's disk was full")
    finally:
        hbtest._reap()
        if mounted(mnt):
            if hbtest.run(["umount", mnt]).rc != 0:
                hbtest.run(["umount", "-l", mnt])
    return None


def long_outage(t):
    # one unit with ~2,000 rows; every round edits nearly all of them
    county = t.county("outage", units=1, rows=1000, seed=41)
    agg = t.aggregator(county, start=False)
    unit = county.units()[0]
    changed, rcs = 0, set()
    for rnd in range(1, 21):
        st = county.mutate(rnd, 41, "--touch", "1", "--edit", "0.95", "--advance", "0.5",
                           "--delete", "0.01")
        changed += sum(st.values())
        r = t.sync(county, unit, agg, timeout=1)
        rcs.add(r.rc)
    print(f"     20 runs with the county down, {changed} changed rows", flush=True)
    t.check_eq(rcs, {hbtest.EX_TEMPFAIL}, "every run with the county down exits 75")
    t.check(changed >= 20000, f"at least 20,000 changed rows ({changed})")
    agg.start()
    r = t.sync(county, unit, agg, timeout=30)
    t.check_rc(r, 0, "the first sync after the outage delivers everything")
    t.check_rollups(county, agg, "totals exact after the long outage")
    t.check_eq(agg.stop(), 0, "aggregator stops cleanly")
    t.check_rc(agg.verify(), 0, "verify after the long outage")


def stale_readers(t):
    county = t.county("readers", units=3, rows=10, seed=51)
    agg = t.aggregator(county)
    t.sync_all(county, agg)
    city_dir = os.path.join(t.dir, "city")
    city = subprocess.Popen([hbtest.SUB, "run", "--connect", agg.publish, "--data", city_dir] +
                            t.sub_keys(agg.publish), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    hbtest._live.append(city)
    end = time.monotonic() + 10
    while time.monotonic() < end and hbtest.run(
            [hbtest.SUB, "show", "--data", city_dir, "--format", "json"]).rc != 0:
        time.sleep(0.3)
    city.send_signal(signal.SIGKILL)
    city.wait()
    t.check_eq(agg.stop(), 0, "aggregator stops cleanly")

    pid, h = stale_reader(t, agg.data, "county store")
    agg.start()
    h.kill()
    t.check(pid not in readers(agg.data), "the aggregator cleared the stale reader at start-up",
            hbtest.run(["mdb_stat", "-r", agg.data]).out)
    t.check_rollups(county, agg, "totals exact after clearing")
    # a reader that dies while the aggregator runs: its periodic check
    # (every 60 s; SIGHUP runs it at once) frees the slot and logs it
    pid, h = stale_reader(t, agg.data, "county store, aggregator running")
    h.kill()
    agg.proc.send_signal(signal.SIGHUP)
    end = time.monotonic() + 5
    while time.monotonic() < end and "cleared 1 stale LMDB reader" not in agg.log_text():
        time.sleep(0.1)
    t.check("cleared 1 stale LMDB reader" in agg.log_text(),
            "the running aggregator logs that it cleared the stale reader", agg.log_text()[-800:])
    t.check(pid not in readers(agg.data), "the running aggregator cleared the stale reader",
            hbtest.run(["mdb_stat", "-r", agg.data]).out)
    agg.stop()

    pid, h = stale_reader(t, city_dir, "city store")
    r = hbtest.run([hbtest.SUB, "show", "--data", city_dir, "--format", "json"])
    t.check_rc(r, 0, "huibao-sub show on the city store")
    t.check(pid not in readers(city_dir), "huibao-sub cleared the stale reader at start-up",
            hbtest.run(["mdb_stat", "-r", city_dir]).out)
    h.kill()


def main(t):
    skip = None
    if shutil.which("mdb_stat") is None:
        skip = "mdb_stat not found (lmdb-utils)"
    elif os.geteuid() != 0:
        skip = "not root: cannot mount the small tmpfs the disk-full check needs"
    for part in (disk_full, agent_disk_full):
        if skip is None:
            t0 = time.monotonic()
            skip = part(t)
            print(f"     ({part.__name__}: {time.monotonic() - t0:.1f}s)", flush=True)
    if skip:
        print(f"SKIPPED: {skip}", flush=True)
        hbtest._reap()
        shutil.rmtree(t.dir, ignore_errors=True)
        sys.exit(SKIP)
    for part in (long_outage, stale_readers):
        t0 = time.monotonic()
        part(t)
        print(f"     ({part.__name__}: {time.monotonic() - t0:.1f}s)", flush=True)


def run_all():
    t = hbtest.Test("resources")
    t.known = None
    try:
        main(t)
    except Exception:  # noqa: BLE001 -- report anything as a failed check
        import traceback
        t.check(False, "unexpected exception", traceback.format_exc())
    if not t.failed and t.known:
        hbtest._reap()
        print(f"{t.passed} passed, 0 failed; kept {t.dir}")
        print(f"SKIPPED: {t.known}", flush=True)
        sys.exit(SKIP)
    t.finish()


run_all()
