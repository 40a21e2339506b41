// console.js: the review queue of the county's console (县级审核台). Reads
// /api/queue, groups by unit and category, and sends each decision to
// POST /api/decide with the session's CSRF token. Text from the ledgers is
// only ever set as textContent.

// what a reviewer may do on an entry of each queue
const QUEUE_ACTIONS = {
  claimed: ["confirm", "return"],
  returned: [],
  reopened: [],
  deletion: ["approve-delete", "refuse-delete"],
};

let csrf = "";

async function decide(item, action, reasonBox) {
  const reason = reasonBox.value.trim();
  if (ACTIONS[action].reason && !reason) {
    say("请填写原因（" + ACTIONS[action].label + "必须说明原因）", "error");
    reasonBox.focus();
    return;
  }
  try {
    const p = { unit: item.unit, kind: item.kind === "problem" ? "P" : "A", id: item.id };
    const r = await decideRequest(p, action, reason, csrf);
    say(ACTIONS[action].label + "：" + item.unit + " " + item.id + "（历史第 " + r.n + " 条）", "ok");
    await load();
  } catch (e) {
    say(ACTIONS[action].label + "未成功：" + e.message, "error");
  }
}

function historyLink(item) {
  const q = new URLSearchParams({ unit: item.unit, kind: item.kind === "problem" ? "P" : "A", id: item.id });
  return "/history.html?" + q.toString();
}

function renderItem(item, canDecide) {
  const node = $("item-tpl").content.firstElementChild.cloneNode(true);
  node.dataset.testid = "item-" + item.unit + "-" + item.id;
  node.dataset.queue = item.queue;
  node.querySelector(".tag").textContent = item.kind === "problem" ? "问题" : "活动";
  node.querySelector(".rid").textContent = item.id;
  node.querySelector(".status").textContent = item.queue_zh;
  node.querySelector(".history").href = historyLink(item);
  node.querySelector(".text").textContent = item.text || "（无内容）";
  node.querySelector(".deadline").textContent = item.deadline || "—";
  node.querySelector(".measures").textContent = item.measures || "—";
  node.querySelector(".owner").textContent = item.owner || "—";
  node.querySelector(".source").textContent = item.source || "—";
  const rv = node.querySelector(".review");
  if (item.reviewer || item.reason) {
    const when = item.at_s ? new Date(item.at_s * 1000).toLocaleString("zh-CN") : "";
    rv.textContent = "审核人 " + (item.reviewer || "—") + (when ? "，" + when : "") +
      (item.reason ? "：" + item.reason : "");
  } else {
    rv.remove();
  }
  const actions = node.querySelector(".actions");
  const list = QUEUE_ACTIONS[item.queue] || [];
  if (!canDecide || list.length === 0) {
    actions.remove();
    return node;
  }
  const box = actions.querySelector(".reason");
  const buttons = actions.querySelector(".buttons");
  for (const a of list) {
    const b = document.createElement("button");
    b.textContent = ACTIONS[a].label;
    b.dataset.action = a;
    b.dataset.testid = "do-" + a;
    if (ACTIONS[a].cls) b.className = ACTIONS[a].cls;
    b.addEventListener("click", () => decide(item, a, box));
    buttons.appendChild(b);
  }
  return node;
}

function render(doc) {
  csrf = doc.csrf || "";
  $("logout-csrf").value = csrf;
  $("user").textContent = doc.user;
  $("role").textContent = doc.role === "reviewer" ? "审核人" : "查看（只读）";
  $("count").textContent = String(doc.count);
  const root = $("queue");
  root.textContent = "";
  if (doc.items.length === 0) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "没有待审核的记录。";
    root.appendChild(p);
    return;
  }
  let unit = null, cat = null;
  for (const item of doc.items) { // in unit order already
    if (item.unit !== unit) {
      unit = item.unit; cat = null;
      const h = document.createElement("h2");
      h.className = "unit";
      h.textContent = "单位 " + unit;
      root.appendChild(h);
    }
    const c = item.kind === "problem" ? (item.category || "未分类") : "活动";
    if (c !== cat) {
      cat = c;
      const h = document.createElement("h3");
      h.className = "category";
      h.textContent = item.kind === "problem" ? "类别 " + c : "活动";
      root.appendChild(h);
    }
    root.appendChild(renderItem(item, doc.can_decide));
  }
}

function byCategory(items) {
  // stable: unit, then problems by category, then activities
  return items.map((it, i) => [it, i]).sort((a, b) => {
    const x = a[0], y = b[0];
    if (x.unit !== y.unit) return x.unit < y.unit ? -1 : 1;
    const cx = x.kind === "problem" ? "0" + x.category : "1", cy = y.kind === "problem" ? "0" + y.category : "1";
    if (cx !== cy) return cx < cy ? -1 : 1;
    return a[1] - b[1];
  }).map((p) => p[0]);
}

async function load() {
  const q = new URLSearchParams();
  const unit = $("f-unit").value.trim(), state = $("f-state").value;
  if (unit) q.set("unit", unit);
  if (state) q.set("state", state);
  try {
    const doc = await api("/api/queue?" + q.toString());
    doc.items = byCategory(doc.items);
    render(doc);
    document.body.dataset.loaded = "1";
  } catch (e) {
    say("读取审核队列失败：" + e.message, "error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(location.search);
  $("f-unit").value = params.get("unit") || "";
  $("f-state").value = params.get("state") || "";
  $("refresh").addEventListener("click", () => { say(""); load(); });
  $("f-state").addEventListener("change", load);
  $("f-unit").addEventListener("change", load);
  load();
});
