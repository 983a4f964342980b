// The tool's own storage for the state binding (see lti_tool/lti/own_storage.py).
// Login page: keep the binding in sessionStorage; if that or the cookie works, go on to the
// platform. If neither does, stop before the platform spends its one-time launch and offer the
// Storage Access API (where the browser has it) or the same login in a new window.
(function () {
  "use strict";
  var box = document.getElementById("own-storage");
  if (!box) { return; }
  var key = box.getAttribute("data-key");
  var value = box.getAttribute("data-value");
  var stored = false;
  try {
    window.sessionStorage.setItem(key, value);
    stored = window.sessionStorage.getItem(key) === value;
  } catch (e) { stored = false; }
  var cookies = false;
  try {
    var probe = "lti_probe=1; path=/lti/; SameSite=" +
      (box.getAttribute("data-secure") === "yes" ? "None; Secure; Partitioned" : "Lax");
    document.cookie = probe;
    cookies = document.cookie.indexOf("lti_probe=1") !== -1;
    document.cookie = probe + "; max-age=0";
  } catch (e) { cookies = false; }
  if (stored || cookies) {
    window.location.replace(box.getAttribute("data-next"));
    return;
  }
  document.getElementById("opening").hidden = true;
  document.getElementById("blocked").hidden = false;
  var allow = document.getElementById("allow-storage");
  if (typeof document.requestStorageAccess === "function") {
    allow.hidden = false;
    allow.addEventListener("click", function () {
      document.requestStorageAccess().then(function () {
        window.location.reload();
      }, function () {
        allow.hidden = true;
        document.getElementById("storage-denied").hidden = false;
      });
    });
  }
})();
