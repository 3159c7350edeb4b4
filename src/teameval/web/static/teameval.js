// teameval's only script of its own: small enhancements; every form works without it.
// - What HTMX swaps in is announced through the page's one live region (#announcer) when the
//   response says so (an element with data-announce), and errors of requests are announced too.
(function () {
  "use strict";
  function announce(text, level) {
    var region = document.getElementById("announcer");
    if (!region || !text) { return; }
    var p = document.createElement("p");
    p.className = "flash flash-" + (level || "info");
    p.textContent = text;
    region.replaceChildren(p);
  }
  window.teameval = { announce: announce };
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    var marked = target && (target.matches("[data-announce]") ? target : target.querySelector("[data-announce]"));
    if (marked) { announce(marked.getAttribute("data-announce"), marked.getAttribute("data-level")); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var message = (xhr && xhr.getResponseHeader("X-Announce")) || document.documentElement.getAttribute("data-error-text") || "Error";
    announce(message, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    announce(document.documentElement.getAttribute("data-offline-text") || "No connection", "error");
  });
})();
