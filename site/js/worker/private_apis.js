/*
 * private_apis.js: the one module that uses Pyodide's and TensorFlow.js's private or
 * experimental APIs: underscored names, and the internals of TF.js's engine and of
 * tfjs-backend-wasm that pytfjs's own kernels need. Every other module calls the functions
 * below; tests/unit/test_private_apis.py fails on such a name anywhere else in site/.
 *
 * Each use says what it is for and the version it was checked on. PRIVATE_APIS lists them,
 * each with a probe; missingPrivateApis() runs every probe against the running Pyodide and
 * TF.js (tests/browser/test_private_apis.py), so a version bump that removes or renames one
 * fails a test by name instead of breaking a start, a Stop or training later. CHECKED_ON is
 * compared with the pinned versions by the unit test: bumping a pin means checking this
 * list again (run the browser test) and then saying so here.
 */

/** The versions every use below was checked on (buildlib/fetch/inputs.py pins both). */
export const CHECKED_ON = { pyodide: "0.27.7", tfjs: "4.22.0" };

// ------------------------------------------------------------------ Pyodide 0.27.7

/** loadPyodide options for a start restored from a memory snapshot's bytes, or a promise
 *  of them: Pyodide awaits it only after it has started fetching its lock file and loading
 *  its own script (`_loadSnapshot`, experimental; Pyodide 0.27.7). */
export function restoreOptions(bytes) {
  return { _loadSnapshot: bytes };
}

/** loadPyodide options for a start that can make a memory snapshot afterwards
 *  (`_makeSnapshot`, experimental; Pyodide 0.27.7). */
export function snapshotOptions() {
  return { _makeSnapshot: true };
}

/** The memory snapshot of a Python started with snapshotOptions() (`makeMemorySnapshot`,
 *  experimental, only valid after `_makeSnapshot`; Pyodide 0.27.7). */
export function snapshotMemory(py) {
  return py.makeMemorySnapshot();
}

/** While making a snapshot Pyodide hands Python a recording proxy of the global scope as
 *  `js`; this sets the real one back (`_api.config.jsglobals`; Pyodide 0.27.7). */
export function restoreJsGlobals(py) {
  py._api.config.jsglobals = globalThis;
}

/** `handler(error)` runs when Pyodide hits a fatal error, after which it cannot go on
 *  (`_api.on_fatal`; Pyodide 0.27.7). */
export function onFatal(py, handler) {
  if (py._api) py._api.on_fatal = handler;
}

/** The size of Python's WebAssembly heap in bytes (`_module.HEAPU8`; Pyodide 0.27.7). */
export function pythonHeapBytes(py) {
  return py._module.HEAPU8.buffer.byteLength;
}

/**
 * Python 3.12's `zipimport.zipimporter.invalidate_caches()` reads its archive's whole
 * directory again, for every importer of that archive: the standard library's zip has 14
 * of them (one per package imported from it) and 728 entries. `importlib.invalidate_caches()`
 * calls each, and Pyodide's `loadPackage` calls that at its end, so every start paid
 * 80-120 ms for a zip that never changes (measured in Node and in the worker's timeline).
 * This keeps what 3.13 does: an archive is read again only when its size or modification
 * time changed, once, and its other importers take that reading from zipimport's own cache
 * (`zipimport._zip_directory_cache`, `zipimporter._files`: CPython 3.12 internals, as
 * Pyodide 0.27.7 ships them). Idempotent: run again after a restore, it only notes the
 * archives as they are now. The Node check (tests/unit/test_python_startup.py) runs it.
 */
export const ZIP_DIRECTORY_ONCE = `
def _pytfjs_zip_directory_once():
    import os, zipimport
    reread = getattr(zipimport.zipimporter.invalidate_caches, "pytfjs_reread", None)
    seen = getattr(zipimport.zipimporter.invalidate_caches, "pytfjs_seen", {})

    def stamp(path):
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    if reread is None:
        reread = zipimport.zipimporter.invalidate_caches

        def invalidate_caches(self):
            now = stamp(self.archive)
            files = zipimport._zip_directory_cache.get(self.archive)
            if now is not None and seen.get(self.archive) == now and files is not None:
                self._files = files
                return
            reread(self)
            seen[self.archive] = now

        invalidate_caches.pytfjs_reread = reread
        invalidate_caches.pytfjs_seen = seen
        zipimport.zipimporter.invalidate_caches = invalidate_caches
    # the archives read so far are as they are now (at start: the standard library's only)
    for path in list(zipimport._zip_directory_cache):
        seen[path] = stamp(path)


_pytfjs_zip_directory_once()
del _pytfjs_zip_directory_once
`;

