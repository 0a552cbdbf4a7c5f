/*
 * backends.js: TensorFlow.js backends in the runtime worker (site/worker.js): which one is
 * the default here, starting wasm on every core, and pytfjs's wasm training kernels.
 * The page asks through the protocol (js/shared/protocol.js: boot, setBackend).
 */
import { offscreenWebgl, sharedMemory, webgpuAdapter } from "../shared/capabilities.js";
import { siteUrl } from "../shared/site_url.js";
import { t } from "../shared/i18n.js";
import { backendMade, forbidWasmThreads, fuseConvActivations } from "./private_apis.js";
import * as kernels from "./wasm_kernels.js";

// The selector's order. When a backend fails to start, the next of FALLBACKS is tried:
// never WebGPU unless it was asked for (a software WebGPU adapter is slow).
export const BACKENDS = ["webgpu", "webgl", "wasm", "cpu"];
const FALLBACKS = ["wasm", "webgl", "cpu"];

/** What WebGL and WebGPU this worker has (js/shared/capabilities.js), under the names tests and
 *  benchmarks call through pytfjsHost. */
export { offscreenWebgl as webglInfo, webgpuAdapter as webgpuInfo } from "../shared/capabilities.js";

/**
 * The fastest backend that works here: WebGPU on a hardware adapter, else WebGL on a
 * hardware GPU, else WebAssembly (never a software GPU by default).
 */
export async function defaultBackend() {
  const gpu = await webgpuAdapter();
  if (gpu.available && !gpu.fallback) return "webgpu";
  const gl = offscreenWebgl();
  return gl.available && !gl.software ? "webgl" : "wasm";
}

/** Threads for the wasm backend: every core, up to 4 (TF.js' own upper limit). */
function wasmThreads() {
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

/**
 * tf.setBackend("wasm"), with wasmThreads() threads where the page is cross-origin
 * isolated (threaded wasm). TF.js 4.22 sizes its pool from half of
 * navigator.hardwareConcurrency, assuming two hyper-threads per core, so a 2-core
 * laptop trains on one thread; its C code reads the count once, as the wasm module
 * starts, and caps any requested count by it. So the count it reads is doubled only
 * while the backend starts, then the real one is back (a test checks both). Two
 * threads make an MNIST epoch 12-25% faster on 2 cores (bench_mnist.py: 790 -> 600 ms).
 */
async function startWasm() {
  if (!threadsAllowed) {
    // TF.js then loads its single-threaded build: no SharedArrayBuffer, no pthread workers
    forbidWasmThreads(tf);
    return tf.setBackend("wasm");
  }
  tf.wasm.setThreadsCount(wasmThreads());
  const real = navigator.hardwareConcurrency;
  if (backendMade(tf, "wasm") || !real) return tf.setBackend("wasm");
  Object.defineProperty(navigator, "hardwareConcurrency", { value: 2 * real, configurable: true });
  try {
    return await tf.setBackend("wasm");
  } finally {
    delete navigator.hardwareConcurrency; // the prototype's true value shows again
  }
}

let simdWanted = true;
// Threaded wasm needs SharedArrayBuffer here and on the page (js/shared/capabilities.js), and the
// page turns it off where it once stopped this worker from starting (js/page/startup.js).
let threadsAllowed = true;

/** TF.js' webgpu backend (325 kB) is loaded only when it is asked for: most starts are
 *  on wasm or webgl, and start-up is quicker without it. */
async function loadWebgpu() {
  if (!tf.findBackendFactory("webgpu")) await import(siteUrl("vendor/tfjs-backend-webgpu/tf-backend-webgpu.es2017.min.js"));
}

export async function setBackend(name) {
  if (!BACKENDS.includes(name)) throw new Error(t("unknown backend \"{name}\" (use {names})", { name, names: BACKENDS.join(", ") }));
  if (name === "webgpu") await loadWebgpu();
  const ok = await (name === "wasm" ? startWasm() : tf.setBackend(name));
  if (!ok) throw new Error(t("the {name} backend does not work in this browser", { name }));
  await tf.ready();
  if (name === "wasm") await startSimdKernels();
  return tf.getBackend();
}

/**
 * pytfjs' WebAssembly SIMD training kernels (js/worker/wasm_kernels.js, kernels/*.wasm) on
 * the running wasm backend: the variant for its memory (threaded or not) is fetched and
 * instantiated on it. Optional speed: if that fails, training runs on the kernels
 * before them in the table, as without. `?simd=0` leaves them out (bench_mnist.py compares).
 */
async function startSimdKernels() {
  if (kernels.simd.loaded || !simdWanted) return;
  try {
    await kernels.load(tf, async (name) => {
      const response = await fetch(siteUrl(`kernels/${name}`));
      if (!response.ok) throw new Error(`kernels/${name}: HTTP ${response.status}`);
      return response.arrayBuffer();
    });
  } catch (err) {
    console.warn("pytfjs SIMD kernels not loaded, training uses the others:", err);
  }
}

let wasmConfigured = false;

/**
 * Start the wanted backend (or the default), falling back in order; returns {name, note,
 * threads} (threads: the wasm backend's thread count, else 0). `simd`: false leaves
 * pytfjs's SIMD kernels out; `threads`: false starts wasm on one thread.
 */
export async function initBackend(wanted, simd = true, threads = true) {
  simdWanted = simd;
  threadsAllowed = threads && sharedMemory();
  if (!wasmConfigured) {
    tf.wasm.setWasmPaths(siteUrl("vendor/tfjs-backend-wasm/"));
    kernels.register(tf); // every kernel of its table, SIMD ones waiting for load()
    fuseConvActivations(tf); // MobileNetV2's conv + bias + ReLU6: one kernel per layer
    wasmConfigured = true;
  }
  const first = BACKENDS.includes(wanted) ? wanted : await defaultBackend();
  const order = [first, ...FALLBACKS.filter((b) => b !== first)];
  const problems = [];
  for (const name of order) {
    try {
      const active = await setBackend(name);
      const note = problems.length ? t("{problems}; using {name}", { problems: problems.join("; "), name: active }) : "";
      return { name: active, note, threads: threadsOf(active) };
    } catch (err) {
      problems.push(t("{name} failed ({error})", { name, error: err.message || err }));
    }
  }
  throw new Error(problems.join("; "));
}

/** The wasm backend's thread count, else 0. */
export function threadsOf(backend) {
  if (backend !== "wasm") return 0;
  return threadsAllowed ? tf.wasm.getThreadsCount() : 1;
}
