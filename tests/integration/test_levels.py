#!/usr/bin/env python3
"""More than three levels: four counties, two cities that republish their
merged views (`huibao-sub run --publish`, CURVE), a province that subscribes
to the cities, and a fifth level that subscribes to the province.

- The province's figures equal the sum of the four counties' independent
  counts, number for number; so do the fifth level's.
- A ledger edit in one county reaches the province, exactly.
- A county going stale and coming back, and a city killed with -9 and
  restarted on the same --data: the seq the city and the province publish
  never goes down, and the figures end exact.
- A subscriber whose key the city does not hold is refused.
- Reporting periods (issue 13: jiefang-2022 weekly in three counties, monthly
  in county4): the province's and the fifth level's periods are the three
  counties' merged by id (figures equal their independent counts summed,
  unit states their own), and county4 is named in cycle_mismatch at its city
  and above."""
import json
import os
import signal
import subprocess
import threading
import time

import hbtest

HB_MS = "200"  # heartbeats of every level: stale after 0.6 s, quick tests


class City:
    """A `huibao-sub run` that republishes (a city, or the province)."""

    def __init__(self, t, name, upstream, server_keys, subscriber_dir):
        self.t, self.name = t, name
        self.upstream, self.server_keys = upstream, server_keys
        self.subscriber_dir = subscriber_dir
        self.data = os.path.join(t.dir, f"{name}-data")
        os.makedirs(self.data, exist_ok=True)
        self.port = hbtest.free_port()
        self.publish = f"tcp://127.0.0.1:{self.port}"
        self.proc, self.starts = None, 0

    def start(self, timeout=10):
        self.starts += 1
        self.log = os.path.join(self.t.dir, f"{self.name}.{self.starts}.log")
        k = self.t.keys
        argv = [hbtest.SUB, "run", "--connect", ",".join(self.upstream), "--data", self.data,
                "--source", self.name, "--source-name", self.name.upper(),
                "--publish", self.publish, "--secret", k.secret(self.name),
                "--subscriber-keys", self.subscriber_dir, "--heartbeat-ms", HB_MS,
                "--key", k.secret(self.name), "--log-level", "info"]
        for sk in self.server_keys:
            argv += ["--server-key", k.public(sk)]
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        self.t.logs.append(self.log)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "republishing the merged view" in self.text():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.text()}")
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} not publishing after {timeout}s:\n{self.text()}")

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logf.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "timeout"


def snapshot(t, eps, key, server_keys, timeout=8):
    """(Run, {campaign: merged rollup}) of `huibao-sub snapshot` on eps."""
    k = t.keys
    argv = [hbtest.SUB, "snapshot", "--connect", ",".join(eps), "--format", "json",
            "--timeout", str(timeout), "--source", "top", "--key", k.secret(key)]
    for sk in server_keys:
        argv += ["--server-key", k.public(sk)]
    r = hbtest.run(argv, timeout=timeout + 20)
    got = {}
    try:
        for it in json.loads(r.out).get("campaigns", []):
            got[it["campaign"]] = it
    except (ValueError, AttributeError):
        pass
    return r, got


def add_tot(a, b):
    for k in hbtest.hbcount.TOT_KEYS:
        a[k] = a.get(k, 0) + b.get(k, 0)


