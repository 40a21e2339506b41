"""Helpers for the tests of the county's review console (huibao-aggregator
--console): a hand-written problem that a unit marked 已整改, accounts, and
the console's JSON through hbtest.WebSession (the login gate's client)."""
import json
import os

import hbtest

P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期",
         "问题描述", "责任人", "整改措施", "来源"]
CAMPAIGN = "jiefang-2022"
PASSWORD = "correct horse 42"


def write_problems(county, unit, status="已整改"):
    """WT001 (the test's problem) in the given status, and WT002 整改中."""
    rows = [["WT001", CAMPAIGN, "2022-07-01", "个人", "深化县情认识", status, "2", "2022-09-30",
             "2022-08-20" if status == "已整改" else "", "对县情认识不清，把握不透", "王五",
             "组织专题学习；建立调研台账", "增量"],
            ["WT002", CAMPAIGN, "2022-07-02", "班子", "county", "整改中", "1", "2024-06-30", "",
             "“四个体系”落实不到位", "赵六", "制定落实方案", "存量"]]
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, rows)


def account_add(agg, name, role):
    """`huibao-aggregator account add` (password PASSWORD on stdin): the Run."""
    return hbtest.account_add(hbtest.AGGREGATOR, agg.data, name, PASSWORD, role)


def session(port, name=None):
    """A client of the console on port; logged in as name when given."""
    w = hbtest.WebSession(f"http://127.0.0.1:{port}")
    if name:
        w.login(name, PASSWORD)
    return w


def get_json(w, path):
    """(status, document) of GET path."""
    st, _, body = w.request("GET", path)
    return st, _loads(body)


def decide(w, unit, pid, action, reason="", kind="P", csrf=None):
    """POST /api/decide (a form, X-CSRF-Token = csrf or the session's):
    (status, document)."""
    h = {"X-CSRF-Token": w.csrf or "" if csrf is None else csrf}
    st, _, body = w.request("POST", "/api/decide", {"unit": unit, "kind": kind, "id": pid,
                                                    "action": action, "reason": reason}, h)
    return st, _loads(body)


def _loads(body):
    try:
        return json.loads(body.decode("utf-8") or "null")
    except ValueError:
        return {"raw": body.decode("utf-8", "replace")}


def problems_of(ro, unit=None):
    """The problems counts of a rollup json (the campaign's, or a unit's)."""
    if unit is None:
        return ro.get("problems", {})
    for u in ro.get("units", []):
        if u.get("code") == unit:
            return u.get("problems", {})
    return {}
