/**
 * @file Gradient kernels for training on the TF.js 'wasm' backend (4.22).
 *
 * Why this file exists:
 *  - Conv2DBackpropFilter (the weight gradient of a convolution) is not
 *    implemented by @tensorflow/tfjs-backend-wasm, so `model.fit` of any Conv2D
 *    model fails with "Kernel 'Conv2DBackpropFilter' not registered".
 *  - The native wasm MaxPoolGrad is wrong: it starts its max search at
 *    FLT_MIN (the smallest *positive* float) instead of -Infinity and keeps
 *    the *last* of equal maxima. Windows whose max is <= 0 lose their gradient
 *    and ties go to a different pixel than on cpu/webgl/TensorFlow. (ReLU ->
 *    MaxPool nets are practically unaffected: the misrouted gradients land
 *    on zeros that the ReLU gradient masks out anyway.) The JS loop below is
 *    exact and, in Node, a bit faster than the native kernel.
 * Everything else the course models need for training (dense, relu / sigmoid /
 * softmax, dropout, batchnorm, AvgPoolGrad, Conv2DBackpropInput, mse and
 * cross-entropy losses, sgd / adam / rmsprop) is native and matches cpu
 * (verified by tests/node/check_wasm_kernels.js).
 *
 * Plain browser script: load it with a <script> tag after tf.min.js and
 * tf-backend-wasm.min.js, then call `pytfjsWasmKernels.register(tf)` once,
 * before training. It defines `globalThis.pytfjsWasmKernels`.
 */
