#!/usr/bin/env python3
"""A township on a poor link: 256 kbit/s, 300 ms RTT, 2 % loss.

  poorlink.py --build DIR [--rows N] [--reps R] [--first-reps R] [--rate KBIT]
              [--rtt MS] [--loss PCT] [--out FILE] [--keep] [--smoke] [--no-zstd]

Two network namespaces of their own (root only; without root, or without
nft / the queue program, it prints the rows as not measured and exits 0):
"town" runs `huibao-agent sync`, "county" runs `huibao-aggregator`; one veth
pair joins them. Each end of the link, on what it sends:
  - nft counts the bytes the stack puts on the link (IP lengths, TCP
    retransmissions included): "the bytes on the wire";
  - nft drops LOSS % of the packets (numgen random; so LOSS % each way);
  - tests/tools/netem_queue.c (hb-netem-queue --rate --delay) is the link:
    RATE kbit/s, one packet after the other, RTT/2 ms of propagation, a
    32 KB queue with tail drop (this kernel has no sch_netem).
Measured (real CURVE, the unit's own keys, a ledger from gen_ledgers.py):
  1. the first sync of an N-row ledger (default 10,000) into an empty county
     (fresh store and agent state each repetition): wall time, bytes up/down;
  2. a 10-row sync (10 rows of activities.csv edited, then sync): wall time,
     bytes;
  3. a link dropped mid-sync: the first sync is started, the link is cut
     (ip link set down) once the county has stored 40 % of the rows (its
     /metrics), held down until the agent gives up (exit 75), healed, and
     the agent runs again. Rows: records the second run re-sent although the
     first run had them acknowledged (sent2 - (rows - acked1); target 0),
     and the county's DUPLICATE count (records_duplicate_total: stored but
     never acknowledged before the cut, legitimately re-sent).
--no-zstd: the county runs with --no-zstd-submits (as a county before issue
17), so the agent sends its Submits uncompressed, as an agent built without
libzstd (Windows) does: the link and the agent's timers without compression.
Every child gets PR_SET_PDEATHSIG and is stopped by PID; the namespaces
(their links, rules, queues) are deleted at exit, on SIGINT/SIGTERM too.
"""
import argparse
import atexit
import csv
import io
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402
import province as P  # noqa: E402  (spawn, stop_children, PDEATHSIG)

SUMMARY_RE = re.compile(r"sent (\d+), stored (\d+), duplicate (\d+), rejected (\d+), "
                        r"pending (\d+)")
RECONNECTS_RE = re.compile(r"connection to the county closed (\d+) times")


