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

  // Times: the server writes UTC into <time datetime="...Z">; show them in the browser's zone,
  // keeping UTC in the tooltip (the title the server set).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }

  function zoneName(date) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(date);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") { return parts[i].value; }
      }
    } catch (e) { /* fall through */ }
    return zone;
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function localText(date, withMillis) {
    var text = date.getFullYear() + "-" + pad(date.getMonth() + 1, 2) + "-" + pad(date.getDate(), 2) +
      " " + pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
    return withMillis ? text + "." + pad(date.getMilliseconds(), 3) : text;
  }

  function localise(root) {
    if (!root || !root.querySelectorAll) { return; }
    var now = new Date();
    var label = zoneName(now);
    var times = root.querySelectorAll("time[datetime$='Z']:not([data-local])");
    for (var i = 0; i < times.length; i++) {
      var element = times[i];
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime())) { continue; }
      element.setAttribute("data-local", "");
      if (!element.title) { element.title = element.textContent + " UTC"; }
      element.textContent = localText(date, /\.\d{3}Z$/.test(element.getAttribute("datetime")));
    }
    var headers = root.querySelectorAll("[data-local-time-header]:not([data-local])");
    for (var j = 0; j < headers.length; j++) {
      headers[j].setAttribute("data-local", "");
      headers[j].textContent = headers[j].textContent.replace("UTC", label);
    }
    // A custom range is read in the zone the form carries; fill in the browser's only when it
    // carries none yet (the server labels a zone it was given).
    var zoneFields = root.querySelectorAll("input[data-time-zone-field]");
    for (var m = 0; m < zoneFields.length; m++) {
      if (zoneFields[m].value || !zone) { continue; }
      zoneFields[m].value = zone;
      var zoneLabels = zoneFields[m].form.querySelectorAll("[data-time-zone-label]");
      for (var k = 0; k < zoneLabels.length; k++) { zoneLabels[k].textContent = "(" + zone + ")"; }
    }
  }

  // Live tail: keep at most data-tail-max event rows and follow the newest unless paused.
  function keepTailBounded() {
    var rows = document.querySelector("[data-tail-rows]");
    if (!rows) { return; }
    var max = parseInt(rows.getAttribute("data-tail-max"), 10) || 500;
    var events = rows.querySelectorAll("tr.log-event, tr.tail-skipped");
    for (var i = 0; i < events.length - max; i++) { events[i].remove(); }
    var box = rows.closest("[data-tail-box]");
    if (box && !rows.querySelector("[data-tail-paused]")) { box.scrollTop = box.scrollHeight; }
  }

  // A form that makes something in AWS is sent once: a second click while it runs would make
  // it twice (the wizard's steps take seconds).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) { return; }
    if (form.hasAttribute("data-submitting")) { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "");
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function () {  // back to a page kept in the browser's cache
    var forms = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-submitting");
      forms[i].removeAttribute("aria-busy");
    }
  });

  document.addEventListener("DOMContentLoaded", function () { localise(document.body); });
  document.addEventListener("htmx:load", function (event) { localise(event.detail.elt); });
  document.addEventListener("htmx:afterSettle", keepTailBounded);
})();
