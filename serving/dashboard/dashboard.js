// The KPI dashboard: sign in, pick a date range, read /api/analytics/* and draw.
// Tokens live in sessionStorage (gone with the tab); the page itself holds no data.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const C = () => window.LakooCharts;
  const store = window.sessionStorage;
  const idr = new Intl.NumberFormat("id-ID");

  const TILES = [
    { key: "registrations", label: "Registrations", fmt: "int", hint: "per day: registrations_per_day" },
    { key: "posts_created", label: "Posts created", fmt: "int" },
    { key: "dau", label: "DAU (average)", fmt: "dec" },
    { key: "wau", label: "WAU (last day)", fmt: "int" },
    { key: "mau", label: "MAU (last day)", fmt: "int" },
    { key: "gmv", label: "GMV (Rp)", fmt: "int" },
    { key: "orders_paid", label: "Orders paid", fmt: "int" },
    { key: "aov", label: "AOV (Rp)", fmt: "round" },
    { key: "product_tag_clicks", label: "Product tag clicks", fmt: "int" },
    { key: "tag_click_through_rate", label: "Tag click-through", fmt: "pct" },
    { key: "feed_click_through_rate", label: "Feed click-through", fmt: "pct" },
    { key: "order_completion_rate", label: "Order completion", fmt: "pct" },
    { key: "seller_onboarding_rate", label: "Seller onboarding", fmt: "pct" },
  ];

  function format(value, fmt) {
    if (value === null || value === undefined) return "–";
    if (fmt === "pct") return (value * 100).toFixed(1) + "%";
    if (fmt === "dec") return value.toFixed(1);
    if (fmt === "round") return idr.format(Math.round(value));
    return idr.format(value);
  }

  // ---- auth ------------------------------------------------------------------------------------
  async function login(email, password) {
    const res = await fetch("/api/auth/login", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail || "sign-in failed");
    store.setItem("lakoo.access", body.access_token);
    store.setItem("lakoo.refresh", body.refresh_token);
  }

  async function refresh() {
    const token = store.getItem("lakoo.refresh");
    if (!token) return false;
    const res = await fetch("/api/auth/refresh", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refresh_token: token }),
    });
    if (!res.ok) return false;
    const body = await res.json();
    store.setItem("lakoo.access", body.access_token);
    store.setItem("lakoo.refresh", body.refresh_token);
    return true;
  }

  class ApiError extends Error {
    constructor(status, body) { super(body.detail || `HTTP ${status}`); this.status = status; this.body = body; }
  }

  async function api(path, retried) {
    const res = await fetch(path, { headers: { authorization: "Bearer " + (store.getItem("lakoo.access") || "") } });
    if (res.status === 401 && !retried && (await refresh())) return api(path, true);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  function showLogin(message) {
    $("app").hidden = true;
    $("sign-out").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  function showApp() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("sign-out").hidden = false;
  }

  // ---- date range ----------------------------------------------------------------------------
  function iso(d) { return d.toISOString().slice(0, 10); }
  function addDays(s, n) { const d = new Date(s + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return iso(d); }

  function setRange(lastDate, days) {
    $("to").value = lastDate;
    $("from").value = addDays(lastDate, -(days - 1));
  }

  function query() {
    return `from=${encodeURIComponent($("from").value)}&to=${encodeURIComponent($("to").value)}`;
  }

  // ---- rendering -----------------------------------------------------------------------------
  function renderTiles(kpis) {
    const box = $("tiles");
    box.replaceChildren();
    for (const t of TILES) {
      const value = kpis.totals[t.key];
      const delta = kpis.deltas[t.key];
      const tile = document.createElement("div");
      tile.className = "tile";
      tile.dataset.kpi = t.key;
      tile.dataset.value = value === null || value === undefined ? "" : String(value);
      const label = document.createElement("div");
      label.className = "label";
      label.textContent = t.label;
      const val = document.createElement("div");
      val.className = "value";
      val.textContent = format(value, t.fmt);
      const d = document.createElement("div");
      d.className = "delta" + (delta > 0 ? " up" : delta < 0 ? " down" : "");
      d.dataset.delta = delta === null || delta === undefined ? "" : String(delta);
      d.textContent = delta === null || delta === undefined ? "no previous data"
        : `${delta > 0 ? "▲" : delta < 0 ? "▼" : "■"} ${(Math.abs(delta) * 100).toFixed(1)}% vs previous ${kpis.previous_from} – ${kpis.previous_to}`;
      tile.append(label, val, d);
      box.appendChild(tile);
    }
  }

  function renderSeries(kpis) {
    const labels = kpis.series.map((p) => p.period);
    const pick = (k) => kpis.series.map((p) => p.values[k]);
    C().lines($("chart-active"), labels, [
      { name: "DAU (avg)", values: pick("dau") }, { name: "WAU", values: pick("wau") }, { name: "MAU", values: pick("mau") },
    ]);
    C().bars($("chart-gmv"), labels, [{ name: "GMV", values: pick("gmv") }]);
    C().bars($("chart-growth"), labels, [
      { name: "registrations", values: pick("registrations") }, { name: "posts", values: pick("posts_created") },
    ]);
  }

  function renderFunnel(funnel) {
    const names = { product_view: "viewed", add_to_cart: "carted", purchase: "purchased" };
    C().hbars($("chart-funnel"), funnel.steps.map((s) => ({
      label: names[s.step], value: s.count,
      note: s.rate_from_previous === null ? "" : `(${(s.rate_from_previous * 100).toFixed(1)}% of previous step)`,
    })));
    $("funnel-note").textContent = `Unit: ${funnel.unit}. Conversion window ${funnel.conversion_window_days} days` +
      (funnel.window_complete_through ? `; views after ${funnel.window_complete_through} may still convert.` : ".");
    $("chart-funnel").dataset.steps = funnel.steps.map((s) => s.count).join(",");
  }

  function table(id, caption, columns, rows) {
    const t = $(id);
    t.replaceChildren();
    const cap = document.createElement("caption");
    cap.textContent = caption;
    const head = document.createElement("tr");
    for (const c of columns) { const th = document.createElement("th"); th.textContent = c.label; head.appendChild(th); }
    t.append(cap, head);
    if (!rows.length) {
      const tr = document.createElement("tr"); const td = document.createElement("td");
      td.colSpan = columns.length; td.className = "empty"; td.textContent = "nothing in this range";
      tr.appendChild(td); t.appendChild(tr); return;
    }
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const c of columns) {
        const td = document.createElement("td");
        td.textContent = c.fmt ? format(row[c.key], c.fmt) : (row[c.key] ?? "–");
        tr.appendChild(td);
      }
      t.appendChild(tr);
    }
  }

  function renderAttribution(attribution) {
    C().hbars($("chart-surfaces"), attribution.by_surface.map((s) => ({ label: s.surface, value: s.attributed_gmv })),
      (v) => "Rp " + idr.format(v));
    table("table-surfaces", "Feeds and surfaces", [
      { key: "surface", label: "surface" }, { key: "impressions", label: "impr.", fmt: "int" },
      { key: "click_through_rate", label: "CTR", fmt: "pct" }, { key: "purchases", label: "purchases", fmt: "int" },
      { key: "conversion_rate", label: "conv.", fmt: "pct" }, { key: "attributed_gmv", label: "GMV", fmt: "int" },
    ], attribution.by_surface);
    table("table-posts", "Posts", [
      { key: "post_id", label: "post" }, { key: "creator_username", label: "creator" },
      { key: "attributed_orders", label: "orders", fmt: "int" }, { key: "attributed_gmv", label: "GMV", fmt: "int" },
    ], attribution.top_posts.map((p) => Object.assign({}, p, { post_id: p.post_id.slice(0, 8) })));
    table("table-creators", "Creators", [
      { key: "creator_username", label: "creator" }, { key: "posts", label: "posts", fmt: "int" },
      { key: "attributed_gmv", label: "GMV", fmt: "int" },
    ], attribution.top_creators);
  }

  function renderTop(top) {
    table("table-hashtags", "Hashtags", [
      { key: "tag", label: "#" }, { key: "posts_created", label: "posts", fmt: "int" },
      { key: "impressions", label: "impr.", fmt: "int" }, { key: "engagements", label: "engagements", fmt: "int" },
    ], top.hashtags);
    table("table-products", "Products", [
      { key: "product_name", label: "product" }, { key: "product_views", label: "views", fmt: "int" },
      { key: "units_sold", label: "units", fmt: "int" }, { key: "gmv", label: "GMV", fmt: "int" },
    ], top.products);
  }

  // One row per experiment variant; every cell keeps its number(s) in data-* for checking.
  function renderExperiments(out) {
    if (out.error) { $("table-experiments").replaceChildren(); $("experiments-note").textContent = out.error; return; }
    const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");
    const pp = (v) => (v === null || v === undefined ? "–" : (v > 0 ? "+" : "") + (v * 100).toFixed(1) + " pp");
    const interval = (e, f) => `(${f(e.low)} … ${f(e.high)})`;
    const columns = [
      { key: "experiment", label: "experiment" }, { key: "variant", label: "variant" },
      { key: "exposed_users", label: "exposed users", fmt: "int" }, { key: "impressions", label: "impr.", fmt: "int" },
      { key: "post_clicks", label: "clicks", fmt: "int" },
      { key: "click_through_rate", label: "CTR (95% CI)", est: pct },
      { key: "click_through_rate_vs_control", label: "Δ CTR vs control", est: pp },
      { key: "converted_users", label: "converted users", fmt: "int" },
      { key: "conversion_rate", label: "conversion (95% CI)", est: pct },
      { key: "conversion_rate_vs_control", label: "Δ conversion vs control", est: pp },
      { key: "purchases", label: "purchases", fmt: "int" },
      { key: "mixed_exposure_users", label: "mixed", fmt: "int" },
    ];
    const rows = out.experiments.flatMap((e) => e.variants.map((v) => Object.assign({ experiment: e.experiment }, v)));
    table("table-experiments", "Per variant", columns, rows);
    const trs = $("table-experiments").querySelectorAll("tr");
    rows.forEach((row, i) => {
      const tr = trs[i + 1];
      tr.dataset.experiment = row.experiment;
      tr.dataset.variant = row.variant;
      columns.forEach((c, j) => {
        const td = tr.children[j];
        td.dataset.key = c.key;
        const value = row[c.key];
        if (!c.est) { td.dataset.value = value === null || value === undefined ? "" : String(value); return; }
        if (!value) { td.dataset.value = ""; td.textContent = "–"; return; }
        for (const part of ["value", "low", "high"]) td.dataset[part] = value[part] === null ? "" : String(value[part]);
        td.textContent = c.est(value.value);
        if (value.low === null) return;
        const ci = document.createElement("span"); // the interval on its own line, the same text
        ci.className = "ci";
        ci.textContent = " " + interval(value, c.est);
        td.appendChild(ci);
      });
    });
    $("experiments-note").textContent = `Exposure: ${out.exposure}. Conversion: ${out.conversion}. ` +
      `Intervals: ${Math.round(out.confidence * 100)}% Wilson; differences to control: Newcombe.`;
  }

  async function load() {
    $("range-error").textContent = "";
    $("status").textContent = "loading…";
    document.body.dataset.state = "loading";
    const q = query();
    try {
      const [kpis, funnel, retention, attribution, top, experiments] = await Promise.all([
        api(`/api/analytics/kpis?${q}&grain=${$("grain").value}`), api(`/api/analytics/funnel?${q}`),
        api(`/api/analytics/retention?${q}`), api(`/api/analytics/attribution?${q}`), api(`/api/analytics/top?${q}`),
        // A snapshot published before the experiment marts existed: the other panels still draw.
        api(`/api/analytics/experiments?${q}`).catch((err) => (err.status === 503 ? { error: err.message } : Promise.reject(err))),
      ]);
      renderTiles(kpis);
      renderSeries(kpis);
      renderFunnel(funnel);
      C().heatmap($("chart-retention"), retention.cohorts, retention.weeks);
      renderAttribution(attribution);
      renderTop(top);
      renderExperiments(experiments);
      $("as-of").textContent = `data as of ${new Date(kpis.as_of).toISOString().replace("T", " ").slice(0, 19)} UTC`;
      $("status").textContent = `${kpis.from} – ${kpis.to}, by ${kpis.grain}`;
      document.body.dataset.state = "ready";
      document.body.dataset.range = `${kpis.from}..${kpis.to}`;
    } catch (err) {
      document.body.dataset.state = "error";
      $("status").textContent = "";
      if (err.status === 401) { showLogin("Please sign in again."); return; }
      if (err.status === 403) { showLogin("This account has no analyst or admin role."); return; }
      if (err.status === 422) { $("range-error").textContent = err.message; return; }
      $("range-error").textContent = err.status === 503 ? err.message : `Could not load the KPIs: ${err.message}`;
    }
  }

  async function start() {
    try {
      const status = await api("/api/analytics/status");
      showApp();
      if (!$("to").value) setRange(status.last_date, 30);
      await load();
    } catch (err) {
      if (err.status === 503) { showApp(); $("range-error").textContent = err.message; return; }
      showLogin(err.status === 403 ? "This account has no analyst or admin role." : "");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      try {
        await login($("email").value, $("password").value);
        await start();
      } catch (err) {
        $("login-error").textContent = err.message;
      }
    });
    $("range-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    for (const b of document.querySelectorAll(".presets button")) {
      b.addEventListener("click", () => { setRange($("to").value || iso(new Date()), Number(b.dataset.days)); load(); });
    }
    $("sign-out").addEventListener("click", () => { store.clear(); showLogin(); });
    if (store.getItem("lakoo.access")) start(); else showLogin();
  });
})();
