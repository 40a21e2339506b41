#!/usr/bin/env python3
"""The arm64 agent (issue 16): huibao-agent cross-built for arm64 Linux
(./deploy/cross/arm64.sh) runs under qemu-user against the amd64 county on
loopback. The same ledgers are synced by the amd64 agent into one county and
by the arm64 agent into another; through a first sync, two rounds of clerk
edits (edits, deletions, additions) and an outage (county down -> exit 75 ->
resend) the two counties' rollups are equal, timing fields aside.

The arm64 agent: $HUIBAO_AGENT_ARM64, else <repo>/build-arm64/agents/huibao-agent.
Missing (or no qemu-aarch64): skipped, except under CI=true where it fails."""
# ctest-labels: cross;nosan
import json
import os
import shutil

import hbcross
import hbtest

ARM64 = os.environ.get("HUIBAO_AGENT_ARM64",
                       os.path.join(hbtest.REPO, "build-arm64", "agents", "huibao-agent"))


def main(t):
    qemu = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
    if not qemu:
        hbcross.skip_or_fail("qemu-aarch64 is not installed (./deploy/deps.sh --cross)")
    if not os.access(ARM64, os.X_OK):
        hbcross.skip_or_fail(f"no arm64 agent at {ARM64} (./deploy/cross/arm64.sh)")
    # The arm64 loader and libraries are Debian's multiarch ones under /.
    prefix = [qemu, "-L", "/", ARM64]
    r = hbtest.run(prefix + ["--version"])
    if r.rc != 0:
        hbcross.skip_or_fail(f"the arm64 agent does not start under qemu: {r}")
    t.check("huibao-agent" in r.out, "the arm64 agent runs under qemu-user", r)

    county = t.county(units=6, rows=20, seed=16)
    native = t.aggregator(county)
    foreign = t.aggregator(county)
    arm_states = os.path.join(t.dir, "state-arm64")

    def both(what):
        runs = t.sync_all(county, native)
        t.check(all(x.rc == 0 for x in runs.values()), f"{what}: amd64 agents exit 0",
                [x for x in runs.values() if x.rc != 0][:1])
        bad = []
        for u in county.units():
            x = hbcross.sync_with(t, prefix, county, u, foreign, arm_states, timeout=20)
            if x.rc != 0:
                bad.append(x)
        t.check(not bad, f"{what}: arm64 agents exit 0", bad[:1])
        hbcross.check_same_rollups(t, county, native, foreign, what)

    both("first sync")
    for rnd in (1, 2):
        county.mutate(rnd, 16)
        both(f"after clerk edits, round {rnd}")

    # An outage: the county is down, the arm64 agent keeps its changes in its
    # outbox and exits 75; once the county is back it resends them.
    county.mutate(3, 16)
    foreign.stop()
    u = county.units()[0]
    r = hbcross.sync_with(t, prefix, county, u, foreign, arm_states, timeout=2)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "arm64 agent with the county down")
    foreign.start()
    both("after the outage")

    # The arm64 city program reads the county as the amd64 one does.
    sub = os.path.join(os.path.dirname(os.path.dirname(ARM64)), "sub", "huibao-sub")
    if t.check(os.access(sub, os.X_OK), "the arm64 huibao-sub was built", sub):
        for c in county.campaigns():
            _, want = t.rollups(foreign, c)
            r = hbtest.run([qemu, "-L", "/", sub, "snapshot", "--connect", foreign.publish,
                            "--format", "json", "--timeout", "10", "--campaign", c]
                           + t.sub_keys(foreign.publish), timeout=60)
            try:
                got = json.loads(r.out)
            except ValueError:
                got = None
            t.check(isinstance(got, dict) and c in want and hbcross.first_difference(
                hbcross.normalized(got), hbcross.normalized(want[c])) is None,
                f"arm64 huibao-sub snapshot [{c}] equals the amd64 one", r)


if __name__ == "__main__":
    hbtest.Test("arm64").guard(main)
