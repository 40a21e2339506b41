/* session.js: who is logged in, and the logout button (issue 14).
 * GET /session (behind the login gate) gives {name, role, csrf}; the
 * logout is a POST carrying the CSRF token in X-CSRF-Token. A session that
 * ended (idle time, account removed, server restarted) sends the page to
 * /login: checked once a minute and whenever the live stream drops. */
"use strict";
(function () {
  const ROLE_ZH = { reviewer: "审核", viewer: "查看" };
  let csrf = "";

  function toLogin() {
    window.location.href = "/login";
  }

  async function check() {
    try {
      const r = await fetch("/session", { headers: { Accept: "application/json" } });
      if (r.status === 401) {
        toLogin();
        return null;
      }
      return r.ok ? await r.json() : null;
    } catch (e) {
      return null; /* the server is away: app.js shows it; try again later */
    }
  }

  async function logout() {
    try {
      await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf } });
    } finally {
      toLogin();
    }
  }

  function show(s) {
    const status = document.querySelector(".banner-status");
    if (!status || document.getElementById("user")) return;
    const box = document.createElement("span");
    box.className = "user-box";
    const who = document.createElement("span");
    who.id = "user";
    who.dataset.testid = "user";
    who.textContent = s.name + "（" + (ROLE_ZH[s.role] || s.role) + "）";
    const btn = document.createElement("button");
    btn.type = "button";
    btn.id = "logout";
    btn.dataset.testid = "logout";
    btn.textContent = "退出";
    btn.addEventListener("click", logout);
    box.append(who, btn);
    status.append(box);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const s = await check();
    if (s) {
      csrf = s.csrf;
      show(s);
    }
    setInterval(check, 60000);
    const live = document.getElementById("live");
    if (live)
      new MutationObserver(() => {
        if (live.dataset.state !== "live") check();
      }).observe(live, { attributes: true, attributeFilter: ["data-state"] });
  });
})();
