/* Podkowa service worker, rendered by web.views.service_worker. */
"use strict";

const CACHE = "podkowa-shell-{{ cache_version }}";
const OFFLINE_URL = "{% url 'web:offline' %}";
const STATIC_URL = {{ static_url_json|safe }};
const PRECACHE = [OFFLINE_URL].concat({{ precache_json|safe }});
// Public cemetery data kept for use without a network (see pageOrOffline and the fetch handler):
// a family at the cemetery gate often has no signal. Not versioned with the shell.
const PUBLIC_CACHE = {{ public_cache_json|safe }};
// Names fingerprinted by the manifest storage (name.0123456789ab.css) never change content.
const FINGERPRINTED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("podkowa-shell-") && name !== CACHE)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(CACHE);
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function pageOrOffline(request) {
  // Pages are never stored: they may hold a resident's personal data on a shared device.
  // The one exception is a page the server marks "X-Podkowa-Offline: public" (a grave's page
  // as anyone may see it, podkowa/cemetery): kept so that it opens without a network.
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get("X-Podkowa-Offline") === "public") {
      const cache = await caches.open(PUBLIC_CACHE);
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // ignoreVary: a copy kept by keepPublic() was fetched without the page's headers.
    const kept = await caches.match(request, { cacheName: PUBLIC_CACHE, ignoreVary: true });
    if (kept) {
      return kept;
    }
    const offline = await caches.match(OFFLINE_URL);
    return offline || Response.error();
  }
}

async function publicDataNetworkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(PUBLIC_CACHE);
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request, { cacheName: PUBLIC_CACHE, ignoreVary: true });
    if (kept) {
      return kept;
    }
    throw error;
  }
}

async function networkOrKept(request) {
  // An image a page asked keepPublic() for (a cemetery's orthophoto): from the network when
  // there is one, the kept copy otherwise. Nothing is stored on the way.
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await caches.match(request, { cacheName: PUBLIC_CACHE, ignoreVary: true });
    if (kept) {
      return kept;
    }
    throw error;
  }
}

function keepable(url, response) {
  // Only what anyone may see: the cemetery's public data, pages the server marks public (a
  // cemetery's or a grave's page as anyone sees it), and images.
  return response.ok && (url.pathname.startsWith("/api/v1/cemetery/")
    || response.headers.get("X-Podkowa-Offline") === "public"
    || (response.headers.get("Content-Type") || "").startsWith("image/"));
}

async function keepPublic(urls) {
  const cache = await caches.open(PUBLIC_CACHE);
  const kept = [];
  for (const address of urls) {
    const url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin) {
      continue;
    }
    try {
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (keepable(url, response)) {
        await cache.put(url.href, response);
        kept.push(url.href);
      }
    } catch (error) {
      // No network now: what was kept before stays.
    }
  }
  return kept;
}

// A cemetery's map asks to keep what its page needs without a network (podkowa/cemetery,
// cemetery.js): the cemetery's page, its offline pack, its orthophoto. Answered with what was
// kept, so the page can tell.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep-public" || !Array.isArray(data.urls)) {
    return;
  }
  event.waitUntil(keepPublic(data.urls.slice(0, 10)).then((kept) => {
    if (event.source) {
      event.source.postMessage({ type: "kept-public", urls: kept });
    }
  }));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  } else if (url.pathname.startsWith("/api/v1/cemetery/")) {
    // A cemetery's map data, routes and graves: public, and what the map needs offline.
    event.respondWith(publicDataNetworkFirst(request));
  } else if (url.pathname.startsWith(STATIC_URL)) {
    // Unfingerprinted names (development) may change under the same URL: ask the network.
    event.respondWith(FINGERPRINTED.test(url.pathname) ? cacheFirst(request) : networkFirst(request));
  } else if (request.destination === "image") {
    event.respondWith(networkOrKept(request));
  }
});

// Push messages from the notifications app: the payload is JSON {title, body, url}
// (podkowa/notifications/senders.py). Only same-origin links are opened.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || self.location.hostname, {
      body: data.body || "",
      icon: STATIC_URL + "web/icons/icon-192.png",
      data: { url: data.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/",
    self.location.origin);
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === url && "focus" in client) {
          return client.focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