/** Runs ZIP_DIRECTORY_ONCE in `py`, right after Python starts, fresh or restored
 *  (zipimport's internals; Pyodide 0.27.7's Python 3.12). Only a speed-up: a Python whose
 *  zipimport lacks them starts as before, with a warning in the console. */
export function readZipDirectoriesOnce(py) {
  try {
    py.runPython(ZIP_DIRECTORY_ONCE);
  } catch (err) {
    console.warn("zipimport's directories will be read on every loadPackage:", err);
  }
}

// ------------------------------------------------------------------ TF.js 4.22.0

/** Whether the backend `name` has been made already (`tf.engine().registry`; TF.js 4.22.0):
 *  tfjs-backend-wasm reads navigator.hardwareConcurrency only while it is first made. */
export function backendMade(tf, name) {
  return Boolean(tf.engine().registry[name]);
}

/** Make the wasm backend load its single-threaded build (the flag
 *  `WASM_HAS_MULTITHREAD_SUPPORT` tfjs-backend-wasm registers; TF.js 4.22.0). */
export function forbidWasmThreads(tf) {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
}

/** Run a kernel by name on the active backend, as TF.js's own ops do
 *  (`tf.engine().runKernel`; TF.js 4.22.0). */
export function runKernel(tf, name, inputs, attrs) {
  return tf.engine().runKernel(name, inputs, attrs);
}

/** The wasm backend's Emscripten module, or null (`backend.wasm`; TF.js 4.22.0): the SIMD
 *  kernels serve only the module they were instantiated on. */
export function wasmModule(backend) {
  return (backend && backend.wasm) || null;
}

/** The wasm backend's WebAssembly.Memory, or null: threaded, `wasm.wasmMemory` (shared);
 *  single-threaded, `wasm.asm.memory` (TF.js 4.22.0). */
export function backendMemory(backend) {
  const wasm = wasmModule(backend);
  if (!wasm) return null;
  return wasm.wasmMemory || (wasm.asm && wasm.asm.memory) || null;
}

/** Where a tensor's values start in the wasm backend's memory
 *  (`backend.dataIdMap.get(dataId).memoryOffset`; TF.js 4.22.0). Offsets stay valid when
 *  the heap grows; views of it do not. */
export function tensorOffset(backend, tensor) {
  return backend.dataIdMap.get(tensor.dataId).memoryOffset;
}

/** A typed-array view of a tensor's values on the wasm heap
 *  (`backend.typedArrayFromHeap`; TF.js 4.22.0). Made after any allocation: a growing heap
 *  detaches older views. */
export function heapView(backend, tensor) {
  return backend.typedArrayFromHeap(tensor);
}

/** A new tensor of the wasm backend, its values on the heap (`backend.makeOutput(shape,
 *  dtype, dataId, values)`; TF.js 4.22.0): uninitialised, or a copy of `values`. */
export function makeOutput(backend, shape, dtype, values) {
  return backend.makeOutput(shape, dtype, undefined, values);
}

/** A tfjs-layers layer class by its Keras class name, or null
 *  (`tf.serialization.SerializationMap.getMap().classNameMap[name][0]`; TF.js 4.22.0). */
function layerClass(tf, name) {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  return entry ? entry[0] : null;
}

