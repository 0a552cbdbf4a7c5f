/*
 * Training kernels for TF.js's 'wasm' backend, compiled to wasm32 + SIMD128 by build.py
 * (buildlib/make/kernels.py) and run inside the backend's own memory: every pointer below is a
 * byte offset of a tensor in that memory (backend.dataIdMap.get(t.dataId).memoryOffset).
 *
 * Why plain C without libc: the module must own nothing in TF.js's memory, so no data
 * segments, no stack (no arrays or address-taken locals here) and no memory.grow; the
 * build refuses a module that defines a global (a stack pointer) or a data segment.
 * Offsets are only 8-byte aligned, so vectors are loaded and stored unaligned.
 *
 * Every tensor is float32 NHWC, dilation 1; the JS side (site/js/worker/wasm_kernels.js) checks
 * that and falls back to the previous kernel otherwise. Semantics follow TF.js's cpu
 * backend: a pooling window's maximum is its first strict maximum in row-major order,
 * starting from -Infinity (NaN never wins; a window of NaN / -Infinity / padding has
 * maximum -Infinity and sends no gradient).
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

static inline v128_t ld(const f32 *p) { return wasm_v128_load(p); }
static inline void st(f32 *p, v128_t v) { wasm_v128_store(p, v); }

/* The first strict maximum wins: keep `best` where v is not greater (NaN compares false). */
static inline v128_t vmax_first(v128_t best, v128_t v) {
  return wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
}

/*
 * MaxPool forward. Window (r0 + kh, c0 + kw) for output (i, j), r0 = i*sh - pt.
 */
EXPORT(max_pool)
void max_pool(const f32 *x, f32 *y, int B, int H, int W, int C, int OH, int OW,
              int fh, int fw, int sh, int sw, int pt, int pl) {
  const f32 NEG = -__builtin_inff();
  for (int b = 0; b < B; b++) {
    const f32 *xb = x + (long)b * H * W * C;
    for (int i = 0; i < OH; i++) {
      int r0 = i * sh - pt;
      int rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh > H ? H : r0 + fh;
      for (int j = 0; j < OW; j++, y += C) {
        int c0 = j * sw - pl;
        int cmin = c0 < 0 ? 0 : c0, cmax = c0 + fw > W ? W : c0 + fw;
        int d = 0;
        if (rmax - rmin == 2 && cmax - cmin == 2) { /* the common 2x2 window: 4 loads */
          long k0 = ((long)rmin * W + cmin) * C, k1 = k0 + C, k2 = k0 + (long)W * C,
               k3 = k2 + C;
          for (; d + 4 <= C; d += 4) {
            v128_t best = vmax_first(wasm_f32x4_splat(NEG), ld(xb + k0 + d));
            best = vmax_first(best, ld(xb + k1 + d));
            best = vmax_first(best, ld(xb + k2 + d));
            st(y + d, vmax_first(best, ld(xb + k3 + d)));
          }
        }
        for (; d + 4 <= C; d += 4) {
          v128_t best = wasm_f32x4_splat(NEG);
          for (int r = rmin; r < rmax; r++)
            for (int c = cmin; c < cmax; c++)
              best = vmax_first(best, ld(xb + ((long)r * W + c) * C + d));
          st(y + d, best);
        }
        for (; d < C; d++) {
          f32 best = NEG;
          for (int r = rmin; r < rmax; r++)
            for (int c = cmin; c < cmax; c++) {
              f32 v = xb[((long)r * W + c) * C + d];
              if (v > best) best = v;
            }
          y[d] = best;
        }
      }
    }
  }
}

/*
 * MaxPoolGrad for windows that do not overlap (sh >= fh, sw >= fw): each input pixel
 * belongs to at most one window, so dx is zeroed and each window's dy is written to its
 * first strict maximum. The course's 2x2 / stride 2 pooling takes the SIMD path.
 */