def log(msg):
    print(f"[poorlink {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(*argv, stdin=None, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True, input=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


class Link:
    """Two namespaces, one veth pair, the bad link on both ends."""

    def __init__(self, a, qprog):
        tag = f"{os.getpid() % 100000}"
        self.ns = {"town": f"hbpt{tag}", "county": f"hbpc{tag}"}
        x = random.Random(os.getpid()).randrange(0, 254)
        self.net = f"10.201.{x}"
        self.ip = {"county": f"{self.net}.1", "town": f"{self.net}.2"}
        self.dev = {"town": f"hbpt{tag}a", "county": f"hbpt{tag}b"}
        self.a, self.qprog = a, qprog
        self.made, self.queues = [], {}
        self.queue_rule = None
        atexit.register(self.cleanup)

    def nx(self, side, *argv, stdin=None, check=True):
        return sh("ip", "netns", "exec", self.ns[side], *argv, stdin=stdin, check=check)

    def setup(self):
        for ns in self.ns.values():
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
        sh("ip", "link", "add", self.dev["town"], "netns", self.ns["town"], "type", "veth",
           "peer", "name", self.dev["county"], "netns", self.ns["county"])
        for side in ("town", "county"):
            self.nx(side, "ip", "addr", "add", f"{self.ip[side]}/30", "dev", self.dev[side])
            self.nx(side, "ip", "link", "set", self.dev[side], "up")
            self.nx(side, "ip", "link", "set", "lo", "up")

    def faults_on(self):
        for q, side in enumerate(("town", "county")):
            dev = self.dev[side]
            self.nx(side, "nft", "-f", "-", stdin=(
                "table ip hbpoor {\n  chain out {\n"
                "    type filter hook output priority -200; policy accept;\n"
                f'    oifname "{dev}" counter comment "wire"\n'
                f'    oifname "{dev}" numgen random mod 100 < {self.a.loss} counter drop '
                'comment "loss"\n  }\n}\n'))
            p = P.spawn(["ip", "netns", "exec", self.ns[side], self.qprog, "--queue", str(q),
                         "--delay", str(self.a.rtt / 2), "--rate", str(self.a.rate),
                         "--seed", str(7 + q)], os.path.join(self.a.root, f"queue.{side}.log"))
            self.queues[side] = p
            P.wait_log(p, os.path.join(self.a.root, f"queue.{side}.log"), "ready", 10,
                       "hb-netem-queue")
            r = self.nx(side, "nft", "add", "rule", "ip", "hbpoor", "out", "oifname", dev,
                        "queue", "num", str(q), check=False)
            if r.returncode == 0:
                self.queue_rule = "nft queue"
            else:
                self.nx(side, "iptables", "-t", "mangle", "-A", "OUTPUT", "-o", dev, "-j",
                        "NFQUEUE", "--queue-num", str(q))
                self.queue_rule = "iptables NFQUEUE (no nft_queue here)"

    def wire_bytes(self):
        """{'town': bytes sent by the town, 'county': bytes sent by the county}."""
        out = {}
        for side in ("town", "county"):
            r = self.nx(side, "nft", "-j", "list", "table", "ip", "hbpoor")
            for item in json.loads(r.stdout).get("nftables", []):
                rule = item.get("rule")
                if rule and rule.get("comment") == "wire":
                    out[side] = sum(e["counter"]["bytes"] for e in rule["expr"]
                                    if "counter" in e)
        return out

    def quiet_bytes(self, timeout=30):
        """The counters once the link has been quiet for 1.5 s: a sync's bytes include
        the TCP tail (retransmissions, FIN) its process left behind when it exited."""
        last, end = self.wire_bytes(), time.monotonic() + timeout
        while time.monotonic() < end:
            time.sleep(1.5)
            now = self.wire_bytes()
            if now == last:
                break
            last = now
        return last

    def cut(self, up):
        self.nx("town", "ip", "link", "set", self.dev["town"], "up" if up else "down")

    def cleanup(self):
        for p in self.queues.values():
            if p.poll() is None:
                p.kill()
        for ns in reversed(self.made):
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)
        self.made = []


def edit_rows(path, k, base):
    """Sets the participants of the first k activity rows (as bench.edit_ledger, k rows)."""
    raw = open(path, "rb").read()
    enc = "gbk"
    try:
        raw.decode("utf-8")
        enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    rows = list(csv.reader(io.StringIO(raw.decode(enc), newline="")))
    col = next(i for i, h in enumerate(rows[0]) if h.strip() in ("participants", "参加人次"))
    for i in range(1, k + 1):
        rows[i][col] = str(base + i)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    with open(path + ".new", "wb") as f:
        f.write(buf.getvalue().encode(enc))
    os.replace(path + ".new", path)


