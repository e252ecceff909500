// sanctions-feed site: filter and sort the tables, copy an address, search every address ever
// listed (search-index.js). No network, no libraries; the filter and search state is in the URL.
(function () {
  "use strict";
  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent).trim() : "";
  }
  function setupSort(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.classList.add("sortable");
      th.setAttribute("tabindex", "0");
      function sort() {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellText(a, index), y = cellText(b, index);
          var nx = Number(x), ny = Number(y);
          var order = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  }
  function param(name) {
    return new URLSearchParams(window.location.search).get(name) || "";
  }
  function setParam(name, value) {
    var params = new URLSearchParams(window.location.search);
    if (value) { params.set(name, value); } else { params.delete(name); }
    var query = params.toString();
    try {
      history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    } catch (ignored) { /* a file:// page may refuse: the state stays in the box */ }
  }
  function setupFilter(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var counter = document.getElementById(input.getAttribute("data-count"));
    var key = "filter-" + table.id;
    input.value = input.value || param(key);
    input.addEventListener("input", function () { setParam(key, input.value.trim()); });
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      if (counter) { counter.textContent = shown + " of " + rows.length + " rows"; }
    }
    input.addEventListener("input", apply);
    apply();
  }
  function copy(button) {
    var text = button.getAttribute("data-copy");
    function done() {
      button.textContent = "copied";
      setTimeout(function () { button.textContent = "copy"; }, 1200);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (ignored) { /* nothing more to try */ }
    document.body.removeChild(area);
  }
  // What people paste: any case, invisible characters, full-width forms, a payment link. Every
  // run of letters and digits is looked up among the written forms of every listed address.
  var INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
  function folded(text) {
    return text.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();
  }
  function setupSearch(input) {
    var entries = window.SANCTIONS_FEED_SEARCH || [];
    var byForm = new Map();
    entries.forEach(function (entry) {
      entry[4].forEach(function (form) {
        var list = byForm.get(form) || [];
        list.push(entry);
        byForm.set(form, list);
      });
    });
    var body = document.querySelector("#results tbody");
    var summary = document.getElementById("search-summary");
    function cell(row, text, className) {
      var td = row.insertCell(-1);
      td.textContent = text;
      if (className) { td.className = className; }
      td.setAttribute("dir", "auto");
      return td;
    }
    function find(query) {
      var text = folded(query).trim();
      var found = new Map();
      if (!text) { return found; }
      var candidates = [text.replace(/\s+/g, "")].concat(text.split(/[^0-9a-z]+/));
      candidates.forEach(function (token) {
        (byForm.get(token) || []).forEach(function (entry) { found.set(entry[0], [entry, "exact address"]); });
      });
      if (found.size === 0 && text.length >= 4) {
        entries.forEach(function (entry) {
          var forms = entry[4].some(function (form) { return form.indexOf(text) !== -1; });
          var names = entry[5].concat(entry[6]).some(function (name) { return folded(name).indexOf(text) !== -1; });
          if (forms || names) { found.set(entry[0], [entry, forms ? "part of an address" : "holder or authority"]); }
        });
      }
      return found;
    }
    function show() {
      var found = find(input.value);
      setParam("q", input.value.trim());
      body.textContent = "";
      found.forEach(function (pair) {
        var entry = pair[0], row = body.insertRow(-1);
        var link = document.createElement("a");
        link.href = "addresses/" + entry[0] + ".html";
        var code = document.createElement("code");
        code.textContent = entry[1];
        link.appendChild(code);
        row.insertCell(-1).appendChild(link);
        cell(row, entry[2]);
        cell(row, entry[3], entry[3]);
        cell(row, entry[5].join("; "));
        cell(row, entry[6].join("; "));
        cell(row, pair[1]);
      });
      summary.textContent = input.value.trim() ? found.size + (found.size === 1 ? " address found" : " addresses found")
        + (found.size ? "" : ": not listed in any form we know") : entries.length + " addresses";
    }
    input.value = param("q");
    input.addEventListener("input", show);
    document.getElementById("search-form").addEventListener("submit", function (event) { event.preventDefault(); show(); });
    show();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var search = document.getElementById("search");
    if (search) { setupSearch(search); }
    Array.prototype.forEach.call(document.querySelectorAll("table.data"), setupSort);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-table]"), setupFilter);
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (target && target.classList && target.classList.contains("copy")) { copy(target); }
    });
  });
}());
