#!/usr/bin/env python3
"""Chaos test: nothing acked is lost, nothing is counted twice.

  chaos.py [--seed N] [--duration SECONDS] [--units 60] [--rows 40] [--sync-timeout 3]

From a fixed seed: a county of --units units (gen_ledgers.py), then rounds
until --duration is up (at least one). Each round edits the ledgers
(gen_ledgers.py --mutate: edits, deletions, additions), starts every agent at
once (huibao-agent sync, one process per unit) and meanwhile, at moments the
seed chooses, kills -9 the aggregator (restarting it on the same data after a
random pause, sometimes running `verify` on the dead store first), kills -9
agents mid-sync (and re-runs them) and kills -9 the city subscriber
(`huibao-sub run --data DIR`, restarted on the same DIR).

Issue 14: meanwhile a reviewer process decides in a loop (`huibao-aggregator
review ... return` on rows of the ledgers, each with its own reason), as a
second process on the county's store like the real one; every decision that
exited 0 must be in the record's history after the kills, exactly once, and
the history holds no other. Enabled when this build has the review and
account commands (not the groundwork's stubs, exit 70).

At the end every agent syncs once more and must exit 0; then the city's
stored view (`huibao-sub show --format json`) and a fresh `huibao-sub
snapshot` must equal tests/tools/count.py number for number, and
`huibao-aggregator verify` must exit 0. It prints what it did and the
mismatches (exit 0 only when there are none).

Programs, ports, temporary folders and key material come from the
integration harness tests/integration/hbtest.py.
"""
import argparse
import json
import os
import random
import re
import signal
import csv
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import hbtest  # noqa: E402
import hbreplica  # noqa: E402

STATS_RE = re.compile(r"sent (\d+), stored (\d+), duplicate (\d+)")
DIAG_RE = re.compile(r"^\S+\.csv:\d+: ", re.M)
LONG_ID = "(id longer than 64 bytes)"


def only_long_ids(txt):
    """True when every diagnostic of an exit 65 is an id over 64 bytes: rows
    gen_ledgers.py --mutate makes after many rounds (its added ids grow by a
    prefix each round). count.py leaves them out too, so the agent is right."""
    lines = [ln for ln in txt.splitlines() if DIAG_RE.match(ln)]
    return bool(lines) and all(LONG_ID in ln for ln in lines)


def parse_rollups(text):
    """{campaign: rollup} from the JSON of `huibao-sub show|snapshot`."""
    try:
        doc = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return {}
    items = []
    if isinstance(doc, dict):
        items = doc["campaigns"] if isinstance(doc.get("campaigns"), list) else [doc]
    elif isinstance(doc, list):
        items = doc
    return {it["campaign"]: it for it in items if isinstance(it, dict) and "campaign" in it}


def sub_extra(t, agg):
    """Key flags the harness gives a subscriber of agg (none when it has none)."""
    f = getattr(t, "sub_keys", None)
    return list(f(agg.publish)) if callable(f) else []


class City:
    """`huibao-sub run --data DIR` on one aggregator, restartable."""

    def __init__(self, t, agg, data):
        self.t, self.agg, self.data = t, agg, data
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = os.path.join(self.t.dir, f"city.{self.starts}.log")
        self.logf = open(log, "wb")
        self.t.logs.append(log)
        argv = [hbtest.SUB, "run", "--connect", self.agg.publish, "--data", self.data] + \
            sub_extra(self.t, self.agg)
        if getattr(self.agg, "detail", None):  # issue 15: the replica of the county's records
            argv += ["--detail", self.agg.detail]
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.logf.close()

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "timeout"
        return self.proc.returncode if self.proc else None

    def show(self):
        return hbtest.run([hbtest.SUB, "show", "--data", self.data, "--format", "json"],
                          timeout=60)


