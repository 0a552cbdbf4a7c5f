/**
 * @file Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks but
 * that training the course models needs.
 *
 * Why this file exists: on the 'wasm' backend, `model.fit` of any Conv2D model
 * fails with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"
 * (the weight gradient of a convolution). Every other kernel that the course
 * models use for training (dense, relu/sigmoid/softmax, dropout, batchnorm,
 * max/average pooling and their grads, Conv2DBackpropInput, the mse /
 * categorical / binary cross-entropy losses and the sgd / adam / rmsprop
 * optimizers) is already native in 4.22 (checked by tests/node/check_wasm_kernels.js).
 *
 * Plain browser script: load it with a <script> tag after tf.min.js and
 * tf-backend-wasm.min.js, then call `pytfjsWasmKernels.register(tf)` once,
 * before training. It defines `globalThis.pytfjsWasmKernels`.
 */
(function () {
  'use strict';

  var BACKEND = 'wasm';

  /**
   * Conv2DBackpropFilter: dW[kh,kw,ci,co] =
   *   sum_{b,i,j} xPadded[b, i*sh + kh, j*sw + kw, ci] * dy[b, i, j, co].
   *
   * Why a convolution: read with batch and channels swapped, that sum *is* a
   * stride-1 convolution of x^T = [ci, H, W, B] with the "filter"
   * dy^T = [outH, outW, B, co] at dilation (sh, sw), giving [ci, KH, KW, co].
   * So the work goes to the wasm backend's own XNNPACK Conv2D (about 10x faster
   * than an im2col + matMul built from strided slices, and far faster than a
   * JS loop). Returning a Tensor from a kernelFunc is accepted by the engine;
   * tf.tidy disposes every intermediate, so the kernel leaks nothing.
   *
   * @param {object} tf the global TensorFlow.js namespace.
   * @return {function(object): object} a kernelFunc for the 'wasm' backend.
   */
  function makeConv2DBackpropFilter(tf) {
    return function (args) {
      var attrs = args.attrs;
      var fs = attrs.filterShape; // [KH, KW, inChannels, outChannels]
      return tf.tidy(function () {
        var x = args.inputs.x, dy = args.inputs.dy;
        if (attrs.dataFormat === 'NCHW') { // wasm Conv2D only does NHWC
          x = tf.transpose(x, [0, 2, 3, 1]);
          dy = tf.transpose(dy, [0, 2, 3, 1]);
        }
        // Resolves 'same' / 'valid' / number / explicit pads and rounding
        // exactly as the forward op and the cpu kernel do.
        var info = tf.backend_util.computeConv2DInfo(x.shape, fs, attrs.strides,
            1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
        var B = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3];
        var sh = info.strideHeight, sw = info.strideWidth;
        var p = info.padInfo;
        // Rows/cols the windows actually touch; the stride may leave some of
        // the trailing input unused, and 'ceil' rounding may need extra zeros.
        var needH = (info.outHeight - 1) * sh + fs[0];
        var needW = (info.outWidth - 1) * sw + fs[1];
        var padB = Math.max(0, needH - H - p.top);
        var padR = Math.max(0, needW - W - p.left);
        if (p.top || padB || p.left || padR) {
          x = tf.pad(x, [[0, 0], [p.top, padB], [p.left, padR], [0, 0]]);
        }
        if (x.shape[1] !== needH || x.shape[2] !== needW) {
          x = tf.slice(x, [0, 0, 0, 0], [B, needH, needW, C]);
        }
        var dw = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]),
            tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid', 'NHWC', [sh, sw]);
        return tf.transpose(dw, [1, 2, 0, 3]);
      });
    };
  }

  /** Kernel name -> factory(tf) returning its kernelFunc. */
  var FACTORIES = {Conv2DBackpropFilter: makeConv2DBackpropFilter};
  var NAMES = Object.keys(FACTORIES);

  /**
   * Registers each kernel of NAMES for 'wasm' unless tfjs already has it (so a
   * future tfjs with a native kernel wins). Safe to call more than once.
   * @param {object} tf the global TensorFlow.js namespace.
   * @return {string[]} the names registered by this call.
   */
  function register(tf) {
    return NAMES.filter(function (name) {
      if (tf.getKernel(name, BACKEND)) return false;
      tf.registerKernel({kernelName: name, backendName: BACKEND,
                         kernelFunc: FACTORIES[name](tf)});
      return true;
    });
  }

  /**
   * Small LCG (Numerical Recipes constants) so that check() is deterministic.
   * @param {number} seed
   * @return {function(): number} uniform in [0, 1).
   */
  function lcg(seed) {
    var s = seed >>> 0;
    return function () {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
  }

  /**
   * Randomized Conv2DBackpropFilter cases covering what TF.js can pass: odd
   * sizes, batch and channels > 1, non-square kernels, strides 1/2/mixed,
   * 'same'/'valid'/numeric (with dimRoundingMode)/explicit pads, NCHW.
   * @param {object} tf
   * @return {object[]} {inputs: {x, dy} as [Float32Array, shape], attrs}.
   */
  function conv2DBackpropFilterCases(tf) {
    var rnd = lcg(20240607);
    var pick = function (a) { return a[Math.floor(rnd() * a.length)]; };
    var data = function (shape) {
      var n = shape.reduce(function (a, b) { return a * b; }, 1);
      var v = new Float32Array(n);
      for (var i = 0; i < n; i++) v[i] = 2 * rnd() - 1;
      return [v, shape];
    };
    var pads = ['same', 'valid', 'same', 'valid', 1, 2,
                [[0, 0], [1, 0], [0, 2], [0, 0]]];
    var cases = [];
    while (cases.length < 32) {
      var n = cases.length;
      var B = 1 + Math.floor(rnd() * 3), H = 5 + Math.floor(rnd() * 9),
          W = 5 + Math.floor(rnd() * 9), ci = 1 + Math.floor(rnd() * 3),
          co = 1 + Math.floor(rnd() * 4);
      var attrs = {
        filterShape: [pick([1, 2, 3, 3]), pick([1, 2, 3, 3, 5]), ci, co],
        strides: pick([1, 2, [1, 2], [2, 1], 2, 1]),
        pad: pads[n % pads.length],
        dataFormat: n % 8 === 7 ? 'NCHW' : 'NHWC',
        dimRoundingMode: undefined,
      };
      if (typeof attrs.pad === 'number') {
        attrs.dimRoundingMode = pick(['floor', 'ceil', 'round']);
      }
      var nhwc = [B, H, W, ci];
      var info = tf.backend_util.computeConv2DInfo(nhwc, attrs.filterShape,
          attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false,
          'channelsLast');
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      var dyShape = [B, info.outHeight, info.outWidth, co];
      var toFmt = function (s) {
        return attrs.dataFormat === 'NCHW' ? [s[0], s[3], s[1], s[2]] : s;
      };
      cases.push({inputs: {x: data(toFmt(nhwc)), dy: data(toFmt(dyShape))},
                  attrs: attrs});
    }
    return cases;
  }

  /** Kernel name -> case generator used by check(). */
  var CASES = {Conv2DBackpropFilter: conv2DBackpropFilterCases};

  /**
   * Runs one kernel on the active backend from raw data.
   * @return {{shape: number[], values: Float32Array}}
   */
  function runCase(tf, name, c) {
    var inputs = {};
    Object.keys(c.inputs).forEach(function (k) {
      inputs[k] = tf.tensor(c.inputs[k][0], c.inputs[k][1]);
    });
    var out = tf.engine().runKernel(name, inputs, c.attrs);
    var res = {shape: out.shape, values: out.dataSync()};
    tf.dispose(out);
    tf.dispose(Object.keys(inputs).map(function (k) { return inputs[k]; }));
    return res;
  }

  /**
   * Compares each kernel of NAMES on 'wasm' against the reference 'cpu'
   * kernel on seeded random cases. Runs all cases on cpu first, then on wasm,
   * then restores the backend that was active. Leaves numTensors unchanged.
   * @param {object} tf the global TensorFlow.js namespace.
   * @return {Promise<{errors: Object<string, number>, cases: number,
   *     maxError: number}>} max abs error per kernel (Infinity on a shape
   *     mismatch), total number of cases, and the overall max error.
   */
  async function check(tf) {
    var original = tf.getBackend();
    var result = {errors: {}, cases: 0, maxError: 0};
    try {
      for (var k = 0; k < NAMES.length; k++) {
        var name = NAMES[k];
        var cases = CASES[name](tf);
        if (!(await tf.setBackend('cpu'))) throw new Error('no cpu backend');
        var refs = cases.map(function (c) { return runCase(tf, name, c); });
        if (!(await tf.setBackend(BACKEND))) throw new Error('no wasm backend');
        var err = 0;
        cases.forEach(function (c, i) {
          var got = runCase(tf, name, c), ref = refs[i];
          if (got.shape.join() !== ref.shape.join()) { err = Infinity; return; }
          for (var j = 0; j < ref.values.length; j++) {
            err = Math.max(err, Math.abs(got.values[j] - ref.values[j]));
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
