"""Helpers for the integration tests: the real programs on tcp loopback.

Every test is a standalone script (exit 0 = pass) that does

    import hbtest
    t = hbtest.Test("name")
    county = t.county(units=10)            # generated ledgers (tests/tools/gen_ledgers.py)
    agg = t.aggregator(county)             # huibao-aggregator on free ports, waits for "ready"
    t.sync_all(county, agg)                # huibao-agent sync for every unit
    t.check_rollups(county, agg)           # huibao-sub snapshot == tests/tools/count.py
    t.finish()                             # prints "N passed, N failed", exits

Programs come from HUIBAO_AGENT / HUIBAO_AGGREGATOR / HUIBAO_SUB (set by
ctest), else $HUIBAO_BUILD or <repo>/build. Every process started here is
killed at exit (atexit + Test.finish), temp folders are removed unless
HUIBAO_KEEP=1, and the logs of the programs are printed when a check failed.
"""
import atexit
import concurrent.futures
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "tools"))
import count as hbcount  # noqa: E402
import hbledger  # noqa: E402

TODAY = "2023-12-31"
os.environ["HUIBAO_TODAY"] = TODAY
TODAY_DATE = hbledger.parse_date(TODAY)

EX_OK, EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL, EX_CONFIG = 0, 64, 65, 66, 75, 78


def _bin(env, sub, name):
    p = os.environ.get(env)
    if p:
        return p
    build = os.environ.get("HUIBAO_BUILD", os.path.join(REPO, "build"))
    return os.path.join(build, sub, name)


AGENT = _bin("HUIBAO_AGENT", "agents", "huibao-agent")
AGGREGATOR = _bin("HUIBAO_AGGREGATOR", "aggregator", "huibao-aggregator")
SUB = _bin("HUIBAO_SUB", "sub", "huibao-sub")
KEYGEN = _bin("HUIBAO_KEYGEN", "tools", "huibao-keygen")
GEN = os.path.join(REPO, "tests", "tools", "gen_ledgers.py")

_live = []  # every Popen started here


def _reap():
    for p in _live:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass


atexit.register(_reap)


