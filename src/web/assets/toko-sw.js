// The checkout page's service worker (SHELL and VERSION are written above by the server): the
// page and its hashed assets are cached when it installs, so /toko opens without signal. The
// page itself keeps keys, revocations and the sale queue in IndexedDB; POSTs are never touched.
const CACHE = "relasi-toko-" + VERSION;
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("relasi-toko-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (url.pathname === "/toko") {
    // Network first (fresh page, fresh session check), the cached shell when there is none.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((c) => c.put("/toko", copy));
          }
          return response;
        })
        .catch(() => caches.match("/toko")),
    );
  }
});
