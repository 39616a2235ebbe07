/*
 * virel_elementwise: the fused update's elementwise passes (Adam, Polyak, ReLU mask) in native code, bit-identical
 * to their WebAssembly SIMD and JavaScript versions (src/agents/fused/simd.ts). See virel_elementwise.c.
 */
#ifndef VIREL_ELEMENTWISE_H
#define VIREL_ELEMENTWISE_H
#include <stddef.h>

/* Adam's float32 constants, as simd.ts's AdamConstants: β₁, 1−β₁, β₂, 1−β₂, lr/(1−β₁ᵗ), 1/√(1−β₂ᵗ), ε. */
typedef struct {
  float b1, c1, b2, c2, step, isb, eps;
} virel_adam_constants;

/* m′ = m·β₁ + g·(1−β₁), v′ = v·β₂ + g²·(1−β₂), w′ = w − step·(m′ / (√v′·isb + ε)) into w2, m2, v2. */
void virel_adam(size_t n, const float *w, const float *g, const float *m, const float *v, float *w2, float *m2,
                float *v2, const virel_adam_constants *k);

/* out = s·τ + t·(1−τ) */
void virel_polyak(size_t n, const float *s, const float *t, float *out, float tau, float omt);

/* g ← h > 0 ? g : 0, in place */
void virel_relu_mask(size_t n, float *g, const float *h);

#endif
