"""Helpers for the tests of the county's review console (huibao-aggregator
--console): HTTP with a session cookie (http.client, no redirects followed),
accounts made with `huibao-aggregator account add`, and a hand-written
problem that a unit marked 已整改."""
import http.client
import json
import os
import subprocess
import urllib.parse

import hbtest

P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期",
         "问题描述", "责任人", "整改措施", "来源"]
CAMPAIGN = "jiefang-2022"


def write_problems(county, unit, status="已整改", extra_rows=()):
    """WT001 (the test's problem) in the given status, and WT002 整改中."""
    rows = [["WT001", CAMPAIGN, "2022-07-01", "个人", "深化县情认识", status, "2", "2022-09-30",
             "2022-08-20" if status == "已整改" else "", "对县情认识不清，把握不透", "王五",
             "组织专题学习；建立调研台账", "增量"],
            ["WT002", CAMPAIGN, "2022-07-02", "班子", "county", "整改中", "1", "2024-06-30", "",
             "“四个体系”落实不到位", "赵六", "制定落实方案", "存量"]] + list(extra_rows)
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, rows)


def account_add(agg, name, role, password):
    """`huibao-aggregator account add` with the password on stdin: (exit code, stderr)."""
    p = subprocess.run([hbtest.AGGREGATOR, "account", "add", "--data", agg.data, "--role", role,
                        name], input=(password + "\n").encode(), capture_output=True,
                       timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


class Http:
    """One browser-like client of http://127.0.0.1:port: keeps the session
    cookie it was given."""

    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = ""

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict (lower-case names), body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            set_cookie = r.getheader("Set-Cookie")
            if set_cookie and set_cookie.startswith("hb_session="):
                self.cookie = set_cookie.split(";", 1)[0]
            return r.status, hdrs, data
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None):
        st, _, data = self.request(method, path, body, headers)
        try:
            return st, json.loads(data.decode("utf-8") or "null")
        except ValueError:
            return st, {"raw": data.decode("utf-8", "replace")}

    def login(self, name, password):
        form = urllib.parse.urlencode({"name": name, "password": password}).encode()
        st, hdrs, _ = self.request("POST", "/login", form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        return st

    def decide(self, unit, pid, action, reason="", kind="P", csrf=None):
        h = {"X-CSRF-Token": self.csrf if csrf is None else csrf}
        return self.json("POST", "/api/decide", {"unit": unit, "kind": kind, "id": pid,
                                                 "action": action, "reason": reason}, h)


def gate_is_real(port):
    """Whether the login gate refuses a request without a session (H5's gate
    is merged; the groundwork's stub lets everything through)."""
    st, _, _ = Http(port).request("GET", "/api/queue")
    return st in (401, 303)


def problems_of(ro, unit=None):
    """The problems counts of a rollup json (the campaign's, or a unit's)."""
    if unit is None:
        return ro.get("problems", {})
    for u in ro.get("units", []):
        if u.get("code") == unit:
            return u.get("problems", {})
    return {}