EXPORT(max_pool_grad_disjoint)
void max_pool_grad_disjoint(const f32 *x, const f32 *dy, f32 *dx, int B, int H, int W,
                            int C, int OH, int OW, int fh, int fw, int sh, int sw, int pt,
                            int pl) {
  long n = (long)B * H * W * C;
  __builtin_memset(dx, 0, (unsigned long)n * sizeof(f32));
  const f32 NEG = -__builtin_inff();
  for (int b = 0; b < B; b++) {
    const f32 *xb = x + (long)b * H * W * C;
    f32 *dxb = dx + (long)b * H * W * C;
    for (int i = 0; i < OH; i++) {
      int r0 = i * sh - pt;
      int rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh > H ? H : r0 + fh;
      for (int j = 0; j < OW; j++, dy += C) {
        int c0 = j * sw - pl;
        int cmin = c0 < 0 ? 0 : c0, cmax = c0 + fw > W ? W : c0 + fw;
        int d = 0;
        if (rmax - rmin == 2 && cmax - cmin == 2) {
          long k0 = ((long)rmin * W + cmin) * C, k1 = k0 + C, k2 = k0 + (long)W * C,
               k3 = k2 + C;
          for (; d + 4 <= C; d += 4) {
            v128_t v0 = ld(xb + k0 + d), v1 = ld(xb + k1 + d), v2 = ld(xb + k2 + d),
                   v3 = ld(xb + k3 + d);
            /* which of the four is the first strict maximum: masks m0..m3 */
            v128_t best = wasm_f32x4_splat(NEG);
            v128_t m0 = wasm_f32x4_gt(v0, best);
            best = wasm_v128_bitselect(v0, best, m0);
            v128_t m1 = wasm_f32x4_gt(v1, best);
            best = wasm_v128_bitselect(v1, best, m1);
            v128_t m2 = wasm_f32x4_gt(v2, best);
            best = wasm_v128_bitselect(v2, best, m2);
            v128_t m3 = wasm_f32x4_gt(v3, best);
            /* a later winner clears the earlier ones */
            m2 = wasm_v128_andnot(m2, m3);
            m1 = wasm_v128_andnot(wasm_v128_andnot(m1, m3), m2);
            m0 = wasm_v128_andnot(wasm_v128_andnot(wasm_v128_andnot(m0, m3), m2), m1);
            v128_t g = ld(dy + d);
            st(dxb + k0 + d, wasm_v128_and(g, m0));
            st(dxb + k1 + d, wasm_v128_and(g, m1));
            st(dxb + k2 + d, wasm_v128_and(g, m2));
            st(dxb + k3 + d, wasm_v128_and(g, m3));
          }
        }
        for (; d < C; d++) {
          f32 best = NEG;
          long at = -1;
          for (int r = rmin; r < rmax; r++)
            for (int c = cmin; c < cmax; c++) {
              long k = ((long)r * W + c) * C + d;
              if (xb[k] > best) { best = xb[k]; at = k; }
            }
          if (at >= 0) dxb[at] = dy[d];
        }
      }
    }
  }
}

/*
 * MaxPoolGrad, any windows. Pass 1 stores each window's winner (flat index into x, or -1)
 * in `arg` (int32, dy's size); pass 2 gathers, for each input pixel, the dy of every window
 * it wins, summed in double in the cpu backend's order (window rows, then columns).
 */
