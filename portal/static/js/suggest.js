// Suggestions while typing in a search box with data-suggest-url. The form works
// without this script; it only adds a list of matching standards under the box.
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var timer = null, active = -1, controller = null;

    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
      input.setAttribute("aria-expanded", "false");
    }
    function highlight(i) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
      active = i;
    }
    function render(items) {
      list.innerHTML = "";
      items.forEach(function (item, n) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + n;
        var a = document.createElement("a");
        a.href = item.url;
        var num = document.createElement("span");
        num.className = "num";
        num.textContent = item.number;          // textContent: never HTML from the server
        a.appendChild(num);
        if (item.status_label) {
          var badge = document.createElement("span");
          badge.className = "badge badge--" + item.status;
          badge.textContent = item.status_label;
          a.appendChild(document.createTextNode(" "));
          a.appendChild(badge);
        }
        a.appendChild(document.createTextNode(" " + item.title));
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        if (controller) controller.abort();
        controller = new AbortController();
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { signal: controller.signal })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { render(data.results || []); })
          .catch(function () {});
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); items[active].querySelector("a").click(); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    document.addEventListener("click", function (e) { if (!list.contains(e.target) && e.target !== input) close(); });
  });
})();