def free_port():
    """A tcp port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    """The outcome of one finished program run."""

    def __init__(self, argv, rc, out, err, secs):
        self.argv, self.rc, self.out, self.err, self.secs = argv, rc, out, err, secs

    def __repr__(self):
        return (f"$ {' '.join(self.argv)}\n  exit {self.rc} after {self.secs:.2f}s\n"
                f"  stdout: {self.out[-2000:]!r}\n  stderr: {self.err[-2000:]!r}")


def run(argv, timeout=60, env=None):
    t0 = time.monotonic()
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout, env=e)
        rc = p.returncode
        out, err = p.stdout, p.stderr
    except subprocess.TimeoutExpired as x:
        rc, out, err = "timeout", x.stdout or b"", x.stderr or b""
    return Run(argv, rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               time.monotonic() - t0)


class County:
    """A generated (or hand-written) county on disk."""

    def __init__(self, root):
        self.root = root
        self.units_csv = os.path.join(root, "units.csv")
        self.campaigns_ini = os.path.join(root, "campaigns.ini")
        self.ledgers = os.path.join(root, "ledgers")
        self.states = os.path.join(root, "state")

    def units(self):
        return [u[0] for u in hbledger.load_units(self.units_csv)]

    def campaigns(self):
        return [c["id"] for c in hbledger.Campaigns(self.campaigns_ini).items]

    def ledger(self, unit):
        return os.path.join(self.ledgers, unit)

    def state(self, unit):
        return os.path.join(self.states, unit)

    def expected(self, campaign=None):
        """{campaign: expected rollup} from the independent counter."""
        return hbcount.count_dir(self.root, TODAY_DATE, campaign)

    def set_participants(self, unit, value):
        """A one-row edit: the participants count of unit's first activity row
        (a UTF-8 ledger with an English header, as gen_ledgers.py --zh-header 0)."""
        path = os.path.join(self.ledger(unit), "activities.csv")
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        rows[1][rows[0].index("participants")] = str(value)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(out.getvalue())

    def mutate(self, rnd, seed=1, *extra):
        r = run([sys.executable, GEN, "--out", self.root, "--seed", str(seed),
                 "--mutate", str(rnd)] + list(extra))
        if r.rc != 0:
            raise RuntimeError(f"mutate failed: {r}")
        return json.loads(r.err.strip().splitlines()[-1])

    def bad_rows(self):
        with open(os.path.join(self.root, "bad.json"), encoding="utf-8") as f:
            return json.load(f)


class Keys:
    """CURVE key pairs of one test, made with huibao-keygen: every program
    runs authenticated and encrypted, as in production.
      pairs/NAME.key(_secret)  every key pair made
      units/CODE.key           the county's --keys folder (unit public certs)
      cities/NAME.key          the county's --subscriber-keys folder"""

    def __init__(self, root):
        self.root = root
        self.pairs = os.path.join(root, "pairs")
        self.units = os.path.join(root, "units")
        self.cities = os.path.join(root, "cities")
        for d in (self.pairs, self.units, self.cities):
            os.makedirs(d, exist_ok=True)
        self.make(["county", "city"])
        self.install("city", self.cities)

    def make(self, names):
        names = [n for n in names if not os.path.exists(self.public(n))]
        for i in range(0, len(names), 200):
            r = run([KEYGEN, "--out", self.pairs] + names[i:i + 200])
            if r.rc != 0:
                raise RuntimeError(f"huibao-keygen failed: {r}")

    def public(self, name):
        return os.path.join(self.pairs, name + ".key")

    def secret(self, name):
        return os.path.join(self.pairs, name + ".key_secret")

    def install(self, name, folder, as_name=None):
        """Copies NAME's public cert into folder (as AS_NAME.key)."""
        self.make([name])
        shutil.copyfile(self.public(name), os.path.join(folder, (as_name or name) + ".key"))

    def install_units(self, codes):
        self.make(codes)
        for c in codes:
            if not os.path.exists(os.path.join(self.units, c + ".key")):
                self.install(c, self.units)

    def aggregator_flags(self):
        return ["--secret", self.secret("county"), "--keys", self.units,
                "--subscriber-keys", self.cities]

    def agent_flags(self, unit, key_of=None):
        """Flags of an agent of unit; key_of: use another unit's key pair."""
        return ["--key", self.secret(key_of or unit), "--county-key", self.public("county")]

    def sub_flags(self, n_endpoints):
        return ["--key", self.secret("city")] + ["--server-key", self.public("county")] * n_endpoints


