// Live reload for `digest serve`: update pages that changed, swap changed stylesheets,
// and show build errors over the page. Error text is untrusted: it only ever goes in textContent.
(() => {
  "use strict";
  const script = document.currentScript;
  let generation = script ? Number(script.dataset.generation) : -1;
  const OVERLAY_ID = "digest-problems";
  const outside = (doc) => doc.documentElement.cloneNode(false).outerHTML + doc.head.outerHTML;
  // The page as served, all but its body: read before this script changes anything.
  const served = outside(document);
  let latest = 0;
  // This script, if it is the only one in the document that runs (JSON-LD is data, not code).
  const onlyOurs = (doc) => {
    const code = [...doc.scripts].filter((s) => !s.type.toLowerCase().includes("json"));
    return code.length === 1 && code[0].dataset.generation !== undefined ? code[0] : null;
  };

  const decode = (path) => {
    try { return decodeURIComponent(path); } catch (e) { return path; }
  };
  const pagePath = () => {
    const path = decode(location.pathname);
    return path.endsWith("/") ? path + "index.html" : path;
  };

  const swapStylesheets = (paths) => {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !paths.includes(decode(url.pathname))) continue;
      url.searchParams.set("digest-reload", String(Date.now()));
      const fresh = link.cloneNode(false);
      fresh.href = url.href;
      // Drop the old sheet only once the new one applies, so the page never shows unstyled.
      fresh.addEventListener("load", () => link.remove(), { once: true });
      fresh.addEventListener("error", () => fresh.remove(), { once: true });
      link.after(fresh);
    }
  };

  const clearProblems = () => {
    const overlay = document.getElementById(OVERLAY_ID);
    if (overlay) overlay.remove();
  };

  const showProblems = (problems) => {
    clearProblems();
    const overlay = document.createElement("div");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alert");
    Object.assign(overlay.style, {
      position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto",
      background: "rgba(20, 20, 20, 0.94)", color: "#f5f5f5", padding: "2rem",
      font: "15px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    });
    const heading = document.createElement("h2");
    heading.textContent = "digest serve: the site could not be rebuilt; showing the last good version";
    Object.assign(heading.style, { color: "#ff8a80", font: "inherit", fontWeight: "700", marginTop: "0" });
    overlay.append(heading);
    for (const problem of problems) {
      const place = document.createElement("p");
      place.className = "digest-problem-place";
      place.textContent = problem.line ? `${problem.file}:${problem.line}` : problem.file;
      Object.assign(place.style, { fontWeight: "700", margin: "1.5rem 0 0.25rem", color: "#ffd180" });
      const message = document.createElement("pre");
      message.className = "digest-problem-message";
      message.textContent = problem.message;
      Object.assign(message.style, { whiteSpace: "pre-wrap", margin: "0", font: "inherit" });
      overlay.append(place, message);
    }
    const hint = document.createElement("p");
    hint.textContent = "Fix the file and save it: this page updates by itself.";
    Object.assign(hint.style, { marginTop: "2rem", color: "#bdbdbd" });
    overlay.append(hint);
    document.body.append(overlay);
  };

  // Swap in the new body when nothing else of the page changed and it runs no script but this
  // one: no request for the stylesheets or a new event stream, and the reader keeps their place.
  // Scripts in a parsed document never run, so the copy of this one in the new body stays inert.
  // Anything else, or any failure, reloads the page.
  const update = async () => {
    const mine = ++latest;
    try {
      const response = await fetch(location.href, { cache: "no-store", credentials: "same-origin" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (mine !== latest) return; // a later update is on its way
      const fresher = onlyOurs(fresh);
      if (!response.ok || outside(fresh) !== served || !fresher || !onlyOurs(document)) {
        location.reload();
        return;
      }
      generation = Number(fresher.dataset.generation);
      document.body.replaceWith(document.adoptNode(fresh.body));
    } catch (e) {
      location.reload();
    }
  };

  const events = new EventSource("/__digest__/events");
  events.addEventListener("hello", (event) => {
    // The site changed between serving this page and connecting: catch up.
    if (JSON.parse(event.data).generation !== generation) location.reload();
  });
  events.addEventListener("reload", (event) => {
    const data = JSON.parse(event.data);
    // This page's article (or story) moved: follow it to its new address.
    const moved = data.moved && Object.hasOwn(data.moved, pagePath()) ? data.moved[pagePath()] : null;
    if (moved) location.replace(encodeURI(moved.replace(/index\.html$/, "")));
    else if (data.paths.includes(pagePath())) update();
  });
  events.addEventListener("css", (event) => swapStylesheets(JSON.parse(event.data).paths));
  events.addEventListener("problems", (event) => showProblems(JSON.parse(event.data).problems));
  events.addEventListener("ok", clearProblems);
  // Newer pages took this one's place (the server keeps a bounded number): reconnecting would
  // only end another.
  events.addEventListener("replaced", () => events.close());
})();
