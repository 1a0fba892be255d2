// kupang counter page: the ticket timer and keyboard shortcuts. No inline scripts (strict CSP).
(function () {
  "use strict";

  // Shortcut keys -> the data-shortcut of the button they press.
  var KEYS = { F1: "next", " ": "next", r: "ulang", R: "ulang", m: "mulai", M: "mulai", s: "selesai", S: "selesai" };
  var TYPING = /^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function formatElapsed(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }

  // Elapsed time from the server's clock: (server now - since) at render, plus what passed here since.
  function tick() {
    var timers = document.querySelectorAll(".timer[data-since]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      if (!el.kupangLoadedAt) { el.kupangLoadedAt = Date.now(); }
      var since = Date.parse(el.getAttribute("data-since"));
      var now = Date.parse(el.getAttribute("data-now"));
      if (isNaN(since) || isNaN(now)) { continue; }
      el.textContent = formatElapsed(now - since + (Date.now() - el.kupangLoadedAt));
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) { return; }
    var target = event.target;
    if (event.key !== "F1" && target && (TYPING.test(target.tagName) || target.isContentEditable)) { return; }
    var name = KEYS[event.key];
    if (!name) { return; }
    var button = document.querySelector('button[data-shortcut="' + name + '"]:not([disabled])');
    if (!button) { return; }
    event.preventDefault();
    if (button.form && button.form.classList.contains("htmx-request")) { return; } // one press at a time
    button.click();
  });

  // Show the right elapsed time at once when the panel is replaced, not a second later.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "counter-panel") { tick(); }
  });

  tick();
  setInterval(tick, 1000);
})();