class Aggregator:
    def __init__(self, t, county, data, listen_port, pub_port, extra):
        self.t, self.county, self.data = t, county, data
        self.listen_port, self.pub_port = listen_port, pub_port
        self.listen = f"tcp://127.0.0.1:{listen_port}"
        self.publish = f"tcp://127.0.0.1:{pub_port}"
        self.extra = extra
        self.proc = None
        self.log = None
        self.starts = 0

    def start(self, wait=True, timeout=10):
        self.starts += 1
        self.log = os.path.join(self.t.dir, f"aggregator.{self.listen_port}.{self.starts}.log")
        argv = [AGGREGATOR, "--data", self.data, "--units", self.county.units_csv,
                "--campaigns", self.county.campaigns_ini, "--listen", self.listen,
                "--publish", self.publish] + self.extra
        if "--insecure" not in self.extra:
            self.t.keys.install_units(self.county.units())
            argv += self.t.keys.aggregator_flags()
        self.argv = argv
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        _live.append(self.proc)
        self.t.logs.append(self.log)
        if wait:
            self.wait_ready(timeout)
        return self

    def log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "ready" in self.log_text():
                return True
            if self.proc.poll() is not None:
                raise RuntimeError(f"aggregator exited {self.proc.returncode}:\n{self.log_text()}")
            time.sleep(0.02)
        raise RuntimeError(f"aggregator not ready after {timeout}s:\n{self.log_text()}")

    def stop(self, timeout=10):
        """SIGTERM; returns the exit code (or 'timeout', then kills)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "timeout"
        self.logf.close()
        return rc

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.logf.close()

    def verify(self):
        return run([AGGREGATOR, "verify", "--data", self.data, "--units", self.county.units_csv,
                    "--campaigns", self.county.campaigns_ini], timeout=60)


class Test:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.dir = tempfile.mkdtemp(prefix=f"huibao-it-{name}-")
        self.logs = []
        self.aggs = []
        self._keys = None
        self.t0 = time.monotonic()
        for p in (AGENT, AGGREGATOR, SUB):
            if not os.access(p, os.X_OK):
                print(f"missing program {p}", file=sys.stderr)
        print(f"== {name} (today {TODAY}, dir {self.dir})", flush=True)

    @property
    def keys(self):
        if self._keys is None:
            self._keys = Keys(os.path.join(self.dir, "keys"))
        return self._keys

    def agent_keys(self, unit, extra):
        """The key flags for an agent of unit (none when --insecure is in
        extra). A unit the county has no key for gets one installed, and
        running aggregators reload their keys (SIGHUP), so that a test of
        "unit not in units.csv" reaches the county's validation."""
        if "--insecure" in extra or "--key" in extra:
            return []
        if not os.path.exists(os.path.join(self.keys.units, unit + ".key")):
            self.keys.install_units([unit])
            for a in self.aggs:
                if a.proc and a.proc.poll() is None:
                    a.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
        return self.keys.agent_flags(unit)

    def sub_keys(self, eps, extra=()):
        if "--insecure" in extra:
            return []
        return self.keys.sub_flags(len(eps.split(",")))

    # ---------------------------------------------------------------- checks
    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}", flush=True)
            if detail is not None:
                detail = str(detail)
                if len(detail) > 4000:
                    detail = detail[:4000] + f"... ({len(detail)} chars)"
                print("     " + detail.replace("\n", "\n     "), flush=True)
        return bool(cond)

    def check_eq(self, got, want, what, detail=None):
        d = f"want {want!r}, got {got!r}" + (f"\n{detail}" if detail is not None else "")
        return self.check(got == want, what, d)

    def check_rc(self, r, want, what):
        return self.check(r.rc == want, f"{what}: exit {want}", r)

    def finish(self):
        _reap()
        if self.failed:
            for lg in self.logs:
                try:
                    with open(lg, "rb") as f:
                        txt = f.read().decode("utf-8", "replace")
                    print(f"---- {lg} (last 3000 chars)\n{txt[-3000:]}")
                except OSError:
                    pass
        keep = os.environ.get("HUIBAO_KEEP") == "1" or self.failed
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"kept {self.dir}")
        print(f"{self.name}: {time.monotonic() - self.t0:.1f}s")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed or not self.passed else 0)

    def guard(self, fn):
        """Runs fn(self) and always finishes: an exception is one failure."""
        try:
            fn(self)
        except Exception as e:  # noqa: BLE001 -- report anything as a failed check
            import traceback
            self.check(False, f"unexpected {type(e).__name__}", traceback.format_exc())
        self.finish()

    # ---------------------------------------------------------------- set-up
    def county(self, name="county", units=10, rows=10, seed=1, bad=0, *extra):
        root = os.path.join(self.dir, name)
        argv = [sys.executable, GEN, "--out", root, "--seed", str(seed), "--units", str(units),
                "--rows", str(rows), "--bad", str(bad)] + list(extra)
        r = run(argv)
        if r.rc != 0:
            raise RuntimeError(f"gen_ledgers failed: {r}")
        return County(root)

    def aggregator(self, county, extra=None, start=True, data=None, heartbeat_ms=None):
        data = data or os.path.join(self.dir, f"agg-data-{len(self.logs)}")
        os.makedirs(data, exist_ok=True)
        ex = list(extra or [])
        if heartbeat_ms:
            ex += ["--heartbeat-ms", str(heartbeat_ms)]
        a = Aggregator(self, county, data, free_port(), free_port(), ex)
        self.aggs.append(a)
        return a.start() if start else a

    # ---------------------------------------------------------------- programs
    def sync(self, county, unit, endpoint, timeout=10, ledger=None, extra=None):
        ep = endpoint.listen if isinstance(endpoint, Aggregator) else endpoint
        os.makedirs(county.states, exist_ok=True)
        extra = list(extra or [])
        return run([AGENT, "sync", "--unit", unit, "--ledger", ledger or county.ledger(unit),
                    "--state", county.state(unit), "--county", ep, "--timeout", str(timeout)]
                   + self.agent_keys(unit, extra) + extra, timeout=timeout + 30)

    def sync_all(self, county, endpoint, timeout=10, workers=6, units=None):
        """{unit: Run} for every unit, a few at a time."""
        units = units or county.units()
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            futs = {u: ex.submit(self.sync, county, u, endpoint, timeout) for u in units}
            return {u: f.result() for u, f in futs.items()}

    def start_sync(self, county, unit, endpoint, timeout=10):
        """A sync in the background (Popen), for kill tests."""
        os.makedirs(county.states, exist_ok=True)
        p = subprocess.Popen([AGENT, "sync", "--unit", unit, "--ledger", county.ledger(unit),
                              "--state", county.state(unit), "--county", endpoint,
                              "--timeout", str(timeout)] + self.agent_keys(unit, []),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _live.append(p)
        return p

    def snapshot(self, agg, campaign=None, timeout=5, fmt="json"):
        eps = agg if isinstance(agg, str) else agg.publish
        argv = [SUB, "snapshot", "--connect", eps, "--format", fmt, "--timeout", str(timeout)]
        argv += self.sub_keys(eps)
        if campaign:
            argv += ["--campaign", campaign]
        return run(argv, timeout=timeout + 30)

    def rollups(self, agg, campaign=None, timeout=5):
        """(Run, {campaign: rollup json}) from one snapshot, whatever its shape."""
        r = self.snapshot(agg, campaign, timeout)
        got = {}
        try:
            doc = json.loads(r.out) if r.out.strip() else None
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, dict):
            items = doc["campaigns"] if isinstance(doc.get("campaigns"), list) else [doc]
            for it in items:
                if isinstance(it, dict) and "campaign" in it:
                    got[it["campaign"]] = it
        elif isinstance(doc, list):
            for it in doc:
                if isinstance(it, dict) and "campaign" in it:
                    got[it["campaign"]] = it
        return r, got

    def diff_rollups(self, county, agg, campaigns=None):
        """{campaign: [differences]} between the system and the counter (one snapshot each)."""
        exp = county.expected()
        out = {}
        for c in campaigns or list(exp):
            r, got = self.rollups(agg, c)
            if c not in got:
                out[c] = [f"no rollup for {c}: {r}"]
            else:
                out[c] = hbcount.compare(exp[c], got[c])
        return out

    def check_rollups(self, county, agg, what="rollups equal the independent count",
                      settle=3.0):
        """Every campaign's rollup equals count.py. Published rollups are coalesced
        (~50 ms), so a difference is retried for up to `settle` seconds."""
        end = time.monotonic() + settle
        while True:
            diffs = self.diff_rollups(county, agg)
            bad = {c: d for c, d in diffs.items() if d}
            if not bad or time.monotonic() > end:
                break
            time.sleep(0.3)
        for c, d in diffs.items():
            self.check(not d, f"{what} [{c}]", "\n".join(d[:25]) +
                       (f"\n... {len(d) - 25} more" if len(d) > 25 else ""))
        return not bad

    def seqs(self, agg, campaign):
        """The county seq of one campaign's rollup, or None."""
        r, got = self.rollups(agg, campaign)
        ro = got.get(campaign)
        if not ro:
            return None
        cs = ro.get("counties") or []
        if cs and isinstance(cs[0], dict):
            return cs[0].get("seq")
        return ro.get("seq")


