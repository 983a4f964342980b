// The sandbox LMS side of LTI Dynamic Registration: when the tool's registration page (in the
// frame, or in a window opened from the link) posts "org.imsglobal.lti.close", close the frame
// and say that the registration has finished.
(function () {
  "use strict";
  var frame = document.getElementById("registration-frame");
  var status = document.getElementById("registration-status");
  if (!frame || !status) { return; }
  var toolOrigin = frame.getAttribute("data-tool-origin").replace(/\/$/, "");
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== toolOrigin || data.subject !== "org.imsglobal.lti.close") { return; }
    var notice = document.createElement("p");
    notice.className = "notice notice-good";
    notice.textContent = status.getAttribute("data-finished");
    status.replaceChildren(notice);
    frame.hidden = true;
  });
})();
