// kupang registry: buttons marked data-print open the browser's print dialog (the page has its own A4 print styles).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
