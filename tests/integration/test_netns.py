#!/usr/bin/env python3
"""Network faults with real network namespaces (root only; exit 77 = skipped).

  test_netns.py [--duration SECONDS] [--seed N] [--units N] [--rows N]

Three namespaces, unique to this run: agents, county, city. Two veth pairs
join them (agents-county on 10.200.X.0/30, county-city on 10.200.X+1.0/30,
X chosen per run); nothing else is reachable from inside. The real programs
run inside (`ip netns exec`), through the harness (hbtest.py: ports, keys,
logs), on a network that loses, delays, duplicates and reorders packets on
both links, both ways:
  - with `tc netem` where the kernel has sch_netem;
  - otherwise with netfilter: loss by `numgen random mod 100 < N drop`,
    duplication by `dup to PEER` (nftables), delay and reordering by
    tests/tools/netem_queue.c (hb-netem-queue, HUIBAO_NETEM_QUEUE), an
    NFQUEUE program that holds each packet for a seeded random time and lets
    them go out of order. The queue rule is nft `queue` where the kernel has
    nft_queue, else iptables' NFQUEUE target (nf_tables backend, xt compat).
It prints which mechanism it used and what it did (packets dropped,
duplicated, delayed, reordered: the nft counters and the queue program's).

Then rounds: ledger edits (gen_ledgers --mutate), every agent syncs at once
and meanwhile, at seeded moments, the agents' link is cut (ip link set down)
and healed, the city's link is cut (a snapshot from the city must time out)
and healed, agents are killed -9 (and re-run) and the aggregator is killed
-9 and restarted. The short version (ctest) syncs once under faults with an
exact check, then runs one round. --duration runs rounds until that many
seconds have passed, with an exact check every 10 rounds.

The end check: faults off, every agent syncs (exit 0), the city's snapshot
equals count.py number for number, `huibao-aggregator verify` exits 0. It
prints rounds, cuts, kills, records and mismatches (and a NETNS {json}
line). Namespaces, links, rules and queue programs are removed at exit
whatever happens.
"""
import argparse
import atexit
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import hbtest
import hbreplica

SKIP = 77
STATS_RE = re.compile(r"sent (\d+), stored (\d+), duplicate (\d+)")

# The bad network, per link end (namespace side): loss %, duplicate %,
# delay ms, jitter ms, reorder % (sent at once, ahead of the held ones).
BAD_AGENTS = dict(loss=8, dup=5, delay=40, jitter=20, reorder=25)
BAD_CITY_OUT = dict(loss=5, dup=5, delay=30, jitter=10, reorder=0)
BAD_CITY_IN = dict(loss=5, dup=0, delay=30, jitter=10, reorder=25)


def sh(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True)


def skip(reason, t=None):
    hbtest._reap()
    if t is not None and os.environ.get("HUIBAO_KEEP") != "1":
        shutil.rmtree(t.dir, ignore_errors=True)
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP)


def queue_program():
    p = os.environ.get("HUIBAO_NETEM_QUEUE")
    if not p:
        build = os.environ.get("HUIBAO_BUILD", os.path.join(hbtest.REPO, "build"))
        p = os.path.join(build, "tests", "hb-netem-queue")
    return p if os.access(p, os.X_OK) else None


