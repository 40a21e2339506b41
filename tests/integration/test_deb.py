#!/usr/bin/env python3
"""The .deb packages (issue 16), installed into a fresh Debian 12 root made
here (the cached minbase tarball of ./deploy/cross/rootfs.sh, unpacked into
this test's folder; no network beyond Debian's archive, and none at all when
the runtime libraries are in that tarball):
  apt-get install ./huibao-*.deb in the root; the programs run; the county's
  system user and /etc/huibao folders exist; the agent's timer is enabled
  with the documented command (systemctl --root); the aggregator is started
  as its unit starts it (the unit's ExecStartPre and ExecStart command lines,
  the sample configuration of the package) and reports ready; an agent
  outside the root syncs the sample unit to it; it stops on SIGTERM with
  exit 0; apt-get purge removes every file the packages installed.

Debs: $HUIBAO_DEB_DIR, else <repo>/build/dist (./deploy/test.sh makes them
there from the test build: DIST=build/dist ./deploy/deb.sh amd64 build). Needs root,
chroot and the tarball; without them: skipped, except under CI=true."""
# ctest-labels: cross;nosan
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import hbcross
import hbtest

DEBS = os.environ.get("HUIBAO_DEB_DIR", os.path.join(hbtest.REPO, "build", "dist"))
ROOTFS = os.path.join(hbtest.REPO, "deploy", "cross", "rootfs.sh")