def summed(expected_by_county, campaign):
    """The expected merged rollup of campaign (no unit rows: see units_diff)."""
    out = {"campaign": campaign, "coverage": {"expected": 0, "reported": 0, "missing": []},
           "activities": {"total": {}, "by_kind": {}, "cube": []},
           "problems": {"total": 0, "identified": 0, "rectifying": 0, "resolved": 0,
                        "measures": 0, "overdue": 0, "by_scope": {"individual": 0, "team": 0},
                        "by_category": {}},
           "units": []}
    add_tot(out["activities"]["total"], {})
    cube = {}
    for exp in expected_by_county.values():
        e = exp[campaign]
        for k in ("expected", "reported"):
            out["coverage"][k] += e["coverage"][k]
        out["coverage"]["missing"] += e["coverage"]["missing"]
        add_tot(out["activities"]["total"], e["activities"]["total"])
        for kind, v in e["activities"]["by_kind"].items():
            add_tot(out["activities"]["by_kind"].setdefault(kind, {}), v)
        for c in e["activities"]["cube"]:
            key = (c["unit_type"], c["level"], c["kind"])
            add_tot(cube.setdefault(key, {}), c)
        p, ep = out["problems"], e["problems"]
        for k in ("total", "identified", "rectifying", "resolved", "measures", "overdue"):
            p[k] += ep[k]
        for k in ("individual", "team"):
            p["by_scope"][k] += ep["by_scope"][k]
        for code, c in ep["by_category"].items():
            d = p["by_category"].setdefault(code, {"name": c["name"], "count": 0, "units": 0,
                                                   "resolved": 0})
            for k in ("count", "units", "resolved"):
                d[k] += c[k]
    p = out["problems"]
    p["resolution_rate"] = p["resolved"] / p["total"] if p["total"] else 0.0
    for c in p["by_category"].values():
        c["share"] = c["count"] / p["total"] if p["total"] else 0.0
    out["activities"]["cube"] = [dict(unit_type=k[0], level=k[1], kind=k[2], **v)
                                 for k, v in sorted(cube.items())]
    return out


def units_diff(expected_by_county, campaign, got):
    """Unit rows, keyed by (county, code): the same codes exist in every county."""
    out = []
    au = {}
    for u in got.get("units") or []:
        key = (u.get("county"), u.get("code"))
        if key in au:
            out.append(f"units{key}: listed twice")
        au[key] = u
    seen = set()
    for county, exp in expected_by_county.items():
        for e in exp[campaign]["units"]:
            key = (county, e["code"])
            seen.add(key)
            a = au.get(key)
            if a is None:
                out.append(f"units{key}: missing")
                continue
            for k in ("name", "type"):
                if a.get(k) != e[k]:
                    out.append(f"units{key}.{k}: expected {e[k]!r}, got {a.get(k)!r}")
            for k in hbtest.hbcount.TOT_KEYS:
                if (a.get("activities") or {}).get(k) != e["activities"][k]:
                    out.append(f"units{key}.activities.{k}: expected {e['activities'][k]}, "
                               f"got {(a.get('activities') or {}).get(k)}")
            for k in ("total", "resolved", "rectifying", "identified", "overdue"):
                if (a.get("problems") or {}).get(k) != e["problems"][k]:
                    out.append(f"units{key}.problems.{k}: expected {e['problems'][k]}, "
                               f"got {(a.get('problems') or {}).get(k)}")
    out += [f"units{key}: not an expected unit" for key in au if key not in seen]
    return out


def diff_all(expected_by_county, got):
    """{campaign: [differences]} of a merged view against the summed counts."""
    out = {}
    camps = list(next(iter(expected_by_county.values())))
    for c in camps:
        if c not in got:
            out[c] = [f"no rollup for {c}"]
            continue
        g = dict(got[c])
        g["units"] = []
        d = hbtest.hbcount.compare(summed(expected_by_county, c), g)
        d += units_diff(expected_by_county, c, got[c])
        want = sorted(expected_by_county)
        have = sorted(x.get("code") for x in got[c].get("counties") or [])
        if have != want:
            d.append(f"counties: expected {want}, got {have}")
        seqs = sum(x.get("seq") or 0 for x in got[c].get("counties") or [])
        if got[c].get("seq") != seqs:
            d.append(f"seq {got[c].get('seq')} is not the sum of the counties' seqs {seqs}")
        out[c] = d
    return out


def wait_exact(t, what, expected_by_county, eps, key, server_keys, settle=12.0):
    """Polls a snapshot of eps until it equals the summed counts (or settle s)."""
    end = time.monotonic() + settle
    while True:
        r, got = snapshot(t, eps, key, server_keys)
        diffs = diff_all(expected_by_county, got)
        bad = {c: d for c, d in diffs.items() if d}
        if not bad or time.monotonic() > end:
            break
        time.sleep(0.2)
    for c, d in diffs.items():
        t.check(not d, f"{what} [{c}]", "\n".join(d[:25]) + f"\n{r}"[:1500])
    return got


