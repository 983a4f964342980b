// The debrief prints whole: its sections (<details>) open before printing and close again
// after. Browsers that know ::details-content already print them open (tool.css); this is for
// the others. Without JavaScript the sections print as the learner left them.
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
})();
