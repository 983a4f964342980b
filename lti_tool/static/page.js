// On every page of the tool (static, no inline script, as the CSP wants):
// 1. Fit the LMS frame to the page: post lti.frameResize with the page's height to the window
//    that frames the tool (Canvas and Moodle size their iframe from it), at load and whenever
//    the page changes size (a <details> opened, a narrower window, the language menu).
// 2. Make Back and Reload safe: a page that answers a form post replaces its own history entry
//    with a plain address (/lti/reshow) and keeps what shows it again (the form marked
//    #reshow: its action and fields, the launch token among them) in that entry's history
//    state, never in an address. Back or Reload then loads /lti/reshow, whose script posts
//    the kept form: the page comes back as it is now, never as the browser's "Confirm form
//    resubmission" page. Without JavaScript the pages work as before.
(function () {
  "use strict";

  if (window.parent !== window) {
    var last = -1;
    var send = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === last || height <= 0) { return; }
      last = height;
      window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
    };
    if (window.ResizeObserver) {
      new window.ResizeObserver(send).observe(document.documentElement);
    }
    window.addEventListener("resize", send);
    window.addEventListener("load", send);
    document.addEventListener("toggle", send, true);  // a <details> opened or closed
    send();
  }

  // a page that keeps its cookie session (the administration) needs no kept form: Reload
  // shows the plain page again instead of sending the post a second time
  var plain = document.querySelector("meta[name=history-address]");
  if (plain && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", plain.getAttribute("content"));
  }

  var form = document.getElementById("reshow");
  if (form && window.history && window.history.replaceState) {
    var fields = {};
    for (var i = 0; i < form.elements.length; i += 1) {
      var element = form.elements[i];
      if (element.name) { fields[element.name] = element.value; }
    }
    try {
      window.history.replaceState(
        { reshow: { action: form.getAttribute("action"), fields: fields } },
        "",
        form.getAttribute("data-address")
      );
    } catch (error) {
      return;  // the entry stays as it was: Back works as it did before
    }
    window.addEventListener("pageshow", function (event) {
      // restored from the back/forward cache as it was: show it as it is now
      if (event.persisted) { window.location.reload(); }
    });
  }
})();
