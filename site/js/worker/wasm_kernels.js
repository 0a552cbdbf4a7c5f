/**
 * @file pytfjs's training kernels for the TF.js 'wasm' backend (4.22): one table says, per
 * kernel, what serves it, in this order of fallback:
 *   native  TF.js's own kernel (tfjs-backend-wasm), kept unless this TF.js is known to have
 *           it wrong or slow (`nativeUpTo`: the last version where that holds)
 *   js      ours in JavaScript, on the backend: a kernel the backend lacks, one it gets
 *           wrong, or a faster route through its XNNPACK kernels; falls back to native
 *           where it does not apply
 *   simd    ours in WebAssembly SIMD (kernels/kernels.c, compiled by build.py into
 *           kernels/pytfjs_kernels.wasm and pytfjs_kernels_threaded.wasm), instantiated on
 *           the backend's own memory, so a kernel reads its inputs and writes its output
 *           where the tensors live, with no copies; falls back to the one before it
 *           until load() succeeded, when `simd.enabled` is false, and for any shape, dtype
 *           or data format its plan does not cover
 * register(tf) builds each kernel's chain from the table once, before or after the backend
 * starts; load(tf, readFile) fetches and instantiates the SIMD module once the backend
 * runs (a page without the .wasm files trains exactly as without them).
 *
 * Why: on wasm the course CNN trained 3-4x slower than Keras on the same CPU, mostly in
 * gradient kernels tfjs-backend-wasm 4.22 lacks or runs as plain loops, and:
 *  - Conv2DBackpropFilter (the weight gradient of a convolution) is not implemented by it,
 *    so `model.fit` of any Conv2D model fails with "Kernel 'Conv2DBackpropFilter' not
 *    registered".
 *  - Its MaxPoolGrad is wrong: it starts its max search at FLT_MIN (the smallest
 *    *positive* float) instead of -Infinity and keeps the *last* of equal maxima. Windows
 *    whose max is <= 0 lose their gradient and ties go to a different pixel than on
 *    cpu/webgl/TensorFlow. (ReLU -> MaxPool nets are practically unaffected: the misrouted
 *    gradients land on zeros that the ReLU gradient masks out anyway.) The JS loop is exact
 *    and, in Node, a bit faster than the native kernel.
 * Everything else the course models need for training (dense, relu / sigmoid / softmax,
 * dropout, batchnorm, AvgPoolGrad, mse and cross-entropy losses, sgd / adam / rmsprop) is
 * native and matches cpu (tests/node/check_wasm_kernels.js, check_wasm_simd.js).
 * The ReLU gradient runs in one pass (PytfjsReluGrad, a kernel of ours, used by an override
 * of Relu's gradient that keeps TF.js's formula everywhere else). Identity shares its
 * input's memory instead of copying it, as on cpu and webgl: the engine clones through it
 * every tensor a gradient keeps. That is safe because no kernel writes into an input (an
 * audit of tfjs-backend-wasm 4.22's TypeScript and C++ kernels, ARCHITECTURE.md); its
 * Transpose keeps its own copying identity, which its reductions rely on.
 *
 * An ES module with no globals: the worker (js/worker/backends.js) and the Node checks
 * import it and pass it `tf`. The backend's internals it needs (tensor offsets, heap views,
 * its memory) come from ./private_apis.js.
 */
import {
  backendMemory, heapView, makeOutput, runKernel, tensorOffset, wasmModule,
} from './private_apis.js';

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
    const out = disjoint ? makeOutput(backend, x.shape, 'float32') : null;
    // heap views only after the allocation above: a growing heap detaches older views
    const xv = heapView(backend, x);
    const dyv = heapView(backend, args.inputs.dy);
    const acc = disjoint ? heapView(backend, out) : new Float64Array(xv.length);
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
    return makeOutput(backend, x.shape, 'float32', new Float32Array(acc));
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

const RELU_GRAD = 'PytfjsReluGrad';
const FILES = {single: 'pytfjs_kernels.wasm', threaded: 'pytfjs_kernels_threaded.wasm'};
const state = {exports: null, module: null, variant: '', enabled: true, calls: {}};

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
export async function load(tf, readFile) {
  const backend = tf.findBackend(BACKEND);
  const memory = backendMemory(backend);
  if (!memory) throw new Error('the wasm backend is not initialised (call setBackend first)');
  const name = variantFor(memory);
  const bytes = await readFile(name);
  const result = await WebAssembly.instantiate(bytes, {env: {memory: memory}});
  state.exports = result.instance.exports;
  state.module = wasmModule(backend);
  state.variant = name;
  return name;
}