class Reviewer:
    """A reviewer deciding in a loop while the chaos goes on (issue 14)."""
    NAME, PASSWORD = "chaos-reviewer", "chaos-mima-2022"

    def __init__(self, t, county, agg, rng):
        self.t, self.county, self.agg = t, county, agg
        self.rng = random.Random(rng.random())
        self.acked = []  # (unit, kind, id, reason) of each decision that exited 0
        self.refused = 0
        self.errors = []
        self.enabled = False
        self.thread = None
        self.stopping = threading.Event()

    def cmd(self, argv):
        p = subprocess.run([hbtest.AGGREGATOR] + argv, input=(self.PASSWORD + "\n").encode(),
                           capture_output=True, timeout=120)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")

    def setup(self):
        """The reviewer's account; False when this build has no review command."""
        rc, txt = self.cmd(["account", "add", "--data", self.agg.data, self.NAME, "--role",
                            "reviewer"])
        if rc == 70:
            return False
        if rc != 0:
            self.errors.append(f"account add: exit {rc}: {txt[-300:]}")
            return False
        rc, txt = self.cmd(["review", "--data", self.agg.data, "--as", self.NAME, "return",
                            "no-such-unit", "no-such-id", "--reason", "probe"])
        self.enabled = rc != 70
        return self.enabled

    def pick(self):
        unit = self.rng.choice(self.county.units())
        kind = self.rng.choice(["problem", "activity"])
        path = os.path.join(self.county.ledger(unit),
                            {"problem": "problems.csv", "activity": "activities.csv"}[kind])
        try:  # gen_ledgers.py writes some ledgers in GB18030; a round may be rewriting it
            with open(path, "rb") as f:
                raw = f.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            ids = [r.get("编号") for r in csv.DictReader(text.splitlines()) if r.get("编号")]
        except (OSError, UnicodeDecodeError, csv.Error):
            return None
        return (unit, kind, self.rng.choice(ids)) if ids else None

    def loop(self):
        n = 0
        while not self.stopping.is_set():
            target = self.pick()
            if not target:
                self.stopping.wait(0.05)
                continue
            n += 1
            unit, kind, rid = target
            reason = f"chaos {n}: 材料不全"
            rc, txt = self.cmd(["review", "--data", self.agg.data, "--as", self.NAME, "return",
                                unit, rid, "--kind", kind, "--reason", reason])
            if rc == 0:
                self.acked.append((unit, kind, rid, reason))
            elif rc in (hbtest.EX_DATAERR, hbtest.EX_NOINPUT):  # the status forbids it / no record
                self.refused += 1
            else:
                self.errors.append(f"review return {unit} {rid}: exit {rc}: {txt[-300:]}")
            self.stopping.wait(self.rng.uniform(0.0, 0.2))

    def start(self):
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join()

    def check(self, chaos):
        """Every acked decision is in its record's history, exactly once,
        and the histories hold no decision of this reviewer that was not."""
        for e in self.errors:
            chaos.bad(f"reviewer: {e}")
        found = {}
        for unit, kind, rid in sorted({a[:3] for a in self.acked}):
            r = hbtest.run([hbtest.AGGREGATOR, "history", "--data", self.agg.data, unit, rid,
                            "--kind", kind, "--format", "json"], timeout=60)
            try:
                entries = json.loads(r.out)["entries"] if r.rc == 0 else []
            except (json.JSONDecodeError, KeyError):
                entries = []
            for e in entries:
                if e.get("type") == "decision" and e.get("reviewer") == self.NAME:
                    found[(unit, kind, rid, e.get("reason"))] = \
                        found.get((unit, kind, rid, e.get("reason")), 0) + 1
        for a in self.acked:
            if found.get(a, 0) != 1:
                chaos.bad(f"decision acknowledged to the reviewer {a}: in the history "
                          f"{found.get(a, 0)} times")
        extra = set(found) - set(self.acked)
        for a in sorted(extra)[:20]:
            chaos.bad(f"decision in the history never acknowledged: {a}")
        chaos.n["decisions_acked"] = len(self.acked)
        chaos.n["decisions_refused"] = self.refused
        chaos.n["decisions_in_history"] = sum(found.values())


