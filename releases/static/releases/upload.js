/* The upload page, enhanced: drag and drop onto the drop zone, and an XMLHttpRequest upload
   with a real progress bar (bytes sent of the total, and the speed). It posts the same form to
   the same URL with Accept: application/json, shows errors next to the fields, and goes to the
   new version's page when the package is stored. Without this script the form posts as is. */
(function () {
  "use strict";
  var form = document.querySelector("[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file][name=package]");
  var zone = form.querySelector("[data-dropzone]");
  var fileName = form.querySelector("[data-file-name]");
  var progress = form.querySelector("[data-progress]");
  var bar = form.querySelector("[data-progress-bar]");
  var text = form.querySelector("[data-progress-text]");
  var button = form.querySelector("[data-upload-button]");
  var cancel = form.querySelector("[data-cancel]");
  var summary = form.querySelector("[data-errors-summary]");
  var limit = Number(form.getAttribute("data-limit"));
  var tooLarge = form.getAttribute("data-too-large");
  var MB = 1024 * 1024;
  var xhr = null;
  var words = JSON.parse(document.getElementById("upload-text").textContent);

  function say(key, values) {
    return words[key].replace(/\{(\w+)\}/g, function (_m, name) { return values[name]; });
  }

  // The console's one size rule (console/formats.py): "812 B", "14.2 KB", "3.4 MB".
  function mb(bytes) {
    if (bytes < 1024) return bytes + " B";
    var units = ["KB", "MB", "GB"];
    var value = bytes / 1024;
    var i = 0;
    while (value >= 1023.5 && i < units.length - 1) { value /= 1024; i++; }
    var text = value < 100 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value).toLocaleString("en");
    return text + " " + units[i];
  }

  function fieldOf(name) {
    var control = form.querySelector("[name=" + name + "]");
    return control ? control.closest(".field") : null;
  }

  function clearErrors() {
    form.querySelectorAll(".field-invalid").forEach(function (f) { f.classList.remove("field-invalid"); });
    form.querySelectorAll(".field .error").forEach(function (e) {
      if (e.hasAttribute("data-error-for")) { e.hidden = true; e.textContent = ""; } else { e.remove(); }
    });
    var server = form.querySelector(".form-errors:not([data-errors-summary])");
    if (server) server.remove();
    summary.hidden = true;
    summary.textContent = "";
  }

  function showErrors(errors) {
    var items = [];
    Object.keys(errors).forEach(function (name) {
      var field = name === "__all__" ? null : fieldOf(name);
      errors[name].forEach(function (message) {
        items.push([field, message]);
        if (!field) return;
        field.classList.add("field-invalid");
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = message;
        field.appendChild(p);
      });
    });
    var strong = document.createElement("strong");
    strong.textContent = items.length === 1 ? say("one_problem", {}) : say("problems", { count: items.length });
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var label = item[0] && item[0].querySelector("label");
      li.textContent = (label ? label.textContent.replace(/\s*\(optional\)\s*$/, "") + ": " : "") + item[1];
      list.appendChild(li);
    });
    summary.appendChild(strong);
    summary.appendChild(list);
    summary.hidden = false;
    summary.scrollIntoView({ block: "nearest" });
  }

  function showFile() {
    var file = input.files && input.files[0];
    clearErrors();
    zone.classList.toggle("has-file", Boolean(file));
    if (!file) { fileName.hidden = true; return; }
    fileName.textContent = file.name + " · " + mb(file.size);
    fileName.hidden = false;
    if (file.size >= limit) showErrors({ package: [tooLarge] });
  }

  input.addEventListener("change", showFile);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("is-dragover");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.remove("is-dragover");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showFile();
    }
  });

  function busy(on) {
    button.disabled = on;
    button.textContent = on ? say("button_busy", {}) : say("button", {});
    progress.hidden = !on && !progress.classList.contains("is-done");
  }

  cancel.addEventListener("click", function (event) {
    if (!xhr) return;  // not uploading: the link goes back to the versions
    event.preventDefault();
    xhr.abort();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var file = input.files && input.files[0];
    if (file && file.size >= limit) { showErrors({ package: [tooLarge] }); return; }
    var data = new FormData(form);
    var started = Date.now();
    xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.value = Math.round((100 * e.loaded) / e.total);
      text.textContent = say("uploading", {
        loaded: mb(e.loaded), total: mb(e.total), speed: (e.loaded / MB / seconds).toFixed(1)
      });
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = say("storing", { total: file ? mb(file.size) : "" });
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      xhr = null;
      if (body && body.url) {
        progress.classList.add("is-done");
        text.textContent = say("stored", { number: body.number });
        window.location.assign(body.url);
        return;
      }
      busy(false);
      progress.hidden = true;
      showErrors(body && body.errors ? body.errors : { __all__: [say("failed", { status: this.status })] });
    });
    xhr.addEventListener("error", function () {
      xhr = null;
      busy(false);
      progress.hidden = true;
      showErrors({ __all__: [say("lost", {})] });
    });
    xhr.addEventListener("abort", function () {
      xhr = null;
      busy(false);
      progress.hidden = true;
      text.textContent = "";
    });
    bar.value = 0;
    text.textContent = say("starting", {});
    progress.hidden = false;
    busy(true);
    progress.hidden = false;
    xhr.send(data);
  });
})();