class SeqWatch(threading.Thread):
    """Snapshots endpoints again and again; records each campaign's seq."""

    def __init__(self, t, eps, key, server_keys):
        super().__init__(daemon=True)
        self.t, self.eps, self.key, self.server_keys = t, eps, key, server_keys
        self.seen = []  # [(endpoint, campaign, seq)]
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for ep, sk in zip(self.eps, self.server_keys):
                _, got = snapshot(self.t, [ep], self.key, [sk], timeout=1)
                for c, ro in got.items():
                    self.seen.append((ep, c, ro.get("seq")))

    def backwards(self):
        last, out = {}, []
        for ep, c, seq in self.seen:
            if (ep, c) in last and seq < last[(ep, c)] and len(out) < 10:
                out.append(f"{ep} {c}: seq {last[(ep, c)]} -> {seq}")
            last[(ep, c)] = max(seq, last.get((ep, c), 0))
        return out


CYCLED = "jiefang-2022"


def add_cycles(counties):
    """jiefang-2022 reports weekly in every county but county4 (monthly)."""
    for n, c in counties.items():
        cyc = "monthly, 25, 18:00" if n == "county4" else "weekly, 5, 18:00"
        with open(c.campaigns_ini, encoding="utf-8") as f:
            ini = f.read()
        with open(c.campaigns_ini, "w", encoding="utf-8") as f:
            f.write(ini.replace(f"[{CYCLED}]\n", f"[{CYCLED}]\ncycle = {cyc}\n", 1))


def merged_periods(expected_by_county, own, names):
    """The expected merged view of CYCLED's periods from the counties names
    (one cycle): figures summed from the independent counts, unit states and
    counts from the counties' own rollups (own: {county: rollup json})."""
    by_id = {}
    for n in names:
        for e in expected_by_county[n][CYCLED]["periods"]:
            m = by_id.setdefault(e["id"], {"id": e["id"], "start": e["start"], "end": e["end"],
                                           "due": e["due"], "units": {},
                                           "counts": dict.fromkeys(("reported", "nil", "late",
                                                                    "missing", "pending"), 0),
                                           "activities": {"total": {}, "by_kind": {}},
                                           "problems": dict.fromkeys(("identified", "resolved",
                                                                      "overdue_at_end"), 0)})
            m["start"], m["end"] = min(m["start"], e["start"]), max(m["end"], e["end"])
            add_tot(m["activities"]["total"], e["activities"]["total"])
            for k, v in e["activities"]["by_kind"].items():
                bk = m["activities"]["by_kind"].setdefault(k, {"name": v.get("name")})
                add_tot(bk, v)
            for k in m["problems"]:
                m["problems"][k] += e["problems"][k]
        for p in own[n].get("periods") or []:
            m = by_id.get(p["id"])
            if m is None:
                continue
            m["units"].update(p["units"])
            for k in m["counts"]:
                m["counts"][k] += p["counts"][k]
    cur = [own[n].get("period_current") for n in names if own[n].get("period_current")]
    closed = [own[n].get("period_last_closed") for n in names
              if own[n].get("period_last_closed")]
    return {"campaign": CYCLED, "cycle": "weekly,5,18:00",
            "periods": [by_id[k] for k in sorted(by_id)],
            "period_current": max(cur) if cur else None,
            "period_last_closed": max(closed) if closed else None}


def periods_diff(want, got):
    """What a merged rollup got says otherwise about CYCLED's periods."""
    d = []
    hbtest.hbcount.cmp_periods(want, got, d)
    gp = {p.get("id"): p for p in got.get("periods") or []}
    for p in want["periods"]:
        g = gp.get(p["id"], {})
        if g.get("units") != p["units"]:
            d.append(f"periods[{p['id']}].units: {g.get('units')} != {p['units']}")
        if g.get("counts") != p["counts"]:
            d.append(f"periods[{p['id']}].counts: {g.get('counts')} != {p['counts']}")
    for k in ("period_current", "period_last_closed"):
        if got.get(k) != want[k]:
            d.append(f"{k}: {got.get(k)!r} != {want[k]!r}")
    if got.get("cycle_mismatch") != ["county4"]:
        d.append(f"cycle_mismatch: {got.get('cycle_mismatch')!r} != ['county4']")
    return d


