/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // CSS leaves the no-JavaScript fallbacks

  // Remember the workspace being worked in: pages outside any workspace (profile, API tokens,
  // 404) show its sidebar (console/context_processors.py reads the cookie).
  var here = document.body.getAttribute("data-workspace");
  if (here) {
    document.cookie = "mpp_workspace=" + encodeURIComponent(here) + "; path=/; max-age=31536000; samesite=lax" +
      (window.location.protocol === "https:" ? "; secure" : "");
  }


  // --- The menu button (phones): the sidebar is a drawer behind it. -------------------------
  // Without JavaScript the button is a link to #nav and CSS opens the drawer with :target.
  var navButton = document.querySelector("[data-nav-toggle]");
  var drawer = document.querySelector("[data-nav]");

  function navIsOpen() {
    return document.body.classList.contains("nav-open");
  }

  function setNav(open, returnFocus) {
    if (!navButton || !drawer) return;
    document.body.classList.toggle("nav-open", open);
    navButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      // The first navigation link, not the search field: no on-screen keyboard popping up.
      var first = drawer.querySelector("nav a[href]");
      if (first) first.focus();
    } else {
      if (returnFocus) navButton.focus();
    }
  }

  if (navButton && drawer) {
    // Opened by a #nav link before this script ran: keep the state consistent.
    if (window.location.hash === "#nav") setNav(true, false);
    navButton.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); navButton.click(); }
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (navButton && target.closest("[data-nav-toggle]")) {
      event.preventDefault();
      setNav(!navIsOpen(), false);
      return;
    }
    if (target.closest("[data-nav-close]")) {
      event.preventDefault();
      setNav(false, true);
      return;
    }
    if (navIsOpen() && drawer && !drawer.contains(target)) setNav(false, false);
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) { dismiss.parentElement.remove(); return; }
    var copy = target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        var label = copy.textContent;
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = label; }, 1500);
      });
      return;
    }
    // Close open menus when clicking elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelectorAll("details.menu[open]");
    open.forEach(function (m) {
      m.removeAttribute("open");
      var summary = m.querySelector("summary");
      if (summary && m.contains(document.activeElement)) summary.focus();
    });
    // An open <dialog> handles its own Escape; the drawer closes only when nothing else did.
    if (!open.length && navIsOpen() && !document.querySelector("dialog[open]")) setNav(false, true);
  });

  // --- Confirmations: <form data-confirm="What exactly will happen."> -----------------------
  // The product's dialog (templates/components/confirm_dialog.html) asks before the form is
  // sent; Cancel, Escape or a click on the backdrop keep everything as it was.
  var dialog = document.querySelector("[data-confirm-dialog]");
  var pending = null; // {form, submitter} waiting for an answer

  function buttonText(submitter) {
    return submitter ? (submitter.textContent || submitter.value || "").trim() : "";
  }

  // One form shared by the rows of a table (no form per row): the row's button names which of
  // the form's sentences to ask, data-confirm-use="remove" reading data-confirm-remove,
  // data-confirm-remove-title and data-confirm-remove-action, and whom they are about
  // (its data-confirm-subject and data-confirm-detail replace "[subject]" and "[detail]"). A
  // button without it sends the form as is.
  function sharedWords(form, submitter) {
    var use = submitter ? submitter.getAttribute("data-confirm-use") : null;
    if (!use || !form.hasAttribute("data-confirm-" + use)) return null;
    var subject = submitter.getAttribute("data-confirm-subject") || "";
    var detail = submitter.getAttribute("data-confirm-detail") || "";
    function read(suffix) {
      var words = form.getAttribute("data-confirm-" + use + suffix) || "";
      return words.split("[subject]").join(subject).split("[detail]").join(detail);
    }
    return { text: read(""), title: read("-title"), action: read("-action") };
  }

  function askToConfirm(form, submitter, shared) {
    var action = (shared ? shared.action : form.getAttribute("data-confirm-action")) || buttonText(submitter);
    var title = (shared ? shared.title : form.getAttribute("data-confirm-title")) || action;
    var tone = form.getAttribute("data-confirm-tone") || "danger";
    var actionButton = dialog.querySelector("[data-confirm-dialog-action]");
    dialog.querySelector("[data-confirm-dialog-title]").textContent = title || dialog.querySelector("[data-confirm-dialog-title]").textContent;
    // "[choice]" in the sentence names what is chosen in the form (e.g. the new owner).
    var text = shared ? shared.text : form.getAttribute("data-confirm");
    var choice = form.querySelector("[data-confirm-choice]");
    if (choice && choice.selectedIndex >= 0) text = text.split("[choice]").join(choice.options[choice.selectedIndex].text);
    dialog.querySelector("[data-confirm-dialog-text]").textContent = text;
    if (action) actionButton.textContent = action;
    actionButton.className = "button " + (tone === "primary" ? "button-primary" : "button-danger-solid");
    pending = { form: form, submitter: submitter };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-confirm-dialog-cancel]").focus(); // the safe choice has focus
  }

  if (dialog && typeof dialog.showModal === "function") {
    dialog.addEventListener("close", function () {
      var answer = pending;
      pending = null;
      if (!answer || dialog.returnValue !== "confirm") return;
      answer.form.setAttribute("data-confirmed", "");
      if (answer.form.requestSubmit) answer.form.requestSubmit(answer.submitter || undefined);
      else answer.form.submit();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close("cancel"); // a click on the backdrop
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var shared = sharedWords(form, event.submitter || null);
    if (!shared && !form.hasAttribute("data-confirm")) return;
    if (form.hasAttribute("data-confirmed")) { form.removeAttribute("data-confirmed"); return; }
    if (!dialog || typeof dialog.showModal !== "function") return; // no dialog: send as is
    event.preventDefault();
    askToConfirm(form, event.submitter || null, shared);
  });
})();
