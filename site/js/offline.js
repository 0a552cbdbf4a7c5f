/*
 * offline.js: register the service worker (sw.js) and offer "reload to update" when a
 * new build has been cached. window.pytfjsOffline.ready resolves once this build is
 * cached, i.e. once every lab works without the network.
 */
(function () {
  "use strict";

  function banner(worker) {
    if (document.getElementById("update-banner")) return;
    const bar = document.createElement("div");
    bar.id = "update-banner";
    bar.className = "update-banner";
    bar.setAttribute("role", "status");
    bar.textContent = "A new version of the labs is ready. ";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reload to update";
    button.addEventListener("click", () => worker.postMessage("activate-now"));
    bar.appendChild(button);
    document.body.prepend(bar);
  }

  let markReady;
  const ready = new Promise((resolve) => { markReady = resolve; });
  globalThis.pytfjsOffline = { ready, supported: "serviceWorker" in navigator };
  if (!("serviceWorker" in navigator)) return;

  // On a lab page, caching the site (tens of MB) waits until the lab is ready, so it
  // never competes with starting Python; elsewhere it starts once the page has loaded.
  const onLabPage = document.body && document.body.classList.contains("lab");
  const start = async () => {
    let reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (reloading || !navigator.serviceWorker.controller) return;
      if (globalThis.pytfjsOffline.updating) { reloading = true; location.reload(); }
    });
    try {
      const registration = await navigator.serviceWorker.register("sw.js");
      const watch = (worker) => worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) {
          globalThis.pytfjsOffline.updating = true;
          banner(worker);
        }
      });
      if (registration.installing) watch(registration.installing);
      registration.addEventListener("updatefound", () => watch(registration.installing));
      if (registration.waiting && navigator.serviceWorker.controller) {
        globalThis.pytfjsOffline.updating = true;
        banner(registration.waiting);
      }
      await navigator.serviceWorker.ready;
      markReady(true);
    } catch (err) {
      console.warn("offline copy unavailable:", err);
      markReady(false);
    }
  };
  if (onLabPage) document.addEventListener("pytfjs:ready", start, { once: true });
  else window.addEventListener("load", start);
})();
