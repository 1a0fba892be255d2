// kupang: small behaviours shared by staff pages. No inline scripts (strict CSP).
(function () {
  "use strict";
  // Forms marked data-confirm ask before submitting (a plain form still works without JS).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // Phones: the Menu button opens the menu and the user box; Escape or a tap outside closes it.
  var toggle = document.querySelector(".menu-toggle");
  var topbar = toggle && toggle.closest(".topbar");
  function setMenu(open) {
    topbar.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "Tutup" : "Menu";
  }
  if (toggle && topbar) {
    toggle.addEventListener("click", function () { setMenu(!topbar.classList.contains("menu-open")); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && topbar.classList.contains("menu-open")) { setMenu(false); toggle.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (topbar.classList.contains("menu-open") && !topbar.contains(event.target)) { setMenu(false); }
    });
  }

  // Menu groups (<details>) open and close by themselves; a tap elsewhere or Escape closes an open one too.
  function closeGroups(except) {
    document.querySelectorAll(".navgroup[open]").forEach(function (group) {
      if (group !== except) { group.open = false; }
    });
  }
  document.addEventListener("click", function (event) {
    closeGroups(event.target.closest && event.target.closest(".navgroup"));
  });
  document.addEventListener("keydown", function (event) {
    var open = document.querySelector(".navgroup[open]");
    if (event.key !== "Escape" || !open) { return; }
    open.open = false;
    var heading = open.querySelector("summary");
    if (heading.offsetParent !== null) { heading.focus(); }  // not when Escape also closed the phone menu
  });

  // When the server cannot be reached, say so once instead of failing silently.
  document.addEventListener("htmx:sendError", function () {
    var flashes = document.getElementById("flashes");
    if (flashes && !flashes.querySelector(".flash-offline")) {
      var p = document.createElement("p");
      p.className = "flash flash-error flash-offline";
      p.setAttribute("role", "alert");
      p.textContent = "Server tidak dapat dihubungi. Periksa jaringan lalu coba lagi.";
      flashes.appendChild(p);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) {
      var offline = document.querySelector(".flash-offline");
      if (offline) { offline.remove(); }
    }
  });
  // Error responses (4xx/5xx) from htmx requests show their Indonesian message in #flashes.
  document.addEventListener("htmx:responseError", function (event) {
    var flashes = document.getElementById("flashes");
    var xhr = event.detail && event.detail.xhr;
    if (!flashes || !xhr) { return; }
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var text = doc.querySelector(".error-page p, .flash") ;
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = text ? text.textContent : "Permintaan gagal (" + xhr.status + ").";
    flashes.replaceChildren(p);
  });
})();
