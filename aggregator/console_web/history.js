// history.js: a record's history in the county's console: every version
// the county stored (what changed, old → new) and every decision, from
// /api/history; and the decisions a reviewer may take on the record.

const ACTORS = { unit: "单位", reviewer: "审核人", admin: "管理员", import: "升级导入" };

function cell(tr, text) {
  const td = document.createElement("td");
  td.textContent = text;
  tr.appendChild(td);
  return td;
}

function what(e) {
  if (e.what === "version") return "报送新版本";
  if (e.what === "decision") return e.action_zh + (e.reason ? "：" + e.reason : "");
  if (e.what === "removal") return "管理员删除" + (e.note ? "：" + e.note : "");
  return "";
}

async function decide(p, action, csrf) {
  const reason = $("reason").value.trim();
  if (ACTIONS[action].reason && !reason) { say("请填写原因", "error"); return; }
  try {
    const r = await decideRequest(p, action, reason, csrf);
    say(ACTIONS[action].label + "：已完成（历史第 " + r.n + " 条）", "ok");
    load(p);
  } catch (e) {
    say(ACTIONS[action].label + "未成功：" + e.message, "error");
  }
}

function panel(p, doc) {
  if (!doc.can_decide || (p.kind !== "P" && p.kind !== "A") || $("decide")) return;
  const div = document.createElement("div");
  div.id = "decide";
  div.className = "actions";
  const box = document.createElement("input");
  box.id = "reason";
  box.className = "reason";
  box.placeholder = "原因（退回、重新打开、不同意撤销时必填）";
  div.appendChild(box);
  for (const a of Object.keys(ACTIONS)) {
    if (p.kind === "A" && a !== "return") continue;
    const b = document.createElement("button");
    b.textContent = ACTIONS[a].label;
    b.dataset.testid = "do-" + a;
    b.addEventListener("click", () => decide(p, a, doc.csrf));
    div.appendChild(b);
  }
  $("title").after(div);
}

async function load(p) {
  let doc;
  try {
    doc = await api("/api/history?" + new URLSearchParams(p).toString());
  } catch (e) {
    say(e.message, "error");
    return;
  }
  const body = $("entries");
  body.textContent = "";
  for (const e of doc.entries) {
    const tr = document.createElement("tr");
    tr.dataset.testid = "entry";
    cell(tr, String(e.n));
    cell(tr, new Date(e.at_s * 1000).toLocaleString("zh-CN"));
    cell(tr, (ACTORS[e.actor_kind] || "") + " " + e.actor);
    cell(tr, what(e));
    const td = cell(tr, "");
    if (e.changes && e.changes.length) {
      const ul = document.createElement("ul");
      for (const c of e.changes) {
        const li = document.createElement("li");
        li.textContent = c.field + "：" + (c.before || "（空）") + " → " + (c.after || "（空）");
        ul.appendChild(li);
      }
      td.appendChild(ul);
    }
    body.appendChild(tr);
  }
  panel(p, doc);
  document.body.dataset.loaded = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  const q = new URLSearchParams(location.search);
  const p = { unit: q.get("unit") || "", kind: q.get("kind") || "P", id: q.get("id") || "" };
  $("title").textContent = "单位 " + p.unit + " · " + (p.kind === "A" ? "活动 " : "问题 ") + p.id;
  load(p);
});
