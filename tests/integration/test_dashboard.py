#!/usr/bin/env python3
"""The city dashboard in a real browser: two counties (甲县 xa, 乙县 xb) sync,
`huibao-sub serve` subscribes to both, headless Chromium loads the page and
every figure shown (KPIs, categories, activities by kind and level, counties,
units, weekly history; a campaign's indicators, 典型 counts and stages when it
declares them) equals the rollup JSON and the independent count; a
ledger changes, the unit syncs, and the same page session shows the new
figures without a reload; a county that goes silent is marked stale and
recovers; serve restarts on the same --data and the weekly history survives.
A screenshot is saved as a test artefact (path printed).

Chromium is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4), so the test
needs nothing beyond Python's standard library and Debian's chromium.
Exit 77 (skipped) when chromium is not installed."""
# ctest-labels: nosan
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import hbtest

WEEK1_TODAY = "2023-12-20"  # serve's first run: ISO week 2023-W51
WEEK2_TODAY = hbtest.TODAY   # after the restart: 2023-12-31, week 2023-W52


# ---------------------------------------------------------------- browser
class Chromium:
    """Headless Chromium with the DevTools protocol on a pipe."""

    def __init__(self, workdir, width=1440, height=1000):
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        self.width, self.height = width, height
        cmd_r, self._cmd_w = os.pipe()   # we write commands, chromium reads fd 3
        self._ev_r, ev_w = os.pipe()     # chromium writes fd 4, we read

        def child_fds():
            a, b = os.dup(cmd_r), os.dup(ev_w)  # above 4 first, then into place
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                f"--user-data-dir={os.path.join(workdir, 'chromium-profile')}",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--mute-audio", "--lang=zh-CN",
                "--font-render-hinting=none", "about:blank"]
        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(argv, preexec_fn=child_fds, close_fds=False,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        os.close(cmd_r)
        os.close(ev_w)
        self._buf = b""
        self._id = 0
        self.errors = []  # uncaught exceptions of the pages (Runtime.exceptionThrown)

    def send(self, method, params=None, session=None, timeout=20):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buf:
                left = end - time.monotonic()
                if left <= 0 or not select.select([self._ev_r], [], [], left)[0]:
                    raise TimeoutError(f"chromium: no answer to {method} in {timeout}s")
                chunk = os.read(self._ev_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            d = json.loads(raw)
            if d.get("method") == "Runtime.exceptionThrown":
                ex = d["params"]["exceptionDetails"]
                self.errors.append(f"{ex.get('url', '')}:{ex.get('lineNumber', 0) + 1}: "
                                   f"{(ex.get('exception') or {}).get('description', ex['text'])}")
            if d.get("id") == self._id:
                if "error" in d:
                    raise RuntimeError(f"chromium: {method}: {d['error']}")
                return d.get("result", {})

    def open(self, url):
        """A new tab showing url; returns its session id."""
        tid = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = self.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", {"width": self.width,
                  "height": self.height, "deviceScaleFactor": 1, "mobile": False}, s)
        self.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"}, s)
        self.send("Page.enable", {}, s)
        self.send("Runtime.enable", {}, s)
        self.send("Page.navigate", {"url": url}, s)
        return s

    def eval(self, s, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True}, s)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page: {expr[:80]}...: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def wait(self, s, expr, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = self.eval(s, expr)
            except RuntimeError:
                v = None
            if v:
                return v
            time.sleep(0.1)
        return None

    def screenshot(self, s, path):
        """The whole page (not only the viewport) as PNG."""
        m = self.send("Page.getLayoutMetrics", {}, s)
        size = m.get("cssContentSize") or m["contentSize"]
        w, h = int(size["width"]), int(size["height"])
        r = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                      "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}, s, 30)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return w, h

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 -- killed below anyway
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


READ_PAGE = """(() => {
  const o = {};
  for (const e of document.querySelectorAll('[data-testid]'))
    o[e.dataset.testid] = e.textContent.trim();
  for (const e of document.querySelectorAll('g[data-rate]'))
    o[e.dataset.testid + '@rate'] = e.dataset.rate;
  o['@version'] = document.body.dataset.version;
  o['@campaign'] = document.body.dataset.campaign || '';
  o['@loaded'] = window.__hbLoaded || '';
  o['@mark'] = window.__hbMark || '';
  return o;
})()"""


# ---------------------------------------------------------------- serve
class Serve:
    def __init__(self, t, aggs, data, today):
        self.t, self.data = t, data
        self.port = hbtest.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        eps = ",".join(a.publish for a in aggs)
        # issue 14: nothing answers without a login; the account lives in --data
        r = hbtest.account_add(hbtest.SUB, data)
        if r.rc not in (0, 65):  # 65: made by an earlier Serve on this --data
            raise RuntimeError(f"huibao-sub account add: {r}")
        self.log = os.path.join(t.dir, f"serve.{today}.log")
        argv = [hbtest.SUB, "serve", "--connect", eps, "--http", f"127.0.0.1:{self.port}",
                "--data", data] + t.sub_keys(eps)
        env = dict(os.environ, HUIBAO_TODAY=today)
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT, env=env)
        hbtest._live.append(self.proc)
        t.logs.append(self.log)
        end = time.monotonic() + 10
        while time.monotonic() < end and "dashboard on http" not in self.log_text():
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}:\n{self.log_text()}")
            time.sleep(0.05)
        self.web = hbtest.logged_in(self.url)

    def browser_login(self, br):
        """Logs br in through the login page (its cookie serves every tab)."""
        return hbtest.chromium_login(br, self.url)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def get(self, path):
        return self.web.get(path)

    def json(self, path):
        return json.loads(self.get(path)[2])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "timeout"
        self.logf.close()
        return rc