def periods_part(t, counties, aggs, names, cities, province):
    exp = {n: counties[n].expected(CYCLED) for n in names}
    own = {}
    for n in names:
        _, g = t.rollups(aggs[n], CYCLED)
        own[n] = g.get(CYCLED, {})
    t.check(all(own[n].get("cycle") == "weekly,5,18:00" for n in names[:3]) and
            own["county4"].get("cycle") == "monthly,25,18:00",
            "each county publishes its own cycle", {n: own[n].get("cycle") for n in names})
    want = merged_periods(exp, own, names[:3])
    _, c2 = snapshot(t, [cities[1]], "province", ["city2"])
    t.check_eq(c2.get(CYCLED, {}).get("cycle_mismatch"), ["county4"],
               "city2 names county4 (monthly) in cycle_mismatch")
    _, g = snapshot(t, cities, "province", ["city1", "city2"])
    d = periods_diff(want, g.get(CYCLED, {}))
    t.check(not d, "level 4: the province's periods are the three weekly counties' merged by "
            "id, county4 in cycle_mismatch", "\n".join(d[:25]))
    _, g = snapshot(t, [province], "nation", ["province"])
    d = periods_diff(want, g.get(CYCLED, {}))
    t.check(not d, "level 5: the same periods", "\n".join(d[:25]))