/** The loaded exports if they may serve this call's backend, else null. */
function ready(backend) {
  return state.enabled && state.exports && backend && wasmModule(backend) === state.module ?
      state.exports : null;
}

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
  const out = makeOutput(backend, plan.outShape, 'float32');
  const scratch = plan.scratch ? makeOutput(backend, plan.scratch[0], plan.scratch[1]) : null;
  try {
    // offsets after every allocation: they stay valid, but read them once all are made
    const o = {out: tensorOffset(backend, out)};
    Object.keys(inputs).forEach(function (key) { o[key] = tensorOffset(backend, inputs[key]); });
    if (scratch) o.scratch = tensorOffset(backend, scratch);
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

/**
 * Identity without the copy: the output shares its input's memory (one more reference to
 * the same data, as tfjs-backend-wasm's own Reshape does and as Identity does on cpu and
 * webgl). TF.js's engine clones, through Identity, every tensor it keeps for a gradient, so
 * on wasm each training step copied every activation it saved (a course MNIST step in Node:
 * 49 -> 45 ms). Sharing is safe because tensors are immutable: no kernel writes into an
 * input (audited for tfjs-backend-wasm 4.22 and ours, ARCHITECTURE.md). Strings: native.
 */
function makeSharedIdentity(tf, native) {
  return function (args) {
    const x = args.inputs.x;
    if (x.dtype === 'string') return native(args);
    args.backend.incRef(x.dataId);
    return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
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
    if (tf.getBackend() !== BACKEND || !ready(tf.backend()) || !f32(dy) || !f32(x)) {
      return original.gradFunc(dy, saved, attrs);
    }
    return {x: function () { return runKernel(tf, RELU_GRAD, {dy: dy, x: x}); }};
  };
  gradFunc.pytfjs = true;
  tf.registerGradient({kernelName: 'Relu', inputsToSave: ['x'], gradFunc: gradFunc,
                       pytfjs: true});
  // second-order gradients through our kernel: d/d(dy) is the same mask, d/dx is zero
  tf.registerGradient({kernelName: RELU_GRAD, inputsToSave: ['x'],
                       gradFunc: function (g, s) {
                         return {dy: function () {
                           return runKernel(tf, RELU_GRAD, {dy: g, x: s[0]});
                         }, x: function () { return tf.zerosLike(s[0]); }};
                       }});
}


/**
 * Per kernel, what serves it on 'wasm' (see the header): `nativeUpTo`, the last
 * tfjs-backend-wasm version whose native kernel ours replace (later versions keep
 * theirs, and check() tells whether that was right; without it a native kernel is always
 * kept); `js` makes our JavaScript kernel from (tf, native kernelFunc or undefined), and
 * `jsUsesNative` says it falls back to that native kernel where it does not apply;
 * `cases` are its seeded cases for check();
 * `simd` is the plan of our SIMD kernel (PLANS). A kernel with none of js and simd is
 * not listed: TF.js's own serves it.
 */
export const TABLE = {
  // missing from tfjs-backend-wasm 4.22
  Conv2DBackpropFilter: {js: makeConv2DBackpropFilter, cases: conv2DBackpropFilterCases,
                         simd: PLANS.Conv2DBackpropFilter},
  // native is wrong (see the header)
  MaxPoolGrad: {nativeUpTo: '4.22.0', js: makeMaxPoolGrad, cases: maxPoolGradCases,
                simd: PLANS.MaxPoolGrad},
  // native is correct but slow; ours falls back to it where it does not apply
  Conv2DBackpropInput: {nativeUpTo: '4.22.0', js: makeConv2DBackpropInput, jsUsesNative: true,
                        cases: conv2DBackpropInputCases, simd: PLANS.Conv2DBackpropInput},
  // native is correct but slow when transposing; ours falls back to it otherwise
  BatchMatMul: {nativeUpTo: '4.22.0', js: makeBatchMatMul, jsUsesNative: true,
                cases: batchMatMulCases},
  MaxPool: {simd: PLANS.MaxPool},
  Add: {simd: PLANS.Add},
  Sum: {simd: PLANS.Sum},
  // native copies its input; ours shares it (strings: native)
  Identity: {nativeUpTo: '4.22.0', js: makeSharedIdentity, jsUsesNative: true},
  // ours only: TF.js computes the ReLU gradient from ops; js is that formula as a kernel
  PytfjsReluGrad: {js: reluGradFallback, simd: PLANS.PytfjsReluGrad},
};

/** The kernels with a JavaScript version checked against cpu by check(). */
export const JS_NAMES = Object.keys(TABLE).filter(function (name) { return TABLE[name].cases; });
/** The kernels with a SIMD version. */
const SIMD_NAMES = Object.keys(PLANS);

/** Per kernel registered: its chain, last resort first (e.g. ['native', 'js', 'simd']). */
export const chains = {};

/** True if version string a <= b (numeric, dot-separated). */
function versionLE(a, b) {
  const x = String(a).split('.').map(Number), y = String(b).split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0);
  }
  return true;
}


