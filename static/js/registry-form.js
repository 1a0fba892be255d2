// kupang registry forms: a field's error disappears as soon as the field is changed (it is checked again
// on the next submit, or by the NIK/KK check on blur). Loaded by the resident and event forms; no inline code.
(function () {
  "use strict";
  function clearField(field) {
    var wrapper = field.closest(".field");
    if (!wrapper || !wrapper.classList.contains("has-error") && !wrapper.querySelector(".error")) { return; }
    wrapper.classList.remove("has-error");
    field.removeAttribute("aria-invalid");
    wrapper.querySelectorAll("p.error").forEach(function (message) { message.remove(); });
  }
  function onChange(event) {
    var field = event.target;
    if (!field || !field.form || !field.form.hasAttribute("data-clear-errors")) { return; }
    if (field.matches("input, select, textarea")) { clearField(field); }
  }
  document.addEventListener("input", onChange);
  document.addEventListener("change", onChange);
})();
