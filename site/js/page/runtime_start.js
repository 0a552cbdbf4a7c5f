/*
 * runtime_start.js: starts the runtime worker (site/worker.js) as early as the page can.
 * lab.html loads this module `async`, ahead of the editor and the page's other modules,
 * so Pyodide and TF.js (the longest part of start-up) begin downloading while the rest
 * of the page still loads. lab.js imports the same module instance and takes the worker
 * over; messages the worker sends before that wait in the client (js/page/runtime_client.js).
 */
import { RuntimeClient } from "./runtime_client.js";
import "./violations.js"; // listening before anything else runs

const query = new URLSearchParams(location.search);

/** Whether pytfjs's SIMD kernels are wanted (?simd=0 leaves them out: bench_mnist.py). */
export const simd = query.get("simd") !== "0";

/** The lab the address names (`?lab=`), or null when it names none that could exist. */
export const labId = /^[a-z0-9-]+$/.test(query.get("lab") || "") ? query.get("lab") : null;

/** The lab's worker, already booting; null when the address names no lab. */
export const runtime = labId ? new RuntimeClient() : null;
if (runtime) runtime.start(query.get("backend"), simd);
