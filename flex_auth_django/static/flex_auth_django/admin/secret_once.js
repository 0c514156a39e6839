// Copy buttons on the one-time client secret page. navigator.clipboard needs a secure
// context (HTTPS or localhost); elsewhere fall back to selecting the text and execCommand.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.flex-copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      var status = document.querySelector(".flex-copied");
      var done = function () { if (status) { status.textContent = button.dataset.copied || "Copied"; } };
      input.focus();
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          if (document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
});
