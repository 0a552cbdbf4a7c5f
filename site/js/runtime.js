/*
 * runtime.js: start TensorFlow.js and Pyodide from files under this site only.
 * Shared by every page that runs Python; it knows nothing about the lab UI.
 */
(function () {
  "use strict";

  // tf.min.js bundles an old regenerator-runtime that, finding itself in strict mode,
  // installs itself with Function("r", "regeneratorRuntime = r"): a string eval the
  // Content-Security-Policy refuses (and TF.js then fails to start). With the global
  // already declared its plain assignment works and the eval is never reached.
  if (!("regeneratorRuntime" in globalThis)) globalThis.regeneratorRuntime = undefined;

  // The selector's order. When a backend fails to start, the next of FALLBACKS is tried:
  // never WebGPU unless it was asked for (a software WebGPU adapter is slow).
  const BACKENDS = ["webgpu", "webgl", "wasm", "cpu"];
  const FALLBACKS = ["wasm", "webgl", "cpu"];

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

  /**
   * What WebGPU adapter this browser offers (the one TF.js' webgpu backend would ask for:
   * high-performance). A fallback adapter (Chromium's SwiftShader, offered with
   * --enable-unsafe-webgpu) runs shaders on the CPU: slower than wasm, so it is never the
   * default. Chromium 156 reports it as adapter.info.isFallbackAdapter; older ones as
   * adapter.isFallbackAdapter.
   */
  async function webgpuInfo() {
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

  /**
   * The fastest backend that works here: WebGPU on a hardware adapter, else WebGL on a
   * hardware GPU, else WebAssembly (never a software GPU by default).
   */
  async function defaultBackend() {
    const gpu = await webgpuInfo();
    if (gpu.available && !gpu.fallback && tf.findBackendFactory("webgpu")) return "webgpu";
    const gl = webglInfo();
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
    tf.wasm.setThreadsCount(wasmThreads());
    const real = navigator.hardwareConcurrency;
    if (tf.engine().registry.wasm || !real) return tf.setBackend("wasm");
    Object.defineProperty(navigator, "hardwareConcurrency", { value: 2 * real, configurable: true });
    try {
      return await tf.setBackend("wasm");
    } finally {
      delete navigator.hardwareConcurrency; // the prototype's true value shows again
    }
  }

  async function setBackend(name) {
    if (!BACKENDS.includes(name)) throw new Error(`unknown backend "${name}" (use ${BACKENDS.join(", ")})`);
    const ok = await (name === "wasm" ? startWasm() : tf.setBackend(name));
    if (!ok) throw new Error(`the ${name} backend does not work in this browser`);
    await tf.ready();
    if (name === "wasm") await startSimdKernels();
    return tf.getBackend();
  }

  /**
   * pytfjs' WebAssembly SIMD training kernels (js/wasm_simd_kernels.js, kernels/*.wasm) on
   * the running wasm backend: the variant for its memory (threaded or not) is fetched and
   * instantiated on it. Optional speed: if that fails, training runs on the kernels
   * registered before them, as without. `?simd=0` leaves them out (bench_mnist.py compares).
   */
  async function startSimdKernels() {
    const simd = globalThis.pytfjsWasmSimd;
    if (!simd || simd.loaded) return;
    simd.register(tf);
    if (new URLSearchParams(location.search).get("simd") === "0") return;
    try {
      await simd.load(tf, async (name) => {
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
   * threads} (threads: the wasm backend's thread count, else 0).
   */
  async function initBackend(wanted) {
    if (!wasmConfigured) {
      tf.wasm.setWasmPaths(siteUrl("vendor/tfjs-backend-wasm/"));
      globalThis.pytfjsWasmKernels.register(tf);
      wasmConfigured = true;
    }
    const first = BACKENDS.includes(wanted) ? wanted : await defaultBackend();
    const order = [first, ...FALLBACKS.filter((b) => b !== first)];
    const problems = [];
    for (const name of order) {
      try {
        const active = await setBackend(name);
        const note = problems.length ? `${problems.join("; ")}; using ${active}` : "";
        const threads = active === "wasm" ? tf.wasm.getThreadsCount() : 0;
        return { name: active, note, threads };
      } catch (err) {
        problems.push(`${name} failed (${err.message || err})`);
      }
    }
    throw new Error(problems.join("; "));
  }

  /**
   * Boot Pyodide from vendor/pyodide/ (start it early: it runs while other work goes on).
   * Marks "python-ready" on the performance timeline (for bench/).
   */
  async function startPython({ stdout, stderr }) {
    const pyodide = await loadPyodide({
      indexURL: siteUrl("vendor/pyodide/"),
      fullStdLib: false,
      stdout,
      stderr,
    });
    performance.mark("python-ready");
    return pyodide;
  }

  /** Load pytfjs (and numpy) plus the lab's packages; marks "numpy-ready". */
  async function loadPackages(pyodide, packages, stderr) {
    const wanted = ["pytfjs", ...packages.filter((p) => p !== "pytfjs")];
    await pyodide.loadPackage(wanted, { messageCallback: () => {}, errorCallback: stderr });
    pyodide.pyimport("pytfjs");
    performance.mark("numpy-ready");
  }

  /**
   * Grayscale pixels of a sprite PNG (one image per row), decoded by the browser's own
   * image decoder and read back in chunks of rows, so no canvas gets large. Returns a
   * Uint8Array of width * rows values (the red channel; gray PNGs have R = G = B).
   */
  async function decodeSprite(url, width, rows, chunkRows = 2000) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    const bitmap = await createImageBitmap(await response.blob(),
      { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    try {
      if (bitmap.width !== width || bitmap.height !== rows) {
        throw new Error(`${url} is ${bitmap.width}x${bitmap.height}, expected ${width}x${rows}`);
      }
      const step = Math.min(chunkRows, rows);
      const canvas = new OffscreenCanvas(width, step);
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      const out = new Uint8Array(width * rows);
      for (let y = 0; y < rows; y += step) {
        const h = Math.min(step, rows - y);
        ctx.clearRect(0, 0, width, step);
        ctx.drawImage(bitmap, 0, y, width, h, 0, 0, width, h);
        const rgba = ctx.getImageData(0, 0, width, h).data;
        for (let i = 0, j = y * width; i < width * h; i += 1, j += 1) out[j] = rgba[i * 4];
        await new Promise((resolve) => setTimeout(resolve, 0)); // let the page breathe
      }
      return out;
    } finally {
      bitmap.close();
    }
  }

  /**
   * RGBA pixels of a decoded bitmap (or a video frame), at most maxSide pixels on a side:
   * bigger ones are scaled down by the browser (createImageBitmap resize), so a huge
   * photo never becomes a huge canvas. Returns {width, height, originalWidth,
   * originalHeight, pixels: Uint8Array of width * height * 4}.
   */
  async function bitmapPixels(source, width, height, maxSide = 2048) {
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const bitmap = scale < 1
      ? await createImageBitmap(source, { resizeWidth: w, resizeHeight: h, resizeQuality: "high" })
      : source;
    try {
      const ctx = new OffscreenCanvas(w, h).getContext("2d", { willReadFrequently: true });
      ctx.drawImage(bitmap, 0, 0);
      const pixels = new Uint8Array(ctx.getImageData(0, 0, w, h).data.buffer);
      return { width: w, height: h, originalWidth: width, originalHeight: height, pixels };
    } finally {
      if (bitmap !== source) bitmap.close();
    }
  }

  /** Decode encoded image bytes (PNG, JPEG, GIF, WebP, BMP) with the browser's decoder,
   *  no colour-profile conversion (pixels as stored); see bitmapPixels for the result. */
  async function decodeImage(bytes, maxSide = 2048) {
    const bitmap = await createImageBitmap(new Blob([bytes]),
      { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    try {
      return await bitmapPixels(bitmap, bitmap.width, bitmap.height, maxSide);
    } finally {
      bitmap.close();
    }
  }

  let visLoading = null;

  /** tfjs-vis (1.2 MB) is loaded on first use, so pages start faster. */
  function loadVis() {
    if (globalThis.tfvis) return Promise.resolve(globalThis.tfvis);
    if (!visLoading) {
      visLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = siteUrl("vendor/tfjs-vis/tfjs-vis.umd.min.js");
        script.onload = () => resolve(globalThis.tfvis);
        script.onerror = () => reject(new Error("could not load vendor/tfjs-vis"));
        document.head.appendChild(script);
      });
    }
    return visLoading;
  }

  // Python output produced before the page is ready to show it is kept until it is.
  const output = { pending: [], sink: null };
  function emit(kind, line) {
    if (output.sink) output.sink(kind, line);
    else output.pending.push([kind, line]);
  }
  function setOutput(sink) {
    output.sink = sink;
    for (const [kind, line] of output.pending.splice(0)) sink(kind, line);
  }

  globalThis.pytfjsRuntime = {
    BACKENDS, siteUrl, webglInfo, webgpuInfo, defaultBackend, setBackend, initBackend, startPython, loadPackages,
    loadVis, setOutput, decodeSprite, decodeImage, bitmapPixels,
  };

  // Pages that run Python say so (<html data-boot-python>): Pyodide starts booting now,
  // while the browser is still parsing TF.js and the editor.
  if (document.documentElement.hasAttribute("data-boot-python")) {
    globalThis.pytfjsPython = startPython({
      stdout: (line) => emit("out", line),
      stderr: (line) => emit("err", line),
    });
    globalThis.pytfjsPython.catch(() => {});
  }
})();