class Chaos:
    def __init__(self, t, a):
        self.t, self.a = t, a
        self.rng = random.Random(a.seed)
        self.n = {"rounds": 0, "agent_runs": 0, "agent_kills": 0, "agent_exit_75": 0,
                  "agent_exit_0": 0, "agent_exit_65_long_ids": 0, "aggregator_kills": 0, "aggregator_restarts": 0,
                  "verify_on_dead_store": 0, "city_kills": 0, "city_restarts": 0,
                  "records_sent": 0, "records_stored": 0, "records_duplicate": 0,
                  "rows_advanced": 0, "rows_edited": 0, "rows_deleted": 0, "rows_added": 0}
        self.mismatches = 0
        self.notes = []

    def bad(self, what):
        self.mismatches += 1
        self.notes.append(what)
        print(f"MISMATCH {what}", flush=True)

    def collect(self, p):
        """Waits for one agent; counts its outcome."""
        out, err = p.communicate()
        txt = (out + err).decode("utf-8", "replace")
        rc = p.returncode
        for m in STATS_RE.finditer(txt):
            self.n["records_sent"] += int(m.group(1))
            self.n["records_stored"] += int(m.group(2))
            self.n["records_duplicate"] += int(m.group(3))
        if rc == 0:
            self.n["agent_exit_0"] += 1
        elif rc == hbtest.EX_TEMPFAIL:
            self.n["agent_exit_75"] += 1
        elif rc == -signal.SIGKILL:
            self.n["agent_kills"] += 1
        elif rc == hbtest.EX_DATAERR and only_long_ids(txt):
            self.n["agent_exit_65_long_ids"] += 1
        else:
            self.bad(f"agent exit {rc}: {txt[-600:]!r}")
        return rc

    def round(self, county, agg, city, units):
        rnd = self.n["rounds"] + 1
        st = county.mutate(rnd, self.a.seed)
        for k, v in st.items():
            self.n["rows_" + k] = self.n.get("rows_" + k, 0) + v
        procs = {}
        for u in units:
            procs[u] = self.t.start_sync(county, u, agg.listen, timeout=self.a.sync_timeout)
            self.n["agent_runs"] += 1
        # the chaos: a few events at seeded moments while the agents run
        events = []
        for _ in range(self.rng.randint(1, 3)):
            events.append((self.rng.uniform(0.0, 1.5), "aggregator"))
        for _ in range(self.rng.randint(2, 8)):
            events.append((self.rng.uniform(0.0, 1.5), "agent"))
        if self.rng.random() < 0.5:
            events.append((self.rng.uniform(0.0, 1.5), "city"))
        events.sort()
        t0 = time.monotonic()
        rerun = []
        for at, kind in events:
            d = at - (time.monotonic() - t0)
            if d > 0:
                time.sleep(d)
            if kind == "aggregator":
                if agg.proc.poll() is None:
                    agg.kill9()
                    self.n["aggregator_kills"] += 1
                    if self.rng.random() < 0.3:
                        v = agg.verify()
                        self.n["verify_on_dead_store"] += 1
                        if v.rc != 0:
                            self.bad(f"verify right after kill -9 of the aggregator: {v}")
                    time.sleep(self.rng.uniform(0.0, 0.6))
                    agg.start()
                    self.n["aggregator_restarts"] += 1
            elif kind == "agent":
                running = [u for u, p in procs.items() if p.poll() is None]
                if running:
                    u = self.rng.choice(sorted(running))
                    procs[u].send_signal(signal.SIGKILL)
                    rerun.append(u)
            elif kind == "city":
                city.kill9()
                self.n["city_kills"] += 1
                time.sleep(self.rng.uniform(0.0, 0.5))
                city.start()
                self.n["city_restarts"] += 1
        for u, p in list(procs.items()):
            self.collect(p)
        # agents killed mid-sync run again at once
        if rerun:
            again = {u: self.t.start_sync(county, u, agg.listen, timeout=self.a.sync_timeout)
                     for u in rerun}
            self.n["agent_runs"] += len(again)
            for p in again.values():
                self.collect(p)
        if not city.alive():
            self.bad(f"city subscriber died by itself (exit {city.proc.returncode})")
            city.start()
            self.n["city_restarts"] += 1
        if agg.proc.poll() is not None:
            self.bad(f"aggregator died by itself (exit {agg.proc.returncode})")
            agg.start()
            self.n["aggregator_restarts"] += 1
        self.n["rounds"] = rnd

    def final(self, county, agg, city, units):
        t = self.t
        runs = t.sync_all(county, agg, timeout=20, units=units)
        for u, r in runs.items():
            self.n["agent_runs"] += 1
            for m in STATS_RE.finditer(r.out + r.err):
                self.n["records_sent"] += int(m.group(1))
                self.n["records_stored"] += int(m.group(2))
                self.n["records_duplicate"] += int(m.group(3))
            if r.rc == 0:
                self.n["agent_exit_0"] += 1
            elif r.rc == hbtest.EX_DATAERR and only_long_ids(r.out + r.err) and \
                    STATS_RE.search(r.out + r.err) and "pending 0" in r.out + r.err:
                self.n["agent_exit_65_long_ids"] += 1
            else:
                self.bad(f"final sync of {u}: {r}")
        exp = county.expected()
        self.n["expected_records"] = sum(
            e["activities"]["total"]["records"] + e["problems"]["total"] for e in exp.values())
        # a fresh snapshot
        for c in exp:
            r, got = t.rollups(agg, c, timeout=10)
            d = hbtest.hbcount.compare(exp[c], got[c]) if c in got else [f"no rollup: {r}"]
            for x in d[:20]:
                self.bad(f"snapshot {c}: {x}")
            if len(d) > 20:
                self.bad(f"snapshot {c}: ... {len(d) - 20} more")
        # the city's stored view catches up within a few heartbeats
        end = time.monotonic() + 15
        while True:
            r = city.show()
            got = parse_rollups(r.out)
            diffs = {c: (hbtest.hbcount.compare(exp[c], got[c]) if c in got else
                         [f"no rollup: {r}"]) for c in exp}
            if not any(diffs.values()) or time.monotonic() > end:
                break
            time.sleep(0.5)
        for c, d in diffs.items():
            for x in d[:20]:
                self.bad(f"city view {c}: {x}")
            if len(d) > 20:
                self.bad(f"city view {c}: ... {len(d) - 20} more")
        if getattr(agg, "detail", None):
            self.replica_check(agg, city)
        rc = city.stop()
        if rc != 0:
            self.bad(f"city subscriber stop: exit {rc}")
        rc = agg.stop()
        if rc != 0:
            self.bad(f"aggregator stop: exit {rc}")
        v = agg.verify()
        if v.rc != 0:
            self.bad(f"verify at the end: {v}")

    def replica_check(self, agg, city, timeout=60):
        """The city's replica equals the county's records and review states exactly
        (issue 15), after every kill of county and city."""
        end = time.monotonic() + timeout
        diffs = ["not compared"]
        while time.monotonic() < end:
            try:
                cty, n = hbreplica.county_state(agg.data)
                code = next(iter(hbreplica.replica_counties(city.data)), None)
                rep, held, _ = hbreplica.replica_state(city.data, code or "")
                diffs = hbreplica.compare(cty, rep) or \
                    ([] if held == n else [f"entries held {held}, county {n}"])
                self.n["replica_records"], self.n["replica_entries"] = len(rep), held
            except Exception as e:  # noqa: BLE001 -- not there yet
                diffs = [repr(e)]
            if not diffs:
                break
            time.sleep(0.5)
        for x in diffs[:20]:
            self.bad(f"replica: {x}")

    def report(self, secs):
        n = self.n
        print(f"chaos: seed {self.a.seed}, {secs:.0f}s, {n['rounds']} rounds, "
              f"{len(self.units)} units", flush=True)
        print(f"  kills: aggregator {n['aggregator_kills']} (restarts {n['aggregator_restarts']}, "
              f"verify on the dead store {n['verify_on_dead_store']}), agents "
              f"{n['agent_kills']}, city {n['city_kills']} (restarts {n['city_restarts']})")
        print(f"  agent runs {n['agent_runs']}: exit 0 {n['agent_exit_0']}, exit 75 "
              f"{n['agent_exit_75']}, killed {n['agent_kills']}, exit 65 for ids over 64 bytes only "
              f"{n['agent_exit_65_long_ids']}")
        print(f"  ledger edits: advanced {n['rows_advanced']}, edited {n['rows_edited']}, "
              f"deleted {n['rows_deleted']}, added {n['rows_added']}")
        print(f"  records: sent {n['records_sent']}, stored {n['records_stored']}, duplicate "
              f"{n['records_duplicate']}; final ledgers hold {n.get('expected_records', 0)} "
              f"valid records")
        if n.get("reviews_enabled"):
            print(f"  reviews: acknowledged {n.get('decisions_acked', 0)}, refused "
                  f"{n.get('decisions_refused', 0)}, in the history "
                  f"{n.get('decisions_in_history', 0)}")
        if "replica_records" in n:
            print(f"  replica: {n['replica_records']} records, {n['replica_entries']} entries "
                  f"held, equal to the county's store")
        print(f"  mismatches: {self.mismatches}", flush=True)
        print("CHAOS " + json.dumps(dict(n, mismatches=self.mismatches, seed=self.a.seed)),
              flush=True)


