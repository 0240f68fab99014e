/* critmin web pages: draw the Plotly figures the server sends as JSON (data-figure),
   make tables sortable and filterable, and keep both working after htmx swaps.
   No inline script anywhere (the pages are served with CSP script-src 'self'). */
(function () {
  "use strict";

  function draw(root) {
    root.querySelectorAll(".plot[data-figure]").forEach(function (el) {
      var closed = el.closest("details:not([open])");
      if (closed) {            /* drawn when opened (a hidden plot has no size) */
        closed.addEventListener("toggle", function () { draw(closed); }, { once: true });
        return;
      }
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var fig = JSON.parse(el.dataset.figure);
      var layout = fig.layout || {};
      if (el.dataset.fluid) { delete layout.width; layout.autosize = true; }
      window.Plotly.newPlot(el, fig.data, layout,
        { displaylogo: false, responsive: true });
    });
  }

  function sortValue(row, index) {
    var td = row.cells[index];
    if (!td) { return ""; }
    var raw = td.getAttribute("data-sort");
    if (raw === null) { return td.textContent.trim(); }
    return raw === "" ? null : Number(raw);
  }

  function compare(a, b, lang) {
    if (a === null && b === null) { return 0; }
    if (a === null) { return 1; }           /* missing last, either direction */
    if (b === null) { return -1; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), lang);
  }

  function sortBy(table, th) {
    var index = th.cellIndex;
    var down = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var lang = document.documentElement.lang || "en";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = sortValue(r1, index), b = sortValue(r2, index);
      if (a === null || b === null) { return compare(a, b, lang); }
      return down ? compare(a, b, lang) : compare(b, a, lang);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", down ? "ascending" : "descending");
  }

  function sortable(root) {
    root.querySelectorAll("table.sortable").forEach(function (table) {
      if (table.dataset.sortable) { return; }
      table.dataset.sortable = "1";
      table.querySelectorAll("thead th").forEach(function (th) {
        th.tabIndex = 0;
        th.addEventListener("click", function () { sortBy(table, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th); }
        });
      });
    });
  }

  function filterable(root) {
    root.querySelectorAll("input.table-filter").forEach(function (input) {
      if (input.dataset.bound) { return; }
      input.dataset.bound = "1";
      var table = document.getElementById(input.dataset.table);
      var count = document.getElementById(input.dataset.table + "-count");
      function apply() {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var text = row.textContent.toLowerCase();
          var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
          row.hidden = !keep;
          shown += keep ? 1 : 0;
        });
        if (count) { count.textContent = String(shown); }
      }
      input.addEventListener("input", apply);
      apply();
    });
  }

  function modes(root) {
    /* a fieldset shown only when its radio is chosen (shock: library or own scenario) */
    root.querySelectorAll("input[data-mode]").forEach(function (radio) {
      if (radio.dataset.bound) { return; }
      radio.dataset.bound = "1";
      function apply() {
        root.querySelectorAll("[data-mode-panel]").forEach(function (panel) {
          var chosen = root.querySelector("input[data-mode]:checked");
          panel.hidden = !chosen || panel.dataset.modePanel !== chosen.value;
        });
      }
      radio.addEventListener("change", apply);
      apply();
    });
  }

  function setUp(root) {
    draw(root);
    sortable(root);
    filterable(root);
    modes(root);
    sizeChecked(root);
  }

  function keepLanguageLinks() {
    /* after htmx put a new query in the address bar, the language switcher follows */
    document.querySelectorAll(".langs a[data-lang]").forEach(function (a) {
      a.href = "/" + a.dataset.lang + location.pathname.slice(3) + location.search;
    });
  }

  /* a file over the server's upload limit is refused here, in the page's language,
     before it is sent (the server would answer 413) */
  function sizeChecked(root) {
    root.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      if (input.dataset.checked) { return; }
      input.dataset.checked = "1";
      input.addEventListener("change", function () {
        var big = input.files.length && input.files[0].size > Number(input.dataset.maxBytes);
        input.setCustomValidity(big ? input.dataset.tooLarge : "");
        if (big) { input.reportValidity(); }
      });
    });
  }

  /* an error answer htmx would not swap (JSON: 401, 413, 422 from the API layer) is
     shown where the result would have gone */
  document.addEventListener("htmx:responseError", function (e) {
    var target = e.detail.target, xhr = e.detail.xhr, message = xhr.statusText;
    try { message = JSON.parse(xhr.responseText).error || message; } catch (err) { /* text */ }
    var p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    if (target) { target.replaceChildren(p); }
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:pushedIntoHistory", keepLanguageLinks);
  document.addEventListener("htmx:afterSettle", function (e) { setUp(e.target); });
})();
