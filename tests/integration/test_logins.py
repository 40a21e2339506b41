#!/usr/bin/env python3
"""Logins everywhere a person looks (issue 14): the city dashboard
(`huibao-sub serve`) behind the login gate (lib/hb_http_auth.h).

- `huibao-sub account add|passwd|remove|list`: exit codes 0/64/65/66, the
  password from stdin (never a flag); serve refuses to start (78) without an
  account, saying `huibao-sub account add --data DIR NAME`.
- Without a session every page, asset, JSON document and /events answers 303
  to /login (a browser's page) or 401 JSON (anything else); the login page is
  self-contained.
- A right password: 303 and a cookie (HttpOnly, SameSite=Strict, Path=/, not
  Secure over plain HTTP); a wrong one or an unknown name: the same 401. A
  viewer and a reviewer both read the dashboard; a removed account's session
  ends at its next request.
- A POST without the CSRF token (or a wrong one): 403; logout ends the session.
- The 5th wrong password in a row: 429 with Retry-After, then the right
  password waits too (status codes only, no timing), and another name from
  the same address as well.
- HTTPS (--tls-cert/--tls-key, a self-signed certificate made by openssl):
  login works and the cookie is Secure.
- Chromium: the dashboard without a session shows the login page; after
  filling the form it shows the figures (skipped without chromium)."""
# ctest-labels: nosan
import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import hbtest
import test_dashboard

REVIEWER = "李四"
REVIEWER_PW = "reviewer-pass-1"
PATHS = ("/", "/index.html", "/app.js", "/periods.js", "/session.js", "/style.css",
         "/api/view", "/api/counties", "/api/history", "/events", "/session", "/nothing")


def cookie_attrs(headers):
    """The Set-Cookie header's attributes, lower case, without the value."""
    c = headers.get("Set-Cookie") or ""
    return {a.strip().split("=")[0].lower() for a in c.split(";")[1:]}, c


def accounts(t, agg, city):
    """The account command's exit codes."""
    sub = hbtest.SUB
    r = hbtest.run([sub, "account", "list", "--data", city])
    t.check_rc(r, 66, "account list of a store that does not exist: 66")
    r = hbtest.run([sub, "serve", "--connect", agg.publish, "--http", "127.0.0.1:0"]
                   + t.sub_keys(agg.publish), timeout=20)
    t.check(r.rc == 78 and "account add --data" in r.err,
            "serve without --data or --accounts: 78, says `account add --data`", r)
    r = hbtest.run([sub, "serve", "--connect", agg.publish, "--http", "127.0.0.1:0", "--data",
                    city] + t.sub_keys(agg.publish), timeout=20)
    t.check(r.rc == 78 and f"account add --data {city} NAME" in r.err,
            "serve on a store without an account: 78, names the command to run", r)
    t.check_rc(hbtest.account_add(sub, city), 0, "account add: the viewer (default role)")
    t.check_rc(hbtest.account_add(sub, city, REVIEWER, REVIEWER_PW, "reviewer"), 0,
               "account add --role reviewer")
    t.check_rc(hbtest.account_add(sub, city, REVIEWER, "another-pass"), 65,
               "account add of a name that exists: 65")
    t.check_rc(hbtest.account_add(sub, city, "zhao", "short"), 65, "a short password: 65")
    t.check_rc(hbtest.account_add(sub, city, "zhao liu", "long enough"), 65, "a bad name: 65")
    t.check_rc(hbtest.account_add(sub, city, "zhao", "long enough", "admin"), 64,
               "an unknown role: 64")
    r = hbtest.run([sub, "account", "add", "--data", city, "zhao", "--password", "x12345678"])
    t.check_rc(r, 64, "no --password flag: 64")
    r = hbtest.run([sub, "account", "passwd", "--data", city, "nobody"])
    t.check_rc(r, 66, "account passwd of no such account: 66")
    r = hbtest.run([sub, "account", "remove", "--data", city, "nobody"])
    t.check_rc(r, 66, "account remove of no such account: 66")
    r = hbtest.run([sub, "account", "list", "--data", city])
    lines = {ln.split()[0]: ln.split()[1] for ln in r.out.splitlines() if ln.strip()}
    t.check(r.rc == 0 and lines == {hbtest.WEB_USER: "viewer", REVIEWER: "reviewer"},
            "account list: both accounts with their roles", r)
    t.check(hbtest.WEB_PASSWORD not in r.out + r.err, "the password is never printed")
    # the county's accounts: the same command
    r = hbtest.account_add(hbtest.AGGREGATOR, agg.data, REVIEWER, REVIEWER_PW, "reviewer")
    t.check_rc(r, 0, "huibao-aggregator account add (the county's store, service running)")
    r = hbtest.run([hbtest.AGGREGATOR, "account", "list", "--data", agg.data])
    t.check(r.rc == 0 and REVIEWER in r.out and "reviewer" in r.out,
            "huibao-aggregator account list", r)