def detail_flags(t):
    """The county's detail endpoint for the city's replica (issue 15)."""
    keys = os.path.join(t.dir, "keys", "detail")
    os.makedirs(keys, exist_ok=True)
    t.keys.install("city", keys)
    return ["--detail", f"tcp://127.0.0.1:{hbtest.free_port()}", "--detail-keys", keys]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=60, help="seconds of rounds (default 60)")
    ap.add_argument("--units", type=int, default=60)
    ap.add_argument("--rows", type=int, default=40, help="rows per file and unit (average)")
    ap.add_argument("--sync-timeout", type=int, default=3, help="agent --timeout in rounds")
    a = ap.parse_args()
    t = hbtest.Test("chaos")
    ch = Chaos(t, a)

    def body(t):
        t0 = time.monotonic()
        county = t.county(units=a.units, rows=a.rows, seed=a.seed)
        ch.units = county.units()
        agg = t.aggregator(county, extra=detail_flags(t))
        agg.detail = agg.extra[1] if agg.extra[:1] == ["--detail"] else None
        city = City(t, agg, os.path.join(t.dir, "city"))
        city.start()
        reviewer = Reviewer(t, county, agg, ch.rng)
        ch.n["reviews_enabled"] = reviewer.setup()
        if reviewer.enabled:
            reviewer.start()
        else:
            print("note: no review command in this build: the chaos runs without reviews",
                  flush=True)
        last = t0
        while True:
            ch.round(county, agg, city, ch.units)
            if time.monotonic() - last >= 60:
                last = time.monotonic()
                print(f"progress {last - t0:.0f}s: " + json.dumps(dict(ch.n, mismatches=ch.mismatches)),
                      flush=True)
            if time.monotonic() - t0 >= a.duration:
                break
        reviewer.stop()
        ch.final(county, agg, city, ch.units)
        if reviewer.enabled:
            reviewer.check(ch)
        ch.report(time.monotonic() - t0)
        for note in ch.notes[:50]:
            print("  - " + note[:1500])
        t.check_eq(ch.mismatches, 0, "mismatches")
    t.guard(body)


if __name__ == "__main__":
    main()
