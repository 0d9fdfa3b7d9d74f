/* Xinyu (心育) — small progressive enhancements. No inline scripts anywhere (Content-Security-Policy). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The site navigation on a phone (issue 20): one menu button opens and closes the list of groups; Escape
  // closes it and gives focus back to the button. Without JavaScript the list is shown as it is.
  function setUpNav() {
    var nav = document.querySelector("[data-nav]");
    var button = nav && nav.querySelector(".nav-toggle");
    if (!button) {
      return;
    }
    button.hidden = false;
    nav.classList.add("nav-ready");
    function setOpen(open) {
      nav.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(!nav.classList.contains("is-open"));
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpNav);
  } else {
    setUpNav();
  }

  // Selects marked .js-autosubmit (the language switch) submit their form on change; the button is the
  // fallback without JavaScript.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.classList.contains("js-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // Forms marked data-confirm ask before anything destructive is sent (the server still checks everything).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // htmx requests carry the CSRF token from <meta name="csrf-token"> (the cookie is HttpOnly).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });

  // After htmx swaps results in, move focus to them so screen-reader users hear the new list.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.hasAttribute("tabindex")) {
      target.focus({ preventScroll: true });
    }
  });
})();
