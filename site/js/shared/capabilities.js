/*
 * capabilities.js: what this browser gives the labs, found by trying each piece where it
 * is used, never assumed from the browser's name or from one flag standing for another
 * (a page can be cross-origin isolated and still have no SharedArrayBuffer: WebKitGTK).
 * The page calls pageCapabilities(); the runtime worker calls workerCapabilities() and
 * sends the result in its "capabilities" message; lab.js merges both into
 * window.pytfjs.capabilities and says them in one line of the loading panel.
 *
 * Each missing piece has a path that works (docs/browsers.md, "What each engine lacks"):
 *   no SharedArrayBuffer  -> no interrupt buffer (Stop restarts Python), wasm on one thread
 *   no WebGL/WebGPU in the worker -> those backends are not offered
 *   no Cache Storage / service workers -> no offline copy, no start-up snapshot
 */
import { nt, t } from "./i18n.js";

// The smallest modules that use one feature each (the same probes as the
// wasm-feature-detect package): v128 SIMD, and a shared memory with an atomic op.
const WASM_SIMD = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const WASM_THREADS = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5,
  4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);

function validates(bytes) {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** SharedArrayBuffer and Atomics that work: made, written and read, not just named. */
export function sharedMemory() {
  try {
    if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
    const view = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(view, 0, 7);
    return Atomics.load(view, 0) === 7;
  } catch {
    return false;
  }
}

/** What the page has. */
export function pageCapabilities() {
  const shared = sharedMemory();
  return {
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
    sharedArrayBuffer: shared,
    webassembly: typeof WebAssembly === "object",
    wasmSimd: validates(WASM_SIMD),
    wasmThreads: shared && validates(WASM_THREADS),
    serviceWorkers: Boolean(globalThis.isSecureContext && navigator.serviceWorker),
    cacheStorage: typeof caches === "object",
    indexedDB: typeof indexedDB === "object",
    cores: navigator.hardwareConcurrency || 1,
  };
}

/** What WebGL this worker gets from an OffscreenCanvas (none in Firefox and WebKitGTK
 *  here; Chromium's SwiftShader is software, slow). */
export function offscreenWebgl() {
  try {
    if (typeof OffscreenCanvas !== "function") return { available: false, software: true, renderer: "no OffscreenCanvas" };
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
    if (!gl) return { available: false, software: true, renderer: "none" };
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    const software = /swiftshader|llvmpipe|software|basic render/i.test(renderer);
    const webgl2 = typeof WebGL2RenderingContext === "function" && gl instanceof WebGL2RenderingContext;
    const lose = gl.getExtension("WEBGL_lose_context");
    if (lose) lose.loseContext();
    return { available: true, software, renderer, webgl2 };
  } catch (err) {
    return { available: false, software: true, renderer: String(err) };
  }
}

/**
 * The WebGPU adapter TF.js' webgpu backend would ask for (high-performance). A fallback
 * adapter (Chromium's SwiftShader with --enable-unsafe-webgpu) runs shaders on the CPU:
 * slower than wasm, so never the default. Chromium 156 reports it as
 * adapter.info.isFallbackAdapter, older ones as adapter.isFallbackAdapter.
 */
export async function webgpuAdapter() {
  try {
    if (!globalThis.isSecureContext || !navigator.gpu) return { available: false, fallback: true, adapter: "none" };
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return { available: false, fallback: true, adapter: "none" };
    const info = adapter.info || {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ");
    const fallback = Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter)
      || /swiftshader|llvmpipe|software/i.test(name);
    return { available: true, fallback, adapter: name || "unknown" };
  } catch (err) {
    return { available: false, fallback: true, adapter: String(err) };
  }
}

/** What the runtime worker has: shared memory and wasm features here, and the GPU APIs
 *  the TF.js backends need. */
export async function workerCapabilities() {
  const shared = sharedMemory();
  return {
    sharedArrayBuffer: shared,
    wasmSimd: validates(WASM_SIMD),
    wasmThreads: shared && validates(WASM_THREADS),
    webgl: offscreenWebgl(),
    webgpu: await webgpuAdapter(),
    cacheStorage: typeof caches === "object",
    indexedDB: typeof indexedDB === "object",
  };
}

/** The backends that can start here, in the selector's order. */
export function startableBackends(worker) {
  const names = [];
  if (worker.webgpu && worker.webgpu.available) names.push("webgpu");
  if (worker.webgl && worker.webgl.available) names.push("webgl");
  names.push("wasm", "cpu");
  return names;
}

/** One line for the loading panel: what this browser gives, and what it lacks (in the
 *  page's language, js/shared/i18n.js). */
export function describe(page, worker, threads) {
  const parts = [
    threads > 1 ? nt("WebAssembly on {n} thread", "WebAssembly on {n} threads", threads) : t("WebAssembly on one thread"),
    worker.wasmSimd ? "SIMD" : t("no SIMD"),
    worker.webgl && worker.webgl.available ? t("WebGL in the worker") : t("no WebGL in the worker"),
    worker.webgpu && worker.webgpu.available ? "WebGPU" : t("no WebGPU"),
    page.serviceWorkers && page.cacheStorage ? t("offline copy") : t("no offline copy"),
  ];
  if (!page.sharedArrayBuffer) parts.push(t("no SharedArrayBuffer (Stop restarts Python)"));
  return t("This browser: {parts}", { parts: parts.join(", ") });
}
