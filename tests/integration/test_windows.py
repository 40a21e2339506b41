#!/usr/bin/env python3
"""The Windows agent (issue 16): huibao-agent.exe, cross-built with mingw-w64
(./deploy/cross/win64.sh), runs under Wine against the Linux county on
127.0.0.1. The same ledgers are synced by the Linux agent into one county
and by the Windows agent into another; the rollups must be equal, timing
fields aside, and equal the independent counter:
  first sync of the units (UTF-8, UTF-8 with BOM and GBK CSV ledgers), two
  rounds of clerk edits (edits, deletions, additions), an outage (county down
  -> exit 75 -> resent), an .xlsx workbook and a folder with Chinese characters
  in their paths (ledger, state and keys), a workbook held open as Excel does
  (exit 75 with a message in Chinese, in UTF-8, then synced once released),
  and the state's data.mdb (Windows allocates it to the map size: it must
  start small and grow).

The .exe: $HUIBAO_AGENT_WIN64, else <repo>/build-win64/agents/huibao-agent.exe.
Wine: Debian's wine64 (/usr/lib/wine/wine64), WINEDEBUG=-all, a WINEPREFIX
of this test's own. When either is missing or Wine cannot start: skipped,
except under CI=true, where that is a failure."""
# ctest-labels: cross;nosan
import os
import shutil
import subprocess
import sys
import time

import hbcross
import hbtest
import test_xlsx  # noqa: F401 -- first: it re-executes under Debian's python3 if need be

BUILD = os.path.join(hbtest.REPO, "build-win64")
EXE = os.environ.get("HUIBAO_AGENT_WIN64", os.path.join(BUILD, "agents", "huibao-agent.exe"))
LOCKER = os.path.join(os.path.dirname(os.path.dirname(EXE)), "hb-lock-file.exe")
WINE = next((w for w in (os.environ.get("WINE"), "/usr/lib/wine/wine64", shutil.which("wine64"),
                         shutil.which("wine")) if w and os.access(w, os.X_OK)), None)


def winpath(p):
    """Wine maps / to drive Z:."""
    return "Z:" + os.path.abspath(p).replace("/", "\\")


def unit_xlsx(county, unit, out):
    """The unit's CSV ledger as a workbook (the way test_xlsx writes them)."""
    import test_xlsx
    test_xlsx.csv_to_xlsx(county.ledger(unit), out, ("活动", "问题"))


