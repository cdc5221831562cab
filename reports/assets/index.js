/* Shencha batch index: filter and sort the document table in the page (no server, no network). */
(function () {
  "use strict";
  var table = document.getElementById("docs");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  var f = {
    type: document.getElementById("f-type"),
    area: document.getElementById("f-area"),
    gap: document.getElementById("f-gap"),
    flag: document.getElementById("f-flag"),
    verdict: document.getElementById("f-verdict"),
    q: document.getElementById("f-q")
  };

  function has(list, word) {
    return (" " + (list || "") + " ").indexOf(" " + word + " ") >= 0;
  }

  function apply() {
    var type = f.type.value, area = f.area.value, gap = f.gap.value, flag = f.flag.value;
    var verdict = f.verdict.value, q = f.q.value.trim().toLowerCase();
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i].dataset, ok = true;
      if (type && d.type !== type) ok = false;
      if (ok && area) {
        var parts = area.split(":");
        ok = parts[0] === "has" ? has(d.areas, parts[1]) : has(d.missing, parts[1]);
      }
      if (ok && gap) ok = has(d.gaps, gap);
      if (ok && flag) ok = d.flag === flag;
      if (ok && verdict) ok = d.verdict === verdict;
      if (ok && q) ok = (d.search || "").indexOf(q) >= 0;
      rows[i].hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = String(n);
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });

  // Chart bars set a filter.
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var bar = t.closest("[data-filter]");
    if (!bar) return;
    var spec = bar.getAttribute("data-filter").split("=");
    var sel = f[spec[0]];
    if (!sel) return;
    sel.value = sel.value === spec[1] ? "" : spec[1];
    apply();
    table.scrollIntoView({ block: "start" });
  });

  var heads = table.tHead.rows[0].cells;
  function sortBy(col, dir) {
    var key = heads[col].getAttribute("data-key"), numeric = heads[col].hasAttribute("data-num");
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.dataset[key] || "", y = b.dataset[key] || "";
      var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "zh");
      if (c === 0) c = (parseFloat(a.dataset.rank) || 0) - (parseFloat(b.dataset.rank) || 0);
      return dir === "ascending" ? c : -c;
    });
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    heads[col].setAttribute("aria-sort", dir);
    var frag = document.createDocumentFragment();
    for (var j = 0; j < sorted.length; j++) frag.appendChild(sorted[j]);
    body.appendChild(frag);
  }
  for (var i = 0; i < heads.length; i++) {
    (function (col) {
      var btn = heads[col].querySelector("button");
      if (!btn) return;
      btn.addEventListener("click", function () {
        var now = heads[col].getAttribute("aria-sort");
        var first = heads[col].getAttribute("data-first") || "ascending";
        sortBy(col, now ? (now === "ascending" ? "descending" : "ascending") : first);
      });
    })(i);
  }
  apply();
})();
