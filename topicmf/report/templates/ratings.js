"use strict";
// topicmf recommend page: draws the data embedded in #topicmf-data. User and item names are untrusted:
// they are inserted only as text (textContent, setAttribute on non-URL attributes), never parsed as HTML.
(function () {
  const D = JSON.parse(document.getElementById("topicmf-data").textContent);
  const MATCHES = 30;
  const items = D.items;
  const users = D.users;
  const state = { user: -1, item: -1 };

  // an item's or user's name on the page: its title (from --items / --users) and its id, or the id alone
  const itemLabel = (j) => (items.title && items.title[j] ? items.title[j] + " · " + items.id[j] : items.id[j]);
  const userLabel = (u) => (u.title ? u.title + " · " + u.id : u.id);
  const itemLabels = items.id.map((_, j) => itemLabel(j));
  const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));
  function row(cells, numeric) {
    const tr = el("tr");
    cells.forEach((c, i) => {
      const td = el("td", numeric[i] ? { class: "n" } : { class: "name" });
      if (c instanceof Node) td.appendChild(c); else td.textContent = String(c);
      tr.appendChild(td);
    });
    return tr;
  }
  function itemButton(j) {
    const b = el("button", { type: "button", class: "link", "data-item": j }, itemLabels[j]);
    b.addEventListener("click", () => selectItem(j, true));
    return b;
  }
  function matches(query, names, limit) {
    const q = query.trim().toLowerCase();
    const found = [];
    for (let i = 0; i < names.length && found.length < limit; i++) {
      if (!q || String(names[i]).toLowerCase().includes(q)) found.push(i);
    }
    return found;
  }
  function countMatches(query, names) {
    const q = query.trim().toLowerCase();
    if (!q) return names.length;
    let n = 0;
    for (const name of names) if (String(name).toLowerCase().includes(q)) n++;
    return n;
  }

  // users
  const userNames = users.map(userLabel);
  function showUserMatches() {
    const query = document.getElementById("user-search").value;
    const box = document.getElementById("user-matches");
    box.replaceChildren();
    for (const i of matches(query, userNames, MATCHES)) {
      const b = el("button", { type: "button", class: "link", "data-user": i }, userNames[i]);
      b.addEventListener("click", () => selectUser(i));
      box.appendChild(b);
    }
    const n = countMatches(query, userNames);
    document.getElementById("user-count").textContent =
      n + " of " + users.length + " users" + (n > MATCHES ? " (the first " + MATCHES + " shown)" : "");
  }
  function selectUser(i) {
    state.user = i;
    const u = users[i];
    document.getElementById("user-title").textContent = "User " + userLabel(u);
    document.getElementById("known-note").textContent = u.n + " known item" + (u.n === 1 ? "" : "s") +
      (u.n > u.known.length ? " (the " + u.known.length + " highest shown)" : "") + ", highest first.";
    const known = document.querySelector("#known-table tbody");
    known.replaceChildren(...u.known.map(([j, v]) => row([itemButton(j), v], [false, true])));
    const recs = document.querySelector("#rec-table tbody");
    recs.replaceChildren(...u.recs.map(([j, s], r) => row([r + 1, itemButton(j), fmt(s)], [true, false, true])));
    if (!u.recs.length) recs.appendChild(row(["", "no item left to recommend", ""], [true, false, true]));
  }

  // items
  function selectItem(j, scroll) {
    state.item = j;
    document.getElementById("item-title").textContent = itemLabels[j];
    document.getElementById("item-facts").textContent = items.count[j] + " known cells, mean value " + items.mean[j];
    const body = document.querySelector("#similar-table tbody");
    const list = items.similar[j];
    body.replaceChildren(...(list || []).map(([k, s], r) => row([r + 1, itemButton(k), fmt(s), items.count[k]],
                                                                [true, false, true, true])));
    if (list === null) body.appendChild(row(["", "neighbours not on this page: see similar_items.csv", "", ""],
                                            [true, false, true, true]));
    for (const dot of document.querySelectorAll("#item-map .item-dot")) {
      dot.classList.toggle("selected", Number(dot.dataset.item) === j);
    }
    if (scroll) document.getElementById("item-title").scrollIntoView({ block: "nearest" });
  }
  function showItemMatches() {
    const query = document.getElementById("item-search").value;
    const box = document.getElementById("item-matches");
    box.replaceChildren(...matches(query, itemLabels, MATCHES).map((j) => itemButton(j)));
    const n = countMatches(query, itemLabels);
    document.getElementById("item-count").textContent =
      n + " of " + items.id.length + " items" + (items.id.length < D.n_items ? " on this page" : "") +
      (n > MATCHES ? " (the first " + MATCHES + " shown)" : "");
  }
  function drawMap() {
    const svg = document.getElementById("item-map");
    if (!svg || !D.map) return;
    const peak = Math.max(1, ...D.map.items.map((j) => items.count[j]));
    D.map.items.forEach((j, n) => {
      const r = 2 + 6 * Math.sqrt(items.count[j] / peak);
      const dot = sv("circle", { cx: (12 + 336 * D.map.x[n]).toFixed(1), cy: (348 - 336 * D.map.y[n]).toFixed(1),
                                 r: r.toFixed(1), fill: "#332288", "fill-opacity": 0.45, class: "item-dot",
                                 "data-item": j, tabindex: 0, role: "button" });
      dot.appendChild(sv("title", {}, itemLabels[j] + " ("+ items.count[j] + " known cells)"));
      dot.addEventListener("click", () => selectItem(j, true));
      dot.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectItem(j, true); } });
      svg.appendChild(dot);
    });
  }

  document.getElementById("user-search").addEventListener("input", showUserMatches);
  document.getElementById("item-search").addEventListener("input", showItemMatches);
  showUserMatches();
  showItemMatches();
  drawMap();
  if (users.length) selectUser(0);
  let first = 0;
  for (let j = 1; j < items.count.length; j++) if (items.count[j] > items.count[first]) first = j;
  if (items.id.length) selectItem(first, false);
  document.body.dataset.ready = "1";
})();