def main(t):
    if not WINE:
        hbcross.skip_or_fail("Wine is not installed (./deploy/deps.sh --cross: wine64)")
    if not os.path.exists(EXE):
        hbcross.skip_or_fail(f"no Windows agent at {EXE} (./deploy/cross/win64.sh)")
    env = {"WINEPREFIX": os.path.join(t.dir, "wineprefix"), "WINEDEBUG": "-all",
           "WINEDLLOVERRIDES": "mscoree,mshtml=", "DISPLAY": ""}
    os.environ.update(env)  # hbtest.run passes os.environ on
    server = os.path.join(os.path.dirname(WINE), "wineserver")

    def stop_wine():
        if os.path.exists(server):
            subprocess.run([server, "-k"], env=dict(os.environ), timeout=30,
                           capture_output=True)
    import atexit
    atexit.register(stop_wine)

    t0 = time.monotonic()
    r = hbtest.run([WINE, EXE, "--version"], timeout=180)
    if r.rc != 0 or "huibao-agent" not in r.out:
        hbcross.skip_or_fail(f"Wine cannot start the Windows agent: {r}")
    t.check(True, f"huibao-agent.exe runs under Wine (new prefix: {time.monotonic() - t0:.1f}s)")
    prefix = [WINE, EXE]

    county = t.county(units=4, rows=40, seed=16)
    native = t.aggregator(county)
    foreign = t.aggregator(county)
    win_states = os.path.join(t.dir, "state-win")
    units = county.units()

    def linux(u, ledger=None):
        return t.sync(county, u, native, ledger=ledger)

    def windows(u, ledger=None, agg=None, timeout=20, extra=None):
        return hbcross.sync_with(t, prefix, county, u, agg or foreign, win_states, timeout=timeout,
                                 ledger=ledger, extra=extra, path=winpath)

    def both(what, only=None, ledger=None, extra=None):
        for u in only or units:
            a = linux(u, ledger)
            b = windows(u, ledger, extra=extra)
            t.check_rc(a, 0, f"{what}: Linux agent of {u}")
            t.check_rc(b, 0, f"{what}: Windows agent of {u}")
        hbcross.check_same_rollups(t, county, native, foreign, what)

    both("first sync")
    county.mutate(1, 16)
    both("after clerk edits")
    mdb = os.path.join(win_states, units[0], "data.mdb")
    size = os.path.getsize(mdb) if os.path.exists(mdb) else -1
    t.check_eq(size, 1 << 20, "a small state's data.mdb is 1 MiB on Windows (64 MiB map on Linux)")

    # A big ledger (3,000 rows a file): the state's map, allocated in full on
    # Windows, grows by doubling from 1 MiB as the outbox fills; the county
    # is not there (exit 75), so everything stays in the outbox.
    big = t.county("big", units=1, rows=3000, seed=7)
    u = big.units()[0]
    big_states = os.path.join(t.dir, "state-big")
    for run in (1, 2):
        r = hbcross.sync_with(t, prefix, big, u, f"tcp://127.0.0.1:{hbtest.free_port()}",
                              big_states, timeout=1, path=winpath)
        t.check_rc(r, hbtest.EX_TEMPFAIL, f"big ledger, no county, run {run}")
        t.check("6000 records kept in the outbox" in r.err or "records kept in the outbox" in r.err,
                f"run {run}: the records are kept in the outbox", r)
    mdb = os.path.join(big_states, u, "data.mdb")
    size = os.path.getsize(mdb) if os.path.exists(mdb) else -1
    t.check(1 << 20 < size <= 16 << 20, f"the big state's data.mdb grew past 1 MiB ({size} bytes)")

    # An outage: the county is down -> exit 75, the changes stay in the outbox
    # and are sent once it is back.
    county.mutate(3, 16)
    foreign.stop()
    r = windows(units[0], timeout=2)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "Windows agent with the county down")
    t.check("county unreachable" in r.err, "it says the county is unreachable", r)
    foreign.start()
    r = windows(units[0])
    t.check_rc(r, 0, "Windows agent once the county is back (the outbox is resent)")
    both("after the outage")

    # From here on: unit 1's ledger is a workbook in a folder with Chinese
    # characters (and a space), its Windows state moved to a folder named in
    # Chinese and its keys in another; unit 2's ledger a CSV folder named in
    # Chinese. Each round writes them anew from the generated CSV ledgers.
    zh = os.path.join(t.dir, "乡镇台账 2023")
    os.makedirs(zh)
    book = os.path.join(zh, f"东风乡-{units[1]}-台账.xlsx")
    zh_dir = os.path.join(zh, "大林镇 台账")
    zh_states = os.path.join(t.dir, "状态 文件夹")
    shutil.copytree(os.path.join(win_states, units[1]), os.path.join(zh_states, units[1]))
    keys = os.path.join(t.dir, "密钥")
    os.makedirs(keys)
    for f in (t.keys.secret(units[1]), t.keys.public("county")):
        shutil.copy(f, keys)
    key_flags = ["--key", winpath(os.path.join(keys, os.path.basename(t.keys.secret(units[1])))),
                 "--county-key", winpath(os.path.join(keys, "county.key"))]

    def write_ledgers():
        unit_xlsx(county, units[1], book)
        shutil.rmtree(zh_dir, ignore_errors=True)
        shutil.copytree(county.ledger(units[2]), zh_dir)

    def windows_book(timeout=20):
        return hbcross.sync_with(t, prefix, county, units[1], foreign, zh_states, timeout=timeout,
                                 ledger=book, extra=key_flags, path=winpath)

    def zh_round(what):
        write_ledgers()
        for u in units:
            ledger = book if u == units[1] else zh_dir if u == units[2] else None
            t.check_rc(linux(u, ledger), 0, f"{what}: Linux agent of {u}")
            b = windows_book() if u == units[1] else windows(u, ledger)
            t.check_rc(b, 0, f"{what}: Windows agent of {u}")
        hbcross.check_same_rollups(t, county, native, foreign, what)

    county.mutate(4, 16)
    zh_round("an .xlsx ledger and a CSV folder in folders named in Chinese")

    # The workbook held open by Excel/WPS (no sharing): exit 75 with a clear
    # message, in UTF-8; synced at the next run once it is closed.
    if t.check(os.path.exists(LOCKER), "the test's file locker was built", LOCKER):
        county.mutate(5, 16)
        write_ledgers()
        lock = subprocess.Popen([WINE, LOCKER, winpath(book), "60"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        hbtest._live.append(lock)
        line = lock.stdout.readline().decode(errors="replace").strip()
        t.check_eq(line, "locked", "the workbook is held open without sharing")
        r = windows_book()
        t.check_rc(r, hbtest.EX_TEMPFAIL, "Windows agent while the workbook is open elsewhere")
        t.check("正被其他程序（Excel、WPS）打开" in r.err and "东风乡" in r.err,
                "it says, in Chinese (UTF-8), that the workbook is open in Excel/WPS", r)
        lock.kill()
        lock.wait()
        zh_round("once the workbook is closed")

    # template: an empty workbook written into a folder named in Chinese
    # (libxlsxwriter built with compat.h's UTF-8 fopen), valid for the Linux agent
    tpl = os.path.join(zh, "模板", "台账模板.xlsx")
    os.makedirs(os.path.dirname(tpl))
    r = hbtest.run(prefix + ["template", "--out", winpath(tpl)], timeout=60)
    t.check(r.rc == 0 and os.path.exists(tpl), "template --out a path with Chinese characters", r)
    t.check_rc(hbtest.run([hbtest.AGENT, "check", "--ledger", tpl]), 0,
               "the Windows agent's template is a valid empty ledger for the Linux agent")

    # check: the same diagnostics as the Linux agent, for bad rows and for a
    # campaigns file (Windows: inih's parser, docs/platforms.md)
    bad = os.path.join(zh, "坏行")
    os.makedirs(bad)
    hbtest.write_csv(os.path.join(bad, "activities.csv"),
                     ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"],
                     [["A1", "jiefang-2022", "2022-13-40", "集中学习", "本级", "1", "5", "0", "x"],
                      ["A2", "jiefang-2022", "2022-07-01", "集中学习", "本级", "-1", "5", "0", "y"]])
    camps = os.path.join(zh, "专项.ini")
    with open(county.campaigns_ini, encoding="utf-8") as f:
        text = f.read()
    with open(camps, "w", encoding="utf-8") as f:
        f.write("\ufeff; 注释\n" + text + "\n[bad-2023\nname = 坏 ; 行内注释\n"
                "这一行没有等号\n[x-2023]\nname = x\nstart = 2023-13-01\n")

    def same_check(what, argv_linux, argv_win, paths):
        a = hbtest.run([hbtest.AGENT, "check"] + argv_linux)
        b = hbtest.run(prefix + ["check"] + argv_win, timeout=60)
        err = b.err.replace("\r\n", "\n")
        for p in paths:
            err = err.replace(winpath(p), p)
        t.check_eq(b.rc, a.rc, f"{what}: the Windows agent's exit code is the Linux agent's")
        t.check_eq(err, a.err, f"{what}: the same diagnostics as the Linux agent")

    same_check("check of bad rows", ["--ledger", bad], ["--ledger", winpath(bad)], [bad])
    same_check("check with a campaigns file with errors",
               ["--ledger", county.ledger(units[0]), "--campaigns", camps],
               ["--ledger", winpath(county.ledger(units[0])), "--campaigns", winpath(camps)],
               [county.ledger(units[0]), camps])
    same_check("check with the county's campaigns file",
               ["--ledger", county.ledger(units[3]), "--campaigns", county.campaigns_ini],
               ["--ledger", winpath(county.ledger(units[3])), "--campaigns",
                winpath(county.campaigns_ini)], [county.ledger(units[3]), county.campaigns_ini])

    # Issue 15: unit 4's records signed. Its signing key beside its CURVE
    # secret cert (huibao-keygen --sign-only), found there by the Windows
    # agent as by the Linux one; both counties hold its public signing key
    # (SIGHUP) and would refuse an unsigned record; every history entry of
    # the Windows agent's county verifies (python3-nacl).
    import test_signed_records as tsr
    u = units[3]
    tsr.keygen_sign(t, [u])
    shutil.copyfile(os.path.join(t.keys.pairs, u + ".sign"), os.path.join(t.keys.units, u + ".sign"))
    for a in (native, foreign):
        a.proc.send_signal(hbtest.signal.SIGHUP)
    end = time.monotonic() + 10
    while time.monotonic() < end and not all(
            "1 signing keys of units" in a.log_text() for a in (native, foreign)):
        time.sleep(0.1)
    n0 = max([e[0] for e in tsr.log_records(foreign.data)] or [0])
    county.mutate(6, 16)
    both("signed by the unit", only=[u])
    vk = tsr.verify_key(t, u)
    new = [e for e in tsr.log_records(foreign.data) if e[1] == u and e[0] > n0]
    t.check(len(new) > 0, "the Windows agent's edits are stored", new)
    bad = []
    for n, _, kind, body, sig, signed in new:
        try:
            vk.verify(tsr.DOMAIN + bytes([kind]) + (signed if signed is not None else body), sig)
        except Exception:  # noqa: BLE001 -- nacl's BadSignatureError, or no signature (None)
            bad.append(n)
    t.check_eq(bad, [], "every record the Windows agent sent is signed with the unit's key")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    hbtest.Test("windows").guard(main)
