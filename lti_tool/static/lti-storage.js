// LTI Platform Storage (1EdTech "LTI Client Side postMessages"): when the browser keeps no
// cookie in the LMS iframe, the state binding lives in the platform's own storage.
// "put" (login page): store the value, then go on to the platform's auth endpoint.
// "get" (launch page): read the value back and post the launch again with it.
(function () {
  "use strict";
  var box = document.getElementById("storage");
  if (!box) { return; }
  var mode = box.getAttribute("data-mode");
  var target = box.getAttribute("data-target");
  var origin = box.getAttribute("data-origin");
  var key = box.getAttribute("data-key");

  // The launch page is the answer to the platform's post: before posting the launch again,
  // give its history entry a plain address, so that Back never lands on the browser's
  // "Confirm form resubmission" page (the launch cannot be used twice anyway; /lti/reshow says
  // to open the activity again from the course).
  function leavePlainEntry() {
    var address = box.getAttribute("data-address");
    if (mode === "get" && address && window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", address); } catch (e) { /* keep it */ }
    }
  }
  if (target === "_tool") {  // the tool's own storage (own-storage.js kept it at the login)
    var kept = null;
    try { kept = window.sessionStorage.getItem(key); } catch (e) { kept = null; }
    if (mode === "get") {
      box.querySelector("input[name=lti_storage_binding]").value = kept || "";
      leavePlainEntry();
      box.submit();
    }
    return;
  }
  var frame = window.parent;
  if (target && target !== "_parent") {
    try { frame = window.parent.frames[target] || window.parent; } catch (e) { frame = window.parent; }
  }
  var messageId = "m" + Math.random().toString(36).slice(2);
  var done = false;

  function finish(value) {
    if (done) { return; }
    done = true;
    if (mode === "put") {
      window.location.href = box.getAttribute("data-next");
    } else {
      box.querySelector("input[name=lti_storage_binding]").value = value || "";
      leavePlainEntry();
      box.submit();
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== origin || data.message_id !== messageId) { return; }
    if (data.subject === "lti.put_data.response") { finish(); }
    if (data.subject === "lti.get_data.response") { finish(data.value); }
  });

  var message = { subject: mode === "put" ? "lti.put_data" : "lti.get_data", message_id: messageId, key: key };
  if (mode === "put") { message.value = box.getAttribute("data-value"); }
  try { frame.postMessage(message, origin); } catch (e) { finish(); }
  window.setTimeout(function () { finish(); }, 3000);
})();