class Net:
    def __init__(self, seed):
        tag = f"{os.getpid() % 100000}{random.randint(0, 99)}"
        self.ns = {k: f"hb{c}{tag}" for k, c in (("agents", "a"), ("county", "k"), ("city", "c"))}
        self.made = []
        x = random.Random(os.getpid()).randrange(0, 254, 2)
        self.a_net, self.c_net = f"10.200.{x}", f"10.200.{x + 1}"
        self.county_ip = f"{self.a_net}.1"        # seen by the agents
        self.county_ip_city = f"{self.c_net}.1"   # seen by the city
        self.veth_a = (f"hba{tag}", f"hbA{tag}")  # agents side, county side
        self.veth_c = (f"hbc{tag}", f"hbC{tag}")  # city side, county side
        # (namespace, device, the address at the other end, fault figures)
        self.ends = [("agents", self.veth_a[0], f"{self.a_net}.1", BAD_AGENTS),
                     ("county", self.veth_a[1], f"{self.a_net}.2", BAD_AGENTS),
                     ("city", self.veth_c[0], f"{self.c_net}.1", BAD_CITY_OUT),
                     ("county", self.veth_c[1], f"{self.c_net}.2", BAD_CITY_IN)]
        self.seed = seed
        self.mode = None       # "netem", "nft" or None (link cuts only)
        self.why = ""          # why not netem
        self.queue_rule = None  # "nft" or "iptables" (nft mode)
        self.queues = {}       # (ns, dev) -> Popen of hb-netem-queue
        self.figures = {"dropped": 0, "duplicated": 0, "queued": 0, "delayed": 0,
                        "at_once": 0, "reordered": 0, "queue_overflow": 0}
        self.queue_lines = []
        self.qprog = None
        self.no_queue = ""
        atexit.register(self.cleanup)

    def run(self, *argv, stdin=None):
        r = subprocess.run(list(argv), capture_output=True, text=True, input=stdin)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
        return r

    def nx(self, ns, *argv, stdin=None):
        return self.run("ip", "netns", "exec", self.ns[ns], *argv, stdin=stdin)

    def setup(self):
        for ns in self.ns.values():
            self.run("ip", "netns", "add", ns)
            self.made.append(ns)
        for (a, b), side, net in ((self.veth_a, "agents", self.a_net),
                                  (self.veth_c, "city", self.c_net)):
            self.run("ip", "link", "add", a, "netns", self.ns[side], "type", "veth",
                     "peer", "name", b, "netns", self.ns["county"])
            self.nx(side, "ip", "addr", "add", f"{net}.2/30", "dev", a)
            self.nx("county", "ip", "addr", "add", f"{net}.1/30", "dev", b)
            self.nx(side, "ip", "link", "set", a, "up")
            self.nx("county", "ip", "link", "set", b, "up")
        for ns in self.ns:
            self.nx(ns, "ip", "link", "set", "lo", "up")

    # ------------------------------------------------------------ mechanism
    def choose(self):
        """netem where the kernel has it, else nft (+ the queue program),
        else link cuts only. Sets self.mode and says which, and why."""
        ns, dev = self.ends[0][0], self.ends[0][1]
        if shutil.which("tc"):
            try:
                self.nx(ns, "tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", "1ms")
                self.nx(ns, "tc", "qdisc", "del", "dev", dev, "root")
                self.mode = "netem"
                return
            except RuntimeError as e:
                self.why = str(e).split(": ")[-1]
        else:
            self.why = "tc not found"
        if not shutil.which("nft"):
            self.why += "; nft not found"
            return
        try:
            self.nx(ns, "nft", "add", "table", "ip", "hbprobe")
            self.nx(ns, "nft", "add", "chain", "ip", "hbprobe", "out",
                    "{ type filter hook output priority -200; }")
            self.nx(ns, "nft", "add", "rule", "ip", "hbprobe", "out", "oifname", dev,
                    "numgen", "random", "mod", "100", "<", "1", "counter", "dup", "to",
                    self.ends[0][2])
            self.mode = "nft"
            # the queue rule for delay and reordering: nft where the kernel
            # has nft_queue, else iptables' NFQUEUE target (xt compat)
            self.qprog = queue_program()
            if self.qprog is None:
                self.no_queue = "hb-netem-queue not built"
            elif sh("ip", "netns", "exec", self.ns[ns], "nft", "add", "rule", "ip", "hbprobe",
                    "out", "oifname", dev, "queue", "num", "0").returncode == 0:
                self.queue_rule = "nft"
            elif shutil.which("iptables") and sh(
                    "ip", "netns", "exec", self.ns[ns], "iptables", "-t", "mangle", "-A",
                    "OUTPUT", "-o", dev, "-j", "NFQUEUE", "--queue-num", "0").returncode == 0:
                self.queue_rule = "iptables"
            else:
                self.no_queue = "neither nft queue nor iptables NFQUEUE works here"
                self.qprog = None
        except RuntimeError as e:
            self.why += f"; nft numgen/dup: {str(e).split(': ')[-1]}"
        finally:
            sh("ip", "netns", "exec", self.ns[ns], "nft", "delete", "table", "ip", "hbprobe")
            sh("ip", "netns", "exec", self.ns[ns], "iptables", "-t", "mangle", "-F", "OUTPUT")

    def describe(self):
        if self.mode == "netem":
            return "tc netem (loss, delay, duplicate, reorder)"
        if self.mode is None:
            return f"none: no tc netem ({self.why}) and no usable nft: link cuts only"
        s = (f"nftables (no tc netem here: {self.why}): loss by numgen drop, duplication by "
             f"dup to the peer")
        if self.qprog:
            s += (", delay and reordering by hb-netem-queue through "
                  + ("nft queue" if self.queue_rule == "nft" else
                     "iptables NFQUEUE (this kernel has no nft_queue)"))
        else:
            s += f"; delay and reordering NOT applied ({self.no_queue})"
        return s

    def faults_on(self):
        """The bad network on every link end, both ways."""
        if self.mode == "netem":
            for ns, dev, _, f in self.ends:
                spec = ["delay", f"{f['delay']}ms", f"{f['jitter']}ms", "loss", f"{f['loss']}%"]
                if f["dup"]:
                    spec += ["duplicate", f"{f['dup']}%"]
                if f["reorder"]:
                    spec += ["reorder", f"{f['reorder']}%", "50%"]
                self.nx(ns, "tc", "qdisc", "add", "dev", dev, "root", "netem", *spec)
        elif self.mode == "nft":
            self._nft_on()

    def _nft_on(self):
        by_ns = {}
        for i, (ns, dev, peer, f) in enumerate(self.ends):
            by_ns.setdefault(ns, []).append((i, dev, peer, f))
        for ns, ends in by_ns.items():
            rules = []
            for _, dev, peer, f in ends:
                m = f'oifname "{dev}" ip protocol tcp'
                if f["loss"]:
                    rules.append(f'{m} numgen random mod 100 < {f["loss"]} counter drop '
                                 f'comment "loss {dev}"')
                if f["dup"]:
                    rules.append(f'{m} numgen random mod 100 < {f["dup"]} counter dup to {peer} '
                                 f'comment "dup {dev}"')
            body = "\n    ".join(rules)
            self.nx(ns, "nft", "-f", "-", stdin=(
                "table ip hbfault {\n  chain out {\n"
                "    type filter hook output priority -200; policy accept;\n"
                f"    {body}\n  }}\n}}\n"))
            if not self.qprog:
                continue
            # delay and reordering: after loss and dup (priority -200), the
            # packets of each device go to its own queue (0, 1, ...)
            for q, (i, dev, _, f) in enumerate(ends):
                self._queue_start(ns, dev, q, f, self.seed * 10 + i)
                self._queue_rule(ns, dev, q)

    def _queue_start(self, ns, dev, q, f, seed):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns[ns], self.qprog, "--queue", str(q),
                              "--delay", str(f["delay"]), "--jitter", str(f["jitter"]),
                              "--reorder", str(f["reorder"]), "--seed", str(seed)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hbtest._live.append(p)
        line = p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"hb-netem-queue --queue {q} in {ns}: {line!r} "
                               f"{p.stderr.read() if p.poll() is not None else ''}")
        self.queues[(ns, dev)] = p

    def _queue_rule(self, ns, dev, q):
        if self.queue_rule == "nft":
            self.nx(ns, "nft", "add", "rule", "ip", "hbfault", "out", "oifname", dev, "ip",
                    "protocol", "tcp", "counter", "queue", "num", str(q))
        else:
            self.nx(ns, "iptables", "-t", "mangle", "-A", "OUTPUT", "-o", dev, "-p", "tcp",
                    "-j", "NFQUEUE", "--queue-num", str(q))

    def faults_off(self):
        """Heals every link end; in nft mode adds up what the rules and the
        queue programs did."""
        if self.mode == "netem":
            for ns, dev, _, _ in self.ends:
                sh("ip", "netns", "exec", self.ns[ns], "tc", "qdisc", "del", "dev", dev, "root")
            return
        if self.mode != "nft":
            return
        for ns in sorted({e[0] for e in self.ends}):
            r = sh("ip", "netns", "exec", self.ns[ns], "nft", "-j", "list", "table", "ip",
                   "hbfault")
            if r.returncode == 0:
                for item in json.loads(r.stdout).get("nftables", []):
                    rule = item.get("rule")
                    if not rule:
                        continue
                    pk = sum(e["counter"]["packets"] for e in rule["expr"] if "counter" in e)
                    kind = (rule.get("comment") or "").split(" ")[0]
                    if kind == "loss":
                        self.figures["dropped"] += pk
                    elif kind == "dup":
                        self.figures["duplicated"] += pk
            if self.queue_rule == "iptables":
                sh("ip", "netns", "exec", self.ns[ns], "iptables", "-t", "mangle", "-F", "OUTPUT")
            sh("ip", "netns", "exec", self.ns[ns], "nft", "delete", "table", "ip", "hbfault")
        for (ns, dev), p in self.queues.items():
            p.send_signal(signal.SIGTERM)
            try:
                out, _ = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
            for line in out.splitlines():
                m = re.match(r"netem_queue \d+: (\d+) packets, (\d+) delayed .*?, (\d+) at once, "
                             r"(\d+) reordered, \d+ held at most, (\d+) lost", line)
                if m:
                    self.queue_lines.append(f"{ns} {dev}: {line}")
                    for k, v in zip(("queued", "delayed", "at_once", "reordered",
                                     "queue_overflow"), m.groups()):
                        self.figures[k] += int(v)
        self.queues = {}

    def link(self, ns, dev, up):
        self.nx(ns, "ip", "link", "set", dev, "up" if up else "down")

    def wrapper(self, dirpath, ns, prog):
        """A script that runs prog inside namespace ns (exec: same pid)."""
        p = os.path.join(dirpath, f"{ns}-{os.path.basename(prog)}")
        with open(p, "w") as f:
            f.write(f"#!/bin/sh\nexec ip netns exec {self.ns[ns]} {prog} \"$@\"\n")
        os.chmod(p, 0o755)
        return p

    def cleanup(self):
        hbtest._reap()
        for p in self.queues.values():
            if p.poll() is None:
                p.kill()
        for ns in reversed(self.made):
            for pid in sh("ip", "netns", "pids", ns).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            sh("ip", "netns", "del", ns)  # removes its veth ends, rules and queues
        self.made = []