/** The fused kernel call of a built Conv2D or DepthwiseConv2D layer when predicting, or
 *  null (the layer's own call then). tfjs-layers fuses only relu, linear and elu into a
 *  Conv2D's kernel and nothing into a DepthwiseConv2D's, so MobileNetV2's conv + bias +
 *  ReLU6 took three kernels; `tf.fused.conv2d` / `tf.fused.depthwiseConv2d` with bias and
 *  `relu6` are one (FusedConv2D / FusedDepthwiseConv2D on every backend). Reads the
 *  layer's fields (`kernel`, `depthwiseKernel`, `bias`, `strides`, `padding`,
 *  `dilationRate`, `dataFormat`, `activation`, `rank`; TF.js 4.22.0). Only for
 *  channels-last 2-D convolutions and the activations fused kernels compute exactly as
 *  the layer does; never when training, whose ops stay those of tfjs-layers. */
function fusedCall(layer, kind, kwargs) {
  if ((kwargs && kwargs.training) || layer.dataFormat !== "channelsLast" || layer.rank !== 2) return null;
  const activation = layer.activation.getClassName();
  if (kind === "Conv2D" && activation !== "relu6") return null; // tfjs-layers fuses the others
  if (kind === "DepthwiseConv2D" && (!["linear", "relu", "relu6"].includes(activation)
      || (activation === "linear" && !layer.bias))) return null;
  return (tf, x) => {
    const args = {
      x: x.dtype === "float32" ? x : tf.cast(x, "float32"), strides: layer.strides,
      pad: layer.padding, dataFormat: "NHWC", bias: layer.bias ? layer.bias.read() : undefined,
      activation,
    };
    if (kind === "Conv2D") {
      return tf.fused.conv2d({ ...args, filter: layer.kernel.read(), dilations: layer.dilationRate });
    } // the DepthwiseConv2D layer ignores its dilation rate: so does this
    return tf.fused.depthwiseConv2d({ ...args, filter: layer.depthwiseKernel.read(), dilations: [1, 1] });
  };
}

/** Predictions of Conv2D layers with a ReLU6 activation and of DepthwiseConv2D layers with
 *  a bias or an activation run one fused kernel per layer (fusedCall); patches `call` of
 *  both tfjs-layers classes (layerClass; TF.js 4.22.0). Values are those of the layers'
 *  own calls up to float rounding (tests/browser/test_fused_layers.py). Idempotent. */
export function fuseConvActivations(tf) {
  for (const kind of ["Conv2D", "DepthwiseConv2D"]) {
    const cls = layerClass(tf, kind);
    if (!cls || cls.prototype.pytfjsUnfusedCall) continue;
    const unfused = cls.prototype.call;
    cls.prototype.pytfjsUnfusedCall = unfused;
    cls.prototype.call = function call(inputs, kwargs) {
      const fused = fusedCall(this, kind, kwargs);
      if (!fused) return unfused.call(this, inputs, kwargs);
      return tf.tidy(() => fused(tf, Array.isArray(inputs) ? inputs[0] : inputs));
    };
  }
}

// ------------------------------------------------------------------ the check

/** The text of a vendored script, for uses a running object cannot show (an option
 *  loadPyodide reads, a hook Pyodide calls). */
