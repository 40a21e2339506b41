#!/usr/bin/env python3
"""The city's replica: catch-up of N records from nothing (issue 15, docs/replica.md).

  bench/replica.py [--build DIR] [--records N]   (default 1,000,000; the lead runs the full size)

Makes a county store of N records with a real huibao-aggregator (CURVE, --detail) fed by
bench-loadgen, then starts `huibao-sub run --data --detail` on an empty data folder and measures
the time until its replica holds every entry of the county's history (read from its log), the
entries per second, and the sizes of DATA/replica and of the county's store. Prints one row:

  replica catch-up N records: E entries in S s = R entries/s; replica X MB (county Y MB)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (Setup, Bins, start, stop, wait_for, free_port, log)


def du_mb(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.stat(os.path.join(d, f)).st_blocks * 512
    return total / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build"))
    ap.add_argument("--records", type=int, default=1_000_000)
    a = ap.parse_args()
    b = bench.Bins(a.build)
    root = tempfile.mkdtemp(prefix="huibao-bench-replica-")
    try:
        s = bench.Setup(b, root)
        dkeys = os.path.join(root, "detailkeys")
        os.makedirs(dkeys)
        shutil.copy(os.path.join(s.keys, "city.key"), dkeys)
        data = os.path.join(root, "county")
        lp, pp, dp = bench.free_port(), bench.free_port(), bench.free_port()
        listen, publish = f"tcp://127.0.0.1:{lp}", f"tcp://127.0.0.1:{pp}"
        detail = f"tcp://127.0.0.1:{dp}"
        argv = [b.aggregator, "--data", data, "--units", s.units_csv, "--campaigns", s.campaigns,
                "--listen", listen, "--publish", publish, "--detail", detail,
                "--detail-keys", dkeys, "--secret", os.path.join(s.keys, "county.key_secret"),
                "--keys", s.unitkeys, "--subscriber-keys", s.citykeys, "--log-level", "notice"]
        alog = os.path.join(root, "aggregator.log")
        agg = bench.start(argv, alog)
        bench.wait_for(lambda: "ready" in open(alog, errors="replace").read(), 30, "aggregator")
        bench.log(f"county: loading {a.records:,} records")
        s.loadgen(listen, a.records)
        city = os.path.join(root, "city")
        clog = os.path.join(root, "city.log")
        t0 = time.monotonic()
        sub = bench.start([b.sub, "run", "--connect", publish, "--data", city, "--detail", detail]
                          + s.sub_flags(), clog)
        want = None
        got = 0

        def caught_up():
            nonlocal want, got
            txt = open(clog, errors="replace").read()
            m = re.findall(r"applied \d+ entries \(\d+\.\.(\d+) of (\d+)\)", txt)
            if m:
                got, want = int(m[-1][0]), int(m[-1][1])
            return want is not None and got >= want
        bench.wait_for(caught_up, 3600, "the replica's catch-up")
        secs = time.monotonic() - t0
        bench.stop(sub)
        bench.stop(agg)
        rmb, cmb = du_mb(os.path.join(city, "replica")), du_mb(data)
        print(f"replica catch-up {a.records:,} records: {got:,} entries in {secs:.1f} s = "
              f"{got / secs:,.0f} entries/s; replica {rmb:.0f} MB (county {cmb:.0f} MB)",
              flush=True)
    finally:
        bench.stop_all()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
