// The debrief's two helps (it works without them):
// 1. It prints whole: its sections (<details>) open before printing and close again after.
//    Browsers that know ::details-content already print them open (tool.css).
// 2. After "Show contacts" the learner stays at the contacts (the section marked
//    data-arrive). The #contacts of the form's action does that in a window of its own, but not
//    in an LMS frame that lti.frameResize has made as tall as the page: the frame then has
//    nothing to scroll, and browsers do not scroll the LMS page to a frame's fragment. So the
//    section is scrolled into view, and again when the LMS resizes the frame, until the learner
//    scrolls or types; focus goes to its heading.
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details.debrief-section:not([open])");
    opened = Array.prototype.slice.call(closed);
    opened.forEach(function (section) { section.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (section) { section.open = false; });
    opened = [];
  });

  var target = document.querySelector("[data-arrive]");
  if (!target || !target.scrollIntoView) { return; }
  var until = Date.now() + 3000;
  var arrive = function () {
    if (Date.now() < until) { target.scrollIntoView({ block: "start" }); }
  };
  var stop = function () { until = 0; };
  ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (name) {
    window.addEventListener(name, stop, { passive: true, once: true });
  });
  window.addEventListener("resize", arrive);
  window.addEventListener("load", arrive);
  var heading = target.querySelector("summary");
  if (heading && heading.focus) {
    try { heading.focus({ preventScroll: true }); } catch (error) { /* an older browser */ }
  }
  arrive();
})();
