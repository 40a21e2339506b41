#!/usr/bin/env python3
"""The county as a service (issue 7): the metrics endpoint parses with the
Prometheus text parser and its counters equal exact figures after known
syncs (stored, duplicates after a re-sync, rejected by reason, refused);
sd_notify READY/RELOADING/STOPPING/WATCHDOG/STATUS; the subscriber's
metrics; `cmake --install` to a temporary prefix and `systemd-analyze
verify` of the installed units; a backup taken during a sync verifies and,
restored, serves a consistent store that reaches the exact totals after the
units re-send by themselves (the restored store's new epoch)."""
import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import hbtest

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # the Debian package, when python3 is another interpreter
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        print("SKIP: python3-prometheus-client is not installed (deploy/deps.sh)")
        sys.exit(77)

P_HDR = ["id", "campaign", "identified_on", "scope", "category", "status", "measures",
         "deadline", "resolved_on", "description"]
A_HDR = ["id", "campaign", "date", "kind", "level", "sessions", "participants", "outputs", "title"]


def scrape(port):
    """{(name, ((label, value), ...)): value} of every sample, and the families."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode("utf-8")
    fams = list(text_string_to_metric_families(text))
    samples = {}
    for f in fams:
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, fams, ctype, text


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def rows_per_unit(county):
    c = hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers,
                                   hbtest.TODAY_DATE)
    return {u: len(a) + len(p) for u, (a, p, _) in c["ledgers"].items()}


class Notify:
    """A NOTIFY_SOCKET for the aggregator: collects every datagram."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.stop = False
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop:
            try:
                self.msgs.append(self.sock.recv(4096).decode("utf-8", "replace"))
            except socket.timeout:
                pass

    def wait_for(self, line, after=0, timeout=5):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, m in enumerate(self.msgs[after:], after):
                if line in m.split("\n"):
                    return i
            time.sleep(0.02)
        return None


def wait_metric(port, pred, timeout=5):
    """Scrapes until pred(samples) holds (gauges refresh once a second)."""
    end = time.monotonic() + timeout
    while True:
        try:
            s = scrape(port)[0]
        except OSError:  # not listening yet
            if time.monotonic() > end:
                raise
            s = None
        if s is not None and (pred(s) or time.monotonic() > end):
            return s
        time.sleep(0.1)