EXPORT(max_pool_grad)
void max_pool_grad(const f32 *x, const f32 *dy, f32 *dx, int32_t *arg, int B, int H, int W,
                   int C, int OH, int OW, int fh, int fw, int sh, int sw, int pt, int pl) {
  const f32 NEG = -__builtin_inff();
  int32_t *a = arg;
  for (int b = 0; b < B; b++)
    for (int i = 0; i < OH; i++) {
      int r0 = i * sh - pt;
      int rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh > H ? H : r0 + fh;
      for (int j = 0; j < OW; j++) {
        int c0 = j * sw - pl;
        int cmin = c0 < 0 ? 0 : c0, cmax = c0 + fw > W ? W : c0 + fw;
        for (int d = 0; d < C; d++, a++) {
          f32 best = NEG;
          int32_t at = -1;
          for (int r = rmin; r < rmax; r++)
            for (int c = cmin; c < cmax; c++) {
              int32_t k = ((b * H + r) * W + c) * C + d;
              if (x[k] > best) { best = x[k]; at = k; }
            }
          *a = at;
        }
      }
    }
  for (int b = 0; b < B; b++)
    for (int r = 0; r < H; r++)
      for (int c = 0; c < W; c++)
        for (int d = 0; d < C; d++) {
          int32_t k = ((b * H + r) * W + c) * C + d;
          double sum = 0;
          /* windows i with i*sh - pt <= r < i*sh - pt + fh */
          int ilo = r + pt - fh + 1, ihi = r + pt;
          ilo = ilo <= 0 ? 0 : (ilo + sh - 1) / sh;
          ihi = ihi < 0 ? -1 : ihi / sh;
          if (ihi > OH - 1) ihi = OH - 1;
          int jlo = c + pl - fw + 1, jhi = c + pl;
          jlo = jlo <= 0 ? 0 : (jlo + sw - 1) / sw;
          jhi = jhi < 0 ? -1 : jhi / sw;
          if (jhi > OW - 1) jhi = OW - 1;
          for (int i = ihi; i >= ilo; i--)
            for (int j = jhi; j >= jlo; j--) {
              long o = (((long)b * OH + i) * OW + j) * C + d;
              if (arg[o] == k) sum += (double)dy[o];
            }
          dx[k] = (f32)sum;
        }
}

