/*
 * virel_elementwise: the fused update's elementwise passes on the wasm heap, natively — one Adam step, one Polyak
 * step, a ReLU mask — with exactly the float32 operations of their WebAssembly SIMD and JavaScript versions
 * (src/agents/fused/simd.ts: adamJs, polyakJs, reluMaskJs), each rounded once and never fused into an fma (this
 * file is built with -ffp-contract=off and uses separate multiplies and adds), so all three give the same bits.
 * AVX-512F where the CPU has it (16 floats a step, against WebAssembly's 4), else AVX, else scalar C.
 */
#include "virel_elementwise.h"

#include <math.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VIREL_EW_X86 1
#include <immintrin.h>
#endif

/* The scalar forms (the tails, and CPUs without AVX): simd.ts's JavaScript loops in float32. */
static void adam_scalar(size_t from, size_t n, const float *w, const float *g, const float *m, const float *v, float *w2,
                        float *m2, float *v2, const virel_adam_constants *k) {
  for (size_t j = from; j < n; j++) {
    const float gj = g[j];
    const float mj = m[j] * k->b1 + gj * k->c1;
    const float vj = v[j] * k->b2 + (gj * gj) * k->c2;
    m2[j] = mj;
    v2[j] = vj;
    w2[j] = w[j] - k->step * (mj / (sqrtf(vj) * k->isb + k->eps));
  }
}

#ifdef VIREL_EW_X86
__attribute__((target("avx512f"))) static size_t adam512(size_t n, const float *w, const float *g, const float *m,
                                                         const float *v, float *w2, float *m2, float *v2,
                                                         const virel_adam_constants *k) {
  const __m512 b1 = _mm512_set1_ps(k->b1), c1 = _mm512_set1_ps(k->c1), b2 = _mm512_set1_ps(k->b2),
               c2 = _mm512_set1_ps(k->c2), step = _mm512_set1_ps(k->step), isb = _mm512_set1_ps(k->isb),
               eps = _mm512_set1_ps(k->eps);
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512 gj = _mm512_loadu_ps(g + j);
    const __m512 mj = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + j), b1), _mm512_mul_ps(gj, c1));
    const __m512 vj = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + j), b2), _mm512_mul_ps(_mm512_mul_ps(gj, gj), c2));
    _mm512_storeu_ps(m2 + j, mj);
    _mm512_storeu_ps(v2 + j, vj);
    const __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vj), isb), eps);
    _mm512_storeu_ps(w2 + j, _mm512_sub_ps(_mm512_loadu_ps(w + j), _mm512_mul_ps(step, _mm512_div_ps(mj, den))));
  }
  return j;
}

__attribute__((target("avx"))) static size_t adam256(size_t n, const float *w, const float *g, const float *m,
                                                     const float *v, float *w2, float *m2, float *v2,
                                                     const virel_adam_constants *k) {
  const __m256 b1 = _mm256_set1_ps(k->b1), c1 = _mm256_set1_ps(k->c1), b2 = _mm256_set1_ps(k->b2),
               c2 = _mm256_set1_ps(k->c2), step = _mm256_set1_ps(k->step), isb = _mm256_set1_ps(k->isb),
               eps = _mm256_set1_ps(k->eps);
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 gj = _mm256_loadu_ps(g + j);
    const __m256 mj = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + j), b1), _mm256_mul_ps(gj, c1));
    const __m256 vj = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + j), b2), _mm256_mul_ps(_mm256_mul_ps(gj, gj), c2));
    _mm256_storeu_ps(m2 + j, mj);
    _mm256_storeu_ps(v2 + j, vj);
    const __m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vj), isb), eps);
    _mm256_storeu_ps(w2 + j, _mm256_sub_ps(_mm256_loadu_ps(w + j), _mm256_mul_ps(step, _mm256_div_ps(mj, den))));
  }
  return j;
}

__attribute__((target("avx512f"))) static size_t polyak512(size_t n, const float *s, const float *t, float *out,
                                                           float tau, float omt) {
  const __m512 a = _mm512_set1_ps(tau), b = _mm512_set1_ps(omt);
  size_t j = 0;
  for (; j + 16 <= n; j += 16)
    _mm512_storeu_ps(out + j, _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(s + j), a), _mm512_mul_ps(_mm512_loadu_ps(t + j), b)));
  return j;
}

__attribute__((target("avx"))) static size_t polyak256(size_t n, const float *s, const float *t, float *out, float tau,
                                                       float omt) {
  const __m256 a = _mm256_set1_ps(tau), b = _mm256_set1_ps(omt);
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(s + j), a), _mm256_mul_ps(_mm256_loadu_ps(t + j), b)));
  return j;
}

/* g ← h > 0 ? g : 0 (a NaN h gives 0, as h > 0 is false) */
__attribute__((target("avx512f"))) static size_t mask512(size_t n, float *g, const float *h) {
  const __m512 z = _mm512_setzero_ps();
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __mmask16 pos = _mm512_cmp_ps_mask(_mm512_loadu_ps(h + j), z, _CMP_GT_OQ);
    _mm512_storeu_ps(g + j, _mm512_maskz_mov_ps(pos, _mm512_loadu_ps(g + j)));
  }
  return j;
}

__attribute__((target("avx"))) static size_t mask256(size_t n, float *g, const float *h) {
  const __m256 z = _mm256_setzero_ps();
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 pos = _mm256_cmp_ps(_mm256_loadu_ps(h + j), z, _CMP_GT_OQ);
    _mm256_storeu_ps(g + j, _mm256_and_ps(pos, _mm256_loadu_ps(g + j)));
  }
  return j;
}

static int isa(void) {
  static int level = -1;
  if (level < 0) {
    __builtin_cpu_init();
    level = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx") ? 1 : 0;
  }
  return level;
}
#endif

void virel_adam(size_t n, const float *w, const float *g, const float *m, const float *v, float *w2, float *m2,
                float *v2, const virel_adam_constants *k) {
  size_t j = 0;
#ifdef VIREL_EW_X86
  if (isa() == 2) j = adam512(n, w, g, m, v, w2, m2, v2, k);
  else if (isa() == 1) j = adam256(n, w, g, m, v, w2, m2, v2, k);
#endif
  adam_scalar(j, n, w, g, m, v, w2, m2, v2, k);
}

void virel_polyak(size_t n, const float *s, const float *t, float *out, float tau, float omt) {
  size_t j = 0;
#ifdef VIREL_EW_X86
  if (isa() == 2) j = polyak512(n, s, t, out, tau, omt);
  else if (isa() == 1) j = polyak256(n, s, t, out, tau, omt);
#endif
  for (; j < n; j++) out[j] = s[j] * tau + t[j] * omt;
}

void virel_relu_mask(size_t n, float *g, const float *h) {
  size_t j = 0;
#ifdef VIREL_EW_X86
  if (isa() == 2) j = mask512(n, g, h);
  else if (isa() == 1) j = mask256(n, g, h);
#endif
  for (; j < n; j++) g[j] = h[j] > 0.0f ? g[j] : 0.0f;
}
