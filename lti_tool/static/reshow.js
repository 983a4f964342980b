// /lti/reshow: the address a page of the tool leaves in the browser's history (see page.js).
// Post the form that page kept in this history entry and show the answer in place, so the page
// comes back as it is now. The post is a fetch, not a navigation: a navigation would add a
// history entry whenever the frame still has the user's click (Chromium carries a click's
// activation to the next page for a few seconds), and the entry here must stay the only one.
// The address itself holds nothing; with no kept form (opened some other way, or the browser
// forgot it) the page's own text says how to go on.
(function () {
  "use strict";
  var kept = window.history && window.history.state && window.history.state.reshow;
  if (!kept || typeof kept.action !== "string" || !/^\/(?!\/)/.test(kept.action) ||
      !kept.fields || typeof kept.fields !== "object" || !window.fetch) {
    return;
  }
  var body = new window.URLSearchParams();
  Object.keys(kept.fields).forEach(function (name) {
    if (typeof kept.fields[name] === "string") { body.append(name, kept.fields[name]); }
  });
  window.fetch(kept.action, { method: "POST", body: body, credentials: "same-origin",
                              cache: "no-store" })
    .then(function (response) { return response.text(); })
    .then(function (html) {
      document.open();
      document.write(html);
      document.close();
    })
    .catch(function () { /* the page says how to go on */ });
})();
