// Filters sit in a <details class="filters-toggle">: closed on narrow screens, shown on
// wide ones through CSS (::details-content); browsers without that selector get them
// opened here.
(function () {
  "use strict";
  if (!window.CSS || CSS.supports("selector(::details-content)")) return;
  if (!window.matchMedia("(min-width: 861px)").matches) return;
  document.querySelectorAll("details.filters-toggle").forEach(function (d) { d.open = true; });
})();
