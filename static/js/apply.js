// Progressive enhancement of the application form: size and type hints before upload,
// and an upload progress bar. The server stays the only authority; without JavaScript
// the form posts normally.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form.application-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var extensions = (form.getAttribute("data-extensions") || "").split(",");

  function hintFor(input) {
    var problems = [];
    Array.prototype.forEach.call(input.files || [], function (file) {
      var dot = file.name.lastIndexOf(".");
      var ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
      if (extensions.indexOf(ext) < 0) { problems.push(file.name + ": " + form.getAttribute("data-type-message")); }
      if (maxBytes && file.size > maxBytes) { problems.push(file.name + ": " + form.getAttribute("data-size-message")); }
    });
    var note = input.parentNode.querySelector(".client-hint");
    if (!note) {
      note = document.createElement("p");
      note.className = "client-hint";
      note.setAttribute("aria-live", "polite");
      input.parentNode.appendChild(note);
    }
    note.textContent = problems.join(" ");
  }

  Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
    input.addEventListener("change", function () { hintFor(input); });
  });

  var progress = form.querySelector(".progress");
  var bar = progress && progress.querySelector("progress");
  var text = progress && progress.querySelector(".progress-text");
  form.addEventListener("submit", function (event) {
    if (!progress) { return; }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = percent + " %";
      }
    });
    request.addEventListener("load", function () {
      // Show whatever the server answered: the confirmation page, or the form with errors.
      if (request.responseURL && request.responseURL !== window.location.href && request.status < 400) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () { form.submit(); });
    progress.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