# ---------------------------------------------------------------- expectations
def pct(a, b):
    """The page's rounding: half up on the exact fraction, one decimal."""
    if not b:
        return "—"
    p = (a * 2000 + b) // (2 * b)
    return f"{p // 10}.{p % 10}%"


def num(s):
    return int(s.replace(",", "").replace(" 个", "").strip())


def expected_figures(exps, campaign):
    """{testid: text} the page must show for campaign, from the independent
    count of each county ({county code: {campaign: rollup}})."""
    want = {}
    tot = {k: 0 for k in ("total", "identified", "rectifying", "resolved", "measures", "overdue")}
    acts = {k: 0 for k in ("records", "sessions", "participants", "outputs")}
    cov = {"expected": 0, "reported": 0}
    cats, kinds, levels = {}, {}, {}
    for code, e in exps.items():
        r = e[campaign]
        p = r["problems"]
        for k in tot:
            tot[k] += p[k]
        for k in acts:
            acts[k] += r["activities"]["total"][k]
        for k in cov:
            cov[k] += r["coverage"][k]
        for cc, c in p["by_category"].items():
            d = cats.setdefault(cc, {"count": 0, "units": 0, "resolved": 0})
            for k in d:
                d[k] += c[k]
        for kk, v in r["activities"]["by_kind"].items():
            d = kinds.setdefault(kk, {"records": 0, "sessions": 0, "participants": 0, "outputs": 0})
            for k in d:
                d[k] += v[k]
        for cell in r["activities"]["cube"]:
            levels[cell["level"]] = levels.get(cell["level"], 0) + cell["records"]
        want[f"county-{code}-problems"] = p["total"]
        want[f"county-{code}-resolved"] = p["resolved"]
        want[f"county-{code}-rectifying"] = p["rectifying"]
        want[f"county-{code}-overdue"] = p["overdue"]
        want[f"county-{code}-rate"] = pct(p["resolved"], p["total"])
        want[f"county-{code}-activities"] = r["activities"]["total"]["records"]
        want[f"county-{code}-reported"] = f"{r['coverage']['reported']}/{r['coverage']['expected']}"
        want[f"county-{code}-status"] = "正常"
        for u in r["units"]:
            up = u["problems"]
            base = f"unit-{code}-{u['code']}"
            for k in ("total", "resolved", "rectifying", "overdue"):
                want[f"{base}-{'problems' if k == 'total' else k}"] = up[k]
            want[f"{base}-rate"] = pct(up["resolved"], up["total"])
            want[f"{base}-activities"] = u["activities"]["records"]
            if up["total"]:
                want[f"bar-unit-{code}-{u['code']}@rate"] = pct(up["resolved"], up["total"])
    want.update({"kpi-problems": tot["total"], "kpi-resolved": tot["resolved"],
                 "kpi-rectifying": tot["rectifying"], "kpi-identified": tot["identified"],
                 "kpi-overdue": tot["overdue"], "kpi-measures": tot["measures"],
                 "kpi-rate": pct(tot["resolved"], tot["total"]),
                 "kpi-activities": acts["records"], "kpi-sessions": acts["sessions"],
                 "kpi-participants": acts["participants"],
                 "coverage-expected": cov["expected"], "coverage-reported": cov["reported"]})
    for cc, c in cats.items():
        want[f"cat-{cc}-count"] = c["count"]
        want[f"cat-{cc}-units"] = c["units"]
        want[f"cat-{cc}-resolved"] = c["resolved"]
        want[f"cat-{cc}-share"] = pct(c["count"], tot["total"])
    for kk, v in kinds.items():
        for k, n in v.items():
            want[f"kind-{kk}-{k}"] = n
    for k, n in acts.items():
        want[f"kind-total-{k}"] = n
    for lv, n in levels.items():
        want[f"level-{lv}-records"] = n
    return want


