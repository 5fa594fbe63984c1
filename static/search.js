// Start Pagefind's search UI. The site root is found from this script's own URL, so results
// link correctly whether the site is served at a domain root or under /repo/.
(function () {
  "use strict";
  var root = new URL("../", document.currentScript.src);
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: new URL("pagefind/", root).pathname,
    baseUrl: root.pathname,
    showImages: false,
    showSubResults: false,
    autofocus: true,
    translations: { placeholder: "Search articles" }
  });
  // Pagefind's input carries only a title; the page's visible heading is its label.
  var input = document.querySelector("#search input");
  if (input) {
    input.setAttribute("aria-labelledby", "search-heading");
  }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
})();