def write_csv(path, header, rows, encoding="utf-8", nl="\r\n"):
    """Writes a small ledger file by hand (RFC 4180 quoting via csv)."""
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=nl)
    w.writerow(header)
    w.writerows(rows)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(buf.getvalue().encode(encoding))


def diag_re(file, line, column):
    """Regex for the start of a diagnostic 'FILE:LINE: column: ' (FILE may carry a path)."""
    import re
    return re.compile(r"(^|[/\\ ])" + re.escape(file) + ":" + str(line) + ": " +
                      re.escape(column) + ": (.*)$", re.M)


# ---------------------------------------------------------------- logins (issue 14)
# The account every test that looks at a dashboard or the console logs in with.
WEB_USER = "王五"
WEB_PASSWORD = "看板密码-2023"


def account_add(program, data, name=WEB_USER, password=WEB_PASSWORD, role=None, timeout=30):
    """`PROGRAM account add --data DATA NAME [--role ROLE]`, the password on
    stdin (program: SUB or AGGREGATOR). Returns the Run."""
    argv = [program, "account", "add", "--data", data, name] + (["--role", role] if role else [])
    t0 = time.monotonic()
    p = subprocess.run(argv, input=(password + "\n").encode(), capture_output=True,
                       timeout=timeout)
    return Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to check, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebSession:
    """A logged-in client of a server behind the login gate (lib/hb_http_auth.h):
    keeps the session cookie, follows no redirect, knows the CSRF token.

        w = hbtest.WebSession("http://127.0.0.1:PORT")
        w.login()                          # WEB_USER / WEB_PASSWORD: 303 to /
        st, ctype, body = w.get("/api/view")   # raises HTTPError like urlopen
        st, headers, body = w.request("POST", "/x", {"a": "1"}, csrf=True)
    https URLs are accepted with a self-signed certificate."""

    def __init__(self, base):
        import http.cookiejar
        import ssl
        import urllib.request
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect(),
            urllib.request.HTTPSHandler(context=ctx))
        self.csrf = None

    def request(self, method, path, form=None, headers=None, csrf=False, timeout=10):
        """(status, headers, body) of any answer, errors included."""
        import urllib.error
        import urllib.parse
        import urllib.request
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        if data is None and method in ("POST", "PUT", "DELETE"):
            data = b""
        h = dict(headers or {})
        if csrf:
            h["X-CSRF-Token"] = self.csrf or ""
        req = urllib.request.Request(self.base + path, data=data, headers=h, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def login(self, name=WEB_USER, password=WEB_PASSWORD):
        """POST /login; on 303 reads GET /session for the CSRF token. Returns
        (status, headers, body) of the login."""
        st, h, body = self.request("POST", "/login", {"name": name, "password": password})
        if st == 303:
            s2, _, b2 = self.request("GET", "/session")
            if s2 == 200:
                self.csrf = json.loads(b2)["csrf"]
        return st, h, body

    def get(self, path, timeout=5):
        """(status, Content-Type, body) of GET path; raises HTTPError unless 2xx."""
        import urllib.request
        req = urllib.request.Request(self.base + path)
        with self.opener.open(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read()

    def json(self, path):
        return json.loads(self.get(path)[2])


def logged_in(base, name=WEB_USER, password=WEB_PASSWORD, timeout=10):
    """A WebSession logged in at base (retried while the server starts)."""
    end = time.monotonic() + timeout
    while True:
        w = WebSession(base)
        try:
            st = w.login(name, password)[0]
            if st == 303:
                return w
            why = f"login answered {st}"
        except OSError as e:
            why = str(e)
        if time.monotonic() > end:
            raise RuntimeError(f"{base}: cannot log in as {name}: {why}")
        time.sleep(0.1)


def chromium_login(br, base, name=WEB_USER, password=WEB_PASSWORD, timeout=15):
    """Logs the browser br (a Chromium of test_dashboard.py) in at base through
    the login page's form; its cookie then serves every tab. Returns whether
    the form led to the dashboard (/)."""
    s = br.open(base.rstrip("/") + "/login")
    ok = br.wait(s, "document.querySelector('form#login') !== null", timeout)
    if ok:
        br.eval(s, "(() => { const f = document.querySelector('form#login'); "
                   f"f.elements['name'].value = {json.dumps(name)}; "
                   f"f.elements['password'].value = {json.dumps(password)};"
                   " f.submit(); })()")
        ok = br.wait(s, "location.pathname === '/' && document.readyState === 'complete'",
                     timeout)
    br.send("Page.navigate", {"url": "about:blank"}, s)
    return bool(ok)