/*
 * Conv2DBackpropFilter: dw[kh,kw,ci,co] = sum_{b,i,j} x[b, i*sh+kh-pt, j*sw+kw-pl, ci]
 *                                                    * dy[b, i, j, co].
 * Per output row (b, i) and filter tap (kh, kw): a [ci x co] tile summed over the row's j
 * in registers (4 input channels x 4 output channels at a time), then added to dw. The row
 * of dy stays in L1 across the taps. Sums are float32 per row, so within float32
 * summation error of the cpu backend's double sums.
 */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const f32 *x, const f32 *dy, f32 *dw, int B, int H, int W,
                            int CI, int OH, int OW, int CO, int fh, int fw, int sh, int sw,
                            int pt, int pl) {
  __builtin_memset(dw, 0, (unsigned long)fh * fw * CI * CO * sizeof(f32));
  for (int b = 0; b < B; b++)
    for (int i = 0; i < OH; i++) {
      const f32 *dyrow = dy + (((long)b * OH + i) * OW) * CO;
      for (int kh = 0; kh < fh; kh++) {
        int r = i * sh + kh - pt;
        if (r < 0 || r >= H) continue;
        const f32 *xrow = x + (((long)b * H + r) * W) * CI;
        for (int kw = 0; kw < fw; kw++) {
          /* j with 0 <= j*sw + kw - pl < W */
          int jlo = pl - kw, jhi = W - 1 + pl - kw;
          jlo = jlo <= 0 ? 0 : (jlo + sw - 1) / sw;
          if (jhi < 0) continue;
          jhi = jhi / sw;
          if (jhi > OW - 1) jhi = OW - 1;
          if (jlo > jhi) continue;
          f32 *tap = dw + ((long)kh * fw + kw) * CI * CO;
          const f32 *x0 = xrow + ((long)jlo * sw + kw - pl) * CI;
          long xstep = (long)sw * CI;
          int n = jhi - jlo + 1;
          const f32 *dy0 = dyrow + (long)jlo * CO;
          int ci = 0;
          for (; ci + 4 <= CI; ci += 4) {
            int co = 0;
            for (; co + 4 <= CO; co += 4) {
              v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
              const f32 *xp = x0 + ci, *gp = dy0 + co;
              for (int t = 0; t < n; t++, xp += xstep, gp += CO) {
                v128_t g = ld(gp);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(xp[0]), g));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_splat(xp[1]), g));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_splat(xp[2]), g));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_splat(xp[3]), g));
              }
              f32 *o = tap + (long)ci * CO + co;
              st(o, wasm_f32x4_add(ld(o), a0));
              st(o + CO, wasm_f32x4_add(ld(o + CO), a1));
              st(o + 2 * CO, wasm_f32x4_add(ld(o + 2 * CO), a2));
              st(o + 3 * CO, wasm_f32x4_add(ld(o + 3 * CO), a3));
            }
            for (; co < CO; co++)
              for (int q = 0; q < 4; q++) {
                f32 s = 0;
                const f32 *xp = x0 + ci + q, *gp = dy0 + co;
                for (int t = 0; t < n; t++, xp += xstep, gp += CO) s += *xp * *gp;
                tap[(long)(ci + q) * CO + co] += s;
              }
          }
          for (; ci < CI; ci++) {
            int co = 0;
            for (; co + 8 <= CO; co += 8) {
              v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
              const f32 *xp = x0 + ci, *gp = dy0 + co;
              for (int t = 0; t < n; t++, xp += xstep, gp += CO) {
                v128_t s = wasm_f32x4_splat(*xp);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s, ld(gp)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s, ld(gp + 4)));
              }
              f32 *o = tap + (long)ci * CO + co;
              st(o, wasm_f32x4_add(ld(o), a0));
              st(o + 4, wasm_f32x4_add(ld(o + 4), a1));
            }
            for (; co + 4 <= CO; co += 4) {
              v128_t a0 = wasm_f32x4_splat(0);
              const f32 *xp = x0 + ci, *gp = dy0 + co;
              for (int t = 0; t < n; t++, xp += xstep, gp += CO)
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(*xp), ld(gp)));
              f32 *o = tap + (long)ci * CO + co;
              st(o, wasm_f32x4_add(ld(o), a0));
            }
            for (; co < CO; co++) {
              f32 s = 0;
              const f32 *xp = x0 + ci, *gp = dy0 + co;
              for (int t = 0; t < n; t++, xp += xstep, gp += CO) s += *xp * *gp;
              tap[(long)ci * CO + co] += s;
            }
          }
        }
      }
    }
}

/*
 * Conv2DBackpropInput: dx[b,r,c,ci] = sum over taps (kh, kw) with r + pt - kh = i*sh and
 * c + pl - kw = j*sw inside dy, and over co, of dy[b,i,j,co] * w[kh,kw,ci,co].
 * Gathered per dx pixel (no accumulation in memory); `wt` is scratch of the filter's size
 * that receives the filter as [kh, kw, co, ci], so 4 input channels are one vector.
 */