class Township:
    def __init__(self, b, a, link):
        self.b, self.a, self.link = b, a, link
        root = a.root
        gen = os.path.join(root, "county")
        subprocess.run([sys.executable, B.GEN, "--out", gen, "--units", "2", "--rows",
                        str(a.rows // 2), "--silent", "0", "--seed", "7"], check=True,
                       capture_output=True)
        self.units_csv = os.path.join(gen, "units.csv")
        self.campaigns = os.path.join(gen, "campaigns.ini")
        self.unit = "d01"
        self.ledger = os.path.join(gen, "ledgers", self.unit)
        self.rows = sum(open(os.path.join(self.ledger, f), "rb").read().count(b"\n") - 1
                        for f in ("activities.csv", "problems.csv"))
        with open(self.units_csv, encoding="utf-8") as f:
            units = [ln.split(",")[0] for ln in f.read().splitlines()[1:] if ln]
        self.keys, self.unitkeys = os.path.join(root, "keys"), os.path.join(root, "unitkeys")
        os.makedirs(self.unitkeys)
        subprocess.run([b.keygen, "--out", self.keys, "county"] + units, check=True,
                       capture_output=True)
        for u in units:
            shutil.copy(os.path.join(self.keys, u + ".key"), self.unitkeys)
        self.agg = None
        self.n = 0
        self.listen = f"tcp://{link.ip['county']}:7010"

    def county_start(self):
        """A fresh county store each time."""
        self.county_stop()
        self.n += 1
        d = os.path.join(self.a.root, f"data.{self.n}")
        logp = os.path.join(self.a.root, f"aggregator.{self.n}.log")
        self.agg = P.spawn(["ip", "netns", "exec", self.link.ns["county"], self.b.aggregator,
                            "--data", d, "--units", self.units_csv, "--campaigns",
                            self.campaigns, "--listen", self.listen, "--publish",
                            "tcp://127.0.0.1:7011", "--metrics", "127.0.0.1:9101",
                            "--secret", os.path.join(self.keys, "county.key_secret"),
                            "--keys", self.unitkeys, "--subscriber-keys", self.unitkeys] +
                           (["--no-zstd-submits"] if self.a.no_zstd else []), logp)
        P.wait_log(self.agg, logp, "ready", 30, "aggregator")
        self.logp = logp

    def county_stop(self):
        if self.agg and self.agg.poll() is None:
            B.stop(self.agg)
        self.agg = None

    def metrics(self):
        r = self.link.nx("county", "curl", "-s", "--max-time", "2",
                         "http://127.0.0.1:9101/metrics", check=False)
        out = {}
        for ln in r.stdout.splitlines():
            m = re.match(r"huibao_aggregator_records_(stored|duplicate)_total (\S+)", ln)
            if m:
                out[m.group(1)] = int(float(m.group(2)))
        return out

    def agent_argv(self, state, extra=()):
        return ["ip", "netns", "exec", self.link.ns["town"], self.b.agent, "sync", "--unit",
                self.unit, "--ledger", self.ledger, "--state", state, "--county", self.listen,
                "--key", os.path.join(self.keys, self.unit + ".key_secret"),
                "--county-key", os.path.join(self.keys, "county.key")] + list(extra)

    def sync(self, state, timeout=600, extra=()):
        """(seconds, exit code, summary dict, bytes up, bytes down)."""
        w0 = self.link.wire_bytes()
        t0 = time.monotonic()
        r = subprocess.run(self.agent_argv(state, extra), capture_output=True, text=True,
                           timeout=timeout, preexec_fn=P._die_with_parent)
        dt = time.monotonic() - t0
        w1 = self.link.quiet_bytes()
        return (dt, r.returncode, summary(r.stdout + r.stderr),
                w1["town"] - w0["town"], w1["county"] - w0["county"], r)


def sync_done(t, state, what):
    """Runs the agent until it exits 0 or 65, as a clerk (or a scheduled task)
    runs it again after exit 75; at most 5 runs. Returns the figures summed
    over the runs, with runs = how many it took."""
    tot = {"secs": 0.0, "up": 0, "down": 0, "runs": 0, "summaries": []}
    for _ in range(5):
        dt, rc, sm, up, down, r = t.sync(state)
        tot["secs"] += dt
        tot["up"] += up
        tot["down"] += down
        tot["runs"] += 1
        tot["summaries"].append(sm)
        if rc in (0, 65):
            tot["summary"] = sm
            return tot
        if rc != 75:
            raise RuntimeError(f"{what}: exit {rc}: {(r.stdout + r.stderr)[-2000:]}")
        log(f"{what}: exit 75 after {dt:.1f} s ({sm}); running it again")
    raise RuntimeError(f"{what}: exit 75 five times")


def m_patient(t, a):
    """Diagnostic, once: the first sync with huibao-agent --timeout 120 (it does
    not give up while a batch crosses the link): the link's own share."""
    t.county_start()
    state = os.path.join(a.root, "state.patient")
    dt, rc, sm, up, down, r = t.sync(state, extra=["--timeout", "120"])
    log(f"first sync with --timeout 120: {dt:.1f} s, exit {rc}, up {up:,} B, {sm}")
    shutil.rmtree(state, ignore_errors=True)
    return {"secs": dt, "rc": rc, "up": up, "down": down, "summary": sm}


def summary(text):
    m = None
    for m in SUMMARY_RE.finditer(text):
        pass
    if not m:
        return {}
    out = dict(zip(("sent", "stored", "duplicate", "rejected", "pending"), map(int, m.groups())))
    # the agent's notice when its connection closed during the run (what was in
    # flight went again): the ZMTP heartbeat dropping it on the slow link, or a cut
    r = RECONNECTS_RE.search(text)
    if r:
        out["reconnects"] = int(r.group(1))
    return out


def m_first_and_small(t, a):
    F, S = [], []
    for rep in range(a.first_reps):
        t.county_start()
        state = os.path.join(a.root, f"state.first.{rep}")
        x = sync_done(t, state, "first sync")
        t.records = sum(s.get("stored", 0) + s.get("duplicate", 0) for s in x["summaries"])
        F.append(x)
        log(f"first sync {rep + 1}/{a.first_reps}: {x['secs']:.1f} s in {x['runs']} run(s), "
            f"up {x['up']:,} B, down {x['down']:,} B, {x['summaries']}")
        if rep == a.first_reps - 1:
            for k in range(a.reps):
                edit_rows(os.path.join(t.ledger, "activities.csv"), 10, 100000 + 100 * k)
                x = sync_done(t, state, "10-row sync")
                S.append(x)
                log(f"10-row sync {k + 1}/{a.reps}: {x['secs']:.2f} s in {x['runs']} run(s), "
                    f"up {x['up']:,} B, down {x['down']:,} B, {x['summaries']}")
        shutil.rmtree(state, ignore_errors=True)
    return F, S


def m_drop(t, a):
    """The link cut mid-sync, healed, synced again."""
    t.county_start()
    state = os.path.join(a.root, "state.drop")
    p = subprocess.Popen(t.agent_argv(state), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, preexec_fn=P._die_with_parent)
    P.children.append(p)
    end = time.monotonic() + 600
    while time.monotonic() < end and p.poll() is None:
        if t.metrics().get("stored", 0) >= 0.4 * t.records:
            break
        time.sleep(0.5)
    if p.poll() is not None:
        raise RuntimeError(f"the agent finished before the cut: {p.stdout.read()[-2000:]}")
    at = t.metrics().get("stored", 0)
    t.link.cut(False)
    t_cut = time.monotonic()
    out1, _ = p.communicate(timeout=600)
    down_for = time.monotonic() - t_cut
    t.link.cut(True)
    time.sleep(1)
    s1 = summary(out1)
    x = sync_done(t, state, "sync after the cut")
    dt, rc, s2, up = x["secs"], 0, x["summary"], x["up"]
    m = t.metrics()
    # a run may re-send only what no earlier run had acknowledged
    acked, resent_acked = 0, 0
    for sm in [s1] + x["summaries"]:
        resent_acked += max(0, sm.get("sent", 0) - (t.records - acked))
        acked += sm.get("stored", 0) + sm.get("duplicate", 0)
    log(f"drop: cut at {at} stored, run 1 exit {p.returncode} {s1}, run 2 exit {rc} {s2} in "
        f"{dt:.1f} s; county {m}")
    return {"runs2": x["runs"], "cut_at": at, "rc1": p.returncode, "run1": s1, "run2": s2, "secs2": dt,
            "down_for": down_for, "resent_acked": resent_acked,
            "duplicate": m.get("duplicate", 0), "stored": m.get("stored", 0), "up2": up}


def rows_of(a, t, F, S, D, why=None):
    def mm(xs, f):
        return f"{f(statistics.median(xs))} ({f(min(xs))} – {f(max(xs))})"
    link = f"{a.rate} kbit/s, {a.rtt:.0f} ms RTT, {a.loss} % loss each way"
    if a.no_zstd:
        link += "; Submits uncompressed (county --no-zstd-submits)"
    L = []
    if why:
        for r in ("L1", "L2", "L3", "L4", "L5"):
            L.append(f"| {r} | poor link ({link}) | | not measured: {why} | |")
        return L
    n = t.records
    secs = [x["secs"] for x in F]
    ok = statistics.median(secs) <= 60
    L.append(f"| L1 | poor link ({link}): first sync of a {t.rows:,}-row ledger ({n:,} records), "
             f"wall until exit 0 (runs: {', '.join(str(x['runs']) for x in F)}; median of "
             f"{len(F)}) | ≤ 60 s | {mm(secs, lambda v: f'{v:.1f} s')} | "
             f"{'met' if ok else 'NOT met'} |")
    L.append(f"| L2 | … its bytes on the wire, up / down (IP, retransmissions included; "
             f"per row up) | | {mm([x['up'] for x in F], P.fmt_b)} / "
             f"{mm([x['down'] for x in F], P.fmt_b)} "
             f"({statistics.median([x['up'] for x in F]) / n:.0f} B/row) | |")
    secs = [x["secs"] for x in S]
    ok = statistics.median(secs) <= 3
    L.append(f"| L3 | poor link: a 10-row sync, wall until exit 0 (runs: "
             f"{', '.join(str(x['runs']) for x in S)}; median of {len(S)}) | ≤ 3 s | "
             f"{mm(secs, lambda v: f'{v:.2f} s')} | {'met' if ok else 'NOT met'} |")
    L.append(f"| L4 | … its bytes on the wire, up / down | | "
             f"{mm([x['up'] for x in S], P.fmt_b)} / {mm([x['down'] for x in S], P.fmt_b)} | |")
    pt = D["patient"]
    L.append(f"| L1' | diagnostic, once: the same first sync with `huibao-agent --timeout 120` "
             f"(the agent does not give up while its batches cross the link; exit {pt['rc']}) "
             f"| | {pt['secs']:.1f} s, up {P.fmt_b(pt['up'])} | |")
    if D["rc1"] == 0:
        L.append(f"| L5 | poor link cut mid-sync | 0 | not exercised: the first sync "
                 f"({n:,} records) finished before the cut | |")
        return L
    ok = D["resent_acked"] == 0
    L.append(f"| L5 | poor link cut mid-sync (at {D['cut_at']:,} of {n:,} stored, down "
             f"{D['down_for']:.0f} s until the agent gave up, exit {D['rc1']}), healed, synced "
             f"again (exit 0 in {D['secs2']:.1f} s, {D['runs2']} run(s)): records re-sent although acknowledged "
             f"(county duplicates: {D['duplicate']}: stored but not yet acknowledged when the link "
             f"went, or re-sent by the agent after its connection closed) | 0 | "
             f"{D['resent_acked']} | {'met' if ok else 'NOT met'} |")
    return L


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=5, help="10-row syncs")
    ap.add_argument("--first-reps", type=int, default=5, help="first syncs")
    ap.add_argument("--rate", type=int, default=256, help="kbit/s")
    ap.add_argument("--rtt", type=float, default=300, help="ms")
    ap.add_argument("--loss", type=int, default=2, help="%% each way")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--no-zstd", action="store_true",
                    help="county with --no-zstd-submits: Submits uncompressed")
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.rows, a.reps, a.first_reps = 300, 1, 1
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, P.on_signal)
    atexit.register(P.stop_children)
    b = B.Bins(a.build)
    qprog = os.environ.get("HUIBAO_NETEM_QUEUE") or os.path.join(a.build, "tests",
                                                                  "hb-netem-queue")
    why = None
    if os.geteuid() != 0:
        why = "needs root (network namespaces)"
    elif not shutil.which("nft"):
        why = "nft not found"
    elif not os.access(qprog, os.X_OK):
        why = f"{qprog} not built (libnetfilter-queue-dev)"
    a.root = tempfile.mkdtemp(prefix="huibao-poorlink-")
    t_start = time.monotonic()
    t, F, S, D = None, [], [], {}
    try:
        if not why:
            link = Link(a, qprog)
            link.setup()
            link.faults_on()
            log(f"link: {a.rate} kbit/s, {a.rtt:.0f} ms RTT, {a.loss} % loss each way "
                f"(nft numgen + hb-netem-queue through {link.queue_rule})")
            t = Township(b, a, link)
            log(f"ledger of {t.rows:,} rows")
            F, S = m_first_and_small(t, a)
            D = m_drop(t, a)
            D["patient"] = m_patient(t, a)
            t.county_stop()
    finally:
        P.stop_children()
        if t:
            t.link.cleanup()
        if not a.keep:
            shutil.rmtree(a.root, ignore_errors=True)
        else:
            log(f"kept {a.root}")
    head = (f"Poor link: {time.strftime('%Y-%m-%d %H:%M')}; load average at the end "
            f"{os.getloadavg()[0]:.1f}; run took {time.monotonic() - t_start:.0f} s")
    table = (head + "\n\n| # | row | target | measured | |\n|---|---|---|---|---|\n" +
             "\n".join(rows_of(a, t, F, S, D, why)) + "\n")
    print(table)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table)
    if not why:
        print("POORLINK " + json.dumps({"first": F, "small": S, "drop": D}), file=sys.stderr)


if __name__ == "__main__":
    main()
