#!/usr/bin/env python3
"""A province on one machine: N county aggregators, cities, one province.

  province.py --build DIR [--counties N] [--cities C] [--reps R] [--edits E]
              [--idle S] [--busy S] [--out FILE] [--keep] [--smoke]

N real `huibao-aggregator`s (default 100; 60 units each from
tests/tools/gen_ledgers.py, every county its own CURVE keys from
huibao-keygen, loaded with 10 records per unit by bench-loadgen and one real
`huibao-agent sync` of unit t01), C cities (`huibao-sub run --publish`,
default 10, each subscribed to N/C counties), one province (`huibao-sub run`
subscribed to the cities). Measured:

- freshness: a township edits one row of its ledger (t01 of a county drawn
  at random) and runs `huibao-agent sync`; the time until the province logs
  the new seq of that county's city (as bench.py's row 4d reads huibao-sub).
  E edits per repetition, 0.5 s apart, nothing else changing; p50 and p99
  of each repetition, then the median over R repetitions.
- idle (S seconds, nothing changes) and busy (S seconds, one edit per county
  per minute, spread evenly): the bytes on the wire between the levels, the
  CPU and RSS of each level's processes, the province's merges.
- bytes: counted by nftables on the loopback (IP packet lengths, headers
  included; county->city = TCP segments from or to a county's publish port,
  city->province = from or to a city's publish port). For that the script
  runs itself in a network namespace of its own (unshare --net, root only);
  without root it prints the rows without bytes.
- CPU: the run time of every thread (/proc/PID/task/*/schedstat, ns) over
  the window, as a share of one core, summed per level (and per process); RSS: VmRSS at the end of the
  window, per process (median and largest per level).
- the province's merge cost: its CPU over the busy window minus its idle
  rate, divided by the merges it did (the seq changes it logged).

Every child gets PR_SET_PDEATHSIG (SIGKILL) and is stopped by PID at exit,
on SIGINT/SIGTERM too. Prints rows "row | target | measured | met|NOT met".
"""
import argparse
import atexit
import ctypes
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
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (its helpers: free_port, cpu_ticks, edit_ledger, ...)

GEN = B.GEN
LIBC = ctypes.CDLL(None, use_errno=True)
SEQ_RE = re.compile(rb"county (\S+) campaign (\S+): seq (?:\d+ -> )?(\d+)")

children = []
used_ports = set()


def log(msg):
    print(f"[province {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _die_with_parent():
    LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def port():
    while True:
        p = B.free_port()
        if p not in used_ports:
            used_ports.add(p)
            return p


def spawn(argv, logpath=None, stderr_pipe=False):
    out = open(logpath, "wb") if logpath else subprocess.DEVNULL
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE if stderr_pipe else
                         subprocess.STDOUT, preexec_fn=_die_with_parent)
    children.append(p)
    return p


def stop_children():
    live = [p for p in children if p.poll() is None]
    for p in live:
        try:
            os.kill(p.pid, signal.SIGTERM)
        except OSError:
            pass
    end = time.monotonic() + 20
    for p in live:
        try:
            p.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


def on_signal(sig, frame):
    raise SystemExit(128 + sig)