def check_metrics(t, county):
    port = hbtest.free_port()
    notify = Notify(os.path.join(t.dir, "notify.sock"))
    os.environ.update(NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="400000")
    try:
        agg = t.aggregator(county, extra=["--metrics", f"127.0.0.1:{port}"])
    finally:
        del os.environ["NOTIFY_SOCKET"], os.environ["WATCHDOG_USEC"]
    ready = notify.wait_for("READY=1")
    t.check(ready is not None, "sd_notify READY=1 after binding", notify.msgs)

    samples, fams, ctype, text = scrape(port)
    t.check(ctype.startswith("text/plain; version=0.0.4"), "exposition content type", ctype)
    names = {f.name for f in fams}
    for n in ("huibao_aggregator_records_stored", "huibao_aggregator_commit_seconds",
              "huibao_aggregator_records_rejected", "huibao_aggregator_last_sync_timestamp_seconds",
              "huibao_aggregator_lmdb_used_bytes", "huibao_aggregator_connected_agents"):
        t.check(n in names, f"family {n} parses", sorted(names))
    units = county.units()
    t.check_eq(val(samples, "huibao_aggregator_records_stored_total"), 0.0, "nothing stored yet")
    t.check_eq(sorted(val(samples, "huibao_aggregator_last_sync_timestamp_seconds", unit=u)
                      for u in units), [0.0] * len(units), "last sync of every unit: 0 = never")

    # An outbox kept aside: unit u0's first run meets no county (exit 75) and
    # leaves every row in the outbox with its version; a copy of that state
    # sent again later makes every row a duplicate (a wiped state would not:
    # it re-versions every row, and the county stores the higher versions).
    u0 = units[0]
    r = t.sync(county, u0, f"tcp://127.0.0.1:{hbtest.free_port()}", timeout=1)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "a sync with no county keeps the outbox")
    outbox = os.path.join(t.dir, "outbox-copy")
    shutil.copytree(county.state(u0), outbox)

    # one known sync: every valid row stored once
    per_unit = rows_per_unit(county)
    nrows = sum(per_unit.values())
    t0 = time.time()
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "first sync exits 0",
            [r for r in runs.values() if r.rc][:2])
    s = wait_metric(port, lambda s: val(s, "huibao_aggregator_connected_agents") == len(units))
    t.check_eq(val(s, "huibao_aggregator_records_stored_total"), float(nrows),
               "records stored == rows of the ledgers")
    t.check_eq(val(s, "huibao_aggregator_records_received_total"), float(nrows),
               "records received == rows")
    t.check_eq(val(s, "huibao_aggregator_records_duplicate_total"), 0.0, "no duplicates yet")
    submits = val(s, "huibao_aggregator_submits_total")
    t.check(submits >= len(units), f"a submit or more per unit ({submits})")
    t.check_eq(val(s, "huibao_aggregator_acks_sent_total"), submits, "one ack per submit")
    batches = val(s, "huibao_aggregator_batches_total")
    t.check(1 <= batches <= submits, f"1 <= batches ({batches}) <= submits")
    t.check_eq(val(s, "huibao_aggregator_commit_seconds_count"), batches,
               "one commit latency per batch")
    t.check_eq(val(s, "huibao_aggregator_commit_seconds_bucket", le="+Inf"), batches,
               "+Inf bucket == count")
    t.check_eq(val(s, "huibao_aggregator_connected_agents"), float(len(units)),
               "every unit counted as a connected agent")
    syncs = [val(s, "huibao_aggregator_last_sync_timestamp_seconds", unit=u) for u in units]
    t.check(all(t0 - 1 <= x <= time.time() + 1 for x in syncs),
            "last sync of every unit is the time of this sync", syncs)
    used = val(s, "huibao_aggregator_lmdb_used_bytes")
    t.check(0 < used <= val(s, "huibao_aggregator_lmdb_map_size_bytes"),
            f"LMDB used bytes ({used}) within the map")
    t.check(val(s, "huibao_aggregator_publishes_total") > 0, "rollups published")

    # the kept outbox sent again: every row of u0 is a duplicate
    shutil.rmtree(county.state(u0))
    shutil.copytree(outbox, county.state(u0))
    r = t.sync(county, u0, agg)
    t.check_rc(r, 0, "the old outbox sent again")
    s = scrape(port)[0]
    t.check_eq(val(s, "huibao_aggregator_records_duplicate_total"), float(per_unit[u0]),
               f"duplicates == the unit's {per_unit[u0]} rows")
    t.check_eq(val(s, "huibao_aggregator_records_stored_total"), float(nrows), "stored unchanged")

    # records the county rejects: one unknown category, one unknown campaign
    u1 = units[1]
    rows = [["P1", "jiefang-2022", "2022-07-01", "team", "nosuchcat", "rectifying", "1", "", "",
             "category unknown to the county"],
            ["P2", "no-such-campaign", "2022-07-01", "team", "county", "identified", "0", "", "",
             "campaign unknown to the county"]]
    hbtest.write_csv(os.path.join(county.ledger(u1), "problems.csv"), P_HDR, rows)
    r = t.sync(county, u1, agg)
    t.check_rc(r, hbtest.EX_DATAERR, "sync with two records the county rejects")
    s = scrape(port)[0]
    rej = {dict(k[1]).get("reason"): v for k, v in s.items()
           if k[0] == "huibao_aggregator_records_rejected_total"}
    t.check_eq(rej, {"category": 1.0, "campaign": 1.0}, "rejected by reason")

    # a unit the county does not expect (its key is installed: t.agent_keys sends SIGHUP)
    n_before = len(notify.msgs)
    stranger = os.path.join(county.root, "ledgers", "x99")
    hbtest.write_csv(os.path.join(stranger, "activities.csv"), A_HDR,
                     [["A1", "jiefang-2022", "2022-07-01", "study", "unit", "1", "10", "0", "x"]])
    r = t.sync(county, "x99", agg, ledger=stranger)
    t.check_rc(r, hbtest.EX_DATAERR, "sync of a unit the county does not expect")
    s = scrape(port)[0]
    t.check_eq(val(s, "huibao_aggregator_submits_refused_total", reason="unknown_unit"), 1.0,
               "refused, reason unknown_unit")
    t.check_eq(val(s, "huibao_aggregator_reloads_total"), 1.0, "the SIGHUP counted as a reload")
    i = notify.wait_for("RELOADING=1", n_before)
    t.check(i is not None and notify.wait_for("READY=1", i + 1) is not None,
            "SIGHUP: RELOADING=1 then READY=1", notify.msgs[n_before:])
    t.check(sum(m == "WATCHDOG=1" for m in notify.msgs) >= 3,
            "WATCHDOG=1 every WATCHDOG_USEC/2", [m for m in notify.msgs if "WATCH" in m][:3])
    stored = int(val(s, "huibao_aggregator_records_stored_total"))
    status = (f"STATUS={stored} records stored, {per_unit[u0]} duplicate, 2 rejected, "
              f"1 submits refused")
    t.check(notify.wait_for(status, timeout=3) is not None, f"{status} (as the metrics say)",
            [m for m in notify.msgs if "STATUS" in m][-3:])
    n_before = len(notify.msgs)
    t.check_eq(agg.stop(), 0, "aggregator stops with exit 0")
    t.check(notify.wait_for("STOPPING=1", n_before) is not None, "STOPPING=1")
    notify.stop = True

    # a port already taken: clear message, exit 78
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    a2 = t.aggregator(county, extra=["--metrics", f"127.0.0.1:{busy.getsockname()[1]}"],
                      start=False)
    a2.start(wait=False)
    rc = a2.proc.wait(10)
    t.check(rc == 78 and "Address already in use" in a2.log_text(),
            "--metrics on a busy port: exit 78 with the reason", (rc, a2.log_text()[-500:]))
    busy.close()
    r = hbtest.run([hbtest.AGGREGATOR, "--data", "x", "--units", county.units_csv,
                    "--campaigns", county.campaigns_ini, "--listen", "tcp://127.0.0.1:1",
                    "--publish", "tcp://127.0.0.1:2", "--insecure", "--metrics", "9101",
                    "--check-config"])
    t.check(r.rc == 78 and "--metrics" in r.err, "--check-config refuses --metrics 9101", r)
    return agg


