// Jifen web: the little script the pages use. Every page works without it (forms
// post, links navigate); it adds Telegram's theme and buttons inside Telegram, the
// Mini App sign-in, invoices opened in Telegram, and "select all" in the console.
(function () {
  "use strict";

  function telegram() {
    var app = window.Telegram && window.Telegram.WebApp;
    return app && app.initData ? app : null;
  }

  // Telegram hands launch data in the URL fragment too (tgWebAppData=...): read it
  // when telegram-web-app.js is absent or not loaded yet.
  function launchInitData() {
    var app = telegram();
    if (app) return app.initData;
    var hash = window.location.hash.replace(/^#/, "");
    var params = new URLSearchParams(hash);
    return params.get("tgWebAppData") || "";
  }

  function csrfOf(form) {
    var field = form.querySelector("input[name=_csrf]");
    return field ? field.value : "";
  }

  function setStatus(node, text) {
    if (node) node.textContent = text;
  }

  function signIn() {
    var url = document.body.getAttribute("data-signin");
    if (!url) return;
    var status = document.getElementById("signin-status");
    var initData = launchInitData();
    if (!initData) {
      setStatus(status, status && status.getAttribute("data-outside"));
      return;
    }
    var body = new URLSearchParams();
    body.set("init_data", initData);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok) {
          window.location.replace(window.location.pathname + window.location.search);
        } else {
          var reason = (answer && answer.error && answer.error.message) || response.status;
          setStatus(status, (status.getAttribute("data-failed") || "") + " " + reason);
        }
      });
    }).catch(function () {
      setStatus(status, status && status.getAttribute("data-failed"));
    });
  }

  function invoices() {
    var status = document.getElementById("invoice-status");
    document.querySelectorAll("form[data-invoice]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfOf(form), "Accept": "application/json" },
          body: body
        }).then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok || !answer.link) {
              var reason = (answer && answer.error && answer.error.message) || "";
              setStatus(status, status.getAttribute("data-failed") + " " + reason);
              return;
            }
            var app = telegram();
            if (app && app.openInvoice) {
              app.openInvoice(answer.link, function (result) {
                if (result === "paid") {
                  setStatus(status, status.getAttribute("data-paid"));
                  window.setTimeout(function () { window.location.href = "/app"; }, 1500);
                }
              });
            } else {
              setStatus(status, status.getAttribute("data-outside"));
            }
          });
        }).catch(function () {
          setStatus(status, status.getAttribute("data-failed"));
        });
      });
    });
  }

  function selectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (box) {
      var name = box.getAttribute("data-select-all");
      box.addEventListener("change", function () {
        box.form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  function telegramChrome() {
    var app = telegram();
    if (!app) return;
    app.ready();
    if (app.expand) app.expand();
    document.documentElement.setAttribute("data-telegram", app.colorScheme || "light");
    var home = document.documentElement.getAttribute("data-surface") === "console" ? "/console" : "/app";
    if (app.BackButton && window.location.pathname !== home) {
      app.BackButton.show();
      app.BackButton.onClick(function () { window.history.back(); });
    }
  }

  function start() {
    selectAll();
    invoices();
    signIn();
    var script = document.getElementById("telegram-web-app");
    if (telegram()) telegramChrome();
    else if (script) script.addEventListener("load", telegramChrome);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
