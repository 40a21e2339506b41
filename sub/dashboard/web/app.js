/* app.js: the live dashboard of huibao-sub serve.
 *
 * One EventSource on /events; every "dashboard" event carries the whole state
 * ({version, generated_at, vocab, view, counties, history}, see
 * docs/dashboard.md) and the page is redrawn from it, so a missed event does
 * no harm. Text from the network only ever goes into textContent or SVG text
 * nodes, never into HTML. Charts are drawn here as SVG: no library, no CDN.
 * Figures carry data-testid attributes for the browser test. */
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const state = {
    doc: null,
    campaign: null,
    sort: {
      "unit-table": { key: "rate", dir: 1 },
      "county-table": { key: "rate", dir: 1 },
    },
  };
  /* a mark that survives only as long as this page session: the test reads
   * it to prove updates arrive without a reload */
  window.__hbLoaded = window.__hbLoaded || Date.now() + ":" + Math.random();

  // ------------------------------------------------------------ helpers
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  function s(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtInt(n) {
    return Number(n || 0).toLocaleString("zh-CN");
  }

  /* a/b as a percentage with one decimal, rounded half up on the exact
   * fraction (integers only: the browser test computes the same) */
  function pct(a, b) {
    if (!b) return "—";
    const p = Math.floor((a * 2000 + b) / (2 * b));
    return Math.floor(p / 10) + "." + (p % 10) + "%";
  }

  function ratio(a, b) {
    return b ? a / b : null;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function fmtTime(iso, withDate) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return "—";
    const t = two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
    if (!withDate) return t;
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + t;
  }

  function fmtShort(iso) {
    if (!iso) return "从未";
    const d = new Date(iso);
    if (isNaN(d)) return "—";
    return two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" +
      two(d.getMinutes());
  }

  function setText(id, text) {
    const e = $(id);
    if (!e) return;
    if (e.textContent !== text && e.textContent !== "—") {
      e.classList.remove("changed");
      void e.offsetWidth; // restart the highlight
      e.classList.add("changed");
    }
    e.textContent = text;
  }

  function zh(kind, code) {
    const v = state.doc && state.doc.vocab && state.doc.vocab[kind];
    return (v && v[code]) || code;
  }

  function campaignsOf(view) {
    if (!view) return [];
    if (Array.isArray(view.campaigns)) return view.campaigns;
    return view.campaign ? [view] : [];
  }

  function severity(rate, avg) {
    if (rate === null) return "none";
    if (avg !== null && rate < avg - 0.15) return "lag";
    if (avg !== null && rate < avg) return "below";
    return "ok";
  }

  // ------------------------------------------------------------ charts

  /* Horizontal bars of resolution rate, lowest first, with the overall
   * average as a dashed line. rows: {id, label, num, den, stale, note} */
  function rateChart(host, rows, avgLabel, testPrefix) {
    host.textContent = "";
    const totN = rows.reduce((a, r) => a + r.num, 0);
    const totD = rows.reduce((a, r) => a + r.den, 0);
    const avg = ratio(totN, totD);
    const sorted = rows.slice().sort((a, b) => {
      const ra = ratio(a.num, a.den), rb = ratio(b.num, b.den);
      if (ra === null || rb === null) return (ra === null) - (rb === null);
      return ra - rb || b.den - a.den || a.label.localeCompare(b.label, "zh-CN");
    });
    if (!sorted.length) {
      host.append(el("div", { class: "empty", text: "暂无数据" }));
      return;
    }
    const W = 960, L = 200, R = 150, T = 26, RH = 22;
    const PW = W - L - R;
    const B = T + sorted.length * RH; /* bottom of the rows; the average's label goes below */
    const H = B + 26;
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "bars", role: "img" });
    for (let p = 0; p <= 100; p += 25) {
      const x = L + (PW * p) / 100;
      svg.append(s("line", { x1: x, x2: x, y1: T - 4, y2: B, class: "grid" }));
      svg.append(s("text", { x: x, y: T - 10, class: "tick", "text-anchor": "middle" }, p + "%"));
    }
    sorted.forEach((r, i) => {
      const y = T + i * RH;
      const rate = ratio(r.num, r.den);
      const sev = r.stale ? "stale" : severity(rate, avg);
      const g = s("g", {
        class: "bar " + sev,
        "data-testid": `${testPrefix}-${r.id}`,
        "data-rate": rate === null ? "" : pct(r.num, r.den),
      });
      g.append(s("text", { x: L - 8, y: y + 15, class: "label", "text-anchor": "end" },
        r.label + (r.stale ? "（失联）" : "")));
      g.append(s("rect", { x: L, y: y + 3, width: PW, height: RH - 7, class: "track", rx: 3 }));
      if (rate !== null)
        g.append(s("rect", { x: L, y: y + 3, width: Math.max(rate * PW, 1.5), height: RH - 7,
          class: "fill", rx: 3 }));
      g.append(s("text", { x: L + PW + 8, y: y + 15, class: "value" },
        rate === null ? "无问题" : `${pct(r.num, r.den)}  (${r.num}/${r.den})`));
      const tip = s("title", {}, `${r.label}：整改率 ${pct(r.num, r.den)}，问题 ${r.den}，已整改 ${r.num}` +
        (r.note ? "，" + r.note : ""));
      g.append(tip);
      svg.append(g);
    });
    if (avg !== null) {
      const x = L + avg * PW;
      svg.append(s("line", { x1: x, x2: x, y1: T - 2, y2: B + 6, class: "avg" }));
      svg.append(s("text", { x: x, y: B + 20, class: "avg-label", "text-anchor": "middle" },
        `${avgLabel} ${pct(totN, totD)}`));
    }
    host.append(svg);
  }

  const PALETTE = ["#c0392b", "#2e86c1", "#d68910", "#239b56", "#7d3c98", "#17a589", "#a04000",
    "#5d6d7e", "#cb4335", "#1f618d"];

  function donut(host, cats, total) {
    host.textContent = "";
    const W = 220, C = 110, R = 92, r = 56;
    const svg = s("svg", { viewBox: `0 0 ${W} ${W}`, class: "donut-svg", role: "img" });
    let a0 = -Math.PI / 2;
    const pt = (rad, a) => `${C + rad * Math.cos(a)} ${C + rad * Math.sin(a)}`;
    cats.forEach((c, i) => {
      if (!c.count || !total) return;
      const frac = c.count / total;
      const color = PALETTE[i % PALETTE.length];
      if (frac >= 0.9999) {
        svg.append(s("circle", { cx: C, cy: C, r: (R + r) / 2, fill: "none", stroke: color,
          "stroke-width": R - r }));
        return;
      }
      const a1 = a0 + frac * 2 * Math.PI;
      const big = frac > 0.5 ? 1 : 0;
      const d = `M ${pt(R, a0)} A ${R} ${R} 0 ${big} 1 ${pt(R, a1)} L ${pt(r, a1)} ` +
        `A ${r} ${r} 0 ${big} 0 ${pt(r, a0)} Z`;
      const p = s("path", { d: d, fill: color, class: "slice" });
      p.append(s("title", {}, `${c.name}：${c.count}（${pct(c.count, total)}）`));
      svg.append(p);
      a0 = a1;
    });
    svg.append(s("text", { x: C, y: C - 4, "text-anchor": "middle", class: "donut-num" }, fmtInt(total)));
    svg.append(s("text", { x: C, y: C + 18, "text-anchor": "middle", class: "donut-cap" }, "查摆问题"));
    host.append(svg);
  }

  /* One bar split by status: resolved / rectifying / identified. */
  function statusBar(host, p) {
    host.textContent = "";
    const total = p.total || 0;
    const parts = [["已整改", p.resolved || 0, "st-resolved"], ["整改中", p.rectifying || 0, "st-rectifying"],
      ["待整改", p.identified || 0, "st-identified"]];
    const W = 640, H = 64, BH = 26;
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "status", role: "img" });
    svg.append(s("rect", { x: 0, y: 0, width: W, height: BH, rx: 4, class: "track" }));
    let x = 0, lx = 0;
    for (const [label, n, cls] of parts) {
      const w = total ? (W * n) / total : 0;
      if (w > 0) {
        const r = s("rect", { x: x, y: 0, width: w, height: BH, class: cls });
        r.append(s("title", {}, `${label} ${n}（${pct(n, total)}）`));
        svg.append(r);
        if (w > 70)
          svg.append(s("text", { x: x + w / 2, y: 18, "text-anchor": "middle", class: "in" }, pct(n, total)));
      }
      x += w;
      svg.append(s("rect", { x: lx, y: BH + 16, width: 12, height: 12, rx: 2, class: cls }));
      svg.append(s("text", { x: lx + 18, y: BH + 27, class: "key" }, `${label} ${fmtInt(n)}`));
      lx += 150;
    }
    svg.append(s("text", { x: W, y: BH + 27, "text-anchor": "end", class: "key overdue" },
      `其中逾期 ${fmtInt(p.overdue || 0)}`));
    host.append(svg);
  }

  /* Weekly resolution rate (line, left axis) and activity records (bars,
   * right axis). */
  function trendChart(host, weeks) {
    host.textContent = "";
    if (!weeks.length) {
      host.append(el("div", { class: "empty", text: "暂无历史数据（每周记录一次，重启后保留）" }));
      return;
    }
    const W = 960, H = 250, L = 56, R = 64, T = 30, B = 44;
    const PW = W - L - R, PH = H - T - B;
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "trend", role: "img" });
    const maxAct = Math.max(1, ...weeks.map((w) => w.activities.records));
    const top = niceStep(maxAct) * 4; /* four whole steps: ticks line up with 25% ... */
    for (let i = 0; i <= 4; i++) {
      const y = T + PH - (PH * i) / 4;
      svg.append(s("line", { x1: L, x2: L + PW, y1: y, y2: y, class: "grid" }));
      svg.append(s("text", { x: L - 6, y: y + 4, "text-anchor": "end", class: "tick rate-tick" }, i * 25 + "%"));
      svg.append(s("text", { x: L + PW + 6, y: y + 4, class: "tick act-tick" }, fmtInt((top * i) / 4)));
    }
    const band = PW / weeks.length;
    const bw = Math.min(46, band * 0.5);
    const pts = [];
    weeks.forEach((w, i) => {
      const cx = L + band * (i + 0.5);
      const h = (PH * w.activities.records) / top;
      const bar = s("rect", { x: cx - bw / 2, y: T + PH - h, width: bw, height: h, class: "act-bar" });
      bar.append(s("title", {}, `${w.week}：活动 ${w.activities.records} 次`));
      svg.append(bar);
      svg.append(s("text", { x: cx, y: T + PH + 16, "text-anchor": "middle", class: "tick" }, w.week.replace(/^\d{4}-/, "")));
      svg.append(s("text", { x: cx, y: T + PH + 31, "text-anchor": "middle", class: "tick faint" }, w.monday.slice(5)));
      const rate = ratio(w.problems.resolved, w.problems.total);
      if (rate !== null) pts.push([cx, T + PH - PH * rate, w]);
    });
    if (pts.length > 1)
      svg.append(s("polyline", { points: pts.map((p) => p[0] + "," + p[1]).join(" "), class: "rate-line" }));
    for (const [x, y, w] of pts) {
      svg.append(s("circle", { cx: x, cy: y, r: 4.5, class: "rate-dot" }));
      svg.append(s("text", { x: x, y: y - 9, "text-anchor": "middle", class: "rate-val" },
        pct(w.problems.resolved, w.problems.total)));
    }
    const lg = s("g", { class: "legend" });
    lg.append(s("line", { x1: L, x2: L + 22, y1: 12, y2: 12, class: "rate-line" }));
    lg.append(s("text", { x: L + 28, y: 16 }, "整改率（左轴）"));
    lg.append(s("rect", { x: L + 150, y: 6, width: 14, height: 12, class: "act-bar" }));
    lg.append(s("text", { x: L + 170, y: 16 }, "活动数（右轴）"));
    svg.append(lg);
    host.append(svg);
  }

  /* The smallest round whole number >= max / 4 (1, 2, 5, 10, 20, 25, 50, ...). */
  function niceStep(max) {
    const raw = Math.max(1, max / 4);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      const v = m * mag;
      if (v >= raw && Number.isInteger(v)) return v;
    }
    return 10 * mag;
  }

  /* the helpers periods.js draws with */
  window.hbDash = { el, s, fmtInt, niceStep };

  // ------------------------------------------------------------ tables

  /* Fills tbody from rows sorted by the table's current key; cells: list of
   * {key, text, num, testid, cls}. */
  function fillSorted(tableId, rows, cells) {
    const table = $(tableId);
    const sort = state.sort[tableId];
    const col = cells.find((c) => c.key === sort.key) || cells[0];
    const val = (r) => col.sortVal(r);
    const sorted = rows.slice().sort((a, b) => {
      const va = val(a), vb = val(b);
      if (va === null || vb === null) return (va === null) - (vb === null);
      const c = typeof va === "string" ? va.localeCompare(vb, "zh-CN") : va - vb;
      return c * sort.dir || a.label.localeCompare(b.label, "zh-CN");
    });
    const body = table.tBodies[0];
    body.textContent = "";
    for (const r of sorted) {
      const tr = el("tr", { class: r.rowClass || null, "data-testid": r.testid });
      for (const c of cells)
        tr.append(el("td", { class: (c.num ? "num " : "") + (c.cls ? c.cls(r) : ""),
          "data-testid": c.testid ? c.testid(r) : null, text: c.text(r) }));
      body.append(tr);
    }
    for (const th of table.tHead.rows[0].cells) {
      const k = th.dataset.key;
      th.setAttribute("aria-sort", k === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    }
  }

  function bindSort(tableId) {
    const table = $(tableId);
    table.tHead.addEventListener("click", (ev) => {
      const th = ev.target.closest("th");
      if (!th || !th.dataset.key) return;
      const sort = state.sort[tableId];
      if (sort.key === th.dataset.key) sort.dir = -sort.dir;
      else {
        sort.key = th.dataset.key;
        sort.dir = th.classList.contains("num") && th.dataset.key !== "rate" ? -1 : 1;
      }
      render();
    });
  }

  const numCell = (key, get, testid) => ({
    key, num: true, text: (r) => fmtInt(get(r)), sortVal: get,
    testid: testid ? (r) => `${r.testid}-${testid}` : null,
  });

  /* Issue 14: the county's review of a problems object (a county's or a
   * unit's; 0 when a county of the previous version sent none), and its
   * four columns after 已整改 in the county and unit tables. */
  const reviewOf = (p) => ({
    confirmed: (p && p.confirmed) || 0, claimed: (p && p.claimed) || 0,
    returned: (p && p.returned) || 0, deletion_pending: (p && p.deletion_pending) || 0,
  });
  const reviewCells = [
    numCell("confirmed", (r) => r.confirmed, "confirmed"),
    numCell("claimed", (r) => r.claimed, "claimed"),
    numCell("returned", (r) => r.returned, "returned"),
    numCell("deletion_pending", (r) => r.deletion_pending, "deletion-pending"),
  ];

  // ------------------------------------------------------------ sections

  function renderTabs(camps) {
    const tabs = $("tabs");
    tabs.textContent = "";
    for (const c of camps) {
      const b = el("button", {
        type: "button", class: "tab", "data-testid": `tab-${c.campaign}`,
        "aria-selected": c.campaign === state.campaign ? "true" : "false",
        text: c.campaign_name || c.campaign,
      });
      b.addEventListener("click", () => {
        state.campaign = c.campaign;
        history.replaceState(null, "", "#" + encodeURIComponent(c.campaign));
        render();
      });
      tabs.append(b);
    }
  }

  function renderKpis(c) {
    const p = c.problems || {};
    setText("kpi-problems", fmtInt(p.total));
    setText("kpi-individual", fmtInt(p.by_scope ? p.by_scope.individual : 0));
    setText("kpi-team", fmtInt(p.by_scope ? p.by_scope.team : 0));
    setText("kpi-resolved", fmtInt(p.resolved));
    setText("kpi-rectifying", fmtInt(p.rectifying));
    setText("kpi-identified", fmtInt(p.identified));
    /* issue 14: the county's review (0 from a county of the previous version) */
    setText("kpi-confirmed", fmtInt(p.confirmed || 0));
    setText("kpi-claimed", fmtInt(p.claimed || 0));
    setText("kpi-returned", fmtInt(p.returned || 0));
    setText("kpi-deletion-pending", fmtInt(p.deletion_pending || 0));
    setText("kpi-reopened", fmtInt(p.reopened || 0));
    setText("kpi-act-returned", fmtInt((c.activities && c.activities.returned) || 0));
    setText("kpi-rate", pct(p.resolved || 0, p.total || 0));
    $("rate-meter").style.width = ((ratio(p.resolved || 0, p.total || 0) || 0) * 100).toFixed(2) + "%";
    setText("kpi-overdue", fmtInt(p.overdue));
    setText("kpi-measures", fmtInt(p.measures));
    const a = (c.activities && c.activities.total) || {};
    setText("kpi-activities", fmtInt(a.records));
    setText("kpi-sessions", fmtInt(a.sessions));
    setText("kpi-participants", fmtInt(a.participants));
    const cov = c.coverage || { expected: 0, reported: 0, missing: [] };
    setText("coverage-reported", fmtInt(cov.reported));
    setText("coverage-expected", fmtInt(cov.expected));
    const names = {};
    for (const u of c.units || []) names[u.code] = u.name || u.code;
    const miss = (cov.missing || []).map((m) => names[m] || m);
    $("coverage-missing").textContent = miss.length
      ? `未报送 ${miss.length} 个：${miss.slice(0, 6).join("、")}${miss.length > 6 ? " 等" : ""}`
      : "应报单位均已报送";
    $("coverage-missing").classList.toggle("warn", miss.length > 0);
  }

  function renderCategories(c) {
    const p = c.problems || {};
    const cats = Object.entries(p.by_category || {}).map(([code, v]) => ({ code, ...v, name: v.name || code }));
    donut($("cat-chart"), cats, p.total || 0);
    statusBar($("status-chart"), p);
    const body = $("cat-body");
    body.textContent = "";
    cats.forEach((k, i) => {
      const sw = el("span", { class: "swatch sw" + (i % PALETTE.length) });
      body.append(el("tr", { "data-testid": `cat-${k.code}` },
        el("td", {}, sw, document.createTextNode(k.name)),
        el("td", { class: "num", "data-testid": `cat-${k.code}-count`, text: fmtInt(k.count) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-share`, text: pct(k.count, p.total || 0) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-units`, text: fmtInt(k.units) + " 个" }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-resolved`, text: fmtInt(k.resolved) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-rate`, text: pct(k.resolved, k.count) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-confirmed`, text: fmtInt(k.confirmed || 0) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-claimed`, text: fmtInt(k.claimed || 0) }),
        el("td", { class: "num", "data-testid": `cat-${k.code}-returned`, text: fmtInt(k.returned || 0) })));
    });
    if (!cats.length) body.append(el("tr", {}, el("td", { colspan: 9, class: "empty", text: "暂无问题类别" })));
  }

  function renderKinds(c) {
    const act = c.activities || {};
    const levels = Object.keys((state.doc.vocab && state.doc.vocab.level) || {});
    const byKL = {};
    for (const cell of act.cube || []) {
      const k = (byKL[cell.kind] = byKL[cell.kind] || {});
      k[cell.level] = (k[cell.level] || 0) + cell.records;
    }
    const head = $("kind-head");
    head.textContent = "";
    const hr = el("tr", {}, el("th", { text: "活动类型" }));
    for (const l of levels) hr.append(el("th", { class: "num", text: zh("level", l) + "层面" }));
    for (const t of ["合计（次）", "场次", "参与人次", "成果"]) hr.append(el("th", { class: "num", text: t }));
    head.append(hr);
    const body = $("kind-body");
    body.textContent = "";
    const order = Object.keys((state.doc.vocab && state.doc.vocab.kind) || {});
    // built-in kinds in their order, then the campaign's declared kinds in the file's order
    const rank = (k) => (order.indexOf(k) < 0 ? order.length : order.indexOf(k));
    const kinds = Object.keys(act.by_kind || {}).sort((a, b) => rank(a) - rank(b));
    const max = Math.max(1, ...kinds.map((k) => act.by_kind[k].records));
    const lvTot = {};
    for (const k of kinds) {
      const t = act.by_kind[k];
      const tr = el("tr", { "data-testid": `kind-${k}` }, el("td", { text: t.name || zh("kind", k) }));
      for (const l of levels) {
        const n = (byKL[k] && byKL[k][l]) || 0;
        lvTot[l] = (lvTot[l] || 0) + n;
        tr.append(el("td", { class: "num", "data-testid": `kind-${k}-${l}`, text: fmtInt(n) }));
      }
      const bar = el("span", { class: "minibar" });
      bar.style.width = Math.round((48 * t.records) / max) + "px";
      tr.append(el("td", { class: "num" }, bar,
        el("span", { "data-testid": `kind-${k}-records`, text: fmtInt(t.records) })));
      tr.append(el("td", { class: "num", "data-testid": `kind-${k}-sessions`, text: fmtInt(t.sessions) }));
      tr.append(el("td", { class: "num", "data-testid": `kind-${k}-participants`, text: fmtInt(t.participants) }));
      tr.append(el("td", { class: "num", "data-testid": `kind-${k}-outputs`, text: fmtInt(t.outputs) }));
      body.append(tr);
    }
    const tot = act.total || {};
    const tr = el("tr", { class: "total" }, el("td", { text: "合计" }));
    for (const l of levels)
      tr.append(el("td", { class: "num", "data-testid": `level-${l}-records`, text: fmtInt(lvTot[l] || 0) }));
    for (const f of ["records", "sessions", "participants", "outputs"])
      tr.append(el("td", { class: "num", "data-testid": `kind-total-${f}`, text: fmtInt(tot[f]) }));
    body.append(tr);
  }

  // the value of an indicator with exactly its declared decimals ("0.30")
  function indicatorText(v) {
    if (typeof v.text === "string") return v.text;
    const n = Number(v.value || 0);
    return n.toFixed(Math.max(0, Math.min(4, v.places || 0)));
  }

  const STAGE_STATES = { done: "已完成", current: "进行中", upcoming: "未开始" };

  // indicators, 典型 counts and stages: shown when the campaign declares any
  function renderOutcomes(c) {
    const inds = Object.entries(c.indicators || {});
    const cases = c.cases || { total: 0, by_type: {} };
    const stages = c.stages || [];
    $("outcomes").hidden = !inds.length && !stages.length && !cases.total;
    const body = $("ind-body");
    body.textContent = "";
    for (const [code, v] of inds)
      body.append(el("tr", { "data-testid": `ind-${code}` },
        el("td", { "data-testid": `ind-${code}-name`, text: v.name || code }),
        el("td", { class: "num", "data-testid": `ind-${code}-value`, text: indicatorText(v) }),
        el("td", { "data-testid": `ind-${code}-unit`, text: v.unit || "" }),
        el("td", { class: "num", "data-testid": `ind-${code}-records`, text: fmtInt(v.records) })));
    if (!inds.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "本专项未规定成效指标" })));
    const bt = cases.by_type || {};
    for (const k of ["group", "person", "practice", "case"]) setText(`cases-${k}`, fmtInt(bt[k] || 0));
    const cur = c.stage_current;
    $("stage-current").textContent = cur
      ? `目前处于第${cur.n}阶段：${cur.name}（${cur.start} 至 ${cur.end}）`
      : stages.length ? "统计日不在任何阶段内" : "本专项未划分阶段";
    const list = $("stage-list");
    list.textContent = "";
    for (const st of stages) {
      const li = el("li", { class: `stage ${st.state}`, "data-testid": `stage-${st.n}`, "data-state": st.state },
        el("span", { class: "stage-name", "data-testid": `stage-${st.n}-name`, text: st.name }),
        el("span", { class: "stage-dates", text: `${st.start} 至 ${st.end}` }),
        el("span", { class: "stage-state", "data-testid": `stage-${st.n}-state`, text: STAGE_STATES[st.state] || st.state }));
      list.append(li);
    }
  }

  function countyRows(campaign) {
    const cc = ((state.doc.counties && state.doc.counties.campaigns) || []).find((x) => x.campaign === campaign);
    return ((cc && cc.counties) || []).map((k) => ({
      id: k.code, testid: `county-${k.code}`, label: k.name || k.code, name: k.name || k.code,
      stale: k.stale, reported: k.reported, expected: k.expected,
      verifyFailed: !!(k.verify && k.verify.failed), findings: (k.verify && k.verify.findings) || [],
      status: k.verify && k.verify.failed ? "数据核验未通过" : k.stale ? "失联" : "正常",
      problems: k.problems.total, resolved: k.problems.resolved, rectifying: k.problems.rectifying,
      overdue: k.problems.overdue, activities: k.activities.records, as_of: k.as_of,
      ...reviewOf(k.problems),
      num: k.problems.resolved, den: k.problems.total, rowClass: k.stale ? "stale" : null,
      note: `报送单位 ${k.reported}/${k.expected}`,
    }));
  }

  /* Issue 15 (docs/verify.md): a county whose figures, history or
   * signatures do not verify against the city's replica, with its findings
   * (each names the unit and the record or figure). */
  function renderVerify(rows) {
    const bad = rows.filter((r) => r.verifyFailed);
    const box = $("verify-alert");
    box.hidden = bad.length === 0;
    box.textContent = "";
    for (const r of bad) {
      box.append(el("div", { "data-testid": `verify-${r.id}`, text: `「数据核验未通过」${r.name}（${r.id}）` }));
      const ul = el("ul");
      for (const f of r.findings.slice(0, 20))
        ul.append(el("li", { "data-testid": `verify-${r.id}-finding`, text: f.text }));
      if (r.findings.length > 20) ul.append(el("li", { text: `…… 共 ${r.findings.length} 项` }));
      box.append(ul);
    }
  }

  function renderCounties(c) {
    const rows = countyRows(c.campaign);
    const stale = rows.filter((r) => r.stale);
    const alert = $("stale-alert");
    alert.hidden = stale.length === 0;
    alert.textContent = stale.length
      ? "⚠ 以下县（区）已停止上报心跳，显示的是其最后一次汇总：" +
        stale.map((r) => `${r.name}（最近汇总 ${fmtTime(r.as_of, true)}）`).join("；")
      : "";
    renderVerify(rows);
    rateChart($("county-chart"), rows, "全市平均", "bar-county");
    const rate = (r) => ratio(r.resolved, r.problems);
    const avg = ratio(rows.reduce((a, x) => a + x.resolved, 0), rows.reduce((a, x) => a + x.problems, 0));
    fillSorted("county-table", rows, [
      { key: "name", text: (r) => `${r.name}（${r.id}）`, sortVal: (r) => r.name },
      { key: "status", text: (r) => r.status, sortVal: (r) => r.status, testid: (r) => `${r.testid}-status`,
        cls: (r) => (r.verifyFailed ? "flag-verify" : r.stale ? "flag-stale" : "flag-ok") },
      { key: "reported", num: true, text: (r) => `${r.reported}/${r.expected}`, sortVal: (r) => r.reported,
        testid: (r) => `${r.testid}-reported` },
      numCell("problems", (r) => r.problems, "problems"),
      numCell("resolved", (r) => r.resolved, "resolved"),
      ...reviewCells,
      numCell("rectifying", (r) => r.rectifying, "rectifying"),
      numCell("overdue", (r) => r.overdue, "overdue"),
      { key: "rate", num: true, text: (r) => pct(r.resolved, r.problems), sortVal: rate,
        testid: (r) => `${r.testid}-rate`, cls: (r) => "sev-" + severity(rate(r), avg) },
      numCell("activities", (r) => r.activities, "activities"),
      { key: "as_of", text: (r) => fmtShort(r.as_of), sortVal: (r) => r.as_of || "" },
    ]);
  }

  function renderUnits(c) {
    const multi = new Set((c.units || []).map((u) => u.county)).size > 1;
    const rows = (c.units || []).map((u) => {
      const p = u.problems || {};
      return {
        id: `${u.county}-${u.code}`, testid: `unit-${u.county}-${u.code}`,
        label: (u.name || u.code) + (multi ? ` · ${countyName(c, u.county)}` : ""),
        name: u.name || u.code, type: zh("unit_type", u.type), county: countyName(c, u.county),
        problems: p.total || 0, resolved: p.resolved || 0, rectifying: p.rectifying || 0,
        overdue: p.overdue || 0, activities: (u.activities && u.activities.records) || 0,
        last_sync: u.last_sync, num: p.resolved || 0, den: p.total || 0,
        rowClass: u.records ? null : "silent", ...reviewOf(p),
      };
    });
    rateChart($("unit-chart"), rows, "平均", "bar-unit");
    const avg = ratio(rows.reduce((a, x) => a + x.resolved, 0), rows.reduce((a, x) => a + x.problems, 0));
    const rate = (r) => ratio(r.resolved, r.problems);
    fillSorted("unit-table", rows, [
      { key: "name", text: (r) => r.name, sortVal: (r) => r.name },
      { key: "type", text: (r) => r.type, sortVal: (r) => r.type },
      { key: "county", text: (r) => r.county, sortVal: (r) => r.county },
      numCell("problems", (r) => r.problems, "problems"),
      numCell("resolved", (r) => r.resolved, "resolved"),
      ...reviewCells,
      numCell("rectifying", (r) => r.rectifying, "rectifying"),
      numCell("overdue", (r) => r.overdue, "overdue"),
      { key: "rate", num: true, text: (r) => pct(r.resolved, r.problems), sortVal: rate,
        testid: (r) => `${r.testid}-rate`, cls: (r) => "sev-" + severity(rate(r), avg) },
      numCell("activities", (r) => r.activities, "activities"),
      { key: "last_sync", text: (r) => fmtShort(r.last_sync), sortVal: (r) => r.last_sync || "" },
    ]);
  }

  function countyName(c, code) {
    const k = (c.counties || []).find((x) => x.code === code);
    return (k && k.name) || code || "—";
  }

  function renderHistory(c) {
    const hc = ((state.doc.history && state.doc.history.campaigns) || []).find((x) => x.campaign === c.campaign);
    const weeks = (hc && hc.weeks) || [];
    trendChart($("trend-chart"), weeks);
    const body = $("hist-body");
    body.textContent = "";
    for (const w of weeks.slice().reverse()) {
      const id = `hist-${w.week}`;
      body.append(el("tr", { "data-testid": id },
        el("td", { text: w.week }),
        el("td", { text: w.monday }),
        el("td", { class: "num", "data-testid": `${id}-problems`, text: fmtInt(w.problems.total) }),
        el("td", { class: "num", "data-testid": `${id}-resolved`, text: fmtInt(w.problems.resolved) }),
        el("td", { class: "num", "data-testid": `${id}-rate`, text: pct(w.problems.resolved, w.problems.total) }),
        el("td", { class: "num", "data-testid": `${id}-overdue`, text: fmtInt(w.problems.overdue) }),
        el("td", { class: "num", "data-testid": `${id}-activities`, text: fmtInt(w.activities.records) }),
        el("td", { class: "num", "data-testid": `${id}-participants`, text: fmtInt(w.activities.participants) })));
    }
  }

  // ------------------------------------------------------------ main

  function render() {
    const doc = state.doc;
    if (!doc) return;
    const camps = campaignsOf(doc.view);
    const wanted = decodeURIComponent((location.hash || "").slice(1));
    if (!state.campaign) state.campaign = wanted || null;
    if (!camps.some((c) => c.campaign === state.campaign))
      state.campaign = camps.length ? camps[0].campaign : null;
    renderTabs(camps);
    const c = camps.find((x) => x.campaign === state.campaign);
    $("waiting").hidden = !!c;
    $("board").hidden = !c;
    $("updated").textContent = fmtTime(doc.generated_at, true);
    document.body.dataset.version = String(doc.version);
    if (!c) return;
    document.title = `${c.campaign_name || c.campaign} · 专项工作进展看板`;
    $("today").textContent = c.today || "—";
    const n = (c.counties || []).length;
    $("source-line").textContent = `${c.campaign_name || c.campaign} · 汇总 ${n} 个县（区）· 数据序号 ${c.seq}`;
    renderKpis(c);
    renderCategories(c);
    renderKinds(c);
    renderOutcomes(c);
    renderCounties(c);
    renderUnits(c);
    renderHistory(c);
    if (window.hbPeriods) window.hbPeriods.render(c);
    document.body.dataset.campaign = c.campaign;
  }

  function setLive(stateName, text) {
    const e = $("live");
    e.dataset.state = stateName;
    e.textContent = text;
  }

  function connect() {
    const es = new EventSource("/events");
    es.addEventListener("open", () => setLive("live", "● 实时"));
    es.addEventListener("error", () => setLive("down", "● 连接中断，正在重连…"));
    es.addEventListener("dashboard", (ev) => {
      try {
        state.doc = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      setLive("live", "● 实时");
      render();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    bindSort("unit-table");
    bindSort("county-table");
    connect();
  });
})();