/**
 * Registers, per kernel of TABLE, the chain the table gives for this TF.js: the native
 * kernel if there is one and it is kept, else ours in JavaScript (falling back to the
 * native one where it does not apply), then the SIMD kernel over whichever came before;
 * and overrides Relu's gradient. Keeps the native kernel's setup (it binds the wasm
 * function a fallback calls). Idempotent.
 * @param {object} tf the global TensorFlow.js namespace.
 * @return {string[]} the names registered by this call.
 */
export function register(tf) {
  const version = (tf.wasm && tf.wasm.version_wasm) ||
      (tf.version && tf.version['tfjs-core']) || tf.version_core;
  const done = Object.keys(TABLE).filter(function (name) {
    const row = TABLE[name], native = tf.getKernel(name, BACKEND);
    if (native && native.kernelFunc.pytfjs) return false; // already ours
    if (!native && !row.js) return false; // nothing to fall back to: TF.js says it is missing
    const keepNative = native && (!row.js || !row.nativeUpTo || !version ||
                                  !versionLE(version, row.nativeUpTo));
    const chain = [];
    let kernelFunc;
    if (keepNative) {
      chain.push('native');
      kernelFunc = native.kernelFunc;
    } else {
      if (native && row.jsUsesNative) chain.push('native');
      chain.push('js');
      kernelFunc = row.js(tf, native && native.kernelFunc);
    }
    if (row.simd) {
      chain.push('simd');
      kernelFunc = makeKernel(tf, name, kernelFunc);
    }
    chains[name] = chain;
    if (chain.length === 1 && keepNative) return false; // TF.js's own, untouched
    kernelFunc.pytfjs = true;
    if (native) tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc,
                       setupFunc: native ? native.setupFunc : undefined,
                       disposeFunc: native ? native.disposeFunc : undefined});
    return true;
  });
  overrideReluGradient(tf);
  return done;
}

/** Runs one case on the active backend; returns shape and values. */
function runCase(tf, name, c) {
  return tf.tidy(function () {
    const t = {};
    Object.keys(c.inputs).forEach(function (k) {
      t[k] = tf.tensor(c.inputs[k][0], c.inputs[k][1]);
    });
    if (c.derive) Object.assign(t, c.derive(tf, t, c.attrs));
    const out = runKernel(tf, name, t, c.attrs);
    return {shape: out.shape, values: out.dataSync()};
  });
}

/**
 * Compares each kernel of JS_NAMES on 'wasm' (ours or native) with the 'cpu'
 * reference kernel on seeded random cases: all cases on cpu first, then on
 * wasm, then the backend that was active is restored. Leaves numTensors
 * unchanged.
 * @param {object} tf the global TensorFlow.js namespace.
 * @return {Promise<{errors: Object<string, number>, cases: number,
 *     maxError: number}>} max abs error per kernel (Infinity on a shape
 *     mismatch), the total number of cases and the overall max error.
 */
export async function check(tf) {
  const original = tf.getBackend();
  const result = {errors: {}, cases: 0, maxError: 0};
  try {
    for (let k = 0; k < JS_NAMES.length; k++) {
      const name = JS_NAMES[k];
      const cases = TABLE[name].cases(tf, lcg(1234 + k));
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


/** The SIMD kernels' state, for the worker, tests and benchmarks. */
export const simd = {
  names: SIMD_NAMES,
  files: FILES,
  plans: PLANS,
  /** Whether the loaded kernels run (false: every call goes to the one before). */
  get enabled() { return state.enabled; },
  set enabled(on) { state.enabled = !!on; },
  /** True once load() succeeded for the current wasm backend. */
  get loaded() { return !!state.exports; },
  /** The file loaded: which variant the backend's memory needed. */
  get variant() { return state.variant; },
  /** Calls per kernel that the SIMD code served (tests check the code really ran). */
  calls: state.calls,
};
