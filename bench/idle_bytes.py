#!/usr/bin/python3
"""Bytes between levels, idle and per edit (issue 17: quiet when idle, small per change).

A real county (huibao-aggregator, 61 units, ledgers from tests/tools/gen_ledgers.py,
CURVE) -> a real city (`huibao-sub run --publish`, CURVE) -> a real province
(`huibao-sub run`). Counted:

- on the wire: the IP bytes (IP + TCP headers, ZMTP + CURVE framing, ACKs, ZMTP
  heartbeats: everything) of the one connection city -> county and the one province
  -> city, BOTH directions added, and of the city's second connection to the county,
  its replica link (the city keeps a replica, `--data --detail`: its DEALER to the
  county's detail ROUTER, docs/replica.md), by nftables counters on the loopback of a network
  namespace of this script's own (root: it runs itself again under `unshare --net`).
  Without root: the kernel's per-connection counts from `ss -ti` (payload bytes
  sent and received + 52 bytes of IP/TCP headers with timestamps per segment each
  way), said so in the rows.
- message bytes: a raw CURVE SUB beside each subscriber, subscribed as a subscriber
  of the quiet beats ("state/", "tock") and as an old one ("rollup/"), adds up topic
  + body of what it receives (after decryption).
Rows (medians of --reps repetitions): idle bytes/s per source per subscriber over
--window seconds of nothing changing (after --settle seconds, so the quiet beats have
backed off), and bytes per one-row edit (a participants count of one activity row,
then one agent sync): what the --edit-window seconds after the sync moved, less the
idle rate over them, at the county (to the city) and at the city (to the province).
With --kinds (root) the idle county -> city connection and the replica link are
broken down by kind (bench/wire_kinds.py). Prints a markdown table ("| # | row | target | measured | |");
--out FILE writes it too; exit 0 (a benchmark).

  bench/idle_bytes.py [--build DIR] [--reps 5] [--window 40] [--settle 16] [--units 61]
                      [--edit-window 16] [--heartbeat-ms 1000] [--kinds] [--smoke] [--out F]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

IDLE_TARGET = 100  # bytes/s per source per subscriber
EDIT_TARGET = 2048  # bytes per one-row edit per subscriber per level
HEADERS = 52  # IPv4 20 + TCP 20 + timestamps 12, per segment (the ss estimate)
LEVELS = ("county", "city")  # the publishers measured (the rows of each kind)


class Counter:
    """A raw SUB counting the bytes of what it receives, per topic family."""

    def __init__(self, endpoint, secret, server_public, topics):
        import hbwire
        import zmq
        self.ctx = zmq.Context()
        self.s = self.ctx.socket(zmq.SUB)
        self.s.linger = 0
        hbwire.curve_client(self.s, secret, server_public)
        for t in topics:
            self.s.setsockopt(zmq.SUBSCRIBE, t.encode())
        self.s.connect(endpoint)
        self.lock = threading.Lock()
        self.log = []  # (monotonic, topic, bytes)
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            if self.s.poll(100):
                parts = self.s.recv_multipart()
                n = sum(len(p) for p in parts)
                with self.lock:
                    self.log.append((time.monotonic(), parts[0][:16].decode("utf-8", "replace"),
                                     n))

    def bytes_between(self, t0, t1, prefix=""):
        with self.lock:
            return sum(n for (t, tp, n) in self.log if t0 <= t < t1 and tp.startswith(prefix))

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close(0)
        self.ctx.term()


def local_port(pid, remote_port, timeout=30):
    """The local port of process pid's established TCP connection to remote_port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = subprocess.run(["ss", "-tnpH", "state", "established",
                              f"( dport = :{remote_port} )"],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            if f"pid={pid}," in line:
                return int(line.split()[-3].rsplit(":", 1)[1])
        time.sleep(0.2)
    raise RuntimeError(f"no connection of pid {pid} to port {remote_port}:\n{out}")


