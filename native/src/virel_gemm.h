/*
 * virel_gemm: our own single-precision GEMM for x86-64 (AVX-512F or AVX2 + FMA micro-kernels, chosen at run time),
 * used by virel_blas.c in place of the BLAS library's sgemm where the CPU has them (`setGemm`, VIREL_NATIVE_GEMM).
 *
 *   C[M×N] (+)= op(A)[M×K] · op(B)[K×N]      row-major; op = identity or transpose; lda / ldb the row strides
 *
 * Every output element is ONE fused multiply-add chain in k order, c ← fma(a_ip, b_pj, c) for p = 0 … K−1,
 * starting from 0 (accumulate = 0) or from the value already in C (accumulate = 1) — except that for N ≤ 4 with A
 * untransposed it is 16 such chains, lane l over p ≡ l (mod 16), added pairwise (l + (l+8), then + 4, then
 * (0+2) + (1+3)). Which form depends only on N and the storage of A, so an element does not depend on M, its
 * position, the blocking, the ISA (the AVX-512 and AVX2 kernels give the same bits) or the thread that runs it:
 * products are row-invariant (a row multiplied alone equals the same row in a batch) — what OpenBLAS does not
 * promise.
 */
#ifndef VIREL_GEMM_H
#define VIREL_GEMM_H
#include <stddef.h>

/* Kernel choices: what `virel_gemm_kernel()` returns and `virel_gemm_select` takes. */
enum { VIREL_GEMM_NONE = 0, VIREL_GEMM_AVX2 = 1, VIREL_GEMM_AVX512 = 2 };

/* The best kernel this CPU (and OS) supports: VIREL_GEMM_AVX512, VIREL_GEMM_AVX2 or VIREL_GEMM_NONE. */
int virel_gemm_best(void);

/* Human-readable name of a kernel choice ("AVX-512F 8×32", "AVX2+FMA 6×16", "none"). */
const char *virel_gemm_name(int kernel);

/* What happens to C after the product: c ← c + bias[i·bsm + j·bsn] (bias may be NULL), then max(c, 0) if relu. */
typedef struct {
  const float *bias;
  size_t bsm, bsn;
  int relu;
} virel_epilogue;

/*
 * C = op(A)·op(B) (accumulate 0) or C += op(A)·op(B) (accumulate 1) with the given kernel (which must be
 * supported: see virel_gemm_best), then the epilogue `ep` (NULL: none) — the bias added to the finished sum, as
 * a separate bias-add after the product would. K may be 0 (then C is zeroed, or left as it is when accumulating,
 * before the epilogue). Returns 0, or -1 when the packing buffer cannot be allocated (C untouched).
 */
int virel_sgemm(int kernel, int transA, int transB, int M, int N, int K, const float *A, size_t lda, const float *B,
                size_t ldb, float *C, size_t ldc, int accumulate, const virel_epilogue *ep);

#endif
