// LTI Dynamic Registration: tell the platform's registration dialog that the tool is done
// (the spec's "org.imsglobal.lti.close" message), when the administrator has read the page.
(function () {
  "use strict";
  var button = document.getElementById("registration-done");
  var platform = window.opener || (window.parent !== window ? window.parent : null);
  if (!button || !platform) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    platform.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  });
})();
