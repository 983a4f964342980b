// The sandbox LMS side of the tool's postMessages: answer lti.capabilities, lti.put_data and
// lti.get_data from the tool's frame (LTI Platform Storage, values kept per tool origin), and
// size the frame to the height lti.frameResize asks for, as Canvas and Moodle do.
(function () {
  "use strict";
  var frame = document.getElementById("tool-frame");
  if (!frame) { return; }
  var toolOrigin = frame.getAttribute("data-tool-origin").replace(/\/$/, "");
  var store = {};
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== toolOrigin || typeof data.subject !== "string") { return; }
    if (data.subject === "lti.frameResize") {
      var height = Math.ceil(Number(data.height));
      if (event.source === frame.contentWindow && height > 0) {
        frame.style.height = height + "px";
        frame.style.minHeight = "0";
        frame.setAttribute("data-resized-to", String(height));
      }
      return;
    }
    var reply = { subject: data.subject + ".response", message_id: data.message_id };
    if (data.subject === "lti.capabilities") {
      reply.supported_messages = [
        { subject: "lti.capabilities" }, { subject: "lti.put_data" }, { subject: "lti.get_data" }
      ];
    } else if (data.subject === "lti.put_data") {
      store[toolOrigin + "|" + data.key] = data.value;
      reply.key = data.key; reply.value = data.value;
    } else if (data.subject === "lti.get_data") {
      reply.key = data.key; reply.value = store[toolOrigin + "|" + data.key];
    } else {
      reply.error = { code: "unsupported_subject", message: "not supported" };
    }
    event.source.postMessage(reply, event.origin);
  });
})();
