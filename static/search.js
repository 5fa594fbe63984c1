// Start Pagefind's search UI over every bundle of the index. The site root is found from this
// script's own URL, so results link correctly whether the site is served at a domain root or
// under /repo/. pagefind/bundles.json lists the month bundles, newest first.
(function () {
  "use strict";
  var root = new URL("../", document.currentScript.src);
  var main = new URL("pagefind/", root);
  var params = new URLSearchParams(window.location.search);
  var status = document.getElementById("search-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function start(listing) {
    if (listing.refreshing) {
      say("The search index is being brought up to date: results may not show the latest edits yet.");
    }
    // The bundles are merged here, all at once: the UI's own mergeIndex option fetches them one
    // after another. The UI then imports the same module, with the bundles in it. Merged in
    // this order, results of equal score come newest first.
    return import(new URL("pagefind.js", main).href).then(function (pagefind) {
      return pagefind.options({ baseUrl: root.pathname }).then(function () {
        return Promise.all(listing.bundles.map(function (name) {
          return pagefind.mergeIndex(new URL(name + "/", main).pathname);
        }));
      });
    }).then(showUI);
  }

  function showUI() {
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: main.pathname,
      baseUrl: root.pathname,
      showImages: false,
      showSubResults: false,
      autofocus: true,
      openFilters: ["topic", "source", "year"],
      translations: { placeholder: "Search articles" }
    });
    // Pagefind's input carries only a title; the page's visible heading is its label.
    var input = document.querySelector("#search input");
    if (input) {
      input.setAttribute("aria-labelledby", "search-heading");
    }
    // search/?q=…&topic=…&source=…&year=…: a topic or source page links to a search within it.
    var filters = {};
    ["topic", "source", "year"].forEach(function (name) {
      var values = params.getAll(name).filter(Boolean);
      if (values.length) {
        filters[name] = values;
      }
    });
    if (Object.keys(filters).length) {
      ui.triggerFilters(filters);
    }
    var query = params.get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }

  if (window.location.protocol === "file:") {
    say("Search needs the site served over HTTP: browsers do not let Pagefind read its index from disk.");
    return;
  }
  fetch(new URL("bundles.json", main)).then(function (response) {
    if (!response.ok) {
      throw new Error(response.status + " " + response.statusText);
    }
    return response.json();
  }).then(start).catch(function (error) {
    say("The search index could not be read (" + error.message + ").");
  });
})();