def refused(t, url, what):
    """Every path refuses without a session."""
    anon = hbtest.WebSession(url)
    for path in PATHS:
        st, h, _ = anon.request("GET", path, headers={"Accept": "text/html,*/*;q=0.8"})
        t.check(st == 303 and h.get("Location") == "/login",
                f"{what}: GET {path} as a page without a session: 303 to /login", (st, h.items()))
        st, h, body = anon.request("GET", path, headers={"Accept": "*/*"})
        ok = st == 401 and (h.get("Content-Type") or "").startswith("application/json")
        t.check(ok and "error" in json.loads(body or b"{}"),
                f"{what}: GET {path} without a session: 401 JSON", (st, body[:200]))
    st, _, _ = anon.request("POST", "/api/view", {"x": "1"}, headers={"Accept": "*/*"})
    t.check_eq(st, 401, f"{what}: POST without a session: 401")
    anon.jar.set_cookie(make_cookie("0" * 64))
    st, _, _ = anon.request("GET", "/api/view")
    t.check_eq(st, 401, f"{what}: a made-up session cookie: 401")


def make_cookie(value):
    import http.cookiejar
    return http.cookiejar.Cookie(0, "hb_session", value, None, False, "127.0.0.1", False, False,
                                 "/", True, False, None, False, None, None, {})


def sse_first(url, cookie, timeout=5):
    """(status line, first bytes) of GET /events with the cookie."""
    port = int(url.rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                  "Accept: text/event-stream\r\n\r\n".encode())
        buf, end = b"", time.monotonic() + timeout
        while b"event: dashboard" not in buf and time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf.split(b"\r\n", 1)[0].decode(), buf
    finally:
        s.close()


def sessions(t, serve, city):
    url = serve.url
    login = hbtest.WebSession(url).request("GET", "/login")
    page = login[2].decode()
    t.check(login[0] == 200 and "<form" in page and "登录" in page and 'name="password"' in page,
            "GET /login: the Chinese login page", login[:2])
    t.check("src=" not in page and "href=" not in page and "http" not in page.replace(
        'http-equiv', ''), "the login page is self-contained (no external resource)")
    # wrong password, unknown name: the same answer
    w = hbtest.WebSession(url)
    st1, _, b1 = w.login(hbtest.WEB_USER, "wrong-password")
    st2, _, b2 = w.login("nobody", "wrong-password")
    t.check(st1 == 401 and st2 == 401 and b1 == b2,
            "a wrong password and an unknown name: the same 401", (st1, st2))
    # the viewer
    v = hbtest.WebSession(url)
    st, h, _ = v.login()
    attrs, raw = cookie_attrs(h)
    t.check(st == 303 and h.get("Location") == "/", "the right password: 303 to /", (st, raw))
    t.check({"httponly", "samesite", "path"} <= attrs and "secure" not in attrs and
            "SameSite=Strict" in raw and "Path=/" in raw,
            "the cookie: HttpOnly, SameSite=Strict, Path=/ (no Secure over plain HTTP)", raw)
    me = json.loads(v.request("GET", "/session")[2])
    t.check(me["name"] == hbtest.WEB_USER and me["role"] == "viewer" and len(me["csrf"]) == 64,
            "GET /session: name, role, CSRF token", me)
    for path in ("/", "/app.js", "/session.js", "/style.css"):
        t.check_eq(v.request("GET", path)[0], 200, f"the viewer GETs {path}")
    st, _, body = v.request("GET", "/api/view")
    t.check(st == 200 and "campaigns" in json.loads(body), "the viewer reads /api/view", st)
    cookie = "; ".join(f"{c.name}={c.value}" for c in v.jar)
    line, buf = sse_first(url, cookie)
    t.check(" 200 " in line and b"event: dashboard" in buf,
            "the viewer's /events stream (the cookie, as EventSource sends it)", (line, buf[:300]))
    # the reviewer reads the same
    r = hbtest.WebSession(url)
    t.check_eq(r.login(REVIEWER, REVIEWER_PW)[0], 303, "the reviewer logs in")
    t.check_eq(r.request("GET", "/api/counties")[0], 200, "the reviewer reads /api/counties")
    # CSRF
    st, _, _ = v.request("POST", "/logout")
    t.check_eq(st, 403, "POST /logout without the CSRF token: 403")
    st, _, _ = v.request("POST", "/logout", headers={"X-CSRF-Token": "f" * 64})
    t.check_eq(st, 403, "POST with a wrong CSRF token: 403")
    st, _, _ = v.request("POST", "/logout", {"csrf": "0" * 64})
    t.check_eq(st, 403, "POST with a wrong csrf form field: 403")
    t.check_eq(v.request("GET", "/api/view")[0], 200, "a refused POST leaves the session")
    # a stream open at the logout ends at its next part (a frame, or the 15 s keepalive)
    port = int(url.rsplit(":", 1)[1])
    stream = socket.create_connection(("127.0.0.1", port), timeout=25)
    stream.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                   "Accept: text/event-stream\r\n\r\n".encode())
    st, h, _ = v.request("POST", "/logout", csrf=True)
    t.check(st == 303 and h.get("Location") == "/login", "POST /logout with the token: 303", st)
    got, ended, end = b"", False, time.monotonic() + 22
    try:
        while time.monotonic() < end:
            chunk = stream.recv(65536)
            if not chunk:
                ended = True
                break
            got += chunk
            if got.endswith(b"0\r\n\r\n"):  # the chunked stream's last chunk
                ended = True
                break
    except OSError:
        pass
    finally:
        stream.close()
    t.check(ended, "an /events stream open at the logout ends", got[-200:])
    old = hbtest.WebSession(url)
    old.jar.set_cookie(make_cookie(cookie.split("=", 1)[1]))
    t.check_eq(old.request("GET", "/api/view")[0], 401, "after logout the old cookie: 401")
    # a removed account's session ends at its next request
    rr = hbtest.run([hbtest.SUB, "account", "remove", "--data", city, REVIEWER])
    t.check_rc(rr, 0, "account remove while serve runs")
    t.check_eq(r.request("GET", "/api/view")[0], 401, "the removed account's session ends")
    t.check_eq(hbtest.WebSession(url).login(REVIEWER, REVIEWER_PW)[0], 401,
               "the removed account cannot log in")
    t.check_rc(hbtest.account_add(hbtest.SUB, city, REVIEWER, REVIEWER_PW, "reviewer"), 0,
               "account add again")
    # a new password ends the old sessions too
    p = hbtest.WebSession(url)
    t.check_eq(p.login(REVIEWER, REVIEWER_PW)[0], 303, "the reviewer logs in again")
    pr = subprocess.run([hbtest.SUB, "account", "passwd", "--data", city, REVIEWER],
                        input=b"a-new-password\n", capture_output=True, timeout=30)
    t.check_eq(pr.returncode, 0, "account passwd while serve runs")
    t.check_eq(p.request("GET", "/api/view")[0], 401, "a new password ends the old session")
    t.check_eq(hbtest.WebSession(url).login(REVIEWER, "a-new-password")[0], 303,
               "the new password logs in")
    log = serve.log_text()
    t.check(all(pw not in log for pw in (REVIEWER_PW, hbtest.WEB_PASSWORD, "wrong-password")),
            "no password in serve's log")


