// The region picker on the sign-up page: each select fills the next one from
// declarations:regions. Without this script the page steps through the levels with
// the "选择下一级地区" button instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-region-url]");
  if (!box) return;
  var url = box.dataset.regionUrl;
  var selects = Array.prototype.slice.call(box.querySelectorAll("select"));
  var placeholder = selects[0].options[0] ? selects[0].options[0].textContent : "";
  var step = box.querySelector(".region__step");
  if (step) step.hidden = true;

  function clear(level) {
    for (var i = level; i < selects.length; i++) {
      var select = selects[i];
      select.innerHTML = "";
      select.appendChild(new Option(placeholder, ""));
      select.closest(".field").hidden = true;
    }
  }

  function fill(level, parent) {
    clear(level);
    if (!parent || level >= selects.length) return;
    fetch(url + "?parent=" + encodeURIComponent(parent))
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        var items = data.results || [];
        if (!items.length) return;
        var select = selects[level];
        items.forEach(function (item) { select.appendChild(new Option(item.name, item.code)); });
        select.closest(".field").hidden = false;
      })
      .catch(function () { if (step) step.hidden = false; });
  }

  selects.forEach(function (select, level) {
    select.addEventListener("change", function () { fill(level + 1, select.value); });
  });
})();
