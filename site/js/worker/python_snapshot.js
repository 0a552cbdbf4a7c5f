/*
 * python_snapshot.js: Pyodide's memory snapshot of a freshly started Python, kept in the
 * browser's Cache Storage, so that a return visit restores Python's memory instead of
 * starting the interpreter again (Pyodide's experimental snapshot options and call, used
 * through js/worker/private_apis.js). It runs in the runtime worker (worker.js).
 *
 * Why: in the worker, Chromium keeps no compiled-code cache for TF.js and Pyodide's
 * JavaScript, so a return visit started about 300 ms later than when both ran on the page.
 * Restoring the snapshot skips most of Python's own start-up instead.
 *
 * The snapshot is made by this browser, on the first visit, right after Python has started
 * and before any package or lab code: only the interpreter and standard library modules
 * (WARM_IMPORTS). Its key holds the site's address (two builds on one origin keep
 * one each) and the time zone (Python reads the zone once, at start-up). A snapshot that
 * does not restore (Pyodide checks its build id: a new build with another Pyodide) is
 * dropped, Python starts normally, and the snapshot is made again.
 */
import { siteUrl } from "../shared/site_url.js";
import { restoreJsGlobals, snapshotMemory } from "./private_apis.js";

const CACHE = "python-snapshot"; // not "pytfjs-...": sw.js deletes those on each new build

/** The time zone as Python sees it at start-up: the standard and summer offsets. */
function timeZone() {
  const year = new Date().getFullYear();
  const offsets = [0, 6].map((month) => new Date(year, month, 1).getTimezoneOffset());
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  return `${offsets.join(",")},${name}`;
}

/** This site's snapshots: the address without the time zone. */
const siteKey = () => siteUrl("python-snapshot");

function key() {
  return `${siteKey()}?${new URLSearchParams({ tz: timeZone() })}`;
}

async function openCache() {
  if (!globalThis.caches) return null; // no Cache Storage (an insecure origin)
  try {
    return await caches.open(CACHE);
  } catch {
    return null; // storage refused (a private window, a full disk)
  }
}

/** The saved snapshot for this site and time zone: null, or `{ bytes }`, a promise of its
 *  bytes. The cache says at once whether it has one; reading its 25 MB takes 100-150 ms,
 *  which loadPyodide overlaps with loading its own script and lock file. */
export async function savedSnapshot() {
  const cache = await openCache();
  const response = cache && (await cache.match(key()));
  return response ? { bytes: response.arrayBuffer().then((buffer) => new Uint8Array(buffer)) } : null;
}

/** Standard library modules that every start imports after this point: Pyodide's package
 *  loader (tarfile, importlib.metadata, email, csv, datetime) and pytfjs (ctypes,
 *  dataclasses, pickle, platform, ...). Imported before the copy, they come with it: a
 *  restored Python then has pytfjs ready about 0.5 s sooner (measured in Node, 1.3 s
 *  against 1.8 s). Pure Python or built into Pyodide's interpreter, all of them: a module
 *  that loads a shared library cannot be in a snapshot. */
const WARM_IMPORTS = `import __future__, asyncio, base64, csv, ctypes, dataclasses, datetime, email.message,
  email.utils, importlib.metadata, json, numbers, pickle, platform, tarfile`.replace(/\s+/g, " ");

/** The memory of ``py``, started with snapshotOptions() (js/worker/private_apis.js), with WARM_IMPORTS imported: a
 *  snapshot for keepSnapshot. Call it before Python loads a package or runs anything else.
 *  Afterwards Python's `js` module is the real global scope again: in making mode Pyodide
 *  hands Python a recording proxy of it. */
export function takeSnapshot(py) {
  try {
    py.runPython(WARM_IMPORTS);
    return snapshotMemory(py);
  } finally {
    restoreJsGlobals(py);
    py.registerJsModule("js", globalThis);
    py.runPython("import sys; sys.modules.pop('js', None)");
  }
}

/** Store ``bytes`` (from takeSnapshot) for the next start. Writing 25 MB takes a few
 *  hundred milliseconds: the worker does it once the lab is ready, not during its start. */
export async function keepSnapshot(bytes) {
  const cache = await openCache();
  if (!cache) return;
  for (const old of await cache.keys()) {
    if (old.url.startsWith(siteKey())) await cache.delete(old); // another time zone's
  }
  await cache.put(key(), new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
}

/** Forget a snapshot that failed to restore. */
export async function forgetSnapshot() {
  const cache = await openCache();
  if (cache) await cache.delete(key());
}

/** Python run right after a restore: what must differ between two starts from the same
 *  memory. `random`'s shared generator was seeded when the snapshot was made; seed it again
 *  from the system's randomness, as a fresh start would. (String hashes keep the seed they
 *  had, as under a fixed PYTHONHASHSEED: a set of strings iterates in the same order on
 *  every visit in this browser. Python cannot change that seed once started.) */
export const AFTER_RESTORE = `
import sys
if sys.path[:2] == ["", ""]:
    del sys.path[0]
if "random" in sys.modules:
    sys.modules["random"].seed()
`;
