#!/usr/bin/env python3
"""The county's review decisions back to the clerk (issue 14, "Back to the
clerk"): a decision made at the county reaches the unit's agent on its next
sync, which prints it (县里退回 问题 P017：…（审核人 李四，12月3日）) and writes
县级反馈.csv beside the ledger exactly; `check` lists the open returns until
the clerk edits the row and syncs; 250 decisions come in Acks of 100 with
decisions_more; kill -9 of the agent while they arrive never loses one (the
csv is rewritten from the state); a county epoch change takes them again;
an old county (no decisions) still syncs.

The decisions are made with `huibao-aggregator review ... return` when that
command works (and then the county's returned count is checked too); else
they are written into the county store's db "decisions" by the test tool
hb-put-decision, as the review code writes them."""
import os
import random
import signal
import subprocess
import threading
import time

import zmq

import hbtest
import hbwire

TZ = "Asia/Shanghai"
AT = "2026-12-03 14:05:00"  # the county's clock when the reviewer decides (Shanghai)
AT_S = 1796277900           # the same instant, unix seconds
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
PUT = os.environ.get("HUIBAO_PUT_DECISION",
                     os.path.join(os.path.dirname(hbtest.AGENT), "..", "tests", "hb-put-decision"))
BOM = "\ufeff"
CSV_HEAD = BOM + "台账,编号,结果,原因,审核人,时间\r\n"

A_HDR = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期", "问题描述"]
ACTS = [["A001", "jiefang-2022", "2022-07-01", "study", "unit", 1, 10, 0, "学习"]]
PROBS = [["P016", "jiefang-2022", "2022-07-01", "个人", "深化县情认识", "整改中", "2", "2022-09-30", "",
          "对县情认识不清"],
         ["P017", "jiefang-2022", "2022-07-02", "班子", "county", "已整改", "1", "2022-09-30",
          "2022-09-20", "“四个体系”落实不到位"]]

ENV = {"TZ": TZ}


def write_ledger(county, unit, probs=PROBS):
    hbtest.write_csv(os.path.join(county.ledger(unit), "activities.csv"), A_HDR, ACTS)
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, probs)


def sync(t, county, unit, agg, extra=None, timeout=10):
    ep = agg.listen if isinstance(agg, hbtest.Aggregator) else agg
    os.makedirs(county.states, exist_ok=True)
    extra = list(extra or [])
    return hbtest.run([hbtest.AGENT, "sync", "--unit", unit, "--ledger", county.ledger(unit),
                       "--state", county.state(unit), "--county", ep, "--timeout", str(timeout)]
                      + t.agent_keys(unit, extra) + extra, timeout=timeout + 30, env=ENV)


def check_cmd(county, unit):
    return hbtest.run([hbtest.AGENT, "check", "--ledger", county.ledger(unit), "--unit", unit,
                       "--state", county.state(unit)], env=ENV)


