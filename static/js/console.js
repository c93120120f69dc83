// Small progressive enhancements; every action also works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.requestSubmit(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.classList.add("copied");
      button.textContent = "✓";
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1200);
    });
  });

  function showToast(text) {
    var toast = document.getElementById("toast");
    if (!toast) { return; }
    toast.textContent = text;
    toast.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var message = doc.querySelector(".banner p");
    showToast(message ? message.textContent : xhr.status + " " + xhr.statusText);
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(document.body.getAttribute("data-offline-text") || "The console did not answer.");
  });
})();
