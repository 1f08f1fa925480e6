// The declaration form: "add another row" for every formset, the own standard's
// disclosure switch, and for each standard number suggestions while typing plus its
// 查新 verdict. The form works without this script (blank rows, server-side checks);
// everything from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("declaration-form");
  if (!form) return;
  var strings = JSON.parse(document.getElementById("declare-strings").textContent);
  var checkUrl = form.dataset.checkUrl;
  var suggestUrl = form.dataset.suggestUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var BLOCKING = { malformed: 1, unknown: 1, withdrawn: 1 };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  // -- rows ----------------------------------------------------------------------------
  function renumber(container) {
    var rows = container.querySelector(":scope > [data-rows]");
    if (!rows) return;
    var n = 0;
    Array.prototype.forEach.call(rows.children, function (row) {
      n += 1;
      var label = row.querySelector("[data-row-number]");
      if (label) label.textContent = n;
    });
  }

  function addRow(container) {
    var prefix = container.dataset.prefix;
    var total = container.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = container.querySelector(":scope > template[data-row-template]");
    if (!total || !template) return;
    var index = parseInt(total.value, 10) || 0;
    var max = parseInt(container.dataset.max, 10) || 1000;
    if (index >= max) return;
    var html = template.innerHTML.split(template.dataset.placeholder).join(String(index));
    var rows = container.querySelector(":scope > [data-rows]");
    rows.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    var row = rows.lastElementChild;
    renumber(container);
    setUp(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  // -- own standard: full text or indicators ----------------------------------------------
  function showDisclosure(block) {
    var checked = block.querySelector("[data-disclosure] input[type=radio]:checked");
    var mode = checked ? checked.value : "indicators";
    block.querySelectorAll("[data-disclosure-part]").forEach(function (part) {
      if (part.closest("[data-own]") !== block) return;
      part.hidden = part.dataset.disclosurePart !== mode;
    });
  }

  // -- suggestions -------------------------------------------------------------------------
  function suggestions(input) {
    return input.parentNode.querySelector(".suggestions");
  }

  function closeList(input) {
    var list = suggestions(input);
    if (!list) return;
    list.hidden = true;
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input._active = -1;
  }

  function choose(input, number) {
    input.value = number;
    closeList(input);
    check(input);
  }

  function renderList(input, items) {
    var list = suggestions(input);
    list.innerHTML = "";
    items.slice(0, 8).forEach(function (item, n) {
      var li = el("li");
      li.setAttribute("role", "option");
      li.id = list.id + "-" + n;
      li.dataset.number = item.number;
      li.appendChild(el("span", "num", item.number));
      if (item.status_label) {
        // The edition's status, so that a superseded one is not picked by mistake.
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "badge badge--" + item.status, item.status_label));
      }
      li.appendChild(document.createTextNode(" " + item.title));
      li.addEventListener("mousedown", function (e) {
        e.preventDefault();
        choose(input, item.number);
      });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    input._active = -1;
  }

  function suggest(input) {
    var q = input.value.trim();
    if (q.length < 2 || /^q\//i.test(q)) { closeList(input); return; }
    if (input._suggestCtl) input._suggestCtl.abort();
    input._suggestCtl = new AbortController();
    fetch(suggestUrl + "?q=" + encodeURIComponent(q), { signal: input._suggestCtl.signal })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        var items = data.results || [];
        // A complete number needs no list (it would only cover the form below).
        var exact = items.some(function (item) { return item.number === input.value.trim(); });
        if (document.activeElement === input) renderList(input, exact ? [] : items);
      })
      .catch(function () {});
  }

  // -- verdicts ----------------------------------------------------------------------------
  function hintFor(result) {
    var current = result.current && result.current.number !== result.normalized ? result.current.number : "";
    var key = result.verdict;
    if ((key === "withdrawn" || key === "superseded") && current) key = key + "_current";
    if (key === "current" && (result.warnings || []).length) key = "successor";
    var text = strings.hints[key] || "";
    return text.split("{current}").join(current);
  }

  function setState(row, state) {
    row.classList.remove("std-row--blocking", "std-row--warning", "std-row--ok", "std-row--own");
    if (state) row.classList.add("std-row--" + state);
    updateAck();
  }

  function showVerdict(input, result) {
    var row = input.closest("[data-std-row]");
    var out = row.querySelector("[data-verdict-out]");
    out.innerHTML = "";
    var line = el("p", "verdict-line");
    var badge = el("span", "badge badge--" + result.verdict, strings.labels[result.verdict] || result.verdict);
    line.appendChild(badge);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(el("span", "verdict-msg", result.message || ""));
    out.appendChild(line);
    (result.warnings || []).forEach(function (w) { out.appendChild(el("p", "verdict-warn", "⚠ " + w)); });
    var hint = hintFor(result);
    if (hint) out.appendChild(el("p", "verdict-hint", hint));
    var warning = result.verdict === "superseded" || result.verdict === "upcoming" || (result.warnings || []).length > 0;
    setState(row, BLOCKING[result.verdict] ? "blocking" : warning ? "warning" : "ok");
  }

  function showOwn(input) {
    var row = input.closest("[data-std-row]");
    var out = row.querySelector("[data-verdict-out]");
    out.innerHTML = "";
    var line = el("p", "verdict-line");
    line.appendChild(el("span", "badge badge--own", strings.labels.own));
    line.appendChild(document.createTextNode(" "));
    line.appendChild(el("span", "verdict-msg", strings.own_here));
    out.appendChild(line);
    setState(row, "own");
  }

  // typing: a check started by a pause in typing. A number typed half way ("GB 27")
  // is not a number yet: its "malformed" verdict waits until the field is left.
  function check(input, typing) {
    clearTimeout(input._checkTimer);
    var value = input.value.trim();
    var row = input.closest("[data-std-row]");
    var out = row.querySelector("[data-verdict-out]");
    if (!value) { out.innerHTML = ""; setState(row, null); return; }
    if (/^q\//i.test(value)) { showOwn(input); return; }
    if (value === input._checked) return;
    if (input._checkCtl) input._checkCtl.abort();
    input._checkCtl = new AbortController();
    out.innerHTML = "";
    out.appendChild(el("p", "verdict-line muted", strings.checking));
    var headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRFToken"] = csrf.value;
    fetch(checkUrl, {
      method: "POST",
      headers: headers,
      credentials: "same-origin",
      body: JSON.stringify({ references: [value] }),
      signal: input._checkCtl.signal,
    })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        if (input.value.trim() !== value) return;
        var result = data.results[0];
        if (typing && result.verdict === "malformed" && document.activeElement === input) {
          out.innerHTML = "";
          setState(row, null);
          return;
        }
        input._checked = value;
        showVerdict(input, result);
      })
      .catch(function (e) {
        if (e && e.name === "AbortError") return;
        out.innerHTML = "";
        out.appendChild(el("p", "verdict-line muted", strings.failed));
        setState(row, null);
      });
  }

  function scheduleCheck(input) {
    clearTimeout(input._checkTimer);
    input._checked = null;
    input._checkTimer = setTimeout(function () { check(input, true); }, 450);
  }

  // -- acknowledgement -----------------------------------------------------------------------
  function updateAck() {
    var box = form.querySelector("[data-ack]");
    if (!box) return;
    var warnings = form.querySelectorAll("[data-rows] .std-row--warning").length;
    box.classList.toggle("ack--needed", warnings > 0);
    var note = box.querySelector("[data-ack-note]");
    if (note) note.hidden = warnings === 0;
  }

  // -- wiring --------------------------------------------------------------------------------
  function setUp(root) {
    root.querySelectorAll("[data-std-row] input[type=text]").forEach(function (input) {
      var list = suggestions(input);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      if (list) input.setAttribute("aria-controls", list.id);
    });
    root.querySelectorAll("[data-own]").forEach(showDisclosure);
    if (root.matches && root.matches("[data-own]")) showDisclosure(root);
    root.querySelectorAll("[data-add-row]").forEach(function (b) { b.hidden = false; });
  }

  form.addEventListener("click", function (e) {
    var button = e.target.closest("[data-add-row]");
    if (!button) return;
    e.preventDefault();
    addRow(button.closest("[data-formset]"));
  });

  form.addEventListener("change", function (e) {
    if (e.target.matches("[data-disclosure] input[type=radio]")) {
      showDisclosure(e.target.closest("[data-own]"));
    }
  });

  form.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.matches("[data-std-row] input[type=text]")) return;
    clearTimeout(input._suggestTimer);
    input._suggestTimer = setTimeout(function () { suggest(input); }, 150);
    scheduleCheck(input);
  });

  form.addEventListener("keydown", function (e) {
    var input = e.target;
    if (!input.matches("[data-std-row] input[type=text]")) return;
    var list = suggestions(input);
    var items = list ? list.querySelectorAll("li") : [];
    if (e.key === "Enter") {
      e.preventDefault();
      if (!list.hidden && input._active >= 0 && items[input._active]) {
        choose(input, items[input._active].dataset.number);
      } else {
        closeList(input);
        check(input);
      }
      return;
    }
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      var step = e.key === "ArrowDown" ? 1 : -1;
      input._active = ((input._active == null ? -1 : input._active) + step + items.length) % items.length;
      items.forEach(function (li, n) { li.setAttribute("aria-selected", n === input._active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[input._active].id);
    } else if (e.key === "Escape") {
      e.preventDefault();
      closeList(input);
    }
  });

  form.addEventListener("focusout", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("[data-std-row] input[type=text]")) return;
    setTimeout(function () { closeList(input); }, 100);
    if (input.value.trim() && input.value.trim() !== input._checked) check(input);
  });

  setUp(form);
  // Rows the server already judged keep their verdict; mark them as checked.
  form.querySelectorAll("[data-std-row]").forEach(function (row) {
    var input = row.querySelector("input[type=text]");
    if (input && row.querySelector("[data-verdict-out] .badge")) input._checked = input.value.trim();
  });
  updateAck();
  var problems = document.getElementById("problems");
  if (problems) problems.focus();
})();
