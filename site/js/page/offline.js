/*
 * offline.js: register the service worker (sw.js) and offer "reload to update" when a
 * new build has been cached. `offline.ready` (also window.pytfjs.offline.ready) resolves
 * once this build is cached, i.e. once every lab works without the network. The lab
 * page imports it (js/page/lab.js); the home page loads it as its only module.
 *
 * Cross-origin isolation where the server sends no COOP/COEP headers (GitHub Pages):
 * sw.js adds them, but isolation is fixed when a document is created, so a page that
 * is not isolated while the service worker could make it so is reloaded: at once while
 * it is still starting, or when the service worker first takes over a page nobody has
 * run code in yet (the code is kept by js/page/drafts.js anyway). A page that has run code
 * only gets a note. At most three reloads in a row (a hard reload bypasses the service
 * worker, and the first reload after it can come back uncontrolled too).
 */
import "./violations.js"; // the home page's first module: it listens for violations too
import { t } from "./i18n.js";

function banner(worker) {
  if (document.getElementById("update-banner")) return;
  const bar = document.createElement("div");
  bar.id = "update-banner";
  bar.className = "update-banner";
  bar.setAttribute("role", "status");
  bar.textContent = t("A new version of the labs is ready.") + " ";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = t("Reload to update");
  button.addEventListener("click", () => worker.postMessage("activate-now"));
  bar.appendChild(button);
  document.body.prepend(bar);
}

const RELOADS = "pytfjs:isolation-reloads";
const reloadsSoFar = () => Number(sessionStorage.getItem(RELOADS) || 0);

/** Reload to become cross-origin isolated, if that can help and the guard allows. */
function reloadForIsolation() {
  if (globalThis.crossOriginIsolated || reloadsSoFar() >= 3) return false;
  sessionStorage.setItem(RELOADS, String(reloadsSoFar() + 1));
  location.reload();
  return true;
}

if (globalThis.crossOriginIsolated) sessionStorage.removeItem(RELOADS);

/** True while nothing the learner did would be interrupted by a reload. */
function idle() {
  const state = document.body && document.body.dataset.state;
  const ran = globalThis.pytfjs && globalThis.pytfjs.runs;
  return !ran && (state === undefined || state === "loading" || state === "ready" || state === "error");
}

function noteIsolation() {
  if (document.getElementById("isolation-banner")) return;
  const bar = document.createElement("div");
  bar.id = "isolation-banner";
  bar.className = "update-banner";
  bar.setAttribute("role", "status");
  bar.textContent = t("The offline copy is ready. Reload the page to train on every core (your code is kept).") + " ";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = t("Reload");
  button.addEventListener("click", () => location.reload());
  bar.appendChild(button);
  document.body.prepend(bar);
}

// Controlled by a service worker from an earlier visit, yet loaded around it (a hard
// reload): one more reload goes through it and is isolated.
if (!globalThis.crossOriginIsolated && "serviceWorker" in navigator && navigator.serviceWorker.controller === null) {
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (registration && registration.active && idle()) reloadForIsolation();
  }).catch(() => {});
}

let markReady;
const ready = new Promise((resolve) => { markReady = resolve; });
/** The offline copy: `ready` (true once cached, false if it cannot be), `supported`,
 * and `updating` while a newer build is waiting to take over. */
export const offline = { ready, supported: "serviceWorker" in navigator, updating: false };
globalThis.pytfjs = Object.assign(globalThis.pytfjs || {}, { offline });

// On a lab page, caching the site (tens of MB) waits until the lab is ready, so it
// never competes with starting Python; elsewhere it starts once the page has loaded.
const onLabPage = document.body && document.body.classList.contains("lab");
const controlledAtLoad = Boolean(offline.supported && navigator.serviceWorker.controller);
const start = async () => {
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !navigator.serviceWorker.controller) return;
    if (offline.updating) { reloading = true; location.reload(); return; }
    if (globalThis.crossOriginIsolated) return;
    if (idle()) reloading = reloadForIsolation();
    else noteIsolation();
  });
  try {
    const registration = await navigator.serviceWorker.register("sw.js");
    // A newly installed worker is an update only if another one was already there. Not
    // "the page has a controller by now": on a first visit the new worker activates and
    // claims the page at once, and WebKit can say "installed" after that; taken for an
    // update, the claim then reloaded the page in the middle of a run.
    const watch = (worker) => worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && (controlledAtLoad
          || (registration.active && registration.active !== worker))) {
        offline.updating = true;
        banner(worker);
      }
    });
    if (registration.installing) watch(registration.installing);
    registration.addEventListener("updatefound", () => watch(registration.installing));
    if (registration.waiting && navigator.serviceWorker.controller) {
      offline.updating = true;
      banner(registration.waiting);
    }
    await navigator.serviceWorker.ready;
    markReady(true);
  } catch (err) {
    console.warn("offline copy unavailable:", err);
    markReady(false);
  }
};
if (!offline.supported) markReady(false);
else if (onLabPage) document.addEventListener("pytfjs:ready", start, { once: true });
else window.addEventListener("load", start);
