/**
 * @file pytfjs' own WebAssembly SIMD training kernels for the TF.js 'wasm' backend (4.22).
 *
 * Why: on wasm the course CNN trained 3-4x slower than Keras on the same CPU, mostly in
 * gradient kernels tfjs-backend-wasm lacks or runs as plain loops. kernels/kernels.c has
 * SIMD versions; build.py compiles it (pinned zig toolchain) into
 * kernels/pytfjs_kernels.wasm (single-threaded backend) and
 * kernels/pytfjs_kernels_threaded.wasm (threaded backend: shared memory). The module is
 * instantiated on the backend's own memory, so a kernel reads its inputs and writes its
 * output where the tensors live: no copies. Offsets of tensors stay valid when the heap
 * grows; the module keeps no views and never grows memory itself.
 *
 * Use (after tf-backend-wasm.min.js and wasm_kernels.js):
 *   pytfjsWasmSimd.register(tf);            // once, before or after the backend starts
 *   await tf.setBackend('wasm');
 *   await pytfjsWasmSimd.load(tf, (name) => fetch('kernels/' + name)
 *                                          .then((r) => r.arrayBuffer()));
 * Until load() succeeds (or when `enabled` is false, or for any shape, dtype or data format
 * a kernel does not cover) every kernel calls the one registered before it (TF.js's own or
 * wasm_kernels.js'), so a page without the .wasm files trains exactly as before.
 *
 * Kernels: MaxPool, MaxPoolGrad, Conv2DBackpropFilter, Conv2DBackpropInput, Add (a bias
 * broadcast over the last axis), Sum (over every axis but the last: a bias gradient), and
 * the ReLU gradient in one pass (PytfjsReluGrad, used by an override of Relu's gradient
 * that keeps TF.js's formula everywhere else). Identity stays TF.js's copy: a copy-free
 * Identity would alias its input's memory, which is safe only if no kernel ever writes into
 * an input, and that has not been proven for every kernel of tfjs-backend-wasm 4.22.
 */