def check_sub_metrics(t, county, agg):
    agg.start()
    port = hbtest.free_port()
    data = os.path.join(t.dir, "city")
    p = subprocess.Popen([hbtest.SUB, "run", "--connect", agg.publish, "--data", data,
                          "--metrics", f"127.0.0.1:{port}"] + t.sub_keys(agg.publish),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    hbtest._live.append(p)
    camps = len(county.campaigns())
    try:
        s = wait_metric(port, lambda s: (val(s, "huibao_sub_rollups_kept_total") or 0) >= camps
                        and (val(s, "huibao_sub_store_flushes_total") or 0) >= 1, timeout=10)
    except OSError as e:
        s = {}
        t.check(False, "huibao-sub run serves --metrics", e)
    kept = val(s, "huibao_sub_rollups_kept_total") or 0
    recv = val(s, "huibao_sub_rollups_received_total") or 0
    older = val(s, "huibao_sub_rollups_dropped_total", reason="older") or 0
    t.check(kept >= camps, f"one rollup kept per campaign at least ({kept} >= {camps})", s)
    t.check_eq(recv, kept + older, "received == kept + dropped (heartbeats repeat a seq)")
    last = [v for k, v in s.items() if k[0] == "huibao_sub_last_rollup_timestamp_seconds"]
    t.check(len(last) == 1 and abs(last[0] - time.time()) < 5,
            "last rollup time of the one county is now", last)
    t.check_eq(val(s, "huibao_sub_counties_stale"), 0.0, "no county stale")
    t.check_eq(val(s, "huibao_sub_malformed_messages_total"), 0.0, "no malformed message")
    agg.stop()
    s = wait_metric(port, lambda s: val(s, "huibao_sub_counties_stale") == 1.0, timeout=8)
    t.check_eq(val(s, "huibao_sub_counties_stale"), 1.0, "the stopped county is stale")
    p.send_signal(signal.SIGTERM)
    t.check_eq(p.wait(10), 0, "huibao-sub run stops with exit 0")


def check_install(t):
    build = os.environ.get("HUIBAO_BIN") or os.path.dirname(os.path.dirname(hbtest.AGGREGATOR))
    prefix = os.path.join(t.dir, "prefix")
    r = hbtest.run(["cmake", "--install", build, "--prefix", prefix], timeout=60)
    t.check_rc(r, 0, "cmake --install to a temporary prefix")
    want = ["bin/huibao-agent", "bin/huibao-aggregator", "bin/huibao-sub", "bin/huibao-keygen",
            "lib/systemd/system/huibao-aggregator.service", "lib/systemd/system/huibao-sub.service",
            "lib/systemd/system/huibao-agent@.service", "lib/systemd/system/huibao-agent@.timer",
            "share/man/man1/huibao-agent.1", "share/man/man1/huibao-sub.1",
            "share/man/man8/huibao-aggregator.8", "share/doc/huibao/operations.md",
            "share/doc/huibao/examples/aggregator.ini", "share/doc/huibao/examples/sub.conf",
            "share/doc/huibao/examples/agent.env"]
    missing = [w for w in want if not os.path.exists(os.path.join(prefix, w))]
    t.check_eq(missing, [], "the expected files are installed")
    units = os.path.join(prefix, "lib/systemd/system")
    if shutil.which("systemd-analyze") is None:
        print("SKIP systemd-analyze verify: systemd-analyze not installed")
        return
    # The units name the programs at the configured prefix; point them at this one.
    vdir = os.path.join(t.dir, "units")
    os.makedirs(vdir)
    import re
    for f in os.listdir(units):
        with open(os.path.join(units, f), encoding="utf-8") as fh:
            txt = re.sub(r"/\S*/bin/(huibao-[a-z]+)", os.path.join(prefix, "bin", r"\1"), fh.read())
        with open(os.path.join(vdir, f), "w", encoding="utf-8") as fh:
            fh.write(txt)
    shutil.copy(os.path.join(vdir, "huibao-agent@.service"), os.path.join(vdir, "huibao-agent@dlz.service"))
    shutil.copy(os.path.join(vdir, "huibao-agent@.timer"), os.path.join(vdir, "huibao-agent@dlz.timer"))
    paths = [os.path.join(vdir, f) for f in ("huibao-aggregator.service", "huibao-sub.service",
                                             "huibao-agent@dlz.service", "huibao-agent@dlz.timer")]
    # MANPATH: the Documentation=man: lines must name the installed pages
    r = hbtest.run(["systemd-analyze", "verify"] + paths, timeout=60,
                   env={"MANPATH": os.path.join(prefix, "share/man")})
    if r.rc != 0 and ("Failed to" in r.err and "bus" in r.err.lower()):
        print(f"SKIP systemd-analyze verify cannot run here: {r.err.strip()[:300]}")
        return
    t.check(r.rc == 0 and not r.err.strip(), "systemd-analyze verify: no error, no warning", r)
    # and it would notice a mistake
    with open(paths[0], "a", encoding="utf-8") as fh:
        fh.write("\n[Service]\nProtectSytem=strict\n")
    r = hbtest.run(["systemd-analyze", "verify", paths[0]], timeout=60,
                   env={"MANPATH": os.path.join(prefix, "share/man")})
    t.check("ProtectSytem" in r.err, "a misspelt key is reported", r)


def check_backup(t):
    big = t.county("big", units=24, rows=40, seed=73)
    agg = t.aggregator(big)
    backups = []
    box = {}

    def syncer():
        # small batches, one in flight: each waits for its own commit, so the
        # sync lasts long enough (~1 s) for backups to be taken in the middle
        slow = ["--batch", "5", "--window", "1"]
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            futs = {u: ex.submit(t.sync, big, u, agg, 20, None, slow) for u in big.units()}
            box["runs"] = {u: f.result() for u, f in futs.items()}

    th = threading.Thread(target=syncer)
    th.start()
    time.sleep(0.1)
    n = 0
    while th.is_alive() and n < 6:
        out = os.path.join(t.dir, f"backup-{n}")
        during = th.is_alive()
        r = hbtest.run([hbtest.AGGREGATOR, "backup", "--data", agg.data, "--out", out])
        backups.append((out, r, during and th.is_alive()))
        n += 1
    th.join()
    t.check(all(r.rc == 0 for r in box["runs"].values()), "the syncs exit 0")
    during = [b for b in backups if b[2]]
    t.check(len(during) >= 1, f"a backup was taken during the sync ({len(during)} of {n})")
    for out, r, _ in backups:
        t.check_rc(r, 0, f"backup {os.path.basename(out)}")
        t.check("records" in r.out and "data.mdb" in r.out, "backup prints what it wrote", r)
        t.check_eq(sorted(os.listdir(out)), ["data.mdb"], "the backup is one data.mdb")
        v = hbtest.run([hbtest.AGGREGATOR, "verify", "--data", out])
        t.check(v.rc == 0 and " 0 differences" in v.out, f"verify accepts {os.path.basename(out)}", v)
    r = hbtest.run([hbtest.AGGREGATOR, "backup", "--data", agg.data, "--out", backups[0][0]])
    t.check(r.rc == 73 and "empty" in r.err, "backup refuses a non-empty --out (exit 73)", r)
    r = hbtest.run([hbtest.AGGREGATOR, "backup", "--data", os.path.join(t.dir, "none"),
                    "--out", os.path.join(t.dir, "b-none")])
    t.check_rc(r, 66, "backup of a folder with no store")
    t.check_eq(agg.stop(), 0, "aggregator stops")

    # restore the backup taken during the sync: a consistent store, served
    src = (during or backups)[len(during or backups) // 2][0]
    restored = os.path.join(t.dir, "restored")
    os.makedirs(restored)
    shutil.copy(os.path.join(src, "data.mdb"), restored)
    agg2 = t.aggregator(big, data=restored)
    exp = big.expected()
    _, got = t.rollups(agg2)
    full = sum(e["activities"]["total"]["records"] + e["problems"]["total"] for e in exp.values())
    have = sum(g["activities"]["total"]["records"] + g["problems"]["total"]
               for g in got.values()) if got else -1
    t.check(0 <= have <= full, f"restored totals are a point of the sync ({have} of {full})")
    agg2.stop()
    t.check_rc(agg2.verify(), 0, "verify of the restored store")
    agg2.start()
    # what was acked after the backup is missing at the county: the restored
    # store has a new epoch, so every unit re-sends by itself (no state wiped)
    runs = t.sync_all(big, agg2)
    t.check(all(r.rc == 0 for r in runs.values()), "re-send of every unit exits 0")
    t.check(all("re-sending all" in r.err for r in runs.values()),
            "every unit saw the new store epoch and re-sent its rows",
            [r.err for r in runs.values()][:1])
    t.check_rollups(big, agg2, "after the re-send the restored county has the exact totals")
    agg2.stop()
    t.check_rc(agg2.verify(), 0, "verify at the end")


def main(t):
    county = t.county(units=5, rows=8, seed=71)
    agg = check_metrics(t, county)
    check_sub_metrics(t, county, agg)
    check_install(t)
    check_backup(t)


hbtest.Test("ops").guard(main)
