// Submit the form marked data-autosubmit (an OIDC form_post or a deep-linking response).
// Without JavaScript the form shows its own submit button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