STAGE_STATES = {"done": "已完成", "current": "进行中", "upcoming": "未开始"}


def figures_from_view(c):
    """The same figures from the served rollup JSON (/api/view)."""
    p = c["problems"]
    a = c["activities"]["total"]
    want = {"kpi-problems": p["total"], "kpi-resolved": p["resolved"],
            "kpi-rectifying": p["rectifying"], "kpi-identified": p["identified"],
            "kpi-overdue": p["overdue"], "kpi-measures": p["measures"],
            "kpi-rate": pct(p["resolved"], p["total"]), "kpi-activities": a["records"],
            "kpi-sessions": a["sessions"], "kpi-participants": a["participants"],
            "kpi-individual": p["by_scope"]["individual"], "kpi-team": p["by_scope"]["team"],
            "coverage-expected": c["coverage"]["expected"],
            "coverage-reported": c["coverage"]["reported"]}
    for cc, v in p["by_category"].items():
        want[f"cat-{cc}-count"] = v["count"]
        want[f"cat-{cc}-units"] = v["units"]
        want[f"cat-{cc}-resolved"] = v["resolved"]
    for kk, v in c["activities"]["by_kind"].items():
        for k in ("records", "sessions", "participants", "outputs"):
            want[f"kind-{kk}-{k}"] = v[k]
    # issue 12: the campaign's indicators (value with its declared decimals), 典型 and stages
    for code, v in (c.get("indicators") or {}).items():
        want[f"ind-{code}-name"] = v["name"]
        want[f"ind-{code}-value"] = v["text"]
        want[f"ind-{code}-unit"] = v["unit"]
        want[f"ind-{code}-records"] = v["records"]
    if (c.get("cases") or {}).get("total"):
        for k, n in c["cases"]["by_type"].items():
            want[f"cases-{k}"] = n
    for st in c.get("stages") or []:
        want[f"stage-{st['n']}-name"] = st["name"]
        want[f"stage-{st['n']}-state"] = STAGE_STATES[st["state"]]
    cur = c.get("stage_current")
    if cur:
        want["stage-current"] = f"目前处于第{cur['n']}阶段：{cur['name']}（{cur['start']} 至 {cur['end']}）"
    for u in c["units"]:
        base = f"unit-{u['county']}-{u['code']}"
        want[f"{base}-problems"] = u["problems"]["total"]
        want[f"{base}-resolved"] = u["problems"]["resolved"]
        want[f"{base}-activities"] = u["activities"]["records"]
    return want


