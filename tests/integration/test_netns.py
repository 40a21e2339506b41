#!/usr/bin/env python3
"""Network faults with real network namespaces (root only; exit 77 = skipped).

Three namespaces, unique to this run: agents, county, city. Two veth pairs
join them (agents-county on 10.200.X.0/30, county-city on 10.200.X+1.0/30,
X chosen per run); nothing else is reachable from inside. The real programs
run inside (`ip netns exec`), through the harness (hbtest.py: ports, keys,
logs), with tc netem adding loss, delay, duplication and reordering on both
links. Mid-sync the agents' link is cut (ip link set down) and later healed.
The end check is the usual one: the city's snapshot equals count.py number
for number, and `huibao-aggregator verify` exits 0. Namespaces and links are
removed at exit whatever happens.
"""
import atexit
import os
import random
import shutil
import subprocess
import sys
import time
import hbtest

SKIP = 77


def sh(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True)


def skip(reason, t=None):
    if t is not None and os.environ.get("HUIBAO_KEEP") != "1":
        shutil.rmtree(t.dir, ignore_errors=True)
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP)


class Net:
    def __init__(self):
        tag = f"{os.getpid() % 100000}{random.randint(0, 99)}"
        self.ns = {k: f"hb{c}{tag}" for k, c in (("agents", "a"), ("county", "k"), ("city", "c"))}
        self.made = []
        x = random.Random(os.getpid()).randrange(0, 254, 2)
        self.a_net, self.c_net = f"10.200.{x}", f"10.200.{x + 1}"
        self.county_ip = f"{self.a_net}.1"        # seen by the agents
        self.county_ip_city = f"{self.c_net}.1"   # seen by the city
        self.veth_a = (f"hba{tag}", f"hbA{tag}")  # agents side, county side
        self.veth_c = (f"hbc{tag}", f"hbC{tag}")  # city side, county side
        atexit.register(self.cleanup)

    def run(self, *argv):
        r = sh(*argv)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
        return r

    def nx(self, ns, *argv):
        return self.run("ip", "netns", "exec", self.ns[ns], *argv)

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

    def netem(self, ns, dev, spec):
        """Replaces the root qdisc of dev with netem spec (a list); a no-op
        where the kernel has no netem (the test then ends as skipped)."""
        if getattr(self, "has_netem", True) is False:
            return
        sh("ip", "netns", "exec", self.ns[ns], "tc", "qdisc", "del", "dev", dev, "root")
        if spec:
            self.nx(ns, "tc", "qdisc", "add", "dev", dev, "root", "netem", *spec)

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
        for ns in reversed(self.made):
            for pid in sh("ip", "netns", "pids", ns).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            sh("ip", "netns", "del", ns)  # removes its veth ends, and so the pairs
        self.made = []


def main(t):
    if os.geteuid() != 0:
        skip("not root: network namespaces need CAP_SYS_ADMIN", t)
    if not shutil.which("ip") or not shutil.which("tc"):
        skip("ip or tc not found (iproute2)", t)
    net = Net()
    try:
        net.setup()
    except RuntimeError as e:
        net.cleanup()
        skip(f"cannot make network namespaces: {e}", t)
    try:
        net.netem("agents", net.veth_a[0], ["delay", "1ms"])
        net.netem("agents", net.veth_a[0], None)
        net.has_netem = True
    except RuntimeError as e:
        net.has_netem = False
        net.no_netem = str(e).split(": ")[-1]
        print(f"     no tc netem here ({net.no_netem}): link cuts only", flush=True)
    real = (hbtest.AGENT, hbtest.AGGREGATOR, hbtest.SUB)
    hbtest.AGENT = net.wrapper(t.dir, "agents", real[0])
    hbtest.AGGREGATOR = net.wrapper(t.dir, "county", real[1])
    hbtest.SUB = net.wrapper(t.dir, "city", real[2])
    try:
        body(t, net)
    finally:
        hbtest.AGENT, hbtest.AGGREGATOR, hbtest.SUB = real
        net.cleanup()
    if not net.has_netem and not t.failed:
        hbtest._reap()
        print(f"{t.passed} passed, 0 failed (namespaces and link cuts)")
        skip(f"tc netem unavailable ({net.no_netem}): loss, delay, duplication and "
             f"reordering were not applied; the namespace and link-cut checks passed", t)