def main(t):
    k = t.keys
    k.make(["city1", "city2", "province", "nation", "intruder"])
    for c in ("city1", "city2"):  # the counties let both cities subscribe
        k.install(c, k.cities)
    prov_dir = os.path.join(t.dir, "keys", "province-ok")  # who may subscribe to a city
    nation_dir = os.path.join(t.dir, "keys", "nation-ok")  # ... to the province
    os.makedirs(prov_dir)
    os.makedirs(nation_dir)
    k.install("province", prov_dir)
    k.install("nation", prov_dir)  # the seq watcher below subscribes to the cities too
    k.install("nation", nation_dir)

    names = [f"county{i}" for i in range(1, 5)]
    counties = {n: t.county(n, units=5, rows=8, seed=40 + i) for i, n in enumerate(names)}
    add_cycles(counties)
    aggs = {n: t.aggregator(counties[n], extra=["--code", n, "--name", n.upper()],
                            heartbeat_ms=int(HB_MS)) for n in names}
    for n in names:
        runs = t.sync_all(counties[n], aggs[n])
        t.check(all(r.rc == 0 for r in runs.values()), f"{n}: every sync exits 0",
                [r for r in runs.values() if r.rc != 0][:2])

    r = hbtest.run([hbtest.SUB, "run", "--connect", aggs[names[0]].publish, "--data",
                    os.path.join(t.dir, "x"), "--publish", "tcp://127.0.0.1:1", "--key",
                    k.secret("city1"), "--server-key", k.public("county")])
    t.check(r.rc == hbtest.EX_USAGE and "--publish needs --secret" in r.err,
            "run --publish without --secret/--subscriber-keys exits 64 and says why", r)

    city1 = City(t, "city1", [aggs[n].publish for n in names[:2]], ["county"] * 2, prov_dir)
    city2 = City(t, "city2", [aggs[n].publish for n in names[2:]], ["county"] * 2, prov_dir)
    city1.start()
    city2.start()
    cities = [city1.publish, city2.publish]
    province = City(t, "province", cities, ["city1", "city2"], nation_dir).start()

    def expected():
        return {n: counties[n].expected() for n in names}

    exp = expected()
    got = wait_exact(t, "level 4: the province's snapshot of two cities equals the four "
                     "counties' counts", exp, cities, "province", ["city1", "city2"])
    camp = sorted(got)[0] if got else None
    wait_exact(t, "level 5: a snapshot of the republishing province equals them too", exp,
               [province.publish], "nation", ["province"])
    periods_part(t, counties, aggs, names, cities, province.publish)
    if camp:
        _, c1 = snapshot(t, [city1.publish], "province", ["city1"])
        t.check_eq(sorted(x["code"] for x in c1.get(camp, {}).get("counties", [])),
                   names[:2], "city1 republishes its two counties as its sources")

    # an unknown key is refused by the city
    r, bad = snapshot(t, [city1.publish], "intruder", ["city1"], timeout=1.5)
    t.check(r.rc == hbtest.EX_TEMPFAIL and not bad, "a subscriber with an unknown key gets "
            "nothing (exit 75)", r)
    time.sleep(0.2)
    t.check("refused a subscriber connection" in city1.text(), "city1 logs the refusal",
            city1.text()[-1500:])

    # the city installs the intruder's key and reloads (SIGHUP): it may subscribe now,
    # without a restart; removed again and reloaded, it is refused again
    k.install("intruder", prov_dir)
    city1.proc.send_signal(signal.SIGHUP)
    end = time.monotonic() + 5
    while "reloaded the subscriber keys" not in city1.text() and time.monotonic() < end:
        time.sleep(0.05)
    t.check("reloaded the subscriber keys" in city1.text(), "city1 logs the reload on SIGHUP",
            city1.text()[-1500:])
    r, ok = snapshot(t, [city1.publish], "intruder", ["city1"])
    t.check(r.rc == 0 and ok, "after SIGHUP the newly installed key gets the view (exit 0)", r)
    os.remove(os.path.join(prov_dir, "intruder.key"))
    city1.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    r, bad = snapshot(t, [city1.publish], "intruder", ["city1"], timeout=1.5)
    t.check(r.rc == hbtest.EX_TEMPFAIL and not bad, "removed and reloaded: refused again", r)
    t.check(city1.proc.poll() is None, "city1 is still running after two SIGHUPs")

    # an edit in county1 reaches the province
    st = counties["county1"].mutate(1, 40, "--touch", "0.9", "--advance", "0.5")
    t.check(st.get("advanced", 0) + st.get("added", 0) > 0, f"county1's ledgers edited ({st})")
    runs = t.sync_all(counties["county1"], aggs["county1"])
    t.check(all(r.rc == 0 for r in runs.values()), "county1 re-syncs",
            [r for r in runs.values() if r.rc != 0][:2])
    new = expected()
    t.check(new["county1"] != exp["county1"], "the edit changes county1's figures")
    exp = new
    wait_exact(t, "the edit in county1 reaches the province exactly", exp, cities, "province",
               ["city1", "city2"])

    watch = SeqWatch(t, [city1.publish, city2.publish, province.publish], "nation",
                     ["city1", "city2", "province"])
    watch.start()

    # county4 goes silent: city2 marks it stale but its seq does not drop
    aggs["county4"].stop()
    time.sleep(1.2)
    _, g = snapshot(t, [city2.publish], "nation", ["city2"])
    stale = {x["code"]: x["stale"] for x in g.get(camp, {}).get("counties", [])}
    t.check_eq(stale, {"county3": False, "county4": True},
               "city2 republishes county4 as stale, still counted")
    aggs["county4"].start()

    # city1 killed -9 right after an edit, restarted on the same --data
    counties["county2"].mutate(2, 41, "--touch", "0.9", "--advance", "0.5")
    t.sync_all(counties["county2"], aggs["county2"])
    city1.kill9()
    time.sleep(0.5)
    city1.start()
    exp = expected()
    wait_exact(t, "after kill -9 of city1 and a restart, the province is exact", exp, cities,
               "province", ["city1", "city2"])
    wait_exact(t, "... and so is the fifth level", exp, [province.publish], "nation",
               ["province"])
    time.sleep(0.5)
    watch.halt.set()
    watch.join(20)
    n_city1 = sum(1 for s in watch.seen if s[0] == city1.publish)
    t.check(n_city1 >= 3, f"the seqs of city1 were sampled ({n_city1} samples)")
    t.check_eq(watch.backwards(), [], "no published seq ever went down (cities, province)")
    _, g = snapshot(t, [city2.publish], "nation", ["city2"])
    stale = {x["code"]: x["stale"] for x in g.get(camp, {}).get("counties", [])}
    t.check_eq(stale, {"county3": False, "county4": False}, "county4 is heard again")
    for c in (city1, city2, province):
        t.check_eq(c.stop(), 0, f"{c.name} stops on SIGTERM")


hbtest.Test("levels").guard(main)