def throttle(t, url):
    """The 5th wrong password in a row: 429 + Retry-After; the right one waits too."""
    w = hbtest.WebSession(url)
    got = [w.login(hbtest.WEB_USER, f"wrong-{i}")[0] for i in range(4)]
    t.check_eq(got, [401] * 4, "four wrong passwords in a row: 401 each")
    st, h, _ = w.login(hbtest.WEB_USER, "wrong-5")
    ra = h.get("Retry-After") or ""
    t.check(st == 429 and ra.isdigit() and int(ra) >= 1,
            "the 5th wrong password: 429 with Retry-After", (st, ra))
    st, h, _ = w.login()
    t.check(st == 429 and (h.get("Retry-After") or "").isdigit(),
            "then the right password waits too: 429", st)
    st, _, _ = w.login(REVIEWER, "a-new-password")
    t.check_eq(st, 429, "another name from the same address waits too (throttled per address)")
    # behind a reverse proxy on this machine: the client's own address (X-Real-IP, believed from
    # loopback only) is the key, so another client of the proxy is not slowed down
    p = hbtest.WebSession(url)
    st, _, _ = p.request("POST", "/login", {"name": REVIEWER, "password": "a-new-password"},
                         headers={"X-Real-IP": "10.9.8.7"})
    t.check_eq(st, 303, "another client behind a local proxy (X-Real-IP) logs in")
    st, _, _ = p.request("POST", "/login", {"name": REVIEWER, "password": "a-new-password"},
                         headers={"X-Real-IP": "10.9.8.7; rm"})
    t.check_eq(st, 429, "a malformed X-Real-IP is not believed: the loopback address waits")