class Wire:
    """IP bytes of given connections, both directions: nftables counters (own
    netns) or the `ss -ti` estimate."""

    def __init__(self, pairs):
        self.pairs = pairs  # {name: (publisher port, subscriber port)}
        self.nft = False
        if os.environ.get("HB_IDLE_NETNS") == "1" and shutil.which("nft"):
            rules = ["table inet hbidle {", "  chain out {",
                     "    type filter hook output priority 0; policy accept;"]
            for name, (pp, sp) in pairs.items():
                rules.append(f"    tcp sport {pp} tcp dport {sp} counter comment \"{name}\"")
                rules.append(f"    tcp sport {sp} tcp dport {pp} counter comment \"{name}\"")
            rules += ["  }", "}"]
            r = subprocess.run(["nft", "-f", "-"], input="\n".join(rules) + "\n", text=True,
                               capture_output=True)
            self.nft = r.returncode == 0
            if not self.nft:
                print(f"nft: {r.stderr.strip()}; using ss", file=sys.stderr)
        self.how = ("nftables counters on the loopback of an own network namespace (IP bytes)"
                    if self.nft else
                    f"ss -ti per connection: payload both ways + {HEADERS} B of headers a "
                    "segment (an estimate; root gives nftables counts)")

    def read(self):
        """{name: bytes so far, both directions}."""
        out = {n: 0 for n in self.pairs}
        if self.nft:
            import json
            r = subprocess.run(["nft", "-j", "list", "table", "inet", "hbidle"],
                               capture_output=True, text=True)
            for item in json.loads(r.stdout).get("nftables", []):
                rule = item.get("rule")
                if rule and rule.get("comment") in out:
                    out[rule["comment"]] += sum(e["counter"]["bytes"] for e in rule["expr"]
                                                if "counter" in e)
            return out
        for name, (pp, sp) in self.pairs.items():
            info = subprocess.run(["ss", "-tinH", "state", "established",
                                   f"( sport = :{sp} and dport = :{pp} )"],
                                  capture_output=True, text=True).stdout
            v = {}
            for key in ("bytes_sent", "bytes_received", "segs_out", "segs_in"):
                m = re.search(rf"\b{key}:(\d+)", info)
                v[key] = int(m.group(1)) if m else 0
            out[name] = (v["bytes_sent"] + v["bytes_received"] +
                         HEADERS * (v["segs_out"] + v["segs_in"]))
        return out


def start_sub(t, name, upstream, server_key, publish=None, hb_ms=1000, detail=None):
    import hbtest
    k = t.keys
    data = os.path.join(t.dir, name + "-data")
    os.makedirs(data, exist_ok=True)
    argv = [hbtest.SUB, "run", "--connect", upstream, "--data", data, "--source", name,
            "--key", k.secret(name), "--server-key", k.public(server_key),
            "--log-level", "info"]
    if detail:  # the replica of the county's records (docs/replica.md)
        argv += ["--detail", detail]
    if publish:
        subs = os.path.join(t.dir, name + "-subscribers")
        os.makedirs(subs, exist_ok=True)
        for who in ("province", "meter"):
            k.install(who, subs)
        argv += ["--publish", publish, "--secret", k.secret(name), "--subscriber-keys", subs,
                 "--heartbeat-ms", str(hb_ms)]  # the heartbeat of its publisher
    log = open(os.path.join(t.dir, name + ".log"), "wb")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    hbtest._live.append(p)
    return p


def system_python():
    """Runs again under /usr/bin/python3 when this Python has no pyzmq (the
    distribution's python3-zmq is installed by ./deploy/deps.sh, for it)."""
    try:
        import zmq  # noqa: F401
    except ImportError:
        if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise


