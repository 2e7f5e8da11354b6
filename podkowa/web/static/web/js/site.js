/* Podkowa site shell: progressive enhancement only — every page works without this file. */
(function () {
  "use strict";

  var root = document.documentElement;
  // Runs in <head> before the first paint so the collapsed phone menu never flashes open.
  root.classList.remove("no-js");
  root.classList.add("js");

  var script = document.currentScript;
  var serviceWorkerUrl = script && script.getAttribute("data-sw");

  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!toggle || !menu) {
      return;
    }
    var phone = window.matchMedia("(max-width: 47.99em)");

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }

    toggle.hidden = false;
    setOpen(false);
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and returns focus to its button (WAI-ARIA disclosure).
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && phone.matches && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
    // On a wide screen the menu is always shown; start closed again when narrowing.
    phone.addEventListener("change", function () {
      setOpen(false);
    });
  }

  function registerServiceWorker() {
    if (!serviceWorkerUrl || !("serviceWorker" in navigator) || !window.isSecureContext) {
      return;
    }
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(serviceWorkerUrl, { scope: "/" }).catch(function () {
        // An unavailable service worker only costs offline support; the site still works.
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpMenu);
  } else {
    setUpMenu();
  }
  registerServiceWorker();
})();