def main(t):
    if os.geteuid() != 0:
        hbcross.skip_or_fail("the .deb install test needs root (chroot, dpkg in a root)")
    debs = sorted(glob.glob(os.path.join(DEBS, "huibao-*_amd64.deb")))
    names = sorted(os.path.basename(d).split("_")[0] for d in debs)
    if names != ["huibao-agent", "huibao-aggregator", "huibao-sub"]:
        hbcross.skip_or_fail(f"no amd64 .debs in {DEBS} (DIST=build/dist ./deploy/deb.sh amd64 build): {names}")
    r = hbtest.run([ROOTFS], timeout=900)
    if r.rc != 0:
        hbcross.skip_or_fail(f"no Debian 12 root: {r}")
    tarball = r.out.strip().splitlines()[-1]

    root = os.path.join(t.dir, "root")
    os.makedirs(root)
    t0 = time.monotonic()
    subprocess.run(["tar", "-C", root, "-xf", tarball], check=True)
    t.check(os.path.exists(os.path.join(root, "usr/bin/apt-get")),
            f"a fresh Debian 12 root ({time.monotonic() - t0:.1f}s)")
    os.makedirs(os.path.join(root, "tmp/debs"), exist_ok=True)
    for d in debs:
        shutil.copy(d, os.path.join(root, "tmp/debs"))

    def ch(*argv, timeout=300, env=None):
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive",
             "LANG": "C.UTF-8"}
        e.update(env or {})
        return hbtest.run(["chroot", root] + list(argv), timeout=timeout, env=e)

    # install
    r = ch("apt-get", "install", "-y", "-q", "--no-install-recommends",
           *[f"/tmp/debs/{os.path.basename(d)}" for d in debs], timeout=600)
    t.check_rc(r, 0, "apt-get install ./huibao-*.deb in the fresh root")
    for p in ("huibao-agent", "huibao-aggregator", "huibao-sub", "huibao-keygen"):
        r = ch(f"/usr/bin/{p}", "--version")
        t.check(r.rc == 0 and p in r.out, f"{p} --version runs in the root", r)
    r = ch("getent", "passwd", "huibao-aggregator")
    t.check(r.rc == 0 and "/var/lib/huibao" in r.out, "the county's system user exists", r)
    for d in ("etc/huibao/keys/units", "etc/huibao/keys/cities"):
        t.check(os.path.isdir(os.path.join(root, d)), f"/{d} exists")
    for u in ("huibao-aggregator.service", "huibao-sub.service", "huibao-agent@.service",
              "huibao-agent@.timer"):
        t.check(os.path.exists(os.path.join(root, "lib/systemd/system", u)), f"unit {u}")

    # the agent's timer, enabled with the documented command (README)
    r = hbtest.run(["systemctl", f"--root={root}", "enable", "huibao-agent@dlz.timer"])
    t.check(r.rc == 0 and os.path.islink(os.path.join(
        root, "etc/systemd/system/timers.target.wants/huibao-agent@dlz.timer")),
        "systemctl enable huibao-agent@dlz.timer (timers.target.wants)", r)

    # The county, as its unit starts it, with the package's sample configuration.
    ex = "/usr/share/doc/huibao-aggregator/examples"
    etc = os.path.join(root, "etc/huibao")
    for f in ("units.csv", "campaigns.ini"):
        shutil.copy(os.path.join(root, ex.lstrip("/"), f), etc)
    listen, publish, metrics = hbtest.free_port(), hbtest.free_port(), hbtest.free_port()
    with open(os.path.join(root, ex.lstrip("/"), "aggregator.ini"), encoding="utf-8") as f:
        ini = f.read()
    ini = re.sub(r"(?m)^listen = .*$", f"listen = tcp://127.0.0.1:{listen}", ini)
    ini = re.sub(r"(?m)^publish = .*$", f"publish = tcp://127.0.0.1:{publish}", ini)
    ini = re.sub(r"(?m)^metrics = .*$", f"metrics = 127.0.0.1:{metrics}", ini)
    with open(os.path.join(etc, "aggregator.ini"), "w", encoding="utf-8") as f:
        f.write(ini)
    r = ch("huibao-keygen", "--out", "/etc/huibao/keys", "county", "dlz")
    t.check_rc(r, 0, "huibao-keygen in the root")
    shutil.copy(os.path.join(etc, "keys/dlz.key"), os.path.join(etc, "keys/units"))
    os.makedirs(os.path.join(root, "var/lib/huibao"), exist_ok=True)
    with open(os.path.join(root, "lib/systemd/system/huibao-aggregator.service"),
              encoding="utf-8") as f:
        unit = f.read()
    cred = "/etc/huibao/keys"  # what LoadCredential= would hand over

    def cmdline(key):
        m = re.search(rf"(?m)^{key}=(.*)$", unit)
        return m.group(1).replace("${CREDENTIALS_DIRECTORY}", cred).split()

    r = ch(*cmdline("ExecStartPre"))
    t.check_rc(r, 0, "the unit's ExecStartPre (--check-config) with the sample configuration")
    log = os.path.join(t.dir, "aggregator.log")
    with open(log, "wb") as lf:
        p = subprocess.Popen(["chroot", root] + cmdline("ExecStart"), stdout=lf,
                             stderr=subprocess.STDOUT)
    hbtest._live.append(p)
    t.logs.append(log)
    end = time.monotonic() + 20
    text = ""
    while time.monotonic() < end and p.poll() is None:
        text = open(log, "rb").read().decode("utf-8", "replace")
        if "ready" in text:
            break
        time.sleep(0.1)
    t.check("ready" in text, "the unit's ExecStart: huibao-aggregator is ready", text[-2000:])

    # An agent outside the root sends the sample unit dlz to it.
    ledger = os.path.join(t.dir, "ledger")
    hbtest.write_csv(os.path.join(ledger, "activities.csv"),
                     ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"],
                     [["A1", "jiefang-2022", "2022-07-01", "集中学习", "本级", "1", "12", "1",
                       "学习"]])
    hbtest.write_csv(os.path.join(ledger, "problems.csv"),
                     ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限",
                      "销号日期", "问题描述"], [])
    r = hbtest.run([hbtest.AGENT, "sync", "--unit", "dlz", "--ledger", ledger, "--state",
                    os.path.join(t.dir, "state"), "--county", f"tcp://127.0.0.1:{listen}",
                    "--key", os.path.join(etc, "keys/dlz.key_secret"), "--county-key",
                    os.path.join(etc, "keys/county.key")])
    t.check(r.rc == 0 and "stored 1" in r.err,
            "an agent syncs the sample unit dlz with the installed county (1 record stored)", r)

    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "timeout"
    t.check_eq(rc, 0, "huibao-aggregator stops on SIGTERM with exit 0")

    # purge: every file of the packages is gone; the operator's keys and
    # configuration are not the package's to delete, so they go first here.
    listed = {}
    for n in ("huibao-agent", "huibao-aggregator", "huibao-sub"):
        r = ch("dpkg", "-L", n)
        listed[n] = [x for x in r.out.splitlines() if x.startswith("/")]
    shutil.rmtree(os.path.join(etc, "keys"))
    for f in ("units.csv", "campaigns.ini", "aggregator.ini"):
        os.remove(os.path.join(etc, f))
    os.remove(os.path.join(root, "etc/systemd/system/timers.target.wants/huibao-agent@dlz.timer"))
    r = ch("apt-get", "purge", "-y", "-q", "huibao-agent", "huibao-aggregator", "huibao-sub")
    t.check_rc(r, 0, "apt-get purge of the three packages")
    left = [f for fs in listed.values() for f in fs
            if os.path.isfile(os.path.join(root, f.lstrip("/")))]
    t.check(not left, "no file of the packages is left", left[:10])
    t.check(not os.path.exists(etc), "/etc/huibao is gone (it was left empty)")
    r = ch("dpkg-query", "-W", "-f=${Status}\\n", "huibao-agent")
    t.check("installed" not in r.out.replace("not-installed", ""),
            "dpkg knows the packages no more", r)


if __name__ == "__main__":
    hbtest.Test("deb").guard(main)
