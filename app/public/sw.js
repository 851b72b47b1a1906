// selpos service worker: lets a till (/register) and its customer screen (/display/…) load again without a network after one visit,
// and quickly when the venue's Wi-Fi is up but the server does not answer.
//
// Pages: from the network, unless it has not answered within PAGE_TIMEOUT_MS; then the till's
// kept copy. Files under /pkg/ are named by their content (till.<hash>.js): a kept one is the
// right one forever, so it is served from the cache without asking. A till page is kept only
// together with every /pkg/ file it names, so a kept page always finds its own build's bundle;
// files no kept page names any more are deleted. The API (/api/*) is never cached: sales reach
// the server only through the app's own queue.

const CACHE = "selpos-till-v2";
// Caches of earlier versions of this worker.
const OLD_CACHES = (name) => name.startsWith("selpos-build-") || name === "selpos-current";
const START_PAGE = "/register";
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  self.skipWaiting();
  // The page that registered this worker was not fetched through it: keep the till now.
  event.waitUntil(
    fetch(START_PAGE, { cache: "no-store" })
      .then((response) => (isPage(response) ? remember(START_PAGE, response) : null))
      .catch(() => null),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(OLD_CACHES).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (isProductPhoto(url)) return event.respondWith(productPhoto(event));
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/sw.js") return;

  if (request.mode === "navigate") {
    event.respondWith(page(event, url.pathname));
  } else if (url.pathname.startsWith("/pkg/")) {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(url.pathname))
        .then((kept) => kept || fetch(request)),
    );
  }
});

// Network first; the kept till page once the network has taken PAGE_TIMEOUT_MS or failed. A
// page that was never kept waits for the network as long as the browser does.
async function page(event, path) {
  const fromNetwork = fetch(event.request)
    .then((response) => {
      if (isPage(response) && isTillPage(path)) {
        event.waitUntil(remember(path, response.clone()).catch(() => null));
      }
      return response;
    })
    .catch(() => null);
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), PAGE_TIMEOUT_MS));
  const inTime = await Promise.race([fromNetwork, timeout]);
  if (inTime) return inTime;
  const kept = await caches.open(CACHE).then((cache) => cache.match(path));
  if (kept) return kept;
  return (await fromNetwork) || offlinePage();
}

function isTillPage(path) {
  const page = path.replace(/\/+$/, "");
  // The customer screen (お客様画面) is kept too: reloaded offline, it shows its last state.
  return page === "/register" || page === "/login" || /^\/display\/[A-Za-z0-9_-]+$/.test(page);
}

function isPage(response) {
  return response.ok && !response.redirected && (response.headers.get("content-type") || "").includes("text/html");
}

// The /pkg/ files a page names (its script, WASM and style sheet).
function filesOf(html) {
  return [...new Set(html.match(/\/pkg\/[A-Za-z0-9._\/-]+/g) || [])];
}

// Keeps a till page with every file it names, then forgets the files no kept page names.
async function remember(path, response) {
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  const missing = [];
  for (const file of filesOf(html)) {
    if (!(await cache.match(file))) missing.push(file);
  }
  // All or nothing: a page is kept only once its whole build is.
  await cache.addAll(missing.map((file) => new Request(file, { cache: "no-cache" })));
  await cache.put(new Request(path), response);

  const named = new Set();
  const kept = await cache.keys();
  for (const request of kept) {
    const keptPath = new URL(request.url).pathname;
    if (!keptPath.startsWith("/pkg/")) {
      const page = await cache.match(request);
      for (const file of filesOf(await page.text())) named.add(file);
    }
  }
  for (const request of kept) {
    const keptPath = new URL(request.url).pathname;
    if (keptPath.startsWith("/pkg/") && !named.has(keptPath)) await cache.delete(request);
  }
}

// Product photos, the one part of the API kept (/api/v1/products/<id>/photo?v=<version>): the
// URL names the photo's content, so a kept one is right forever. Served from their own cache
// first, kept when fetched; a product's new photo replaces its older ones.
const PHOTO_CACHE = "selpos-photos-v1";

function isProductPhoto(url) {
  return /^\/api\/v1\/products\/\d+\/photo$/.test(url.pathname) && url.searchParams.has("v");
}

async function productPhoto(event) {
  const cache = await caches.open(PHOTO_CACHE);
  const kept = await cache.match(event.request);
  if (kept) return kept;
  const response = await fetch(event.request);
  if (response.ok) {
    const copy = response.clone();
    const keep = cache
      .keys(event.request, { ignoreSearch: true })
      .then((older) => Promise.all(older.map((old) => cache.delete(old))))
      .then(() => cache.put(event.request, copy));
    event.waitUntil(keep.catch(() => null));
  }
  return response;
}

function offlinePage() {
  return new Response(
    `<!DOCTYPE html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>selpos オフライン</title>
<body style="font-family: sans-serif; padding: 2rem; font-size: 1.2rem">
<h1>オフラインです</h1>
<p>このページはこの端末に保存されていません。通信が戻ってから開き直してください。</p>
<p><a href="${START_PAGE}">レジを開く</a></p></body></html>`,
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
  );
}
