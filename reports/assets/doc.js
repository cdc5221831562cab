/* Shencha document page: a highlight opens its entry in the side panel; an entry finds its text. */
(function () {
  "use strict";
  var text = document.getElementById("text");
  var current = null;

  function marksOf(id) {
    return text ? text.querySelectorAll('a.hl[data-r~="' + id + '"]') : [];
  }

  function clear() {
    var on = document.querySelectorAll(".on");
    for (var i = 0; i < on.length; i++) on[i].classList.remove("on");
  }

  function select(id, scrollPanel, scrollText) {
    if (!/^[PCG][0-9]+$/.test(id)) return;
    clear();
    current = id;
    var entry = document.getElementById("e-" + id);
    if (entry) {
      entry.classList.add("on");
      if (scrollPanel) entry.scrollIntoView({ block: "center" });
    }
    var marks = marksOf(id);
    for (var i = 0; i < marks.length; i++) marks[i].classList.add("on");
    if (scrollText && marks.length) marks[0].scrollIntoView({ block: "center" });
    document.body.setAttribute("data-selected", id);
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var mark = t.closest("a.hl");
    if (mark) {
      ev.preventDefault();
      var refs = (mark.getAttribute("data-r") || "").split(" ");
      // Repeated clicks on a stretch covered by several entries step through them (gap first).
      var next = refs[(refs.indexOf(current) + 1) % refs.length];
      select(next, true, false);
      return;
    }
    var go = t.closest("a.goto");
    if (go) {
      ev.preventDefault();
      select(go.getAttribute("data-r"), false, true);
      return;
    }
    var entry = t.closest(".entry[data-r]");
    if (entry && !t.closest("a, summary")) select(entry.getAttribute("data-r"), false, true);
  });

  var toggles = document.querySelectorAll("input[data-layer]");
  for (var i = 0; i < toggles.length; i++) {
    toggles[i].addEventListener("change", function (ev) {
      var cb = ev.target;
      document.body.classList.toggle("hide-" + cb.getAttribute("data-layer"), !cb.checked);
    });
  }

  var m = /^#[et]-([PCG][0-9]+)$/.exec(location.hash);
  if (m) select(m[1], true, true);
})();
