// common.js: what the console's pages share: the decisions and their
// labels, messages, and the JSON calls (a 401 goes to the login page).
"use strict";

// action: [label, needs a reason]
const ACTIONS = {
  confirm: { label: "销号", reason: false, cls: "confirm" },
  return: { label: "退回", reason: true },
  reopen: { label: "重新打开", reason: true },
  "approve-delete": { label: "同意撤销", reason: false },
  "refuse-delete": { label: "不同意撤销", reason: true },
};

function $(id) { return document.getElementById(id); }

function say(text, kind) {
  const m = $("message");
  m.textContent = text;
  m.className = "message" + (kind ? " " + kind : "");
  m.hidden = !text;
}

async function api(url, opts) {
  const r = await fetch(url, Object.assign({ credentials: "same-origin" }, opts || {}));
  if (r.status === 401) { location.href = "/login"; throw new Error("未登录"); }
  let body = {};
  try { body = await r.json(); } catch (e) { body = { error: "HTTP " + r.status }; }
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

// POST /api/decide for record p ({unit, kind: "A"|"P", id}); the answer's n.
function decideRequest(p, action, reason, csrf) {
  return api("/api/decide", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ unit: p.unit, kind: p.kind, id: p.id, action: action, reason: reason }),
  });
}