async function source(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/**
 * Every private API above, with a probe that is true while the running Pyodide (`py`) or
 * TF.js (`tf`, its wasm backend started) still has it. `texts.loader` / `texts.asm`: the
 * text of vendor/pyodide/pyodide.js and pyodide.asm.js.
 */
export const PRIVATE_APIS = [
  { name: "_loadSnapshot", of: "pyodide", use: "restoreOptions",
    present: ({ texts }) => texts.loader.includes("_loadSnapshot") },
  { name: "_makeSnapshot", of: "pyodide", use: "snapshotOptions",
    present: ({ texts }) => texts.loader.includes("_makeSnapshot") || texts.asm.includes("_makeSnapshot") },
  { name: "makeMemorySnapshot", of: "pyodide", use: "snapshotMemory",
    present: ({ py }) => typeof py.makeMemorySnapshot === "function" },
  { name: "_api.config.jsglobals", of: "pyodide", use: "restoreJsGlobals",
    present: ({ py }) => Boolean(py._api && py._api.config) && "jsglobals" in py._api.config },
  { name: "_api.on_fatal", of: "pyodide", use: "onFatal",
    present: ({ py, texts }) => Boolean(py._api) && texts.asm.includes("on_fatal") },
  { name: "zipimport._zip_directory_cache, zipimporter._files", of: "pyodide", use: "readZipDirectoriesOnce",
    present: ({ py }) => py.runPython(`import zipimport
isinstance(getattr(zipimport, "_zip_directory_cache", None), dict) and all(
    isinstance(getattr(i, "_files", None), dict) for i in __import__("sys").path_importer_cache.values()
    if isinstance(i, zipimport.zipimporter))`) === true },
  { name: "_module.HEAPU8", of: "pyodide", use: "pythonHeapBytes",
    present: ({ py }) => Boolean(py._module && py._module.HEAPU8 && py._module.HEAPU8.buffer) },
  { name: "engine().registry", of: "tfjs", use: "backendMade",
    present: ({ tf }) => typeof tf.engine().registry === "object" && Boolean(tf.engine().registry.wasm) },
  { name: "WASM_HAS_MULTITHREAD_SUPPORT", of: "tfjs", use: "forbidWasmThreads",
    present: ({ tf }) => "WASM_HAS_MULTITHREAD_SUPPORT" in tf.env().flagRegistry },
  { name: "engine().runKernel", of: "tfjs", use: "runKernel",
    present: ({ tf }) => typeof tf.engine().runKernel === "function" },
  { name: "backend.wasm", of: "tfjs", use: "wasmModule",
    present: ({ wasm }) => Boolean(wasmModule(wasm)) },
  { name: "wasm.wasmMemory / wasm.asm.memory", of: "tfjs", use: "backendMemory",
    present: ({ wasm }) => backendMemory(wasm) instanceof WebAssembly.Memory },
  { name: "dataIdMap", of: "tfjs", use: "tensorOffset",
    present: ({ tf, wasm }) => {
      const t = tf.tensor1d([1, 2, 3]);
      try {
        return Number.isInteger(tensorOffset(wasm, t));
      } finally {
        t.dispose();
      }
    } },
  { name: "typedArrayFromHeap", of: "tfjs", use: "heapView",
    present: ({ wasm }) => typeof wasm.typedArrayFromHeap === "function" },
  { name: "makeOutput", of: "tfjs", use: "makeOutput",
    present: ({ wasm }) => typeof wasm.makeOutput === "function" },
  { name: "tfjs-layers Conv2D / DepthwiseConv2D call and fields", of: "tfjs", use: "fuseConvActivations",
    present: ({ tf }) => {
      const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu6", inputShape: [5, 5, 1] });
      const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, activation: "relu6", inputShape: [5, 5, 1] });
      const x = tf.zeros([1, 5, 5, 1]);
      try {
        conv.apply(x).dispose();
        depthwise.apply(x).dispose();
        return [conv, depthwise].every((l) => layerClass(tf, l.getClassName()) === l.constructor
          && typeof l.constructor.prototype.call === "function" && l.bias && l.rank === 2
          && l.dataFormat === "channelsLast" && l.activation.getClassName() === "relu6"
          && Array.isArray(l.strides) && typeof l.padding === "string")
          && Array.isArray(conv.dilationRate) && Boolean(conv.kernel && depthwise.depthwiseKernel);
      } finally {
        x.dispose();
        conv.dispose();
        depthwise.dispose();
      }
    } },
];

/**
 * The names of PRIVATE_APIS that the running Pyodide or TF.js lacks (an empty list: every
 * one is there). `siteUrl` resolves the vendored Pyodide's scripts; the wasm backend must
 * be active (the uses of TF.js's are on it), and it stays the active one.
 */
export async function missingPrivateApis(tf, py, siteUrl) {
  if (tf.getBackend() !== "wasm") throw new Error("start the wasm backend first");
  const texts = {
    loader: await source(siteUrl("vendor/pyodide/pyodide.js")),
    asm: await source(siteUrl("vendor/pyodide/pyodide.asm.js")),
  };
  const context = { tf, py, texts, wasm: tf.findBackend("wasm") };
  const missing = [];
  for (const api of PRIVATE_APIS) {
    let ok;
    try {
      ok = Boolean(api.present(context));
    } catch {
      ok = false; // a probe that throws: what it reads is gone
    }
    if (!ok) missing.push(`${api.name} (${api.of} ${CHECKED_ON[api.of]}, ${api.use})`);
  }
  return missing;
}