class Run:
    """Rounds of edits, syncs, cuts and kills; the figures they print."""

    def __init__(self, t, net, a):
        self.t, self.net, self.a = t, net, a
        self.rng = random.Random(a.seed)
        self.n = {"rounds": 0, "agent_runs": 0, "agent_exit_0": 0, "agent_exit_75": 0,
                  "agent_kills": 0, "aggregator_kills": 0, "agents_link_cuts": 0,
                  "city_link_cuts": 0, "exact_checks": 0, "records_sent": 0,
                  "records_stored": 0, "records_duplicate": 0}
        self.mismatches = 0

    def bad(self, what, detail=None):
        self.mismatches += 1
        self.t.check(False, what, detail)

    def count_run(self, rc, txt, what):
        for m in STATS_RE.finditer(txt):
            self.n["records_sent"] += int(m.group(1))
            self.n["records_stored"] += int(m.group(2))
            self.n["records_duplicate"] += int(m.group(3))
        self.n["agent_runs"] += 1
        if rc == 0:
            self.n["agent_exit_0"] += 1
        elif rc == hbtest.EX_TEMPFAIL:
            self.n["agent_exit_75"] += 1
        elif rc == -signal.SIGKILL:
            self.n["agent_kills"] += 1
        else:
            self.bad(f"{what}: agent exit {rc}", txt[-1500:])

    def collect(self, u, p):
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.bad(f"round {self.n['rounds'] + 1}: sync of {u} hangs")
        self.count_run(p.returncode, (out + err).decode("utf-8", "replace"),
                       f"round {self.n['rounds'] + 1}, {u}")
        return p.returncode

    def sync_all(self, county, agg, what):
        """Every agent syncs (faults as they are); all must exit 0."""
        runs = self.t.sync_all(county, agg, timeout=20, workers=30)
        for u, r in runs.items():
            self.count_run(r.rc, r.out + r.err, f"{what}, {u}")
        self.t.check(all(r.rc == 0 for r in runs.values()), f"{what}: every sync exits 0",
                     [r for r in runs.values() if r.rc != 0][:2])

    def exact(self, county, what, settle=10):
        self.n["exact_checks"] += 1
        if not self.t.check_rollups(county, self.city_ep, what, settle=settle):
            self.mismatches += sum(len(d) for d in
                                   self.t.diff_rollups(county, self.city_ep).values()) or 1

    def round(self, county, agg):
        """One round: edits, every agent at once, and meanwhile seeded cuts and kills."""
        t, net, rng = self.t, self.net, self.rng
        rnd = self.n["rounds"] + 1
        county.mutate(rnd, self.a.seed)
        va, vc = net.veth_a[0], net.veth_c[0]
        procs = {u: t.start_sync(county, u, agg.listen, timeout=30) for u in county.units()}
        events = [(rng.uniform(0.1, 1.0), "cut_agents"), (rng.uniform(0.1, 2.0), "cut_city")]
        events += [(rng.uniform(0.0, 1.5), "kill_agent") for _ in range(rng.randint(1, 3))]
        if rnd == 1 or rng.random() < 0.5:
            events.append((rng.uniform(0.2, 2.0), "kill_aggregator"))
        heal_agents = None
        t0 = time.monotonic()
        rerun = []
        for at, kind in sorted(events):
            d = at - (time.monotonic() - t0)
            if d > 0:
                time.sleep(d)
            if kind == "cut_agents":
                net.link("agents", va, False)
                self.n["agents_link_cuts"] += 1
                heal_agents = time.monotonic() + rng.uniform(1.0, 4.0)
            elif kind == "cut_city":
                net.link("city", vc, False)
                self.n["city_link_cuts"] += 1
                r = t.snapshot(self.city_ep, timeout=2)
                if r.rc != hbtest.EX_TEMPFAIL:
                    self.bad(f"round {rnd}: a snapshot from the cut-off city: exit {r.rc}, "
                             f"want 75", r)
                net.link("city", vc, True)
            elif kind == "kill_agent":
                running = sorted(u for u, p in procs.items() if p.poll() is None)
                if running:
                    u = rng.choice(running)
                    procs[u].send_signal(signal.SIGKILL)
                    rerun.append(u)
            elif kind == "kill_aggregator":
                agg.kill9()
                self.n["aggregator_kills"] += 1
                time.sleep(rng.uniform(0.0, 0.5))
                agg.start()
        if heal_agents is not None:
            time.sleep(max(0.0, heal_agents - time.monotonic()))
            net.link("agents", va, True)
        rcs = {u: self.collect(u, p) for u, p in procs.items()}
        again = {u: t.start_sync(county, u, agg.listen, timeout=30) for u in rerun}
        for u, p in again.items():
            rcs[u] = self.collect(u, p)
        if agg.proc.poll() is not None:
            self.bad(f"round {rnd}: the aggregator died by itself (exit {agg.proc.returncode})",
                     agg.log_text()[-2000:])
            agg.start()
        self.n["rounds"] = rnd
        return rcs

    def report(self, secs, county):
        n = dict(self.n, mismatches=self.mismatches, seed=self.a.seed, seconds=round(secs),
                 mechanism=self.net.mode or "none", **self.net.figures)
        exp = county.expected()
        n["final_records"] = sum(e["activities"]["total"]["records"] + e["problems"]["total"]
                                 for e in exp.values())
        print(f"netns: seed {self.a.seed}, {secs:.0f}s, {n['rounds']} rounds, "
              f"{len(county.units())} units; faults: {self.net.describe()}", flush=True)
        if self.net.mode == "nft":
            print(f"  nft: {n['dropped']} packets dropped, {n['duplicated']} duplicated; queue: "
                  f"{n['queued']} packets, {n['delayed']} delayed, {n['at_once']} sent at once, "
                  f"{n['reordered']} reordered, {n['queue_overflow']} overflows")
            for line in self.net.queue_lines:
                print("    " + line)
        print(f"  cuts: agents' link {n['agents_link_cuts']}, city's link {n['city_link_cuts']}; "
              f"kills: aggregator {n['aggregator_kills']}, agents {n['agent_kills']}")
        print(f"  agent runs {n['agent_runs']}: exit 0 {n['agent_exit_0']}, exit 75 "
              f"{n['agent_exit_75']}, killed {n['agent_kills']}")
        print(f"  records: sent {n['records_sent']}, stored {n['records_stored']}, duplicate "
              f"{n['records_duplicate']}; final ledgers hold {n['final_records']} valid records; "
              f"exact checks {n['exact_checks']}")
        print(f"  mismatches: {self.mismatches}")
        print("NETNS " + json.dumps(n), flush=True)