def main():
    system_python()
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", help="the build folder (default: hbtest's)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--window", type=float, default=40.0)
    ap.add_argument("--settle", type=float, default=16.0)
    ap.add_argument("--edit-window", type=float, default=16.0)
    ap.add_argument("--heartbeat-ms", type=int, default=1000)
    ap.add_argument("--kinds", action="store_true", help="break the idle wire down (root)")
    ap.add_argument("--units", type=int, default=61)
    ap.add_argument("--smoke", action="store_true", help="1 short repetition, 10 units")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.smoke:
        a.reps, a.window, a.settle, a.edit_window, a.units = 1, 3.0, 2.0, 2.0, 10
    if a.build:
        os.environ["HUIBAO_BUILD"] = os.path.abspath(a.build)
    sys.path.insert(0, HERE)
    import bench
    bench.reexec_in_netns("HB_IDLE_NETNS")
    import hbtest
    t = hbtest.Test("idle_bytes")
    try:
        table = run(t, a)
    finally:
        hbtest._reap()
        shutil.rmtree(t.dir, ignore_errors=True)
    print(table, flush=True)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(table)


def run(t, a):
    import hbtest
    t_start = time.monotonic()
    county = t.county("county", a.units, 10, 7, 0, "--gbk", "0", "--bom", "0", "--zh-header", "0",
                      "--shuffle", "0", "--silent", "0")
    t.keys.make(["city", "province", "meter"])
    t.keys.install("meter", t.keys.cities)
    detail_keys = os.path.join(t.dir, "keys", "detail")
    os.makedirs(detail_keys, exist_ok=True)
    t.keys.install("city", detail_keys)
    detail_port = hbtest.free_port()
    detail = f"tcp://127.0.0.1:{detail_port}"
    agg = t.aggregator(county, extra=["--detail", detail, "--detail-keys", detail_keys],
                       heartbeat_ms=a.heartbeat_ms)
    res = t.sync_all(county, agg)
    bad = [u for u, r in res.items() if r.rc != 0]
    if bad:
        print(f"sync failed for {bad[:5]}: {res[bad[0]]}", file=sys.stderr)
    city_port = hbtest.free_port()
    city_pub = f"tcp://127.0.0.1:{city_port}"
    city = start_sub(t, "city", agg.publish, "county", city_pub, a.heartbeat_ms, detail)
    prov = start_sub(t, "province", city_pub, "city", None, a.heartbeat_ms)
    agg_port = int(agg.publish.rsplit(":", 1)[1])
    try:
        wire = Wire({"county": (agg_port, local_port(city.pid, agg_port)),
                     "city": (city_port, local_port(prov.pid, city_port)),
                     "replica": (detail_port, local_port(city.pid, detail_port))})
    except RuntimeError:
        for name in ("city", "province"):
            print(open(os.path.join(t.dir, name + ".log"), errors="replace").read()[-2000:],
                  file=sys.stderr)
        raise
    k = t.keys
    meters = {
        ("county", "new"): Counter(agg.publish, k.secret("meter"), k.public("county"),
                                   ["state/", "tock"]),
        ("county", "old"): Counter(agg.publish, k.secret("meter"), k.public("county"),
                                   ["rollup/"]),
        ("city", "new"): Counter(city_pub, k.secret("meter"), k.public("city"),
                                 ["state/", "tock"]),
        ("city", "old"): Counter(city_pub, k.secret("meter"), k.public("city"), ["rollup/"]),
    }
    time.sleep(4 + a.settle)  # the joins' full states, then the quiet beats back off
    kinds = None
    if a.kinds and os.environ.get("HB_IDLE_NETNS") == "1":
        import wire_kinds
        got = {}

        def sniff(name, rpc):
            got[name] = wire_kinds.sniff(*wire.pairs[name], a.window, rpc)
        ths = [threading.Thread(target=sniff, args=x) for x in (("county", False),
                                                                 ("replica", True))]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        kinds = {name: wire_kinds.table(g, a.window) for name, g in got.items()}
    idle = {m: [] for m in meters}
    idle_wire = {lvl: [] for lvl in wire.pairs}
    for _ in range(a.reps):
        t0 = time.monotonic()
        w0 = wire.read()
        time.sleep(a.window)
        w1 = wire.read()
        for lvl in wire.pairs:
            idle_wire[lvl].append((w1[lvl] - w0[lvl]) / a.window)
        for m, c in meters.items():
            idle[m].append(c.bytes_between(t0, t0 + a.window) / a.window)
    rate = {lvl: statistics.median(v) for lvl, v in idle_wire.items()}
    edit = {m: [] for m in meters}
    edit_wire = {lvl: [] for lvl in wire.pairs}
    unit = county.units()[0]
    for rep in range(a.reps):
        county.set_participants(unit, 1000 + rep)
        t0 = time.monotonic()
        w0 = wire.read()
        r = t.sync(county, unit, agg)
        if r.rc != 0:
            print(f"sync of the edit failed: {r}", file=sys.stderr)
        time.sleep(a.edit_window)
        w1 = wire.read()
        t1 = time.monotonic()
        for lvl in wire.pairs:
            edit_wire[lvl].append(max(0.0, w1[lvl] - w0[lvl] - rate[lvl] * (t1 - t0)))
        for m, c in meters.items():
            base = statistics.median(idle[m]) * (t1 - t0)
            edit[m].append(max(0.0, c.bytes_between(t0, t1) - base))
    for c in meters.values():
        c.close()
    rows = []
    no = [0]

    def row(what, target, vals, unit, limit):
        no[0] += 1
        v = statistics.median(vals)
        spread = f" ({min(vals):,.0f} – {max(vals):,.0f})" if len(vals) > 1 else ""
        verdict = "" if limit is None else ("met" if v <= limit else "NOT met")
        rows.append(f"| I{no[0]} | {what} | {target} | {v:,.0f} {unit}{spread} | {verdict} |")
    # (what, target, measurements by level, unit, limit), each at both levels
    idle_t, edit_t = f"≤ {IDLE_TARGET} B/s", f"≤ {EDIT_TARGET} B"
    kinds_of_row = (
        ("idle bytes/s on the wire, {lvl} ↔ {to}: the {to}'s one connection, both directions, "
         "IP bytes", idle_t, idle_wire, "B/s", IDLE_TARGET),
        ("idle message bytes/s {lvl} → {to} (a subscriber of state/ and tock: topic + body)",
         idle_t, {lv: idle[(lv, "new")] for lv in LEVELS}, "B/s", IDLE_TARGET),
        (f"bytes per one-row edit on the wire, {{lvl}} ↔ {{to}} ({a.edit_window:.0f} s after the "
         "sync, less the idle rate)", edit_t, edit_wire, "B", EDIT_TARGET),
        ("bytes per one-row edit, messages {lvl} → {to} (state/ and tock)", edit_t,
         {lv: edit[(lv, "new")] for lv in LEVELS}, "B", EDIT_TARGET),
        ("for comparison: an old subscriber of rollup/ at the {lvl}, idle message bytes/s", "",
         {lv: idle[(lv, "old")] for lv in LEVELS}, "B/s", None))
    for what, target, by_level, unit, limit in kinds_of_row:
        for lvl, to in (("county", "city"), ("city", "province")):
            row(what.format(lvl=lvl, to=to), target, by_level[lvl], unit, limit)
        if by_level is idle_wire:
            row("idle bytes/s on the wire, county ↔ city replica link: the city's second "
                "connection (its DEALER to the county's detail ROUTER, `--detail`), both "
                "directions, IP bytes", idle_t, idle_wire["replica"], "B/s", IDLE_TARGET)
        if by_level is edit_wire:
            row("for comparison: bytes per one-row edit on the wire, county ↔ city replica link "
                "(the edit's history entry fetched)", "", edit_wire["replica"], "B", None)
    head = (f"Idle and per-edit bytes (bench/idle_bytes.py): county of {a.units} units → city → "
            f"province, CURVE, heartbeat {a.heartbeat_ms} ms; medians of {a.reps} (min – max); "
            f"idle windows of {a.window:.0f} s after {a.settle:.0f} s settling; wire: {wire.how}; "
            f"{time.strftime('%Y-%m-%d %H:%M')}; load average {os.getloadavg()[0]:.2f}; run took "
            f"{time.monotonic() - t_start:.0f} s"
            f"{' (SMOKE: one short repetition, figures meaningless)' if a.smoke else ''}")
    out = head + "\n\n| # | row | target | measured | |\n|---|---|---|---|---|\n" + \
        "\n".join(rows) + "\n"
    if kinds:
        out += (f"\nThe idle county ↔ city connection by kind ({a.window:.0f} s, "
                "bench/wire_kinds.py):\n\n" + kinds["county"])
        out += (f"\nThe idle county ↔ city replica link by kind ({a.window:.0f} s, "
                "bench/wire_kinds.py):\n\n" + kinds["replica"])
    return out


if __name__ == "__main__":
    main()
