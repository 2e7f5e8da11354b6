/* Turn on Web Push on this device: subscribe with the town's VAPID key, tell the server.
   Progressive enhancement: without a service worker or the Push API the button stays hidden. */
(function () {
  "use strict";

  var box = document.getElementById("push-enable");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
    return;
  }
  var button = document.getElementById("push-enable-button");
  var status = document.getElementById("push-status");
  var form = document.querySelector("input[name=csrfmiddlewaretoken]");

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function say(text) {
    status.textContent = text;
  }

  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error(box.getAttribute("data-denied") || "denied");
        }
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-vapid-key"))
        });
      })
      .then(function (subscription) {
        var data = subscription.toJSON();
        return fetch(box.getAttribute("data-register-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRFToken": form ? form.value : ""
          },
          body: JSON.stringify({
            endpoint: data.endpoint,
            p256dh: data.keys.p256dh,
            auth: data.keys.auth,
            user_agent: navigator.userAgent
          })
        });
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        say(box.getAttribute("data-done"));
        window.setTimeout(function () { window.location.reload(); }, 800);
      })
      .catch(function () {
        say(box.getAttribute("data-failed"));
        button.disabled = false;
      });
  });
}());
