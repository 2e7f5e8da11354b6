/* The offline page: links to the pages the service worker kept that name themselves with an
   X-Podkowa-Offline-Title header (a cemetery's page, podkowa/cemetery), so that someone who
   opens the installed app with no signal can still reach them. */
(function () {
  "use strict";

  function list() {
    var section = document.getElementById("offline-kept");
    if (!section || !window.caches) { return; }
    var items = section.querySelector("ul");
    caches.open(section.getAttribute("data-cache")).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (response) {
            var title = response && response.headers.get("X-Podkowa-Offline-Title");
            return title ? {url: request.url, title: decodeURIComponent(title)} : null;
          });
        }));
      });
    }).then(function (pages) {
      var seen = {};
      pages.filter(Boolean).sort(function (a, b) { return a.title.localeCompare(b.title); })
        .forEach(function (page) {
          var url = new URL(page.url);
          if (url.origin !== window.location.origin || seen[url.pathname]) { return; }
          seen[url.pathname] = true;
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = url.pathname;
          link.textContent = page.title;
          item.appendChild(link);
          items.appendChild(item);
        });
      section.hidden = !items.children.length;
      section.setAttribute("data-listed", String(items.children.length));
    }).catch(function () {});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", list);
  } else {
    list();
  }
})();