def main(t, a):
    if os.geteuid() != 0:
        skip("not root: network namespaces need CAP_SYS_ADMIN", t)
    if not shutil.which("ip"):
        skip("ip not found (iproute2)", t)
    net = Net(a.seed)
    try:
        net.setup()
    except RuntimeError as e:
        net.cleanup()
        skip(f"cannot make network namespaces: {e}", t)
    net.choose()
    real = (hbtest.AGENT, hbtest.AGGREGATOR, hbtest.SUB)
    hbtest.AGENT = net.wrapper(t.dir, "agents", real[0])
    hbtest.AGGREGATOR = net.wrapper(t.dir, "county", real[1])
    hbtest.SUB = net.wrapper(t.dir, "city", real[2])
    try:
        body(t, net, a)
    finally:
        hbtest.AGENT, hbtest.AGGREGATOR, hbtest.SUB = real
        net.cleanup()
    if net.mode is None and not t.failed:
        hbtest._reap()
        print(f"{t.passed} passed, 0 failed (namespaces and link cuts)")
        skip(f"neither tc netem nor nft here ({net.why}): loss, delay, duplication and "
             f"reordering were not applied; the namespace and link-cut checks passed", t)


class Replica:
    """`huibao-sub run --data --detail` in the city's namespace (issue 15)."""

    def __init__(self, t, pub, detail, data):
        self.t, self.pub, self.detail, self.data = t, pub, detail, data
        self.proc, self.kills = None, 0

    def start(self):
        log = os.path.join(self.t.dir, f"replica.{self.kills}.log")
        self.logf = open(log, "wb")
        self.t.logs.append(log)
        self.proc = subprocess.Popen([hbtest.SUB, "run", "--connect", self.pub, "--data", self.data,
                                      "--detail", self.detail] + self.t.sub_keys(self.pub),
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logf.close()
        self.kills += 1

    def check(self, agg, timeout=60):
        end = time.monotonic() + timeout
        diffs = ["not compared"]
        while time.monotonic() < end:
            try:
                cty, n = hbreplica.county_state(agg.data)
                codes = hbreplica.replica_counties(self.data)
                rep, held, _ = hbreplica.replica_state(self.data, codes[0] if codes else "")
                diffs = hbreplica.compare(cty, rep) or \
                    ([] if held == n else [f"entries held {held}, county {n}"])
            except Exception as e:  # noqa: BLE001 -- not there yet
                diffs = [repr(e)]
            if not diffs:
                break
            time.sleep(0.5)
        self.t.check(not diffs, f"the city's replica equals the county's records after link cuts "
                     f"and kills (the city's {self.kills})", "\n".join(diffs[:20]))
        self.proc.send_signal(signal.SIGTERM)
        self.t.check_eq(self.proc.wait(15), 0, "the replica's city stops cleanly")


def body(t, net, a):
    t0 = time.monotonic()
    county = t.county(units=a.units, rows=a.rows, seed=a.seed)
    agg = t.aggregator(county, start=False)
    agg.listen = f"tcp://{net.county_ip}:{agg.listen_port}"
    agg.publish = f"tcp://*:{agg.pub_port}"
    dport = hbtest.free_port()  # issue 15: the city's replica over the same link
    dkeys = os.path.join(t.dir, "keys", "detail")
    os.makedirs(dkeys, exist_ok=True)
    t.keys.install("city", dkeys)
    agg.extra += ["--detail", f"tcp://*:{dport}", "--detail-keys", dkeys]
    agg.start()
    run = Run(t, net, a)
    run.city_ep = f"tcp://{net.county_ip_city}:{agg.pub_port}"
    replica = Replica(t, run.city_ep, f"tcp://{net.county_ip_city}:{dport}",
                      os.path.join(t.dir, "city-data"))
    replica.start()

    # a lossy, slow, duplicating, reordering network on both links, both ways
    net.faults_on()
    print(f"     faults: {net.describe()}", flush=True)
    run.sync_all(county, agg, "first syncs over a bad network")
    run.exact(county, "city snapshot exact over a bad network")

    # rounds of edits with cuts and kills mid-sync (and of the city's replica)
    while True:
        rcs = run.round(county, agg)
        if run.n["rounds"] % 2 == 1:
            replica.kill9()
            replica.start()
        print(f"     round {run.n['rounds']}: {sum(1 for rc in rcs.values() if rc == 0)} of "
              f"{len(rcs)} syncs finished across the cuts and kills ({time.monotonic() - t0:.0f}s)",
              flush=True)
        if time.monotonic() - t0 >= a.duration:
            break
        if run.n["rounds"] % 10 == 0:
            run.sync_all(county, agg, f"round {run.n['rounds']}: syncs under faults")
            run.exact(county, f"round {run.n['rounds']}: city snapshot exact")
    t.check(run.n["agents_link_cuts"] >= 1 and run.n["city_link_cuts"] >= 1,
            "both links were cut mid-sync and healed")

    # heal everything; the end check
    net.faults_off()
    run.sync_all(county, agg, "final syncs")
    run.exact(county, "city snapshot exact after cuts, kills and heals")
    replica.check(agg)
    t.check_eq(agg.stop(), 0, "aggregator stops cleanly")
    v = agg.verify()
    if not t.check_rc(v, 0, "verify at the end"):
        run.mismatches += 1
    if net.mode == "nft":
        f = net.figures
        t.check(f["dropped"] > 0 and f["duplicated"] > 0,
                f"nft dropped ({f['dropped']}) and duplicated ({f['duplicated']}) packets")
        if net.qprog:
            t.check(f["delayed"] > 0 and f["reordered"] > 0,
                    f"the queue delayed ({f['delayed']}) and reordered ({f['reordered']}) "
                    f"packets")
    run.report(time.monotonic() - t0, county)
    t.check_eq(run.mismatches, 0, "mismatches")


def run_all():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=0,
                    help="seconds of rounds (default 0: one round)")
    ap.add_argument("--seed", type=int, default=61)
    ap.add_argument("--units", type=int, default=30)
    ap.add_argument("--rows", type=int, default=30, help="rows per file and unit (average)")
    a = ap.parse_args()
    t = hbtest.Test("netns")
    try:
        main(t, a)
    except Exception:  # noqa: BLE001 -- report anything as a failed check
        import traceback
        t.check(False, "unexpected exception", traceback.format_exc())
    t.finish()


run_all()
