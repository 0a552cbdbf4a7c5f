/*
 * runtime.js: start TensorFlow.js and Pyodide from files under this site only.
 * Shared by every page that runs Python; it knows nothing about the lab UI.
 */
(function () {
  "use strict";

  const BACKENDS = ["webgl", "wasm", "cpu"];

  /** Absolute URL of a site path; relative to the page, so dist/ works under any sub-path. */
  function siteUrl(path) {
    return new URL(path, document.baseURI).href;
  }

  /** What WebGL this browser has: software renderers (SwiftShader, llvmpipe) are slow. */
  function webglInfo() {
    try {
      const canvas = document.createElement("canvas");
      const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
      if (!gl) return { available: false, software: true, renderer: "none" };
      const ext = gl.getExtension("WEBGL_debug_renderer_info");
      const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      const software = /swiftshader|llvmpipe|software|basic render/i.test(renderer);
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
      return { available: true, software, renderer };
    } catch (err) {
      return { available: false, software: true, renderer: String(err) };
    }
  }

  /** The fastest backend that works here: real GPU WebGL, else WebAssembly, else CPU. */
  function defaultBackend() {
    const gl = webglInfo();
    return gl.available && !gl.software ? "webgl" : "wasm";
  }

  async function setBackend(name) {
    if (!BACKENDS.includes(name)) throw new Error(`unknown backend "${name}" (use ${BACKENDS.join(", ")})`);
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`the ${name} backend does not work in this browser`);
    await tf.ready();
    return tf.getBackend();
  }

  let wasmConfigured = false;

  /** Start the wanted backend (or the default), falling back in order; returns {name, note}. */
  async function initBackend(wanted) {
    if (!wasmConfigured) {
      tf.wasm.setWasmPaths(siteUrl("vendor/tfjs-backend-wasm/"));
      globalThis.pytfjsWasmKernels.register(tf);
      wasmConfigured = true;
    }
    const first = BACKENDS.includes(wanted) ? wanted : defaultBackend();
    const order = [first, ...BACKENDS.filter((b) => b !== first)];
    const problems = [];
    for (const name of order) {
      try {
        const active = await setBackend(name);
        const note = problems.length ? `${problems.join("; ")}; using ${active}` : "";
        return { name: active, note };
      } catch (err) {
        problems.push(`${name} failed (${err.message || err})`);
      }
    }
    throw new Error(problems.join("; "));
  }

  /**
   * Load Pyodide, then pytfjs and the packages a lab needs, from vendor/pyodide/.
   * Marks "python-ready" and "numpy-ready" on the performance timeline (for bench/).
   */
  async function loadPython({ packages = [], stdout, stderr, onStage = () => {} }) {
    onStage("Loading Python (Pyodide)…", 0.35);
    const pyodide = await loadPyodide({
      indexURL: siteUrl("vendor/pyodide/"),
      fullStdLib: false,
      stdout,
      stderr,
    });
    performance.mark("python-ready");
    const wanted = ["pytfjs", ...packages.filter((p) => p !== "pytfjs")];
    onStage(`Loading ${wanted.join(", ")}…`, 0.7);
    await pyodide.loadPackage(wanted, { messageCallback: () => {}, errorCallback: stderr });
    pyodide.pyimport("pytfjs");
    performance.mark("numpy-ready");
    return pyodide;
  }

  globalThis.pytfjsRuntime = { BACKENDS, siteUrl, webglInfo, defaultBackend, setBackend, initBackend, loadPython };
})();