def tls(t, agg, city):
    d = os.path.join(t.dir, "tls")
    os.makedirs(d)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = hbtest.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"])
    t.check_rc(r, 0, "openssl makes a self-signed certificate")
    r = hbtest.run([hbtest.SUB, "serve", "--connect", agg.publish, "--http", "127.0.0.1:0",
                    "--accounts", city, "--tls-cert", cert, "--tls-key", d + "/none.pem"]
                   + t.sub_keys(agg.publish), timeout=20)
    t.check(r.rc == 78 and "none.pem" in r.err, "a missing --tls-key: 78 naming it", r)
    r = hbtest.run([hbtest.SUB, "serve", "--connect", agg.publish, "--http", "127.0.0.1:0",
                    "--accounts", city, "--tls-cert", cert] + t.sub_keys(agg.publish))
    t.check_rc(r, 64, "--tls-cert without --tls-key: 64")
    s = test_dashboard.Serve(t, [agg], None, hbtest.TODAY, name="serve-tls", login=False,
                             extra=["--accounts", city, "--tls-cert", cert, "--tls-key", key],
                             scheme="https")
    try:
        t.check("dashboard on https://" in s.log_text(), "serve says https", s.log_text()[-300:])
        refused(t, s.url, "https")
        w = hbtest.WebSession(s.url)
        st, h, _ = w.login()
        attrs, raw = cookie_attrs(h)
        t.check(st == 303 and "secure" in attrs and "httponly" in attrs,
                "login over https: the cookie is Secure (and HttpOnly)", (st, raw))
        st, _, body = w.request("GET", "/api/view")
        t.check(st == 200 and "campaigns" in json.loads(body), "https: the viewer reads /api/view",
                st)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        with socket.create_connection(("127.0.0.1", s.port), timeout=5) as raw_sock:
            with ctx.wrap_socket(raw_sock) as tls_sock:
                t.check(tls_sock.version() is not None, "the certificate given is the one served",
                        tls_sock.version())
    finally:
        t.check_eq(s.stop(), 0, "https serve stops with exit 0")


def browser(t, url, agg):
    if not (shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)):
        print("chromium is not installed: the browser part is skipped")
        return
    br = test_dashboard.Chromium(t.dir)
    try:
        s = br.open(url + "/")
        ok = br.wait(s, "location.pathname === '/login' && !!document.querySelector('form#login')")
        t.check(ok, "Chromium without a session: / shows the login page",
                br.eval(s, "location.href"))
        t.check(not br.eval(s, "!!document.getElementById('board')"),
                "the login page shows no figure")
        br.eval(s, "(() => { const f = document.querySelector('form#login'); "
                   f"f.elements['name'].value = {json.dumps(REVIEWER)}; "
                   f"f.elements['password'].value = {json.dumps('wrong-password-x')}; "
                   "f.submit(); })()")
        t.check(br.wait(s, "document.readyState === 'complete' && (document.querySelector("
                           "'.msg') || {}).textContent.includes('密码错误')"),
                "a wrong password in the form: the page says so")
        br.eval(s, "(() => { const f = document.querySelector('form#login'); "
                   f"f.elements['name'].value = {json.dumps(REVIEWER)}; "
                   f"f.elements['password'].value = {json.dumps('a-new-password')}; "
                   "f.submit(); })()")
        ok = br.wait(s, "location.pathname === '/' && document.body.dataset.version !== '0' && "
                        "!document.getElementById('board').hidden")
        t.check(ok, "after the form: the dashboard renders its first /events document")
        snap = t.rollups(agg)[1]
        camp = sorted(snap)[0]
        br.eval(s, f"document.querySelector('[data-testid=\"tab-{camp}\"]').click()")
        br.wait(s, f"document.body.dataset.campaign === {json.dumps(camp)}", 5)
        shown = br.eval(s, "document.querySelector('[data-testid=\"kpi-problems\"]').textContent")
        t.check_eq(int((shown or "-1").replace(",", "").replace(" 个", "").strip()),
                   snap[camp]["problems"]["total"], f"[{camp}] the figures are shown")
        t.check(br.wait(s, "(document.getElementById('user') || {}).textContent === "
                           f"{json.dumps(REVIEWER + '（审核）')}", 5),
                "the page names who is logged in")
        br.eval(s, "document.getElementById('logout').click()")
        t.check(br.wait(s, "location.pathname === '/login'", 10), "退出: back to the login page")
        t.check_eq(br.errors, [], "no script error on the pages")
    finally:
        br.close()


def main(t):
    county = t.county("xa", units=3, rows=5, seed=4)
    agg = t.aggregator(county, extra=["--code", "xa", "--name", "甲县"], heartbeat_ms=300)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every unit syncs")
    city = os.path.join(t.dir, "city")
    accounts(t, agg, city)
    serve = test_dashboard.Serve(t, [agg], city, hbtest.TODAY, name="serve", login=False)
    try:
        refused(t, serve.url, "http")
        sessions(t, serve, city)
        browser(t, serve.url, agg)
        throttle(t, serve.url)
    finally:
        t.check_eq(serve.stop(), 0, "serve stops with exit 0")
    if shutil.which("openssl"):
        tls(t, agg, city)
    else:
        print("openssl is not installed (deploy/deps.sh installs it): the TLS part is skipped")


if __name__ == "__main__":
    hbtest.Test("logins").guard(main)