(function () {
  'use strict';

  const BACKEND = 'wasm';

  /**
   * Conv2DBackpropFilter: dW[kh,kw,ci,co] =
   *   sum_{b,i,j} xPadded[b, i*sh + kh, j*sw + kw, ci] * dy[b, i, j, co].
   *
   * Why a convolution: read with batch and channels swapped, that sum *is* a
   * stride-1 convolution of x^T = [ci, H, W, B] with the "filter"
   * dy^T = [outH, outW, B, co] at dilation (sh, sw), giving [ci, KH, KW, co].
   * So the work goes to the wasm backend's own XNNPACK Conv2D: ~10x faster
   * than an im2col + matMul built from strided slices, far faster than a JS
   * loop. Returning a Tensor from a kernelFunc is accepted by the engine;
   * tf.tidy disposes every intermediate, so the kernel leaks nothing.
   */
  function makeConv2DBackpropFilter(tf) {
    return function (args) {
      const attrs = args.attrs;
      const fs = attrs.filterShape; // [KH, KW, inChannels, outChannels]
      return tf.tidy(function () {
        let x = args.inputs.x, dy = args.inputs.dy;
        if (attrs.dataFormat === 'NCHW') { // wasm Conv2D only does NHWC
          x = tf.transpose(x, [0, 2, 3, 1]);
          dy = tf.transpose(dy, [0, 2, 3, 1]);
        }
        // Resolves 'same' / 'valid' / number / explicit pads and rounding
        // exactly as the forward op and the cpu kernel do.
        const info = tf.backend_util.computeConv2DInfo(x.shape, fs, attrs.strides,
            1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
        const B = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3];
        const sh = info.strideHeight, sw = info.strideWidth, p = info.padInfo;
        // Rows/cols the windows actually touch: a stride can leave trailing
        // input unused, and 'ceil' rounding can need extra zeros.
        const needH = (info.outHeight - 1) * sh + fs[0];
        const needW = (info.outWidth - 1) * sw + fs[1];
        const padB = Math.max(0, needH - H - p.top);
        const padR = Math.max(0, needW - W - p.left);
        if (p.top || padB || p.left || padR) {
          x = tf.pad(x, [[0, 0], [p.top, padB], [p.left, padR], [0, 0]]);
        }
        if (x.shape[1] !== needH || x.shape[2] !== needW) {
          x = tf.slice(x, [0, 0, 0, 0], [B, needH, needW, C]);
        }
        const dw = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]),
            tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid', 'NHWC', [sh, sw]);
        return tf.transpose(dw, [1, 2, 0, 3]);
      });
    };
  }

  /**
   * MaxPoolGrad with the cpu backend's semantics: each dy value goes to the
   * first (row-major) strict maximum of its window; padding never wins; a
   * window of only NaN / -Infinity gets no gradient. A direct loop is exact
   * and cheap (one pass over the windows); inputs are read as views of the
   * wasm heap, sums are kept in float64 like cpu, and the result is copied
   * into a new wasm tensor only after all reads (allocating can grow the heap
   * and detach the views).
   */
  /**
   * The course's pooling (2x2 windows, stride 2, inside the input): four reads per
   * window, no bounds arithmetic. Same rule as the general loop: the first strict
   * maximum in row-major order takes dy; a window of NaNs takes nothing.
   */
  function maxPool2x2Grad(xv, dyv, out, B, H, W, C, OH, OW) {
    const row = W * C;
    let o = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < OH; i++) {
        let base = (b * H + 2 * i) * row;
        for (let j = 0; j < OW; j++, base += 2 * C) {
          for (let d = 0; d < C; d++, o++) {
            const k0 = base + d, k1 = k0 + C, k2 = k0 + row, k3 = k2 + C;
            let at = -1, best = -Infinity;
            if (xv[k0] > best) { best = xv[k0]; at = k0; }
            if (xv[k1] > best) { best = xv[k1]; at = k1; }
            if (xv[k2] > best) { best = xv[k2]; at = k2; }
            if (xv[k3] > best) { at = k3; }
            if (at >= 0) out[at] = dyv[o];
          }
        }
      }
    }
  }

  function makeMaxPoolGrad(tf) {
    return function (args) {
      const backend = args.backend, attrs = args.attrs, x = args.inputs.input;
      const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize,
          attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
      const H = info.inHeight, W = info.inWidth, C = info.inChannels;
      const OH = info.outHeight, OW = info.outWidth;
      const fh = info.effectiveFilterHeight, fw = info.effectiveFilterWidth;
      // Windows that do not overlap (the usual 2x2 pool, stride 2) send at most one dy
      // value to each input: write straight into the output on the wasm heap, no
      // float64 accumulator and no copies (about 5x faster on the course CNN).
      const disjoint = info.strideHeight >= fh && info.strideWidth >= fw;
      const out = disjoint ? backend.makeOutput(x.shape, 'float32') : null;
      // heap views only after the allocation above: a growing heap detaches older views
      const xv = backend.typedArrayFromHeap(x);
      const dyv = backend.typedArrayFromHeap(args.inputs.dy);
      const acc = disjoint ? backend.typedArrayFromHeap(out) : new Float64Array(xv.length);
      if (disjoint) acc.fill(0);
      if (fh === 2 && fw === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
          info.padInfo.top === 0 && info.padInfo.left === 0 && 2 * OH <= H && 2 * OW <= W) {
        maxPool2x2Grad(xv, dyv, acc, info.batchSize, H, W, C, OH, OW);
        return out;
      }
      let o = 0; // flat NHWC index into dy
      for (let b = 0; b < info.batchSize; b++) {
        for (let i = 0; i < OH; i++) {
          const r0 = i * info.strideHeight - info.padInfo.top;
          const rMin = Math.max(0, r0), rMax = Math.min(H, r0 + fh);
          for (let j = 0; j < OW; j++) {
            const c0 = j * info.strideWidth - info.padInfo.left;
            const cMin = Math.max(0, c0), cMax = Math.min(W, c0 + fw);
            for (let d = 0; d < C; d++, o++) {
              let best = -Infinity, at = -1;
              for (let r = rMin; r < rMax; r++) {
                for (let c = cMin, k = ((b * H + r) * W + c) * C + d; c < cMax;
                     c++, k += C) {
                  if (xv[k] > best) { best = xv[k]; at = k; }
                }
              }
              if (at >= 0) acc[at] += dyv[o];
            }
          }
        }
      }
      if (disjoint) return out;
      return backend.makeOutput(x.shape, 'float32', undefined,
                                new Float32Array(acc));
    };
  }

  /** Small LCG (Numerical Recipes constants): check() must be deterministic. */
  function lcg(seed) {
    let s = seed >>> 0;
    return function () {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
  }

  /**
   * Random [values, shape] in [-1, 1). With `steps`, values are rounded to
   * multiples of 1/steps so that ties (and zeros) occur, as after ReLU or on
   * 8-bit images.
   */
  function randInput(rnd, shape, steps) {
    const n = shape.reduce(function (a, b) { return a * b; }, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      v[i] = 2 * rnd() - 1;
      if (steps) v[i] = Math.round(v[i] * steps) / steps;
    }
    return [v, shape];
  }

  function pick(rnd, a) { return a[Math.floor(rnd() * a.length)]; }
  function int(rnd, lo, hi) { return lo + Math.floor(rnd() * (hi - lo + 1)); }

  /**
   * Numeric pads: tfjs-core then sizes both output dims from the filter
   * height and stride height only, so they are only meaningful (and only
   * safe for the native wasm MaxPool, which otherwise writes out of bounds)
   * with a square filter and stride. Also picks a dimRoundingMode.
   */
  function squareNumericPad(rnd, attrs, filterKey) {
    attrs[filterKey][1] = attrs[filterKey][0];
    attrs.strides = pick(rnd, [1, 2]);
    attrs.dimRoundingMode = pick(rnd, ['floor', 'ceil', 'round']);
  }

  const PADS = ['same', 'valid', 'same', 'valid', 1, 2,
              [[0, 0], [1, 0], [0, 2], [0, 0]]];

  /**
   * Conv2DBackpropFilter cases: odd sizes, batch and channels > 1, non-square
   * kernels, strides 1/2/mixed, 'same' / 'valid' / numeric pads (with each
   * dimRoundingMode) / explicit pads, and NCHW.
   */
  function conv2DBackpropFilterCases(tf, rnd) {
    const cases = [];
    while (cases.length < 32) {
      const n = cases.length, B = int(rnd, 1, 3), ci = int(rnd, 1, 3);
      const x = [B, int(rnd, 5, 11), int(rnd, 5, 11), ci];
      const attrs = {
        filterShape: [pick(rnd, [1, 2, 3, 3]), pick(rnd, [1, 2, 3, 3, 5]), ci,
                      int(rnd, 1, 4)],
        strides: pick(rnd, [1, 2, [1, 2], [2, 1], 2, 1]),
        pad: PADS[n % PADS.length],
        dataFormat: n % 8 === 7 ? 'NCHW' : 'NHWC',
        dimRoundingMode: undefined,
      };
      if (typeof attrs.pad === 'number') squareNumericPad(rnd, attrs, 'filterShape');
      const info = tf.backend_util.computeConv2DInfo(x, attrs.filterShape,
          attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      const dy = [B, info.outHeight, info.outWidth, attrs.filterShape[3]];
      const toFmt = function (s) {
        return attrs.dataFormat === 'NCHW' ? [s[0], s[3], s[1], s[2]] : s;
      };
      cases.push({inputs: {x: randInput(rnd, toFmt(x)),
                           dy: randInput(rnd, toFmt(dy))}, attrs: attrs});
    }
    return cases;
  }

  /**
   * MaxPoolGrad cases: as above, plus inputs with ties, zeros and all-negative
   * windows (the cases the native kernel gets wrong).
   */
  function maxPoolGradCases(tf, rnd) {
    const cases = [];
    while (cases.length < 32) {
      const n = cases.length;
      const x = [int(rnd, 1, 3), int(rnd, 4, 13), int(rnd, 4, 13), int(rnd, 1, 4)];
      const attrs = {filterSize: [int(rnd, 1, 3), int(rnd, 1, 3)],
                   strides: pick(rnd, [1, 2, [1, 2], [2, 1], 2, 1]),
                   pad: PADS[n % PADS.length], dimRoundingMode: undefined};
      if (n % 4 === 3) { // the course's pooling, which has a fast path of its own
        attrs.filterSize = [2, 2];
        attrs.strides = 2;
        attrs.pad = n % 8 === 3 ? 'valid' : 'same';
      }
      if (typeof attrs.pad !== 'string') {
        attrs.pad = n % 2 ? 0 : 1;
        squareNumericPad(rnd, attrs, 'filterSize');
      }
      const info = tf.backend_util.computePool2DInfo(x, attrs.filterSize,
          attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      cases.push({
        inputs: {input: randInput(rnd, x, n % 2 ? 4 : 0),
                 dy: randInput(rnd, info.outShape)},
        // The kernel signature also takes the forward output (neither the
        // cpu kernel nor ours reads it).
        derive: function (tf, t, a) {
          return {output: tf.maxPool(t.input, a.filterSize, a.strides, a.pad,
                                     a.dimRoundingMode)};
        },
        attrs: attrs,
      });
    }
    return cases;
  }

  /**
   * Conv2DBackpropInput (the input gradient of a convolution) for stride 1, NHWC: the
   * native wasm kernel is a plain loop (the slowest step of the course CNN); as a
   * convolution of the zero-padded dy with the flipped, channel-swapped filter it runs on
   * XNNPACK like the forward pass:
   *   dx[b,i,j,c] = sum_{kh,kw,o} dyPad[b, i+kh, j+kw, o] * W[fh-1-kh, fw-1-kw, c, o].
   * Strides > 1, NCHW and pads that would need cropping go to the native kernel.
   */
  function makeConv2DBackpropInput(tf, native) {
    return function (args) {
      const attrs = args.attrs, dy = args.inputs.dy, filter = args.inputs.filter;
      const fs = filter.shape, xs = attrs.inputShape;
      const info = tf.backend_util.computeConv2DInfo(xs, fs, attrs.strides, 1, attrs.pad,
          attrs.dimRoundingMode, false, 'channelsLast');
      const top = fs[0] - 1 - info.padInfo.top, left = fs[1] - 1 - info.padInfo.left;
      const bottom = xs[1] + fs[0] - 1 - info.outHeight - top;
      const right = xs[2] + fs[1] - 1 - info.outWidth - left;
      if (info.strideHeight !== 1 || info.strideWidth !== 1 || attrs.dataFormat === 'NCHW' ||
          Math.min(top, left, bottom, right) < 0 || !native) {
        return native(args);
      }
      return tf.tidy(function () {
        const padded = tf.pad(dy, [[0, 0], [top, bottom], [left, right], [0, 0]]);
        const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
        return tf.conv2d(padded, flipped, 1, 'valid');
      });
    };
  }

  /** Conv2DBackpropInput cases: mostly stride 1 (ours), some stride 2 and NCHW (native). */
  function conv2DBackpropInputCases(tf, rnd) {
    const cases = [];
    while (cases.length < 32) {
      const n = cases.length, B = int(rnd, 1, 3), ci = int(rnd, 1, 4), co = int(rnd, 1, 4);
      const xShape = [B, int(rnd, 5, 11), int(rnd, 5, 11), ci];
      const attrs = {
        strides: n % 5 === 4 ? 2 : 1,
        pad: PADS[n % PADS.length],
        dataFormat: n % 8 === 7 ? 'NCHW' : 'NHWC',
        dimRoundingMode: undefined,
        inputShape: null,
      };
      const fShape = [pick(rnd, [1, 2, 3, 3]), pick(rnd, [1, 2, 3, 3, 5]), ci, co];
      if (typeof attrs.pad === 'number') {
        fShape[1] = fShape[0];
        attrs.dimRoundingMode = pick(rnd, ['floor', 'ceil', 'round']);
      }
      const info = tf.backend_util.computeConv2DInfo(xShape, fShape, attrs.strides, 1,
          attrs.pad, attrs.dimRoundingMode);
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      const nchw = attrs.dataFormat === 'NCHW';
      attrs.inputShape = nchw ? [B, ci, xShape[1], xShape[2]] : xShape;
      const dy = [B, info.outHeight, info.outWidth, co];
      cases.push({inputs: {dy: randInput(rnd, nchw ? [B, co, dy[1], dy[2]] : dy),
                           filter: randInput(rnd, fShape)}, attrs: attrs});
    }
    return cases;
  }

  /**
   * BatchMatMul with transposeA/transposeB: the native kernel multiplies transposed operands
   * ~5x slower than plain ones (a dense layer's two backward products took 16 ms each at
   * batch 512 against 3 ms forward). Transposing first (one cheap copy) and calling the
   * native kernel untransposed gives the same sums in the same order.
   */
  function makeBatchMatMul(tf, native) {
    function swapLast(t) {
      const perm = t.shape.map(function (_, i) { return i; });
      const r = perm.length;
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return tf.transpose(t, perm);
    }
    return function (args) {
      const attrs = args.attrs;
      if (!native || (!attrs.transposeA && !attrs.transposeB)) return native(args);
      const a = attrs.transposeA ? swapLast(args.inputs.a) : args.inputs.a;
      const b = attrs.transposeB ? swapLast(args.inputs.b) : args.inputs.b;
      try {
        return native({inputs: {a: a, b: b}, backend: args.backend,
                       attrs: Object.assign({}, attrs, {transposeA: false, transposeB: false})});
      } finally {
        if (a !== args.inputs.a) a.dispose();
        if (b !== args.inputs.b) b.dispose();
      }
    };
  }

  /** BatchMatMul cases: ranks 2-4, every transpose combination, broadcast batches. */
  function batchMatMulCases(tf, rnd) {
    const cases = [];
    for (let n = 0; n < 32; n++) {
      const ta = n % 4 === 1 || n % 4 === 3, tb = n % 4 >= 2;
      const m = int(rnd, 1, 9), k = int(rnd, 1, 9), p = int(rnd, 1, 9);
      const batch = [[], [int(rnd, 1, 3)], [2, int(rnd, 1, 3)]][n % 3];
      const batchB = batch.length && n % 5 === 0 ? batch.map(function () { return 1; }) : batch;
      const aShape = batch.concat(ta ? [k, m] : [m, k]);
      const bShape = batchB.concat(tb ? [p, k] : [k, p]);
      cases.push({inputs: {a: randInput(rnd, aShape), b: randInput(rnd, bShape)},
                  attrs: {transposeA: ta, transposeB: tb}});
    }
    return cases;
  }

  /**
   * The kernels this file provides. `make(tf)` returns the kernelFunc,
   * `cases(tf, rnd)` the test cases for check(). `replaceNativeUpTo`: the
   * last tfjs-backend-wasm version whose native kernel is known to be wrong (or
   * too slow); later versions keep their native kernel (and check() will tell).
   */
  const KERNELS = {
    Conv2DBackpropFilter: {make: makeConv2DBackpropFilter,
                           cases: conv2DBackpropFilterCases},
    MaxPoolGrad: {make: makeMaxPoolGrad, cases: maxPoolGradCases,
                  replaceNativeUpTo: '4.22.0'},
    // native is correct but slow; ours falls back to it where it does not apply
    Conv2DBackpropInput: {make: makeConv2DBackpropInput, cases: conv2DBackpropInputCases,
                          replaceNativeUpTo: '4.22.0'},
    // native is correct but slow when transposing; ours falls back to it otherwise
    BatchMatMul: {make: makeBatchMatMul, cases: batchMatMulCases, replaceNativeUpTo: '4.22.0'},
  };
  const NAMES = Object.keys(KERNELS);

  /** True if version string a <= b (numeric, dot-separated). */
  function versionLE(a, b) {
    const x = String(a).split('.').map(Number), y = String(b).split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0);
    }
    return true;
  }

  /**
   * Registers the kernels of NAMES for 'wasm': missing ones always, a native
   * one only if this tfjs version is known to have it wrong. Idempotent.
   * @param {object} tf the global TensorFlow.js namespace.
   * @return {string[]} the names registered by this call.
   */
  function register(tf) {
    const version = (tf.wasm && tf.wasm.version_wasm) ||
        (tf.version && tf.version['tfjs-core']) || tf.version_core;
    return NAMES.filter(function (name) {
      const spec = KERNELS[name], native = tf.getKernel(name, BACKEND);
      if (native) {
        if (native.kernelFunc.pytfjs) return false; // already ours
        if (!spec.replaceNativeUpTo || !version ||
            !versionLE(version, spec.replaceNativeUpTo)) {
          return false;
        }
        tf.unregisterKernel(name, BACKEND);
      }
      const kernelFunc = spec.make(tf, native && native.kernelFunc);
      kernelFunc.pytfjs = true;
      // keep the native kernel's setup (it binds the wasm function our fallback calls)
      tf.registerKernel({kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc,
                         setupFunc: native ? native.setupFunc : undefined,
                         disposeFunc: native ? native.disposeFunc : undefined});
      return true;
    });
  }

  /** Runs one case on the active backend; returns shape and values. */
  function runCase(tf, name, c) {
    return tf.tidy(function () {
      const t = {};
      Object.keys(c.inputs).forEach(function (k) {
        t[k] = tf.tensor(c.inputs[k][0], c.inputs[k][1]);
      });
      if (c.derive) Object.assign(t, c.derive(tf, t, c.attrs));
      const out = tf.engine().runKernel(name, t, c.attrs);
      return {shape: out.shape, values: out.dataSync()};
    });
  }

  /**
   * Compares each kernel of NAMES on 'wasm' (ours or native) with the 'cpu'
   * reference kernel on seeded random cases: all cases on cpu first, then on
   * wasm, then the backend that was active is restored. Leaves numTensors
   * unchanged.
   * @param {object} tf the global TensorFlow.js namespace.
   * @return {Promise<{errors: Object<string, number>, cases: number,
   *     maxError: number}>} max abs error per kernel (Infinity on a shape
   *     mismatch), the total number of cases and the overall max error.
   */
  async function check(tf) {
    const original = tf.getBackend();
    const result = {errors: {}, cases: 0, maxError: 0};
    try {
      for (let k = 0; k < NAMES.length; k++) {
        const name = NAMES[k];
        const cases = KERNELS[name].cases(tf, lcg(1234 + k));
        if (!(await tf.setBackend('cpu'))) throw new Error('no cpu backend');
        const refs = cases.map(function (c) { return runCase(tf, name, c); });
        if (!(await tf.setBackend(BACKEND))) throw new Error('no wasm backend');
        let err = 0;
        cases.forEach(function (c, i) {
          const got = runCase(tf, name, c), ref = refs[i];
          if (got.shape.join() !== ref.shape.join()) { err = Infinity; return; }
          for (let j = 0; j < ref.values.length; j++) {
            const e = Math.abs(got.values[j] - ref.values[j]);
            if (!(e <= err)) err = e === e ? e : Infinity; // NaN -> Infinity
          }
        });
        result.errors[name] = err;
        result.cases += cases.length;
        result.maxError = Math.max(result.maxError, err);
      }
    } finally {
      if (original && tf.getBackend() !== original) await tf.setBackend(original);
    }
    return result;
  }

  globalThis.pytfjsWasmKernels = {register: register, names: NAMES.slice(),
                                  check: check};
})();