(function () {
  'use strict';

  const BACKEND = 'wasm';
  const RELU_GRAD = 'PytfjsReluGrad';
  const FILES = {single: 'pytfjs_kernels.wasm', threaded: 'pytfjs_kernels_threaded.wasm'};
  const state = {exports: null, module: null, variant: '', enabled: true, calls: {}};

  /** The backend's Emscripten module memory (single-threaded: asm.memory; threaded:
   * wasmMemory, a shared WebAssembly.Memory). */
  function backendMemory(backend) {
    const wasm = backend && backend.wasm;
    if (!wasm) return null;
    return wasm.wasmMemory || (wasm.asm && wasm.asm.memory) || null;
  }

  /** Which .wasm file fits this backend: shared memory needs the threaded variant. */
  function variantFor(memory) {
    const shared = typeof SharedArrayBuffer !== 'undefined' &&
        memory.buffer instanceof SharedArrayBuffer;
    return shared ? FILES.threaded : FILES.single;
  }

  /**
   * Instantiates the kernels on the running wasm backend's memory.
   * @param {object} tf TensorFlow.js, with the 'wasm' backend initialised.
   * @param {function(string): Promise<ArrayBuffer|Uint8Array>} readFile the bytes of a
   *     kernels file by name (fetch in a page, fs in Node).
   * @return {Promise<string>} the file name loaded.
   */
  async function load(tf, readFile) {
    const backend = tf.findBackend(BACKEND);
    const memory = backendMemory(backend);
    if (!memory) throw new Error('the wasm backend is not initialised (call setBackend first)');
    const name = variantFor(memory);
    const bytes = await readFile(name);
    const result = await WebAssembly.instantiate(bytes, {env: {memory: memory}});
    state.exports = result.instance.exports;
    state.module = backend.wasm;
    state.variant = name;
    return name;
  }

  /** The loaded exports if they may serve this call's backend, else null. */
  function ready(backend) {
    return state.enabled && state.exports && backend && backend.wasm === state.module ?
        state.exports : null;
  }

  function offset(backend, t) { return backend.dataIdMap.get(t.dataId).memoryOffset; }
  function f32(t) { return t.dtype === 'float32'; }
  function sameShape(a, b) { return a.join() === b.join(); }
  /** Elements of a tensor (kernels may get plain TensorInfo objects, which have no size). */
  function size(t) { return t.shape.reduce(function (n, d) { return n * d; }, 1); }

  /** NHWC, dilation 1, float32 rank-4 tensors, non-empty: what conv and pool cover. */
  function plainNHWC(info, tensors) {
    return info.dataFormat === 'channelsLast' && info.dilationHeight === 1 &&
        info.dilationWidth === 1 && info.outHeight > 0 && info.outWidth > 0 &&
        info.batchSize > 0 && info.inChannels > 0 && info.outChannels > 0 &&
        info.inHeight > 0 && info.inWidth > 0 &&
        tensors.every(function (t) { return f32(t) && t.shape.length === 4; });
  }

  function poolDims(info) {
    return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight,
            info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight,
            info.strideWidth, info.padInfo.top, info.padInfo.left];
  }

  function convDims(info) {
    return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight,
            info.outWidth, info.outChannels, info.filterHeight, info.filterWidth,
            info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
  }

  function convInfo(tf, xShape, filterShape, a) {
    return tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, 1, a.pad,
        a.dimRoundingMode, false, 'channelsLast');
  }

  /** True if `b` is a bias for `a`: its only non-1 axis is the last and matches a's. */
  function isBiasOf(a, b) {
    const r = a.shape.length, c = a.shape[r - 1];
    return r > 0 && c > 0 && size(a) > 0 && b.shape.length <= r && size(b) === c &&
        b.shape[b.shape.length - 1] === c;
  }

  /**
   * What each kernel would do with these inputs ({shape, dtype, size} each) and attrs: null
   * when it does not cover them (the previous kernel runs), else the export to call, the
   * output shape, an optional scratch tensor [shape, dtype], and the call's arguments from
   * the memory offsets {<input name>..., out, scratch}. The kernel functions and the Node
   * guard-byte check (which lays tensors out in a memory of its own) share these plans.
   */
  const PLANS = {
    MaxPool: function (tf, inputs, a) {
      const x = inputs.x;
      if (x.shape.length !== 4) return null;
      const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1,
          a.pad, a.dimRoundingMode);
      if (!plainNHWC(info, [x])) return null;
      return {fn: 'max_pool', outShape: info.outShape,
              args: function (o) { return [o.x, o.out].concat(poolDims(info)); }};
    },
    MaxPoolGrad: function (tf, inputs, a) {
      const x = inputs.input, dy = inputs.dy;
      if (x.shape.length !== 4) return null;
      const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1,
          a.pad, a.dimRoundingMode);
      if (!plainNHWC(info, [x, dy]) || !sameShape(dy.shape, info.outShape)) return null;
      if (info.strideHeight >= info.filterHeight && info.strideWidth >= info.filterWidth) {
        return {fn: 'max_pool_grad_disjoint', outShape: x.shape, args: function (o) {
          return [o.input, o.dy, o.out].concat(poolDims(info));
        }};
      }
      return {fn: 'max_pool_grad', outShape: x.shape, scratch: [dy.shape, 'int32'],
              args: function (o) {
                return [o.input, o.dy, o.out, o.scratch].concat(poolDims(info));
              }};
    },
    Conv2DBackpropFilter: function (tf, inputs, a) {
      const x = inputs.x, dy = inputs.dy;
      if (a.dataFormat === 'NCHW' || x.shape.length !== 4) return null;
      const info = convInfo(tf, x.shape, a.filterShape, a);
      if (!plainNHWC(info, [x, dy]) || !sameShape(dy.shape, info.outShape)) return null;
      return {fn: 'conv2d_backprop_filter', outShape: a.filterShape, args: function (o) {
        return [o.x, o.dy, o.out].concat(convDims(info));
      }};
    },
    Conv2DBackpropInput: function (tf, inputs, a) {
      const dy = inputs.dy, w = inputs.filter;
      if (a.dataFormat === 'NCHW' || a.inputShape.length !== 4 || w.shape.length !== 4) {
        return null;
      }
      const info = convInfo(tf, a.inputShape, w.shape, a);
      if (!plainNHWC(info, [dy, w]) || !sameShape(dy.shape, info.outShape)) return null;
      return {fn: 'conv2d_backprop_input', outShape: a.inputShape,
              scratch: [w.shape, 'float32'], // the filter as [kh, kw, co, ci]
              args: function (o) {
                return [o.dy, o.filter, o.out, o.scratch].concat(convDims(info));
              }};
    },
    /** One operand a bias over the other's last axis (x + b == b + x exactly). */
    Add: function (tf, inputs) {
      let names = ['a', 'b'];
      if (!f32(inputs.a) || !f32(inputs.b)) return null;
      if (!isBiasOf(inputs.a, inputs.b)) {
        if (!isBiasOf(inputs.b, inputs.a)) return null;
        names = ['b', 'a'];
      }
      const a = inputs[names[0]];
      const c = a.shape[a.shape.length - 1];
      return {fn: 'bias_add', outShape: a.shape, args: function (o) {
        return [o[names[0]], o[names[1]], o.out, size(a) / c, c];
      }};
    },
    /** Over every axis but the last (the bias gradient). */
    Sum: function (tf, inputs, a) {
      const x = inputs.x, r = x.shape.length;
      if (!f32(x) || r < 2 || size(x) === 0) return null;
      const axes = tf.util.parseAxisParam(a.axis, x.shape).slice().sort();
      if (axes.length !== r - 1) return null;
      for (let i = 0; i < r - 1; i++) if (axes[i] !== i) return null;
      const c = x.shape[r - 1];
      const shape = a.keepDims ? x.shape.map(function (d, j) { return j === r - 1 ? d : 1; }) :
          [c];
      return {fn: 'sum_rows', outShape: shape, args: function (o) {
        return [o.x, o.out, size(x) / c, c];
      }};
    },
    /** dy * step(x) in one pass. */
    PytfjsReluGrad: function (tf, inputs) {
      const dy = inputs.dy, x = inputs.x;
      if (!f32(dy) || !f32(x) || !sameShape(dy.shape, x.shape) || size(x) === 0) return null;
      return {fn: 'relu_grad', outShape: x.shape, args: function (o) {
        return [o.dy, o.x, o.out, size(x)];
      }};
    },
  };

  /** Runs `plan` on the backend: output and scratch from the backend, offsets, one call. */
  function run(backend, k, name, plan, inputs) {
    const out = backend.makeOutput(plan.outShape, 'float32');
    const scratch = plan.scratch ? backend.makeOutput(plan.scratch[0], plan.scratch[1]) : null;
    try {
      // offsets after every allocation: they stay valid, but read them once all are made
      const o = {out: offset(backend, out)};
      Object.keys(inputs).forEach(function (key) { o[key] = offset(backend, inputs[key]); });
      if (scratch) o.scratch = offset(backend, scratch);
      k[plan.fn].apply(null, plan.args(o));
    } finally {
      if (scratch) backend.disposeData(scratch.dataId);
    }
    state.calls[name] = (state.calls[name] || 0) + 1;
    return out;
  }

  /** The kernelFunc for `name`: the plan when it applies and the module is loaded. */
  function makeKernel(tf, name, prev) {
    return function (args) {
      const k = ready(args.backend);
      const plan = k && PLANS[name](tf, args.inputs, args.attrs || {});
      return plan ? run(args.backend, k, name, plan, args.inputs) : prev(args);
    };
  }

  /** TF.js's three kernels, for when the module is not loaded or does not apply. */
  function reluGradFallback(tf) {
    return function (args) {
      const dy = args.inputs.dy, x = args.inputs.x;
      return tf.tidy(function () { return tf.mul(dy, tf.cast(tf.step(x), 'float32')); });
    };
  }

  /**
   * Relu's gradient: our one-pass kernel on a wasm backend that has the module, TF.js's own
   * gradient everywhere else (decided when the gradient runs, so any backend works).
   */
  function overrideReluGradient(tf) {
    const original = tf.getGradient('Relu');
    if (!original || original.pytfjs) return;
    const gradFunc = function (dy, saved, attrs) {
      const x = saved[0];
      const engine = tf.engine();
      if (engine.backendName !== BACKEND || !ready(engine.backend) || !f32(dy) || !f32(x)) {
        return original.gradFunc(dy, saved, attrs);
      }
      return {x: function () { return engine.runKernel(RELU_GRAD, {dy: dy, x: x}); }};
    };
    gradFunc.pytfjs = true;
    tf.registerGradient({kernelName: 'Relu', inputsToSave: ['x'], gradFunc: gradFunc,
                         pytfjs: true});
    // second-order gradients through our kernel: d/d(dy) is the same mask, d/dx is zero
    tf.registerGradient({kernelName: RELU_GRAD, inputsToSave: ['x'],
                         gradFunc: function (g, s) {
                           return {dy: function () {
                             return tf.engine().runKernel(RELU_GRAD, {dy: g, x: s[0]});
                           }, x: function () { return tf.zerosLike(s[0]); }};
                         }});
  }

  const NAMES = Object.keys(PLANS);

  /**
   * Wraps the kernels registered for 'wasm' now (call after wasm_kernels.js' register())
   * and overrides Relu's gradient. Idempotent.
   * @return {string[]} the kernel names wrapped or added by this call.
   */
  function register(tf) {
    const done = [];
    NAMES.forEach(function (name) {
      const prev = tf.getKernel(name, BACKEND);
      if (prev && prev.kernelFunc.pytfjsSimd) return;
      if (prev) tf.unregisterKernel(name, BACKEND);
      const kernelFunc = makeKernel(tf, name, prev ? prev.kernelFunc : reluGradFallback(tf));
      kernelFunc.pytfjsSimd = true;
      tf.registerKernel({kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc,
                         setupFunc: prev && prev.setupFunc,
                         disposeFunc: prev && prev.disposeFunc});
      done.push(name);
    });
    overrideReluGradient(tf);
    return done;
  }

  globalThis.pytfjsWasmSimd = {
    register: register, load: load, names: NAMES.slice(), files: FILES, plans: PLANS,
    /** Whether the loaded kernels run (false: every call goes to the previous kernel). */
    get enabled() { return state.enabled; },
    set enabled(on) { state.enabled = !!on; },
    /** True once load() succeeded for the current wasm backend. */
    get loaded() { return !!state.exports; },
    /** The file loaded: which variant the backend's memory needed. */
    get variant() { return state.variant; },
    /** Calls per kernel that the SIMD code served (tests check the code really ran). */
    calls: state.calls,
  };
})();