def diff(page, want):
    out = []
    for k, v in sorted(want.items()):
        got = page.get(k)
        if got is None:
            out.append(f"{k}: not on the page (want {v!r})")
            continue
        if isinstance(v, int):
            try:
                ok = num(got) == v
            except ValueError:
                ok = False
        else:
            ok = got == v
        if not ok:
            out.append(f"{k}: page shows {got!r}, want {v!r}")
    return out


def strip_volatile(x):
    """The rollup JSON without the times that move with every heartbeat."""
    if isinstance(x, dict):
        return {k: strip_volatile(v) for k, v in x.items() if k != "as_of"}
    if isinstance(x, list):
        return [strip_volatile(v) for v in x]
    return x


def artefact_path():
    build = os.environ.get("HUIBAO_BUILD")
    if not build and os.environ.get("HUIBAO_BIN"):
        build = os.path.normpath(os.environ["HUIBAO_BIN"])
    if not build:
        build = os.path.dirname(os.path.dirname(os.path.abspath(hbtest.SUB)))
    return os.path.join(build, "Testing", "artefacts", "dashboard.png")


# ---------------------------------------------------------------- periods (issue 13)
PERIOD_CELLS = """((period) => {
  const o = {};
  for (const e of document.querySelectorAll('#period-grid td[data-state]')) {
    const m = /^pcell-(.*)-(\\d{4}-\\d\\d-\\d\\d)$/.exec(e.dataset.testid || '');
    if (m && m[2] === period)
      o[m[1]] = [e.dataset.state, e.dataset.zh, getComputedStyle(e).backgroundColor];
  }
  return o;
})"""

PERIOD_ZH = {"reported": "已报送", "nil": "无新增", "late": "迟报", "missing": "未报",
             "pending": "未到期"}


def period_grid_part(t, br, s, campaign, period, want, names):
    """The 按期报送情况 section of campaign (a campaign with a cycle) in the
    page session s: the selector picks period; its grid column shows each
    unit's state (want: {code: state}) in Chinese, each state in a colour of
    its own; the legend names the five states; the summary names the late
    and missing units (names: {code: name}, want in units.csv order)."""
    tab = f"document.querySelector('[data-testid=\"tab-{campaign}\"]')"
    br.wait(s, tab + " !== null", 10)
    br.eval(s, tab + ".click()")
    ok = br.wait(s, f"document.body.dataset.campaign === {json.dumps(campaign)} && "
                 "!document.getElementById('periods').hidden", 10)
    t.check(ok, f"[{campaign}] the dashboard shows 按期报送情况")
    br.eval(s, "(() => { const e = document.getElementById('period-select'); "
               f"e.value = {json.dumps(period)}; e.dispatchEvent(new Event('change')); }})()")
    t.check(br.wait(s, f"document.getElementById('periods').dataset.period === {json.dumps(period)}",
                    5), f"the period selector picks {period}")
    cells = br.eval(s, f"({PERIOD_CELLS})({json.dumps(period)})") or {}
    t.check_eq({c: v[0] for c, v in cells.items()}, want,
               f"the grid's column {period}: every unit's state")
    t.check_eq({c: v[1] for c, v in cells.items()}, {c: PERIOD_ZH[v] for c, v in want.items()},
               f"the grid's column {period}: the states in Chinese")
    colour = {}
    for state, _, bg in cells.values():
        colour.setdefault(state, set()).add(bg)
    t.check(all(len(v) == 1 for v in colour.values()) and
            len({next(iter(v)) for v in colour.values()}) == len(colour),
            "each state has one colour of its own in the grid", colour)
    legend = br.eval(s, "document.querySelector('[data-testid=\"period-legend\"]').textContent")
    t.check(all(z in (legend or "") for z in PERIOD_ZH.values()),
            "the legend names 已报送/无新增/迟报/未报/未到期", legend)
    for state in ("late", "missing"):
        codes = [c for c in want if want[c] == state]
        text = br.eval(s, f"document.querySelector('[data-testid=\"period-{state}\"]').textContent")
        t.check_eq(text, f"{PERIOD_ZH[state]}（{len(codes)}）：" +
                   ("、".join(names[c] for c in codes) if codes else "无"),
                   f"the summary of {period} names its {state} units")
    t.check_eq(br.errors, [], "no script error on the page")
    return cells


