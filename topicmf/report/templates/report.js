"use strict";
// topicmf report: draws the data embedded in #topicmf-data. Corpus text is inserted only as text
// (textContent, createTextNode, setAttribute on non-URL attributes), never parsed as HTML.
(function () {
  const D = JSON.parse(document.getElementById("topicmf-data").textContent);
  // Paul Tol's "muted" palette: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499"];
  const PAGE = 20;
  const state = { topic: 0, lambda: 0.6, rank: "relevance", page: 0, doc: -1, query: "", onlyTopic: false, sort: ["id", 1] };
  const docs = D.docs;
  const nDocs = docs.id.length;

  // Topics past the ninth reuse the nine hues, each round lighter or darker (mixed with white or black), so
  // that up to 54 topics get distinct colours; the tooltip names the topic wherever a colour is drawn.
  const ROUNDS = [[0, 0], [1, 0.5], [0, 0.4], [1, 0.75], [0, 0.6], [1, 0.3]];  // [towards white?, how far]
  function mixColour(hex, white, amount) {
    const target = white ? 255 : 0;
    return "#" + [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16);
      return Math.round(c + (target - c) * amount).toString(16).padStart(2, "0");
    }).join("");
  }
  const colour = (t) => {
    if (t < 0) return "#BBBBBB";
    const [white, amount] = ROUNDS[Math.floor(t / PALETTE.length) % ROUNDS.length];
    return mixColour(PALETTE[t % PALETTE.length], white, amount);
  };
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  const $ = (id) => document.getElementById(id);
  const fmt = (x, d = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
  const pct = (x) => (100 * x).toFixed(1) + "%";
  const topicName = (t) => (t < 0 ? "none" : "Topic " + t + ": " + D.topics[t].label);
  function activate(node, fn) {  // click, Enter and Space
    node.addEventListener("click", fn);
    node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fn(e); } });
  }
  function swatch(t) { return el("span", { class: "swatch", style: "background:" + colour(t), "aria-hidden": "true" }); }

  // ---- topic overview ----------------------------------------------------------------------
  const COLUMNS = [["id", "Topic"], ["label", "Label"], ["prevalence", "Share"], ["npmi", "NPMI"], ["c_v", "C_V"]]
    .concat(D.distributions ? [["exclusivity", "Exclusivity"]] : []).concat([["docs", "Documents"]]);
  function renderTopicTable() {
    const table = clear($("topic-table"));
    const head = el("tr");
    for (const [key, name] of COLUMNS) {
      const th = el("th", { scope: "col", "aria-sort": state.sort[0] === key ? (state.sort[1] > 0 ? "ascending" : "descending") : "none" });
      const b = el("button", { type: "button", class: "sort" }, name + (state.sort[0] === key ? (state.sort[1] > 0 ? " ▲" : " ▼") : ""));
      activate(b, () => { state.sort = [key, state.sort[0] === key ? -state.sort[1] : (key === "id" || key === "label" ? 1 : -1)]; renderTopicTable(); });
      th.appendChild(b); head.appendChild(th);
    }
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    const rows = D.topics.slice().sort((a, b) => {
      const [key, dir] = state.sort; const x = a[key], y = b[key];
      if (x === y) return a.id - b.id;
      if (x === null) return 1; if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    for (const t of rows) {
      const tr = el("tr", { class: t.id === state.topic ? "selected" : "" });
      const cell = el("td"); const b = el("button", { type: "button", class: "link", "data-topic": t.id });
      b.appendChild(swatch(t.id)); b.appendChild(document.createTextNode(" " + t.id));
      activate(b, () => selectTopic(t.id)); cell.appendChild(b); tr.appendChild(cell);
      tr.appendChild(el("td", {}, t.label));
      const share = el("td", { class: "n" });
      share.appendChild(el("span", { class: "bar", style: "width:" + Math.round(60 * t.prevalence / maxShare) + "px;background:" + colour(t.id) }));
      share.appendChild(document.createTextNode(" " + pct(t.prevalence))); tr.appendChild(share);
      tr.appendChild(el("td", { class: "n" }, fmt(t.npmi))); tr.appendChild(el("td", { class: "n" }, fmt(t.c_v)));
      if (D.distributions) tr.appendChild(el("td", { class: "n" }, fmt(t.exclusivity)));
      tr.appendChild(el("td", { class: "n" }, t.docs.toLocaleString()));
      body.appendChild(tr);
    }
  }
  const maxShare = Math.max(...D.topics.map((t) => t.prevalence), 1e-9);

  // ---- topic detail: word chart with the relevance slider ----------------------------------
  function rankedWords(t, lambda) {
    const w = D.words[t];
    const items = w.w.map((word, i) => ({ word, p: w.p[i], lift: w.lift[i], rel: lambda * Math.log(w.p[i]) + (1 - lambda) * w.lift[i] }));
    items.sort((a, b) => b.rel - a.rel || b.p - a.p || (a.word < b.word ? -1 : 1));
    return items.slice(0, D.shown_words);
  }
  function barChart(svg, items, value, fill, note) {
    clear(svg);
    const rowH = 18, left = 130, width = 300, top = 4;
    svg.setAttribute("viewBox", "0 0 " + (left + width + 140) + " " + (top + rowH * items.length + 4));
    svg.setAttribute("height", top + rowH * items.length + 4);
    const max = Math.max(...items.map(value), 1e-12);
    items.forEach((item, i) => {
      const y = top + i * rowH;
      const g = sv("g", { class: "word-row", "data-word": item.word });
      g.appendChild(sv("text", { x: left - 6, y: y + 13, "text-anchor": "end" }, item.word));
      g.appendChild(sv("rect", { x: left, y: y + 2, width: Math.max(1, width * Math.abs(value(item)) / max), height: rowH - 5, fill }));
      g.appendChild(sv("text", { x: left + width * Math.abs(value(item)) / max + 4, y: y + 13, class: "small" }, note(item)));
      g.appendChild(sv("title", {}, item.word + " — " + note(item)));
      svg.appendChild(g);
    });
  }
  function renderDetail() {
    const t = state.topic;
    $("topic-title").textContent = topicName(t);
    const info = D.topics[t];
    $("topic-facts").textContent = pct(info.prevalence) + " of the corpus · " + info.docs.toLocaleString() +
      " documents mainly about it · NPMI " + fmt(info.npmi) + " · C_V " + fmt(info.c_v);
    if (D.distributions) {
      if (state.rank === "relevance") {
        const items = rankedWords(t, state.lambda);
        barChart($("word-chart"), items, (it) => it.p, colour(t), (it) => "p " + it.p.toPrecision(2) + ", lift " + Math.exp(it.lift).toPrecision(3));
      } else {  // FREX or lift: the words as that score ranks them, bars still p(w|t)
        const items = D.words[t]["by_" + state.rank].map(([word, p, score]) => ({ word, p, score }));
        barChart($("word-chart"), items, (it) => it.p, colour(t), (it) => "p " + it.p.toPrecision(2) + ", " + state.rank + " " + it.score.toPrecision(3));
      }
      $("lambda").disabled = state.rank !== "relevance";
      $("lambda-value").textContent = state.lambda.toFixed(2);
    } else {
      const p = D.poles[t];
      barChart($("word-chart"), p.pos.map(([word, v]) => ({ word, v })), (it) => it.v, colour(t), (it) => it.v.toFixed(4));
      barChart($("word-chart-neg"), p.neg.map(([word, v]) => ({ word, v })), (it) => it.v, "#888888", (it) => it.v.toFixed(4));
    }
    renderBest(t);
  }
  function renderBest(t) {  // the topic's most representative documents, with their excerpts where the page has them
    const list = clear($("topic-docs"));
    D.topics[t].best.forEach(([i, id, share]) => {
      if (D.distributions && share < 0.005) return;  // a document with (almost) none of the topic does not represent it
      const li = el("li");
      if (i >= 0) {
        const b = el("button", { type: "button", class: "link", "data-doc": i }, id);
        activate(b, () => { selectDoc(i); $("doc-detail").scrollIntoView({ block: "nearest" }); });
        li.appendChild(b);
      } else {
        li.appendChild(el("span", { class: "outside" }, id));
      }
      li.appendChild(document.createTextNode(" — " + (D.distributions ? pct(share) : share.toFixed(3)) + (i < 0 ? " (not on this page)" : "")));
      if (i >= 0 && docs.excerpt) li.appendChild(el("div", { class: "meta best-excerpt" }, docs.excerpt[i].slice(0, 240)));
      list.appendChild(li);
    });
  }

  // ---- intertopic map ----------------------------------------------------------------------
  function scaler(xs, ys, size, pad) {
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const span = Math.max(x1 - x0, y1 - y0, 1e-9);
    return [(x) => pad + (x - (x0 + x1) / 2 + span / 2) / span * (size - 2 * pad), (y) => pad + (span / 2 - (y - (y0 + y1) / 2)) / span * (size - 2 * pad)];
  }
  function renderTopicMap() {
    const svg = clear($("topic-map")), size = 360;
    const [fx, fy] = scaler(D.map.x, D.map.y, size, 40);
    svg.appendChild(sv("line", { x1: size / 2, y1: 8, x2: size / 2, y2: size - 8, class: "axis" }));
    svg.appendChild(sv("line", { x1: 8, y1: size / 2, x2: size - 8, y2: size / 2, class: "axis" }));
    const order = D.topics.map((t) => t.id).sort((a, b) => D.topics[b].prevalence - D.topics[a].prevalence);
    for (const t of order) {
      const r = Math.max(4, 90 * Math.sqrt(D.topics[t].prevalence / maxShare) * 0.35);
      const g = sv("g", { class: "topic-dot" + (t === state.topic ? " selected" : ""), tabindex: 0, role: "button", "aria-label": topicName(t), "data-topic": t });
      g.appendChild(sv("circle", { cx: fx(D.map.x[t]), cy: fy(D.map.y[t]), r, fill: colour(t), "fill-opacity": 0.55, stroke: colour(t) }));
      g.appendChild(sv("text", { x: fx(D.map.x[t]), y: fy(D.map.y[t]) + 4, "text-anchor": "middle" }, t));
      g.appendChild(sv("title", {}, topicName(t) + " (" + pct(D.topics[t].prevalence) + ")"));
      activate(g, () => selectTopic(t));
      svg.appendChild(g);
    }
  }

  // ---- document map ------------------------------------------------------------------------
  function renderDocMap() {
    const svg = clear($("doc-map")), size = 360, m = D.docmap;
    if (!m.index.length) return;
    const [fx, fy] = scaler(m.x, m.y, size, 12);
    const frag = document.createDocumentFragment();
    // a small deterministic jitter (at most 3 px) keeps documents with identical profiles apart
    const jitter = (i, s) => (((i * 2654435761 + s * 40503) % 1000) / 1000 - 0.5) * 6;
    m.index.forEach((i, j) => {
      const c = sv("circle", { cx: (fx(m.x[j]) + jitter(i, 1)).toFixed(1), cy: (fy(m.y[j]) + jitter(i, 7)).toFixed(1), r: 2.6, fill: colour(docs.dominant[i]), "data-doc": i, class: "doc-dot" });
      c.appendChild(sv("title", {}, docs.id[i] + (D.docs.label && docs.label[i] >= 0 ? " [" + D.labels[docs.label[i]] + "]" : "") + " — topic " + docs.dominant[i]));
      frag.appendChild(c);
    });
    svg.appendChild(frag);
    svg.addEventListener("click", (e) => { const i = e.target.getAttribute && e.target.getAttribute("data-doc"); if (i !== null && i !== undefined) selectDoc(Number(i)); });
  }

  // ---- documents: search, pages, detail, neighbours -----------------------------------------
  const haystack = docs.id.map((id, i) => (id + " " + (docs.label && docs.label[i] >= 0 ? D.labels[docs.label[i]] : "") + " " + (docs.excerpt ? docs.excerpt[i] : "")).toLowerCase());
  let filtered = [];
  function applyFilter() {
    const q = state.query.trim().toLowerCase();
    filtered = [];
    for (let i = 0; i < nDocs; i++) {
      if (state.onlyTopic && docs.dominant[i] !== state.topic) continue;
      if (q && haystack[i].indexOf(q) < 0) continue;
      filtered.push(i);
    }
    state.page = 0;
    renderDocTable();
  }
  function mixtureBar(i) {
    const svg = sv("svg", { width: 120, height: 12, class: "mix", role: "img" });
    const mix = docs.mix[i]; let x = 0; const parts = [];
    for (let j = 0; j < mix.length; j += 2) {
      const t = mix[j], v = mix[j + 1];
      const w = D.distributions ? 120 * v : 120 * Math.abs(v) / Math.max(...mix.filter((_, q) => q % 2).map(Math.abs), 1e-9) / 3;
      svg.appendChild(sv("rect", { x, y: 0, width: Math.max(0, w), height: 12, fill: colour(t) }));
      x += w; parts.push("topic " + t + " " + (D.distributions ? pct(v) : v.toFixed(3)));
    }
    svg.setAttribute("aria-label", parts.join(", "));
    svg.appendChild(sv("title", {}, parts.join(", ")));
    return svg;
  }
  function renderDocTable() {
    const body = clear($("doc-rows"));
    const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    for (const i of filtered.slice(state.page * PAGE, state.page * PAGE + PAGE)) {
      const tr = el("tr", { class: i === state.doc ? "selected" : "" });
      const cell = el("td"); const b = el("button", { type: "button", class: "link doc-link", "data-doc": i }, docs.id[i]);
      activate(b, () => selectDoc(i)); cell.appendChild(b); tr.appendChild(cell);
      tr.appendChild(el("td", {}, docs.label && docs.label[i] >= 0 ? D.labels[docs.label[i]] : ""));
      const dom = el("td"); dom.appendChild(swatch(docs.dominant[i])); dom.appendChild(document.createTextNode(" " + (docs.dominant[i] < 0 ? "–" : docs.dominant[i]))); tr.appendChild(dom);
      const mix = el("td"); mix.appendChild(mixtureBar(i)); tr.appendChild(mix);
      body.appendChild(tr);
    }
    $("doc-count").textContent = filtered.length.toLocaleString() + " of " + nDocs.toLocaleString() + " documents" +
      (docs.total > nDocs ? " shown (a sample of the " + docs.total.toLocaleString() + ")" : "");
    $("page-info").textContent = "page " + (state.page + 1) + " of " + pages;
    $("prev-page").disabled = state.page === 0; $("next-page").disabled = state.page >= pages - 1;
  }
  function renderDocDetail() {
    const box = clear($("doc-detail")), i = state.doc;
    if (i < 0) { box.appendChild(el("p", { class: "meta" }, "Select a document to see its text, topics and nearest documents.")); return; }
    box.appendChild(el("h3", { id: "doc-title" }, docs.id[i]));
    if (docs.label && docs.label[i] >= 0) box.appendChild(el("p", { class: "meta" }, "label: " + D.labels[docs.label[i]]));
    box.appendChild(el("p", { class: "excerpt", id: "doc-excerpt" }, docs.excerpt ? docs.excerpt[i] : "(no text: the corpus is a count matrix)"));
    const mix = el("ul", { class: "mixture" });
    for (let j = 0; j < docs.mix[i].length; j += 2) {
      const t = docs.mix[i][j], v = docs.mix[i][j + 1];
      const li = el("li"); li.appendChild(swatch(t));
      const b = el("button", { type: "button", class: "link" }, " " + topicName(t) + " — " + (D.distributions ? pct(v) : v.toFixed(3)));
      activate(b, () => selectTopic(t)); li.appendChild(b); mix.appendChild(li);
    }
    box.appendChild(el("h4", {}, D.distributions ? "Topic mixture" : "Largest coordinates")); box.appendChild(mix);
    box.appendChild(el("h4", {}, "Most similar documents"));
    const list = el("ol", { id: "neighbours" });
    docs.near[i].forEach((j, r) => {
      const li = el("li");
      if (j >= 0) {
        const b = el("button", { type: "button", class: "link neighbour", "data-doc": j }, docs.id[j]);
        activate(b, () => selectDoc(j)); li.appendChild(b);
        li.appendChild(document.createTextNode(" — score " + fmt(docs.score[i][r]) + ", topic " + docs.dominant[j]));
      } else {  // a neighbour that is not among the documents on this page
        const o = -1 - j;
        li.appendChild(el("span", { class: "outside" }, D.outside.id[o]));
        li.appendChild(document.createTextNode(" — score " + fmt(docs.score[i][r]) + ", topic " + D.outside.dominant[o] + " (not on this page)"));
      }
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  // ---- topic × topic similarity -------------------------------------------------------------
  const heat = (v) => "hsl(215,60%," + Math.round(97 - 70 * Math.max(0, Math.min(1, v))) + "%)";
  function renderHeatmap() {
    const svg = clear($("heatmap")), k = D.k, cell = Math.max(8, Math.min(28, Math.floor(420 / k))), pad = 28;
    const side = pad + k * cell + 4, legend = 44, width = Math.max(side, pad + 170);
    svg.setAttribute("viewBox", "0 0 " + width + " " + (side + legend));
    svg.setAttribute("width", width);
    // the colour scale: cosine 0 (or below) to 1
    const top = side + 8, steps = 20, barWidth = 140;
    for (let i = 0; i < steps; i++) {
      svg.appendChild(sv("rect", { x: pad + i * barWidth / steps, y: top, width: barWidth / steps + 0.5, height: 10, fill: heat(i / (steps - 1)), class: "legend" }));
    }
    [[0, "≤ 0"], [0.5, "0.5"], [1, "1"]].forEach(([v, label]) => {
      svg.appendChild(sv("text", { x: pad + v * barWidth, y: top + 24, "text-anchor": "middle", class: "small" }, label));
    });
    svg.appendChild(sv("text", { x: pad + barWidth + 8, y: top + 9, class: "small" }, "cosine"));
    for (let a = 0; a < k; a++) {
      svg.appendChild(sv("text", { x: pad - 4, y: pad + a * cell + cell * 0.7, "text-anchor": "end", class: "small" }, a));
      svg.appendChild(sv("text", { x: pad + a * cell + cell / 2, y: pad - 6, "text-anchor": "middle", class: "small" }, a));
      for (let b = 0; b < k; b++) {
        const s = D.similarity[a][b];
        const r = sv("rect", { x: pad + b * cell, y: pad + a * cell, width: cell - 1, height: cell - 1, fill: heat(s) });
        r.appendChild(sv("title", {}, "topics " + a + " and " + b + ": cosine " + s.toFixed(3)));
        r.addEventListener("click", () => selectTopic(a));
        svg.appendChild(r);
      }
    }
  }

  // ---- selection -----------------------------------------------------------------------------
  // ---- topics over time and per label (from topics_over_time.csv and topics_per_label.csv) ----
  function groupRows(table, g, t) {
    const body = table.querySelector("tbody");
    clear(body);
    g.names.forEach((name, i) => {
      const tr = el("tr");
      tr.appendChild(el("td", {}, name));
      tr.appendChild(el("td", { class: "n" }, pct(g.share[i][t])));
      tr.appendChild(el("td", { class: "words" }, (g.words[i][t] || []).join(", ")));
      body.appendChild(tr);
    });
  }
  function renderGroups() {
    const G = D.groups || {}, t = state.topic;
    if (G.time) {
      const svg = clear($("time-chart")), g = G.time, n = g.names.length;
      const W = Math.max(420, Math.min(1100, 28 * n)), H = 220, left = 44, bottom = 190, top = 10;
      svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 20)); svg.setAttribute("width", W); svg.setAttribute("height", H + 20);
      const peak = Math.max(1e-9, ...g.share.map((row) => Math.max(...row)));
      const x = (i) => left + (n > 1 ? i * (W - left - 10) / (n - 1) : (W - left) / 2), y = (v) => bottom - (bottom - top) * v / peak;
      svg.appendChild(sv("line", { x1: left, y1: bottom, x2: W - 10, y2: bottom, class: "axis" }));
      svg.appendChild(sv("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "small" }, pct(peak)));
      svg.appendChild(sv("text", { x: left - 4, y: bottom, "text-anchor": "end", class: "small" }, "0%"));
      const step = Math.max(1, Math.ceil(n / 12));
      g.names.forEach((name, i) => { if (i % step === 0) svg.appendChild(sv("text", { x: x(i), y: bottom + 16, "text-anchor": "middle", class: "small" }, name)); });
      for (let s = 0; s < D.k; s++) {
        if (s === t) continue;
        svg.appendChild(sv("polyline", { points: g.share.map((row, i) => x(i) + "," + y(row[s])).join(" "), fill: "none",
                                          stroke: colour(s), "stroke-width": 1.2, "stroke-opacity": 0.35, "data-topic": s }));
      }
      const line = sv("polyline", { points: g.share.map((row, i) => x(i) + "," + y(row[t])).join(" "), fill: "none",
                                    stroke: colour(t), "stroke-width": 3, "data-topic": t, class: "selected-line" });
      line.appendChild(sv("title", {}, topicName(t)));
      svg.appendChild(line);
      groupRows($("time-words"), g, t);
    }
    if (G.label) {
      $("label-title").textContent = topicName(t) + " in each label";
      groupRows($("label-words"), G.label, t);
    }
  }
  function renderTree() {  // the dendrogram of hierarchy.csv: leaves top to bottom, distance left to right
    const nodes = (D.groups || {}).tree;
    if (!nodes || !nodes.length) return;
    const svg = clear($("tree")), k = D.k, byId = {};
    nodes.forEach(([id, left, right, distance, words]) => { byId[id] = { left, right, distance, words }; });
    const order = [];
    (function walk(id) { if (id < k) { order.push(id); return; } walk(byId[id].left); walk(byId[id].right); })(nodes[nodes.length - 1][0]);
    const rowH = 18, labelW = 260, width = 420, top = 8, H = top + rowH * k + 8;
    svg.setAttribute("viewBox", "0 0 " + (labelW + width + 20) + " " + H); svg.setAttribute("height", H);
    const ds = nodes.map((n) => n[3]), maxD = Math.max(...ds), minD = Math.min(...ds);
    const d0 = Math.max(0, minD - 0.25 * (maxD - minD || maxD));  // the axis starts just before the first junction
    const pos = {};
    const xOf = (d) => labelW + 20 + (width - 20) * (d - d0) / Math.max(1e-9, maxD - d0);
    order.forEach((t, i) => {
      pos[t] = { x: labelW, y: top + i * rowH + rowH / 2 };
      const g = sv("g", { class: "topic-dot" + (t === state.topic ? " selected" : ""), tabindex: 0, role: "button", "data-topic": t });
      g.appendChild(sv("text", { x: labelW - 6, y: pos[t].y + 4, "text-anchor": "end", "font-weight": t === state.topic ? 700 : 400 }, topicName(t)));
      activate(g, () => selectTopic(t)); svg.appendChild(g);
    });
    nodes.forEach(([id, left, right, distance, words]) => {
      const a = pos[left], b = pos[right], x = xOf(distance);
      const path = "M" + a.x + "," + a.y + "H" + x + "V" + b.y + "H" + b.x;
      const p = sv("path", { d: path, fill: "none", stroke: "#555", "stroke-width": 1.2, class: "tree-link" });
      p.appendChild(sv("title", {}, words.join(", ") + " (distance " + distance.toFixed(3) + ")"));
      svg.appendChild(p);
      pos[id] = { x, y: (a.y + b.y) / 2 };
    });
  }
  function selectTopic(t) {
    state.topic = t; renderDetail(); renderTopicTable(); renderTopicMap(); renderGroups(); renderTree();
    if (state.onlyTopic) applyFilter();
    $("detail").scrollIntoView({ block: "nearest" });
  }
  function selectDoc(i) { state.doc = i; renderDocDetail(); renderDocTable(); }

  function renderBackground() {  // the background's words, as text (they come from the corpus)
    const node = $("background-words");
    if (!node || !D.background) return;
    D.background.words.forEach(([word, share], i) => {
      if (i) node.appendChild(document.createTextNode(", "));
      const item = el("span", { class: "bgword" }, word + " ");
      item.appendChild(el("small", {}, Math.round(100 * share) + "%"));
      node.appendChild(item);
    });
  }

  function init() {
    if (D.distributions) {
      const slider = $("lambda");
      slider.value = String(state.lambda);
      slider.addEventListener("input", () => { state.lambda = Number(slider.value); renderDetail(); });
      $("word-rank").addEventListener("change", (e) => { state.rank = e.target.value; renderDetail(); });
    }
    $("doc-search").addEventListener("input", (e) => { state.query = e.target.value; applyFilter(); });
    $("only-topic").addEventListener("change", (e) => { state.onlyTopic = e.target.checked; applyFilter(); });
    activate($("prev-page"), () => { if (state.page > 0) { state.page -= 1; renderDocTable(); } });
    activate($("next-page"), () => { state.page += 1; renderDocTable(); });
    renderTopicTable(); renderDetail(); renderTopicMap(); renderDocMap(); renderHeatmap(); renderBackground(); renderGroups(); renderTree();
    applyFilter(); renderDocDetail();
    document.body.setAttribute("data-ready", "1");
  }
  init();
})();
