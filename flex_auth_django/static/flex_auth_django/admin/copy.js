// Copy buttons: the client ID in the application list and change page (data-copy-value), and
// the credentials on the one-time secret page (data-copy: the id of the input to copy).
// navigator.clipboard needs a secure context (HTTPS or localhost); elsewhere fall back to
// selecting the text and execCommand("copy").
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok;
  }
  function copy(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { if (fallbackCopy(text)) { done(); } });
    } else if (fallbackCopy(text)) {
      done();
    }
  }
  document.querySelectorAll("button.flex-copy").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var label = button.dataset.copied || "Copied";
      if (button.dataset.copyValue !== undefined) {
        var original = button.textContent;
        copy(button.dataset.copyValue, function () {
          button.textContent = label;
          window.setTimeout(function () { button.textContent = original; }, 1500);
        });
        return;
      }
      var input = document.getElementById(button.dataset.copy);
      var status = document.querySelector(".flex-copied");
      input.focus();
      input.select();
      copy(input.value, function () { if (status) { status.textContent = label; } });
    });
  });
});