def body(t, net):
    va, vac = net.veth_a
    vc, vcc = net.veth_c
    county = t.county(units=30, rows=30, seed=61)
    agg = t.aggregator(county, start=False)
    agg.listen = f"tcp://{net.county_ip}:{agg.listen_port}"
    agg.publish = f"tcp://*:{agg.pub_port}"
    agg.start()
    city_ep = f"tcp://{net.county_ip_city}:{agg.pub_port}"

    # a lossy, slow, duplicating, reordering network on both links, both ways
    bad = ["delay", "40ms", "20ms", "loss", "8%", "duplicate", "5%", "reorder", "25%", "50%"]
    net.netem("agents", va, bad)
    net.netem("county", vac, bad)
    net.netem("city", vc, ["delay", "30ms", "10ms", "loss", "5%", "duplicate", "5%"])
    net.netem("county", vcc, ["delay", "30ms", "10ms", "loss", "5%", "reorder", "25%", "50%"])
    runs = t.sync_all(county, agg, timeout=20, workers=30)
    t.check(all(r.rc == 0 for r in runs.values()),
            "every sync over a lossy, duplicating, reordering link exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, city_ep,
                    "city snapshot exact over a bad network", settle=10)

    # edits, then the agents' link is cut in the middle of the syncs and healed
    county.mutate(1, 61, "--touch", "1")
    procs = {u: t.start_sync(county, u, agg.listen, timeout=30) for u in county.units()}
    time.sleep(0.3)
    net.link("agents", va, False)
    time.sleep(3)
    net.link("agents", va, True)
    rcs = {}
    for u, p in procs.items():
        try:
            p.communicate(timeout=60)
            rcs[u] = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            rcs[u] = "timeout"
    t.check(all(rc in (0, hbtest.EX_TEMPFAIL) for rc in rcs.values()),
            "syncs across a cut link exit 0 or 75",
            {u: rc for u, rc in rcs.items() if rc not in (0, hbtest.EX_TEMPFAIL)})
    print(f"     {sum(1 for rc in rcs.values() if rc == 0)} of {len(rcs)} syncs finished "
          f"across the cut", flush=True)

    # the city's link is cut while the county keeps receiving
    county.mutate(2, 61, "--touch", "1")
    net.link("city", vc, False)
    runs = t.sync_all(county, agg, timeout=20, workers=30)
    t.check(all(r.rc == 0 for r in runs.values()), "syncs while the city is cut off exit 0",
            [r for r in runs.values() if r.rc != 0][:2])
    r = t.snapshot(city_ep, timeout=2)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "a snapshot from the cut-off city times out")
    net.link("city", vc, True)

    # heal everything; the end check
    for ns, dev in (("agents", va), ("county", vac), ("city", vc), ("county", vcc)):
        net.netem(ns, dev, None)
    runs = t.sync_all(county, agg, timeout=20, workers=30)
    t.check(all(r.rc == 0 for r in runs.values()), "final syncs exit 0",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, city_ep, "city snapshot exact after cuts and heals", settle=10)
    t.check_eq(agg.stop(), 0, "aggregator stops cleanly")
    t.check_rc(agg.verify(), 0, "verify at the end")


def run_all():
    t = hbtest.Test("netns")
    try:
        main(t)
    except Exception:  # noqa: BLE001 -- report anything as a failed check
        import traceback
        t.check(False, "unexpected exception", traceback.format_exc())
    t.finish()


run_all()