def csv_text(county, unit):
    try:
        with open(os.path.join(county.ledger(unit), "县级反馈.csv"), "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError:
        return None


def review_cli_works():
    r = hbtest.run([hbtest.AGGREGATOR, "review", "--help"])
    return r.rc == 0


class Decider:
    """Makes decisions at the county: the review CLI (with an account made
    by the account CLI, the clock at AT) when it works, else hb-put-decision."""

    def __init__(self, t, agg):
        self.t, self.agg, self.n = t, agg, 0
        self.cli = review_cli_works()
        if self.cli:
            p = subprocess.run([hbtest.AGGREGATOR, "account", "add", "--data", agg.data, "李四",
                                "--role", "reviewer"], input=b"correct horse battery\n",
                               capture_output=True, timeout=60)
            t.check_eq(p.returncode, 0, "account add 李四 (reviewer)", p.stderr.decode()[-500:])

    def ret(self, unit, kind, rid, reason):
        """A return (退回) of record (unit, kind 'A'/'P', rid) with reason."""
        if self.cli:
            # libfaketime is preloaded before ASan's runtime in the sanitizer build
            asan = os.environ.get("ASAN_OPTIONS", "")
            env = dict(os.environ, TZ=TZ, LD_PRELOAD=FAKETIME, FAKETIME="@" + AT,
                       FAKETIME_DONT_FAKE_MONOTONIC="1",
                       ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")
            p = subprocess.run([hbtest.AGGREGATOR, "review", "--data", self.agg.data, "--as", "李四",
                                "return", unit, rid, "--kind",
                                "activity" if kind == "A" else "problem", "--reason", reason],
                               input=b"correct horse battery\n", capture_output=True, timeout=120,
                               env=env)
            self.t.check_eq(p.returncode, 0, f"review return {unit} {rid}",
                            p.stderr.decode()[-500:])
            return
        self.put(unit, 1, kind, rid, 2, reason)

    def put(self, unit, count, kind, rid, action, reason=None, first=None):
        first = first if first is not None else self.n + 1
        self.n = max(self.n, first + count - 1)
        argv = [PUT, self.agg.data, unit, str(first), str(count), kind, rid, str(action), "李四",
                str(AT_S)] + ([reason] if reason is not None else [])
        r = hbtest.run(argv)
        self.t.check_rc(r, 0, f"hb-put-decision {unit} {rid} x{count}")


def returned_count(t, agg, unit):
    _, got = t.rollups(agg, "jiefang-2022")
    for u in got.get("jiefang-2022", {}).get("units", []):
        if u.get("code") == unit:
            return u.get("problems", {}).get("returned")
    return None


def flow(t, county, agg, unit):
    """Return, print, csv, check, edit, check again."""
    write_ledger(county, unit)
    r = sync(t, county, unit, agg)
    t.check_rc(r, 0, "first sync")
    t.check(csv_text(county, unit) is None, "no 县级反馈.csv while the county decided nothing")

    d = Decider(t, agg)
    d.ret(unit, "P", "P017", "整改材料不全")
    d.ret(unit, "A", "A001", "缺少活动照片,请补充")
    if d.cli:
        time.sleep(1.5)  # the service reloads and republishes
        t.check_eq(returned_count(t, agg, unit), 1, "the county counts P017 returned")

    r = sync(t, county, unit, agg)
    t.check_rc(r, 0, "sync after the returns")
    lines = [x for x in r.err.splitlines() if x.startswith("县里")]
    t.check_eq(lines, ["县里退回 问题 P017：整改材料不全（审核人 李四，12月3日）",
                       "县里退回 活动 A001：缺少活动照片,请补充（审核人 李四，12月3日）"],
               "the next sync prints each decision", r)
    want = (CSV_HEAD + "问题,P017,退回,整改材料不全,李四,2026-12-03 14:05\r\n"
            + "活动,A001,退回,\"缺少活动照片,请补充\",李四,2026-12-03 14:05\r\n")
    t.check_eq(csv_text(county, unit), want, "县级反馈.csv exactly")

    r = sync(t, county, unit, agg)
    t.check_eq([x for x in r.err.splitlines() if x.startswith("县里")], [],
               "a decision is printed once")

    r = check_cmd(county, unit)
    t.check_rc(r, 0, "check with open returns exits as before (0: the ledger is valid)")
    t.check("problems.csv:3: 县里退回，尚未修改 (returned by the county, not changed since): "
            "县里退回 问题 P017：整改材料不全（审核人 李四，12月3日）" in r.err,
            "check lists P017's open return at its line", r)
    t.check("activities.csv:2: 县里退回，尚未修改" in r.err, "check lists A001's open return", r)

    probs = [list(PROBS[0]), list(PROBS[1])]
    probs[1][9] = "“四个体系”落实不到位，已补充材料"
    write_ledger(county, unit, probs)
    r = sync(t, county, unit, agg)
    t.check_rc(r, 0, "sync after the clerk edited P017")
    r = check_cmd(county, unit)
    t.check("P017" not in r.err and "activities.csv:2: 县里退回" in r.err,
            "check no longer lists P017, still A001", r)
    if d.cli:
        time.sleep(1.5)
        t.check_eq(returned_count(t, agg, unit), 0, "the edit leaves the returned state")
    return d


def many_and_kills(t, county, agg, unit, d):
    """250 decisions: asked again with decisions_more; kill -9 never loses one."""
    write_ledger(county, unit)
    t.check_rc(sync(t, county, unit, agg), 0, f"first sync of {unit}")
    base = 1_000_000
    d.put(unit, 250, "P", "P016", 3, "问题反弹", first=base)
    killed = 0
    for i in range(10):
        p = subprocess.Popen([hbtest.AGENT, "sync", "--unit", unit, "--ledger",
                              county.ledger(unit), "--state", county.state(unit), "--county",
                              agg.listen, "--timeout", "10"] + t.agent_keys(unit, []),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=dict(os.environ, TZ=TZ))
        time.sleep(random.uniform(0.0, 0.08))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
    t.check(True, f"{killed} of 10 syncs killed with SIGKILL while decisions arrived")
    r = sync(t, county, unit, agg)
    t.check_rc(r, 0, "sync after the kills")
    rows = "".join(f"问题,P016,重新打开,问题反弹,李四,2026-12-03 14:05\r\n" for _ in range(250))
    t.check_eq(csv_text(county, unit), CSV_HEAD + rows, "all 250 decisions in 县级反馈.csv")

    # a fresh state: all 250 in one run (Acks of 100, decisions_more)
    os.rename(county.state(unit), county.state(unit) + ".old")
    os.remove(os.path.join(county.ledger(unit), "县级反馈.csv"))
    r = sync(t, county, unit, agg)
    t.check_eq(len([x for x in r.err.splitlines() if x.startswith("县里重新打开 问题 P016")]), 250,
               "a new state gets all 250 decisions in one sync", r.err[-800:])
    t.check_eq(csv_text(county, unit), CSV_HEAD + rows, "县级反馈.csv of the new state")

    # the csv lost (killed after the state's commit, before the file): rewritten
    os.remove(os.path.join(county.ledger(unit), "县级反馈.csv"))
    t.check_rc(sync(t, county, unit, agg), 0, "sync with the csv gone")
    t.check_eq(csv_text(county, unit), CSV_HEAD + rows, "县级反馈.csv rewritten from the state")


def epoch_change(t, county, agg, unit):
    """The county restored from another store (new epoch): taken again from 0."""
    agg.stop()
    fresh = t.aggregator(county)
    d = Decider(t, fresh)
    write_ledger(county, unit)
    d.put(unit, 1, "P", "P016", 2, "重新核实", first=1)
    r = sync(t, county, unit, fresh)
    t.check_rc(r, 0, "sync to a county with another epoch")
    t.check("县里退回 问题 P016：重新核实（审核人 李四，12月3日）" in r.err,
            "the new county's decision is printed", r)
    t.check_eq(csv_text(county, unit),
               CSV_HEAD + "问题,P016,退回,重新核实,李四,2026-12-03 14:05\r\n",
               "县级反馈.csv holds only the new county's decisions")
    fresh.stop()


class OldCounty(threading.Thread):
    """A county of the version before issue 14: answers STORED to every
    record and knows no decisions (no Ack 6/7); notes the decisions_after
    of each Submit (field 5)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.port = hbtest.free_port()
        self.after = []
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.bind(f"tcp://127.0.0.1:{self.port}")
        self.stop = False

    def run(self):
        while not self.stop:
            if not self.sock.poll(100):
                continue
            ident, payload = self.sock.recv_multipart()
            m = hbwire.parse(payload)
            self.after.append(m.get(5, [None])[0])
            results = b"".join(
                hbwire.f_bytes(2, hbwire.f_varint(1, hbwire.parse(rec)[1][0])
                               + hbwire.f_varint(2, hbwire.STORED)) for rec in m.get(3, []))
            self.sock.send_multipart([ident, hbwire.f_varint(1, m[1][0]) + results])


def old_county(t, county, unit):
    c = OldCounty()
    c.start()
    try:
        write_ledger(county, unit)
        ep = f"tcp://127.0.0.1:{c.port}"
        r = sync(t, county, unit, ep, extra=["--insecure"])
        t.check_rc(r, 0, "sync to an old county (no decisions)")
        t.check("stored 3" in r.err, "the old county stored the 3 rows", r)
        t.check(c.after and all(a == 0 for a in c.after),
                "every Submit says decisions_after 0", c.after)
        t.check(csv_text(county, unit) is None, "no 县级反馈.csv from an old county")
        r = check_cmd(county, unit)
        t.check_rc(r, 0, "check after an old county")
    finally:
        c.stop = True
        c.join(2)


def main(t):
    if not os.access(PUT, os.X_OK):
        print(f"SKIP: hb-put-decision not built ({PUT})")
        raise SystemExit(77)
    county = t.county(units=3, rows=3, seed=7)
    agg = t.aggregator(county)
    units = county.units()
    d = flow(t, county, agg, units[0])
    many_and_kills(t, county, agg, units[1], d)
    epoch_change(t, county, agg, units[1])
    old_county(t, county, units[2])


hbtest.Test("feedback").guard(main)