/* One dx pixel (b, r, c), all input channels: the general case of the kernel below. */
static inline void bpi_pixel(const f32 *dy, const f32 *wt, f32 *dx, int b, int r, int c,
                             int CI, int OH, int OW, int CO, int fh, int fw, int sh, int sw,
                             int pt, int pl) {
  int ci = 0;
  for (; ci + 8 <= CI; ci += 8) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
    for (int kh = 0; kh < fh; kh++) {
      int ri = r + pt - kh;
      if (ri < 0 || ri % sh) continue;
      int i = ri / sh;
      if (i >= OH) continue;
      for (int kw = 0; kw < fw; kw++) {
        int cj = c + pl - kw;
        if (cj < 0 || cj % sw) continue;
        int j = cj / sw;
        if (j >= OW) continue;
        const f32 *g = dy + (((long)b * OH + i) * OW + j) * CO;
        const f32 *wp = wt + ((long)kh * fw + kw) * CO * CI + ci;
        for (int co = 0; co < CO; co++, wp += CI) {
          v128_t s = wasm_f32x4_splat(g[co]);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s, ld(wp)));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s, ld(wp + 4)));
        }
      }
    }
    st(dx + ci, a0);
    st(dx + ci + 4, a1);
  }
  for (; ci + 4 <= CI; ci += 4) {
    v128_t a0 = wasm_f32x4_splat(0);
    for (int kh = 0; kh < fh; kh++) {
      int ri = r + pt - kh;
      if (ri < 0 || ri % sh) continue;
      int i = ri / sh;
      if (i >= OH) continue;
      for (int kw = 0; kw < fw; kw++) {
        int cj = c + pl - kw;
        if (cj < 0 || cj % sw) continue;
        int j = cj / sw;
        if (j >= OW) continue;
        const f32 *g = dy + (((long)b * OH + i) * OW + j) * CO;
        const f32 *wp = wt + ((long)kh * fw + kw) * CO * CI + ci;
        for (int co = 0; co < CO; co++, wp += CI)
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(g[co]), ld(wp)));
      }
    }
    st(dx + ci, a0);
  }
  for (; ci < CI; ci++) {
    f32 acc = 0;
    for (int kh = 0; kh < fh; kh++) {
      int ri = r + pt - kh;
      if (ri < 0 || ri % sh) continue;
      int i = ri / sh;
      if (i >= OH) continue;
      for (int kw = 0; kw < fw; kw++) {
        int cj = c + pl - kw;
        if (cj < 0 || cj % sw) continue;
        int j = cj / sw;
        if (j >= OW) continue;
        const f32 *g = dy + (((long)b * OH + i) * OW + j) * CO;
        const f32 *wp = wt + ((long)kh * fw + kw) * CO * CI + ci;
        for (int co = 0; co < CO; co++, wp += CI) acc += g[co] * *wp;
      }
    }
    dx[ci] = acc;
  }
}

/*
 * Conv2DBackpropInput: dx[b,r,c,ci] = sum over taps (kh, kw) with r + pt - kh = i*sh and
 * c + pl - kw = j*sw inside dy, and over co, of dy[b,i,j,co] * w[kh,kw,ci,co].
 * Gathered per dx pixel (no accumulation in memory); `wt` is scratch of the filter's size
 * that receives the filter as [kh, kw, co, ci], so input channels are vectors. With stride
 * 1 and input channels in eights, four neighbouring pixels whose taps all fall inside dy
 * share each filter load (a 4 x 8 register tile); the rest goes pixel by pixel.
 */
EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(const f32 *dy, const f32 *w, f32 *dx, f32 *wt, int B, int H,
                           int W, int CI, int OH, int OW, int CO, int fh, int fw, int sh,
                           int sw, int pt, int pl) {
  for (int t = 0; t < fh * fw; t++)
    for (int ci = 0; ci < CI; ci++)
      for (int co = 0; co < CO; co++)
        wt[((long)t * CO + co) * CI + ci] = w[((long)t * CI + ci) * CO + co];
  int tiles = sh == 1 && sw == 1 && CI % 8 == 0;
  for (int b = 0; b < B; b++)
    for (int r = 0; r < H; r++) {
      f32 *dxrow = dx + (((long)b * H + r) * W) * CI;
      int c = 0;
      /* tile c..c+3 is interior when every tap's j = c + pl - kw (+3) is inside [0, OW) */
      for (; tiles && c + 4 <= W; c += 4) {
        if (c + pl - (fw - 1) < 0 || c + 3 + pl >= OW) {
          for (int q = 0; q < 4; q++)
            bpi_pixel(dy, wt, dxrow + (long)(c + q) * CI, b, r, c + q, CI, OH, OW, CO, fh,
                      fw, sh, sw, pt, pl);
          continue;
        }
        for (int ci = 0; ci < CI; ci += 8) {
          v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00,
                 a21 = a00, a30 = a00, a31 = a00;
          for (int kh = 0; kh < fh; kh++) {
            int i = r + pt - kh;
            if (i < 0 || i >= OH) continue;
            for (int kw = 0; kw < fw; kw++) {
              const f32 *g = dy + (((long)b * OH + i) * OW + (c + pl - kw)) * CO;
              const f32 *wp = wt + ((long)kh * fw + kw) * CO * CI + ci;
              for (int co = 0; co < CO; co++, wp += CI) {
                v128_t w0 = ld(wp), w1 = ld(wp + 4);
                v128_t s = wasm_f32x4_splat(g[co]);
                a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s, w0));
                a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s, w1));
                s = wasm_f32x4_splat(g[CO + co]);
                a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s, w0));
                a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s, w1));
                s = wasm_f32x4_splat(g[2 * CO + co]);
                a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(s, w0));
                a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(s, w1));
                s = wasm_f32x4_splat(g[3 * CO + co]);
                a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(s, w0));
                a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(s, w1));
              }
            }
          }
          f32 *o = dxrow + (long)c * CI + ci;
          st(o, a00); st(o + 4, a01);
          st(o + CI, a10); st(o + CI + 4, a11);
          st(o + 2 * CI, a20); st(o + 2 * CI + 4, a21);
          st(o + 3 * CI, a30); st(o + 3 * CI + 4, a31);
        }
      }
      for (; c < W; c++)
        bpi_pixel(dy, wt, dxrow + (long)c * CI, b, r, c, CI, OH, OW, CO, fh, fw, sh, sw, pt,
                  pl);
    }
}

/* Bias add: y[r, c] = x[r, c] + bias[c] for `rows` rows of C values. */
EXPORT(bias_add)
void bias_add(const f32 *x, const f32 *bias, f32 *y, int rows, int C) {
  for (int r = 0; r < rows; r++, x += C, y += C) {
    int c = 0;
    for (; c + 4 <= C; c += 4) st(y + c, wasm_f32x4_add(ld(x + c), ld(bias + c)));
    for (; c < C; c++) y[c] = x[c] + bias[c];
  }
}

/*
 * The bias gradient: y[c] = sum over rows of x[r, c], summed in double in row order (as
 * the cpu backend does), 8 columns at a time.
 */
EXPORT(sum_rows)
void sum_rows(const f32 *x, f32 *y, int rows, int C) {
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t lo = wasm_f64x2_splat(0), hi = lo;
    const f32 *p = x + c;
    for (int r = 0; r < rows; r++, p += C) {
      v128_t v = ld(p);
      lo = wasm_f64x2_add(lo, wasm_f64x2_promote_low_f32x4(v));
      hi = wasm_f64x2_add(hi, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    st(y + c, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo),
                                 wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; c < C; c++) {
    double s = 0;
    const f32 *p = x + c;
    for (int r = 0; r < rows; r++, p += C) s += *p;
    y[c] = (f32)s;
  }
}

/*
 * The ReLU gradient in one pass: dx = dy * step(x), step(x) = 1 if x > 0, NaN if x is NaN,
 * else 0 (what Multiply(dy, Cast(Step(x))) computes, NaN and -0 included).
 */
EXPORT(relu_grad)
void relu_grad(const f32 *dy, const f32 *x, f32 *dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  const v128_t nan = wasm_f32x4_splat(__builtin_nanf(""));
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t v = ld(x + k);
    v128_t s = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(v, zero));
    s = wasm_v128_bitselect(nan, s, wasm_f32x4_ne(v, v));
    st(dx + k, wasm_f32x4_mul(ld(dy + k), s));
  }
  for (; k < n; k++) {
    f32 v = x[k];
    f32 s = v > 0 ? 1.0f : (v != v ? __builtin_nanf("") : 0.0f);
    dx[k] = dy[k] * s;
  }
}
