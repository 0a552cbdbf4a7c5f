/*
 * sw.js: the offline copy of the site. On install it caches every file listed in
 * manifest.json under a cache named after this build; it then answers every same-origin
 * GET from that cache, so one visit is enough to use every lab with the network off.
 * A new build has a new BUILD below (build.py writes it), hence a new service worker:
 * it fills its own cache, waits until the page says "reload", then deletes the old
 * caches, so pages never mix files of two builds.
 *
 * Every response it gives gets the cross-origin isolation headers (COOP/COEP/CORP), the
 * same ones build.py's server sends. Static hosts such as GitHub Pages send none; with
 * them, the page is cross-origin isolated once this worker controls it (offline.js
 * reloads it once for that), so the wasm backend runs on every core there too. The
 * worker script itself and the wasm backend's thread workers need them as well, which is
 * why every same-origin response is re-wrapped, not only navigations.
 *
 * It also sends the site's Content-Security-Policy (build.py writes buildlib/server.py's
 * policies below): the page's on HTML (the same as its <meta> tag), and the runtime
 * worker's own on worker.js, which no <meta> tag can reach on a host without headers.
 */
const BUILD = "__PYTFJS_BUILD__";
const CACHE = `pytfjs-${BUILD}`;

// Files fetched without a query string, which Chromium serves to the page straight from
// this build's cache, without running this worker's JavaScript (its static routing: a
// return visit in a kept profile reached "lab ready" 60-120 ms sooner, bench_start).
// Other engines, and the runtime worker's own requests (Chromium applies no static route
// to a dedicated worker's), ask the fetch handler below. A file missing from the cache
// would come from the network; the whole build is in it.
const ROUTED = ["js/*", "vendor/*", "kernels/*", "css/*", "worker.js"];

self.addEventListener("install", (event) => {
  if (event.addRoutes) {
    event.waitUntil(event.addRoutes(ROUTED.map((pattern) => ({
      condition: { urlPattern: new URL(pattern, self.location.href).href, requestMethod: "GET" },
      source: { cacheName: CACHE },
    }))).catch(() => {})); // a router this engine refuses: the fetch handler serves all
  }
  event.waitUntil((async () => {
    const manifest = await (await fetch("manifest.json", { cache: "no-store" })).json();
    const cache = await caches.open(CACHE);
    const paths = ["./", "manifest.json", ...manifest.files.map((f) => f.path)];
    // a few at a time: hundreds of parallel requests would only queue
    for (let i = 0; i < paths.length; i += 8) {
      await Promise.all(paths.slice(i, i + 8).map((path) => keep(cache, path)));
    }
  })());
});

/** Fetch ``path`` and store it with the headers this worker serves it with (isolated()),
 *  so a hit goes out as stored: a response served untouched from Cache Storage keeps
 *  Chromium's compiled-code cache for scripts and WebAssembly, which a copy rebuilt on
 *  every request loses (measured: bench_start's "profile" column). */
async function keep(cache, path) {
  const request = new Request(path, { cache: "no-store" });
  const response = await fetch(request);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`); // as addAll()
  await cache.put(request, isolated(response));
}

self.addEventListener("message", (event) => {
  if (event.data === "activate-now") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("pytfjs-") && name !== CACHE) await caches.delete(name);
    }
  })());
  // Take over the open pages, but do not make activation wait for it. In Firefox, after
  // TF.js's threaded wasm hung a worker as it started (js/page/runtime_client.js),
  // claim() can take seconds or never settle, while the page itself is claimed at once.
  // Activation then never ended, and a navigation waits for an activating worker: with
  // the server gone, a reload failed after 60 s with NS_ERROR_INTERCEPTION_FAILED.
  self.clients.claim().catch(() => {});
});

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
const PAGE_CSP = "__PYTFJS_CSP__";
const WORKER_CSP = "__PYTFJS_WORKER_CSP__";

/** The response with the isolation headers (and the policy, on a page or the runtime
 *  worker's script) added (opaque responses cannot be re-wrapped; this site makes none:
 *  everything is same-origin). */
function isolated(response) {
  if (!response || response.type === "opaque" || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  headers.delete("Vary"); // one copy per file, whatever the request's encodings
  if (new URL(response.url || self.location.href).pathname.endsWith("/worker.js")) {
    headers.set("Content-Security-Policy", WORKER_CSP);
  } else if ((headers.get("Content-Type") || "").startsWith("text/html")) {
    headers.set("Content-Security-Policy", PAGE_CSP);
  }
  return new Response(response.body, {
    status: response.status, statusText: response.statusText, headers,
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // lab.html?lab=iris and lab.html?lab=mnist are the same file
    // ignoreVary: the server says "Vary: Accept-Encoding", and Firefox hands the worker
    // requests whose headers then never match the cached ones: every lookup missed there
    // (offline, a reload failed with NS_ERROR_INTERCEPTION_FAILED). One file has one copy.
    const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
    // every file in this cache was stored by keep(), its headers already on it
    return hit || isolated(await fetch(request));
  })());
});
