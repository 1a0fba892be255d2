// kupang letters: buttons marked data-print open the browser's print dialog (print pages have their own CSS).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