def text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def wait_log(p, logpath, needle, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if needle in text(logpath):
            return
        if p.poll() is not None:
            raise RuntimeError(f"{what} exited {p.returncode}:\n{text(logpath)[-3000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"{what}: no '{needle}' after {timeout} s:\n{text(logpath)[-3000:]}")


# ------------------------------------------------------------------ the wire

class Wire:
    """nftables byte counters on the loopback, per level (root, own netns)."""

    def __init__(self):
        self.on = False

    def setup(self, county_ports, city_ports):
        if os.environ.get("HB_PROVINCE_NETNS") != "1":
            return
        cp = ", ".join(map(str, county_ports))
        yp = ", ".join(map(str, city_ports))
        rules = (
            "table inet hbbench {\n"
            f"  set county {{ type inet_service; elements = {{ {cp} }} }}\n"
            f"  set city {{ type inet_service; elements = {{ {yp} }} }}\n"
            "  chain out {\n    type filter hook output priority 0; policy accept;\n"
            "    tcp sport @county counter comment \"county_down\"\n"
            "    tcp dport @county counter comment \"county_up\"\n"
            "    tcp sport @city counter comment \"city_down\"\n"
            "    tcp dport @city counter comment \"city_up\"\n  }\n}\n")
        r = subprocess.run(["nft", "-f", "-"], input=rules, text=True, capture_output=True)
        if r.returncode != 0:
            log(f"nft counters not available: {r.stderr.strip()}")
            return
        self.on = True

    def read(self):
        """{county_down, county_up, city_down, city_up: bytes}, or None."""
        if not self.on:
            return None
        r = subprocess.run(["nft", "-j", "list", "table", "inet", "hbbench"],
                           capture_output=True, text=True)
        out = {}
        for item in json.loads(r.stdout).get("nftables", []):
            rule = item.get("rule")
            if rule:
                out[rule.get("comment", "")] = sum(e["counter"]["bytes"] for e in rule["expr"]
                                                   if "counter" in e)
        return out


# ------------------------------------------------------------------ the levels

class Province:
    def __init__(self, b, root, a):
        self.b, self.root, self.a = b, root, a
        self.counties = []   # dicts: name, dir, keys, proc, listen, publish, state, city
        self.cities = []     # dicts: name, proc, publish, log
        self.prov = None
        self.events = []     # (monotonic, origin, campaign, seq) logged by the province
        self.ev_lock = threading.Lock()

    # -- keys and counties
    def build_counties(self):
        keyroot = os.path.join(self.root, "keys")
        self.citykeys = os.path.join(keyroot, "city-pub")   # who may subscribe to a county
        self.provkeys = os.path.join(keyroot, "prov-pub")   # who may subscribe to a city
        os.makedirs(self.citykeys)
        os.makedirs(self.provkeys)
        names = [f"city{j + 1:02d}" for j in range(self.a.cities)]
        subprocess.run([self.b.keygen, "--out", keyroot, "province"] + names, check=True,
                       capture_output=True)
        self.keyroot = keyroot
        for n in names:
            shutil.copy(os.path.join(keyroot, n + ".key"), self.citykeys)
        shutil.copy(os.path.join(keyroot, "province.key"), self.provkeys)
        for i in range(self.a.counties):
            name = f"c{i + 1:03d}"
            d = os.path.join(self.root, name)
            subprocess.run([sys.executable, GEN, "--out", os.path.join(d, "county"), "--units",
                            "60", "--rows", "3", "--silent", "0", "--seed", str(100 + i)],
                           check=True, capture_output=True)
            units_csv = os.path.join(d, "county", "units.csv")
            with open(units_csv, encoding="utf-8") as f:
                units = [ln.split(",")[0] for ln in f.read().splitlines()[1:] if ln]
            keys, unitkeys = os.path.join(d, "keys"), os.path.join(d, "unitkeys")
            os.makedirs(unitkeys)
            subprocess.run([self.b.keygen, "--out", keys, "county"] + units, check=True,
                           capture_output=True)
            for u in units:
                shutil.copy(os.path.join(keys, u + ".key"), unitkeys)
            with open(os.path.join(d, "units.txt"), "w") as f:
                f.write("\n".join(units) + "\n")
            self.counties.append({"name": name, "dir": d, "keys": keys, "unitkeys": unitkeys,
                                  "units_csv": units_csv, "unit": units[0],
                                  "city": names[i * self.a.cities // self.a.counties]})

    def start_county(self, c):
        for attempt in range(3):
            lp, pp = port(), port()
            c["listen"], c["publish"], c["pport"] = (f"tcp://127.0.0.1:{lp}",
                                                     f"tcp://127.0.0.1:{pp}", pp)
            logp = os.path.join(c["dir"], f"aggregator.{attempt}.log")
            d = c["dir"]
            argv = [self.b.aggregator, "--data", os.path.join(d, "data"),
                    "--units", c["units_csv"], "--campaigns", os.path.join(d, "county",
                                                                         "campaigns.ini"),
                    "--listen", c["listen"], "--publish", c["publish"],
                    "--code", c["name"], "--name", c["name"].upper(),
                    "--secret", os.path.join(c["keys"], "county.key_secret"),
                    "--keys", c["unitkeys"], "--subscriber-keys", self.citykeys]
            c["proc"] = spawn(argv, logp)
            try:
                wait_log(c["proc"], logp, "ready", 60, f"aggregator {c['name']}")
                return
            except RuntimeError:
                if c["proc"].poll() is None or attempt == 2:
                    raise
                log(f"{c['name']}: aggregator exited at start, new ports")

    def load_county(self, c):
        d = c["dir"]
        B.run_json([self.b.loadgen, "--connect", c["listen"], "--units",
                    os.path.join(d, "units.txt"), "--records", "600", "--keys", c["keys"],
                    "--county-key", os.path.join(c["keys"], "county.key")])
        c["ledger"] = os.path.join(d, "county", "ledgers", c["unit"])
        c["state"] = os.path.join(d, "agent-state")
        r = self.sync(c)
        if r.returncode not in (0, 65):
            raise RuntimeError(f"{c['name']}: first agent sync exit {r.returncode}: "
                               f"{r.stderr[-2000:]}")

    def sync(self, c):
        argv = [self.b.agent, "sync", "--unit", c["unit"], "--ledger", c["ledger"], "--state",
                c["state"], "--county", c["listen"],
                "--key", os.path.join(c["keys"], c["unit"] + ".key_secret"),
                "--county-key", os.path.join(c["keys"], "county.key")]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              preexec_fn=_die_with_parent)

    def start_cities(self):
        for j in range(self.a.cities):
            name = f"city{j + 1:02d}"
            mine = [c for c in self.counties if c["city"] == name]
            for attempt in range(3):
                pp = port()
                pub = f"tcp://127.0.0.1:{pp}"
                logp = os.path.join(self.root, f"{name}.{attempt}.log")
                argv = [self.b.sub, "run", "--connect", ",".join(c["publish"] for c in mine),
                        "--data", os.path.join(self.root, name + "-data"),
                        "--source", name, "--source-name", name.upper(), "--publish", pub,
                        "--secret", os.path.join(self.keyroot, name + ".key_secret"),
                        "--subscriber-keys", self.provkeys,
                        "--key", os.path.join(self.keyroot, name + ".key_secret"),
                        "--log-level", "info"]
                for c in mine:
                    argv += ["--server-key", os.path.join(c["keys"], "county.key")]
                p = spawn(argv, logp)
                try:
                    wait_log(p, logp, "republishing the merged view", 60, name)
                    break
                except RuntimeError:
                    if p.poll() is None or attempt == 2:
                        raise
            self.cities.append({"name": name, "proc": p, "publish": pub, "pport": pp,
                                "counties": mine})

    def start_province(self):
        argv = [self.b.sub, "run", "--connect", ",".join(y["publish"] for y in self.cities),
                "--data", os.path.join(self.root, "province-data"), "--source", "province",
                "--key", os.path.join(self.keyroot, "province.key_secret"),
                "--log-level", "info"]
        for y in self.cities:
            argv += ["--server-key", os.path.join(self.keyroot, y["name"] + ".key")]
        self.prov = spawn(argv, None, stderr_pipe=True)
        threading.Thread(target=self._read_province, daemon=True).start()

    def _read_province(self):
        f = self.prov.stderr
        for line in iter(f.readline, b""):
            m = SEQ_RE.search(line)
            if m:
                with self.ev_lock:
                    self.events.append((time.monotonic(), m.group(1).decode(),
                                        m.group(2).decode(), int(m.group(3))))

    def wait_province_has_all(self, timeout):
        want = {y["name"] for y in self.cities}
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.ev_lock:
                seen = {e[1] for e in self.events}
            if want <= seen:
                return
            if self.prov.poll() is not None:
                raise RuntimeError(f"the province exited {self.prov.returncode}")
            time.sleep(0.1)
        raise RuntimeError(f"the province has not heard from {sorted(want - seen)}")

    def wait_event(self, origin, after, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.ev_lock:
                for e in reversed(self.events):
                    if e[0] <= after:
                        break
                    if e[1] == origin:
                        return e[0]
            time.sleep(0.001)
        return None

    # -- processes per level
    def levels(self):
        return {"county": [c["proc"] for c in self.counties],
                "city": [y["proc"] for y in self.cities], "province": [self.prov]}


def cpu_s(pid):
    """CPU seconds of every thread of pid (/proc/PID/task/*/schedstat: ns, not
    the 10 ms ticks of /proc/PID/stat)."""
    t = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                t += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return t / 1e9


def cpu_of(procs):
    return [cpu_s(p.pid) for p in procs]


def rss_mb(p):
    return B.status_kb(p.pid, "VmRSS") / 1024


def window(pv, wire, secs, edit_fn=None):
    """Runs secs seconds (calling edit_fn(t) as it says); returns the figures."""
    lv = pv.levels()
    c0 = {k: cpu_of(v) for k, v in lv.items()}
    w0 = wire.read()
    with pv.ev_lock:
        e0 = len(pv.events)
    t0 = time.monotonic()
    edits = edit_fn(t0, secs) if edit_fn else 0
    rest = t0 + secs - time.monotonic()
    if rest > 0:
        time.sleep(rest)
    dt = time.monotonic() - t0
    c1 = {k: cpu_of(v) for k, v in lv.items()}
    w1 = wire.read()
    with pv.ev_lock:
        merges = len(pv.events) - e0
    out = {"secs": dt, "edits": edits, "merges": merges}
    for k in lv:
        per = [(b - a) / dt for a, b in zip(c0[k], c1[k])]
        rss = [rss_mb(p) for p in lv[k]]
        out[k] = {"cpu_sum": sum(per), "cpu_med": statistics.median(per), "cpu_max": max(per),
                  "rss_med": statistics.median(rss), "rss_max": max(rss), "rss_sum": sum(rss)}
    if w0 is not None and w1 is not None:
        out["bytes"] = {k: w1[k] - w0[k] for k in w1}
    return out


def freshness(pv, a, rep, rng):
    samples = []
    for k in range(a.edits):
        time.sleep(0.5)
        c = rng.choice(pv.counties)
        t0 = time.monotonic()
        B.edit_ledger(os.path.join(c["ledger"], "activities.csv"), 10000 + rep * 1000 + k)
        r = pv.sync(c)
        if r.returncode not in (0, 65):
            raise RuntimeError(f"{c['name']}: agent sync exit {r.returncode}: {r.stderr[-2000:]}")
        t1 = pv.wait_event(c["city"], t0, 15)
        if t1 is None:
            raise RuntimeError(f"the province did not see the edit in {c['name']} "
                               f"({c['city']}) within 15 s")
        samples.append((t1 - t0) * 1000)
    samples.sort()
    return {"p50": statistics.median(samples),
            "p99": samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))],
            "samples": samples}


def busy_edits(pv, rng):
    """One edit per county per minute, spread evenly over the window."""
    n = [0]

    def run(t0, secs):
        order = list(pv.counties)
        rng.shuffle(order)
        gap = 60.0 / len(order)
        k = 0
        while time.monotonic() < t0 + secs - 0.05:
            c = order[k % len(order)]
            due = t0 + k * gap
            if due >= t0 + secs:
                break
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            if time.monotonic() >= t0 + secs:
                break
            B.edit_ledger(os.path.join(c["ledger"], "activities.csv"),
                          50000 + n[0])
            r = pv.sync(c)
            if r.returncode not in (0, 65):
                raise RuntimeError(f"{c['name']}: agent sync exit {r.returncode}")
            n[0] += 1
            k += 1
        return n[0]
    return run


def fmt_b(v):
    for unit, d in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if v >= d:
            return f"{v / d:,.1f} {unit}"
    return f"{v:,.0f} B"


def report(a, F, idle, busy, merge, t_total):
    rows = []
    add = rows.append

    def mm(xs, f):
        return f"{f(statistics.median(xs))} ({f(min(xs))} – {f(max(xs))})"
    n = len(F)
    p50 = [x["p50"] for x in F]
    p99 = [x["p99"] for x in F]
    add(f"| P1 | province freshness p50: township edit → huibao-agent sync → county → city → "
        f"province logs it ({a.counties} counties, {a.cities} cit{'ies' if a.cities > 1 else 'y'}, {a.edits} edits per "
        f"repetition, median of {n}) | | {mm(p50, lambda v: f'{v:.0f} ms')} | |")
    ok = statistics.median(p99) <= 1000
    add(f"| P2 | province freshness p99 | ≤ 1 s | {mm(p99, lambda v: f'{v:.0f} ms')} | "
        f"{'met' if ok else 'NOT met'} |")
    no = [2]

    def num():
        no[0] += 1
        return f"P{no[0]}"
    for tag, w in (("idle", idle), ("busy", busy)):
        what = ("nothing changes" if tag == "idle" else
                f"one edit per county per minute ({w['edits']} edits in {w['secs']:.0f} s)")
        for lv in ("county", "city", "province"):
            x = w[lv]
            np_ = len(pv_levels[lv])
            add(f"| {num()} | {lv} level, {what}: CPU summed over its {np_} "
                f"process{'es' if np_ > 1 else ''} (median / largest one); RSS median / largest | | "
                f"{x['cpu_sum'] * 100:.1f}% of a core ({x['cpu_med'] * 100:.2f}% / "
                f"{x['cpu_max'] * 100:.2f}%); RSS {x['rss_med']:.1f} / {x['rss_max']:.1f} MB | |")
        if "bytes" in w:
            by = w["bytes"]
            h = 3600 / w["secs"]
            cc = (by["county_down"] + by["county_up"]) * h
            yc = (by["city_down"] + by["city_up"]) * h
            add(f"| {num()} | bytes per hour on the wire, {what}: counties ↔ cities (all "
                f"{a.counties}; per county, one subscriber each) | | {fmt_b(cc)} "
                f"({fmt_b(cc / a.counties)}; {cc / a.counties / 3600:,.0f} B/s) | |")
            add(f"| {num()} | bytes per hour on the wire, {what}: cities ↔ province (all "
                f"{a.cities}; per city) | | {fmt_b(yc)} ({fmt_b(yc / a.cities)}; "
                f"{yc / a.cities / 3600:,.0f} B/s) | |")
    if "bytes" in idle and busy["edits"]:
        bi, bb = idle["bytes"], busy["bytes"]
        for lv, keys in (("county → city", ("county_down", "county_up")),
                         ("city → province", ("city_down", "city_up"))):
            rate = sum(bi[k] for k in keys) / idle["secs"]
            extra = sum(bb[k] for k in keys) - rate * busy["secs"]
            add(f"| {num()} | bytes per edit, {lv} (busy window less the idle rate, "
                f"per edit) | | {fmt_b(max(0.0, extra) / busy['edits'])} | |")
    add(f"| {num()} | province merge cost: its CPU in the busy window less its idle rate, "
        f"per rollup it took in with a new seq ({busy['merges']}) | | "
        f"{merge:.2f} ms | |")
    head = (f"Province: {a.counties} counties × 60 units, {a.cities} "
            f"cit{'ies' if a.cities > 1 else 'y'}, 1 province; "
            f"{time.strftime('%Y-%m-%d %H:%M')}; load average at the end "
            f"{os.getloadavg()[0]:.1f}; run took {t_total:.0f} s"
            f"{'' if 'bytes' in idle else '; bytes NOT measured (needs root: nft in a netns)'}")
    return head + "\n\n| # | row | target | measured | |\n|---|---|---|---|---|\n" + \
        "\n".join(rows) + "\n"


pv_levels = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--counties", type=int, default=100)
    ap.add_argument("--cities", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--edits", type=int, default=20, help="freshness edits per repetition")
    ap.add_argument("--idle", type=float, default=60, help="seconds of the idle window")
    ap.add_argument("--busy", type=float, default=60, help="seconds of the busy window")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.counties, a.cities, a.reps, a.edits, a.idle, a.busy = 3, 1, 1, 2, 3, 4
    a.cities = max(1, min(a.cities, a.counties))
    B.reexec_in_netns("HB_PROVINCE_NETNS")
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    atexit.register(stop_children)
    b = B.Bins(a.build)
    root = tempfile.mkdtemp(prefix="huibao-province-")
    t_start = time.monotonic()
    rng = random.Random(a.seed)
    try:
        pv = Province(b, root, a)
        log(f"generating {a.counties} counties (ledgers, keys)")
        pv.build_counties()
        log("starting and loading the counties")
        for c in pv.counties:
            pv.start_county(c)
            pv.load_county(c)
        log(f"starting {a.cities} cities and the province")
        pv.start_cities()
        wire = Wire()
        wire.setup([c["pport"] for c in pv.counties], [y["pport"] for y in pv.cities])
        pv.start_province()
        pv.wait_province_has_all(120)
        time.sleep(3)  # first full states settle
        pv_levels.update({k: v for k, v in pv.levels().items()})
        F = []
        for rep in range(a.reps):
            F.append(freshness(pv, a, rep, rng))
            log(f"freshness {rep + 1}/{a.reps}: p50 {F[-1]['p50']:.0f} ms, "
                f"p99 {F[-1]['p99']:.0f} ms")
        time.sleep(2)
        log(f"idle window, {a.idle:.0f} s")
        idle = window(pv, wire, a.idle)
        log(f"  {idle}")
        log(f"busy window, {a.busy:.0f} s, one edit per county per minute")
        busy = window(pv, wire, a.busy, busy_edits(pv, rng))
        log(f"  {busy}")
        pc_idle = idle["province"]["cpu_sum"]
        pc_busy = busy["province"]["cpu_sum"]
        merge = ((pc_busy - pc_idle) * busy["secs"] * 1000 / busy["merges"]
                 if busy["merges"] else float("nan"))
        table = report(a, F, idle, busy, merge, time.monotonic() - t_start)
        print(table)
        if a.out:
            with open(a.out, "w") as f:
                f.write(table)
        print("PROVINCE " + json.dumps({"freshness": F, "idle": idle, "busy": busy,
                                        "merge_ms": merge}), file=sys.stderr)
    finally:
        stop_children()
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            log(f"kept {root}")


if __name__ == "__main__":
    main()