# ---------------------------------------------------------------- the test
def main(t):
    if not (shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)):
        print("chromium is not installed (deploy/deps.sh installs it): skipped")
        sys.exit(77)
    counties = {"xa": t.county("xa", units=10, rows=8, seed=3),
                "xb": t.county("xb", units=7, rows=8, seed=8)}
    names = {"xa": "甲县", "xb": "乙县"}
    aggs = {c: t.aggregator(cty, extra=["--code", c, "--name", names[c]], heartbeat_ms=500)
            for c, cty in counties.items()}
    for c, cty in counties.items():
        runs = t.sync_all(cty, aggs[c])
        t.check(all(r.rc == 0 for r in runs.values()), f"county {c}: every unit syncs",
                [r for r in runs.values() if r.rc != 0][:2])
    campaigns = counties["xa"].campaigns()
    data = os.path.join(t.dir, "city-data")

    serve = Serve(t, list(aggs.values()), data, WEEK1_TODAY)
    br = Chromium(t.dir)
    try:
        run_browser(t, br, serve, counties, aggs, campaigns, data)
    finally:
        br.close()


def wait_view(t, serve, campaigns, what):
    """Waits until /api/view holds every campaign from both counties."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            v = serve.json("/api/view")
            cs = v.get("campaigns", [])
            if len(cs) == len(campaigns) and all(len(c.get("counties", [])) == 2 for c in cs):
                return v
        except Exception:  # noqa: BLE001 -- 503 until the first rollup
            pass
        time.sleep(0.1)
    t.check(False, what)
    return None


def read_campaign(br, s, campaign):
    br.eval(s, f"document.querySelector('[data-testid=\"tab-{campaign}\"]').click()")
    br.wait(s, f"document.body.dataset.campaign === {json.dumps(campaign)}", 5)
    return br.eval(s, READ_PAGE)


def run_browser(t, br, serve, counties, aggs, campaigns, data):
    # ---- the JSON endpoints
    view = wait_view(t, serve, campaigns, "serve has both counties' rollups within 10 s")
    st, ctype, body = serve.get("/")
    t.check(st == 200 and ctype.startswith("text/html") and "专项工作进展看板".encode() in body,
            "GET / serves the embedded page", (st, ctype, body[:200]))
    for path, typ in (("/app.js", "text/javascript"), ("/periods.js", "text/javascript"),
                      ("/style.css", "text/css")):
        st, ctype, _ = serve.get(path)
        t.check_eq((st, ctype.split(";")[0]), (200, typ), f"GET {path}")
    r, snap = t.rollups(",".join(a.publish for a in aggs.values()))
    t.check_rc(r, 0, "snapshot of both counties")
    got = {c["campaign"]: c for c in view["campaigns"]}
    t.check_eq(strip_volatile(got), strip_volatile(snap),
               "/api/view is the JSON of `huibao-sub snapshot --format json`")
    eps = ",".join(a.publish for a in aggs.values())
    for addr, code, says in (("8080", hbtest.EX_USAGE, "ADDR:PORT"),
                             (f"127.0.0.1:{serve.port}", 78, "bind")):
        r = hbtest.run([hbtest.SUB, "serve", "--connect", eps, "--http", addr, "--accounts", data]
                       + t.sub_keys(eps), timeout=20)
        t.check(r.rc == code and says in r.err, f"serve --http {addr}: exit {code}, says why", r)
    cj = serve.json("/api/counties")
    exps = {c: cty.expected() for c, cty in counties.items()}
    want_c = {(x["campaign"], k["code"]): (k["problems"]["total"], k["problems"]["resolved"],
                                             k["activities"]["records"], k["stale"])
              for x in cj["campaigns"] for k in x["counties"]}
    exp_c = {(camp, c): (e[camp]["problems"]["total"], e[camp]["problems"]["resolved"],
                         e[camp]["activities"]["total"]["records"], False)
             for c, e in exps.items() for camp in campaigns}
    t.check_eq(want_c, exp_c, "/api/counties: each county's figures equal the independent count")

    # ---- the page: every figure of every campaign (after the login page)
    t.check(serve.browser_login(br), "the browser logs in through the login page")
    s = br.open(serve.url + "/")
    ok = br.wait(s, "document.body.dataset.version !== '0' && !document.getElementById('board').hidden")
    t.check(ok, "the page renders the first /events document")
    t.check_eq(br.errors, [], "no script error on the page")
    t.check_eq(br.eval(s, "document.getElementById('live').dataset.state"), "live",
               "the page says it is live (EventSource open)")
    for camp in campaigns:
        page = read_campaign(br, s, camp)
        d = diff(page, expected_figures(exps, camp)) + diff(page, figures_from_view(got[camp]))
        t.check(not d, f"[{camp}] every figure shown equals the rollup JSON and the count",
                "\n".join(d[:30]))
        if not got[camp].get("periods"):
            t.check(br.eval(s, "document.getElementById('periods').hidden"),
                    f"[{camp}] no cycle: the 按期报送情况 section is hidden")
    # sortable: a click on a column sorts by it, a second click reverses
    col = ("Array.from(document.querySelectorAll('#unit-body tr td:nth-child(4)'))"
           ".map(td => parseInt(td.textContent.replace(/,/g, ''), 10))")
    br.eval(s, "document.querySelector('#unit-table th[data-key=problems]').click()")
    down = br.eval(s, col)
    br.eval(s, "document.querySelector('#unit-table th[data-key=problems]').click()")
    up = br.eval(s, col)
    t.check(len(down) == 17 and down == sorted(down, reverse=True) and up == sorted(up),
            "the unit table sorts by a clicked column, both ways", (down, up))
    br.eval(s, "document.querySelector('#unit-table th[data-key=rate]').click()")

    hist = serve.json("/api/history")
    weeks = {(c["campaign"], w["week"]) for c in hist["campaigns"] for w in c["weeks"]}
    t.check_eq(weeks, {(c, "2023-W51") for c in campaigns},
               "history: one entry per campaign for serve's week (2023-W51)")

    # ---- restart on the same --data, a week later: last week's history survived
    week1 = {c["campaign"]: c["weeks"] for c in hist["campaigns"]}
    t.check_eq(serve.stop(), 0, "serve stops on SIGTERM with exit 0")
    camp = campaigns[0]
    r = hbtest.run([hbtest.SUB, "show", "--data", data, "--campaign", camp])
    t.check(r.rc == 0 and json.loads(r.out)["problems"]["resolved"] ==
            got[camp]["problems"]["resolved"], "`huibao-sub show` reads serve's --data", r)
    serve = Serve(t, list(aggs.values()), data, WEEK2_TODAY)
    wait_view(t, serve, campaigns, "restarted serve has both counties again")
    hist = {c["campaign"]: c["weeks"] for c in serve.json("/api/history")["campaigns"]}
    t.check_eq([w["week"] for w in hist.get(camp, [])], ["2023-W51", "2023-W52"],
               "history after the restart: last week's entry kept, this week's added")
    t.check_eq(hist.get(camp, [None])[0], week1[camp][0],
               "last week's entry is exactly as stored before the restart")

    # ---- a ledger changes; the same page session shows it without reload
    t.check(serve.browser_login(br), "after the restart the browser logs in again")
    s = br.open(serve.url + "/#" + camp)
    br.wait(s, "document.body.dataset.version !== '0' && !document.getElementById('board').hidden")
    br.eval(s, "window.__hbMark = 'same-session'")
    before = br.eval(s, READ_PAGE)
    t.check_eq(before.get("@campaign"), camp, "the page opens the campaign named in its #fragment")
    delta = counties["xa"].mutate(1, 3)
    runs = t.sync_all(counties["xa"], aggs["xa"])
    t.check(all(r.rc == 0 for r in runs.values()), "sync after the ledger change",
            [r for r in runs.values() if r.rc != 0][:2])
    exps = {c: cty.expected() for c, cty in counties.items()}
    want = expected_figures(exps, camp)
    t.check(diff(before, want), "the change moves some figure of " + camp, delta)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        page = br.eval(s, READ_PAGE)
        if not diff(page, want):
            break
        time.sleep(0.1)
    d = diff(page, want)
    t.check(not d, f"[{camp}] the page shows the new figures without reload", "\n".join(d[:30]))
    t.check_eq((page["@loaded"], page["@mark"]), (before["@loaded"], "same-session"),
               "same page session (no reload)")
    t.check(int(page["@version"]) > int(before["@version"]),
            f"a newer /events document arrived ({before['@version']} -> {page['@version']})")
    hist = {c["campaign"]: c["weeks"] for c in serve.json("/api/history")["campaigns"]}
    w1, w2 = hist[camp]
    t.check_eq(w1, week1[camp][0], "the change leaves last week's entry alone")
    t.check_eq((w2["week"], w2["problems"]["resolved"], w2["activities"]["records"]),
               ("2023-W52", num(page["kpi-resolved"]), num(page["kpi-activities"])),
               "this week's entry follows the change")
    want = {"hist-2023-W51-rate": pct(w1["problems"]["resolved"], w1["problems"]["total"]),
            "hist-2023-W51-activities": w1["activities"]["records"],
            "hist-2023-W51-problems": w1["problems"]["total"],
            "hist-2023-W52-rate": pct(w2["problems"]["resolved"], w2["problems"]["total"]),
            "hist-2023-W52-activities": w2["activities"]["records"],
            "hist-2023-W52-problems": w2["problems"]["total"]}
    d = diff(page, want)
    t.check(not d, "the page's weekly table shows both weeks", "\n".join(d))

    # ---- a county goes silent: marked stale, then heard again
    aggs["xb"].stop()
    stale = br.wait(s, "(document.querySelector('[data-testid=\"county-xb-status\"]') || {})"
                    ".textContent === '失联' && !document.getElementById('stale-alert').hidden", 8)
    t.check(stale, "a county whose heartbeats stopped is marked 失联 with an alert")
    t.check("乙县" in (br.eval(s, "document.getElementById('stale-alert').textContent") or ""),
            "the alert names the county")
    flags = {k["code"]: k["stale"] for x in serve.json("/api/counties")["campaigns"]
             for k in x["counties"] if x["campaign"] == camp}
    t.check_eq(flags, {"xa": False, "xb": True}, "/api/counties marks the silent county stale")
    aggs["xb"].start()
    back = br.wait(s, "document.querySelector('[data-testid=\"county-xb-status\"]').textContent"
                   " === '正常' && document.getElementById('stale-alert').hidden", 10)
    t.check(back, "the county is shown 正常 again once it publishes")
    page = br.eval(s, READ_PAGE)
    d = diff(page, expected_figures(exps, camp))
    t.check(not d, "after all that the page still shows the exact figures", "\n".join(d[:30]))

    t.check_eq(br.errors, [], "no script error during the whole session")
    path = artefact_path()
    w, h = br.screenshot(s, path)
    t.check(os.path.getsize(path) > 20000, f"screenshot saved: {path} ({w}x{h})")
    print(f"screenshot: {path}", flush=True)
    t.check_eq(serve.stop(), 0, "restarted serve stops with exit 0")


if __name__ == "__main__":  # importable: test_sample_county.py reuses the browser
    hbtest.Test("dashboard").guard(main)
