// Click to load: a video's player loads only when the reader asks for it. Until then the page
// asks nothing of the player's host; without JavaScript the button stays hidden and the play
// link goes to the video's own page. The page's policy allows the player's host as its one
// frame source (embed_hosts in digest.toml).
(function () {
  "use strict";
  document.querySelectorAll("button.load-embed").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = button.dataset.src;
      frame.title = button.dataset.title || "Video";
      frame.className = "player";
      frame.allow = "encrypted-media; fullscreen; picture-in-picture";
      frame.allowFullscreen = true;
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      var figure = button.closest("figure");
      var link = figure.querySelector("a.play");
      if (link) {
        link.hidden = true;
      }
      button.replaceWith(frame);
      frame.focus();
    });
  });
})();
