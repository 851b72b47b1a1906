// selpos service worker: lets a till (/register) load again without a network after one visit.
//
// Online, everything comes from the network exactly as without this worker. Offline, pages
// and the app's files come from one snapshot per build: a page is only ever served together
// with the JS/WASM of the same build, because a page's script calls into its own build's
// bundle. The build is told by the bundle's Last-Modified (the site is rebuilt into new files).
// The API (/api/*) is never cached: sales reach the server only through the app's own queue.

const PREFIX = "selpos-build-";
const POINTER = "selpos-current"; // cache holding the name of the newest complete snapshot
// The till's pages load the till's own bundle (see `is_till_page` in app/src/lib.rs): only
// those pages and that bundle are kept, so a tablet never downloads the whole app for offline.
const ASSETS = ["/pkg/till.js", "/pkg/till_bg.wasm", "/pkg/selpos.css"];
const WASM = "/pkg/till_bg.wasm";
const START_PAGE = "/register";

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
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/sw.js") return;

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (isPage(response) && isTillPage(url.pathname)) {
            event.waitUntil(remember(url.pathname, response.clone()).catch(() => null));
          }
          return response;
        })
        .catch(() => offlinePage(url.pathname)),
    );
  } else if (url.pathname.startsWith("/pkg/")) {
    // Network first: a rebuilt bundle must win over a kept one whenever the server answers.
    event.respondWith(fetch(request).catch(() => fromSnapshot(url.pathname)));
  }
});

function isTillPage(path) {
  const page = path.replace(/\/+$/, "");
  return page === "/register" || page === "/login";
}

function isPage(response) {
  return response.ok && !response.redirected && (response.headers.get("content-type") || "").includes("text/html");
}

// The build the server runs now.
async function currentBuild() {
  const response = await fetch(WASM, { method: "HEAD", cache: "no-store" });
  if (!response.ok) throw new Error("no bundle");
  return buildOf(response);
}

function buildOf(response) {
  return `${response.headers.get("last-modified") || ""}|${response.headers.get("content-length") || ""}`;
}

// Keeps a page in the snapshot of the server's current build, starting that snapshot (with the
// bundle) when the build is new; older snapshots are dropped once the new one is complete.
async function remember(path, response) {
  const build = await currentBuild();
  const name = PREFIX + build;
  const cache = await caches.open(name);
  if (!(await cache.match(WASM))) {
    await cache.addAll(ASSETS.map((asset) => new Request(asset, { cache: "no-store" })));
    const kept = await cache.match(WASM);
    if (!kept || buildOf(kept) !== build) {
      // Rebuilt while we were fetching: this snapshot would mix two builds.
      await caches.delete(name);
      return;
    }
  }
  await cache.put(new Request(path), response);
  const pointer = await caches.open(POINTER);
  await pointer.put(new Request("/current"), new Response(name));
  for (const key of await caches.keys()) {
    if (key.startsWith(PREFIX) && key !== name) await caches.delete(key);
  }
}

async function snapshot() {
  const pointer = await caches.open(POINTER);
  const current = await pointer.match(new Request("/current"));
  return current ? caches.open(await current.text()) : null;
}

async function fromSnapshot(path) {
  const cache = await snapshot();
  const hit = cache && (await cache.match(new Request(path)));
  return hit || Response.error();
}

async function offlinePage(path) {
  const cache = await snapshot();
  const hit = cache && (await cache.match(new Request(path)));
  if (hit) return hit;
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
