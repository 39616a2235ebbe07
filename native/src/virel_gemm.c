/*
 * virel_gemm: our own single-precision GEMM for x86-64 (see virel_gemm.h for what it computes and promises).
 *
 * Why: at the update's sizes (256-wide layers, batch 256) the products are most of the time, and the BLAS library
 * is only as fast as the kernels it picks: Debian's OpenBLAS 0.3.21 picks by CPU model, and a machine that sets
 * OPENBLAS_CORETYPE=Haswell (this project's build machine does) gets its AVX2 kernels on an AVX-512 CPU — 256³ in
 * 0.36–0.40 ms against 0.20–0.21 ms with its AVX-512 ("Cooperlake") kernels (dist/bench/matmul.js, 2026-12-06).
 * These kernels are chosen from what the CPU and OS report (__builtin_cpu_supports).
 *
 * The method is the usual one (Goto; BLIS), with op(A) read in place: op(B) is packed into NR-column strips,
 * k-major and zero-padded, KC of the k range at a time; a register-blocked micro-kernel updates one MR×NR tile of
 * C per strip: for every p it loads one row of the B strip, broadcasts a_ip for each of its MR rows (from MR row
 * pointers: either storage of A works, with p stepping by 1 or by lda) and does MR·NR/W fused multiply-adds
 * (W = 16 floats a vector with AVX-512, 8 with AVX2). Narrow and short outputs use other kernels, so a 1-column
 * product does not do NR columns' work: N ≤ 4 with A untransposed — dot products of contiguous runs in 16
 * lanes; N < NR/2 with A transposed, and M < MR with B untransposed — the long side in a vector's lanes against
 * 1, 4 or 8 packed columns of the other operand (for M < MR as Cᵀ = op(B)ᵀ·op(A)ᵀ, written back transposed).
 *
 * Each output element is the same chain c ← fma(a_ip, b_pj, c), p ascending, in every kernel but the dot one and
 * in every block layout (a block's partial sums are stored to C and read back, which is exact), hence the
 * bit-identity promised in the header. Tests: test/engine/native-gemm.test.ts.
 */
#include "virel_gemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VIREL_GEMM_X86 1
#include <immintrin.h>
#endif

/* Per-thread packing buffer for op(B) (the calling thread and the second lane's worker each get their own). */
static __thread float *pack_b = NULL;
static __thread size_t cap_b = 0;

static float *grow(float **buf, size_t *cap, size_t floats) {
  if (*cap >= floats) return *buf;
  free(*buf);
  *buf = NULL;
  *cap = 0;
  void *p = NULL;
  if (posix_memalign(&p, 64, floats * sizeof(float)) != 0) return NULL;
  *buf = (float *)p;
  *cap = floats;
  return *buf;
}

/* op(B)[p][j] for rows p0 … p0+kc, columns j0 … j0+nc, as ceil(nc/nr) strips [kc][nr], zero-padded. */
static void pack_cols(float *restrict dst, const float *restrict B, size_t ldb, int transB, int p0, int kc, int j0,
                      int nc, int nr) {
  for (int s = 0; s < nc; s += nr) {
    const int cols = nc - s < nr ? nc - s : nr;
    float *restrict d = dst + (size_t)s * kc;
    if (!transB) {
      /* element (p, j) at B[p·ldb + j]: a strip row is contiguous */
      for (int p = 0; p < kc; p++) {
        const float *src = B + (size_t)(p0 + p) * ldb + (size_t)(j0 + s);
        float *row = d + (size_t)p * nr;
        int j = 0;
        for (; j < cols; j++) row[j] = src[j];
        for (; j < nr; j++) row[j] = 0.0f;
      }
    } else {
      /* element (p, j) at B[j·ldb + p]: p outer (contiguous stores, the nr source rows stay in L1) */
      const float *src = B + (size_t)(j0 + s) * ldb + (size_t)p0;
      for (int p = 0; p < kc; p++) {
        float *row = d + (size_t)p * nr;
        int j = 0;
        for (; j < cols; j++) row[j] = src[(size_t)j * ldb + p];
        for (; j < nr; j++) row[j] = 0.0f;
      }
    }
  }
}

/*
 * op(A) is read in place, never packed: the micro-kernels broadcast a_ip from `rows[i] + p·sp` — rows[i] the
 * address of op(A)[i][0] and sp the step from one p to the next (1 when A is stored row-major untransposed, lda
 * when transposed). A tile cut by M's edge points its missing rows at its last row; those results are dropped.
 */
typedef void (*tile_fn)(int kc, const float *const *rows, size_t sp, const float *b, float *c, size_t ldc,
                        int load, const float *bias, int relu);

/* One tile's update through a full MR×NR buffer when the tile is cut by C's edge (bias: n columns, or NULL). */
static void edge_tile(tile_fn kern, int nr, int kc, const float *const *rows, size_t sp, const float *b, float *C,
                      size_t ldc, int m, int n, int load, const float *bias, int relu) {
  float tmp[16 * 32] __attribute__((aligned(64)));
  float bpad[32] __attribute__((aligned(64))) = {0};
  if (load) {
    for (int i = 0; i < m; i++) memcpy(tmp + i * nr, C + (size_t)i * ldc, sizeof(float) * (size_t)n);
  }
  if (bias != NULL) memcpy(bpad, bias, sizeof(float) * (size_t)n);
  kern(kc, rows, sp, b, tmp, (size_t)nr, load, bias != NULL ? bpad : NULL, relu);
  for (int i = 0; i < m; i++) memcpy(C + (size_t)i * ldc, tmp + i * nr, sizeof(float) * (size_t)n);
}

#ifdef VIREL_GEMM_X86

/* ---- AVX-512F ---- */

#define MR512 8
#define NR512 32

/* 8 rows × 32 columns (16 accumulators): per p, two B loads, 8 broadcasts, 16 fused multiply-adds. */
__attribute__((target("avx512f"))) static void kern512(int kc, const float *const *rows, size_t sp,
                                                        const float *restrict b, float *restrict c, size_t ldc,
                                                        int load, const float *bias, int relu) {
  __m512 c0[MR512], c1[MR512];
  const float *r[MR512];
#pragma GCC unroll 16
  for (int i = 0; i < MR512; i++) {
    r[i] = rows[i];
    c0[i] = load ? _mm512_loadu_ps(c + (size_t)i * ldc) : _mm512_setzero_ps();
    c1[i] = load ? _mm512_loadu_ps(c + (size_t)i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    const size_t o = (size_t)p * sp;
#pragma GCC unroll 16
    for (int i = 0; i < MR512; i++) {
      const __m512 ai = _mm512_set1_ps(r[i][o]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
    b += NR512;
  }
  /* the epilogue of the last k block: + bias (a row vector), then ReLU — max(c, 0) gives 0 for NaN, as c > 0 ? c : 0 */
  if (bias != NULL) {
    const __m512 d0 = _mm512_loadu_ps(bias), d1 = _mm512_loadu_ps(bias + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR512; i++) {
      c0[i] = _mm512_add_ps(c0[i], d0);
      c1[i] = _mm512_add_ps(c1[i], d1);
    }
  }
  if (relu) {
    const __m512 z = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < MR512; i++) {
      c0[i] = _mm512_max_ps(c0[i], z);
      c1[i] = _mm512_max_ps(c1[i], z);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR512; i++) {
    _mm512_storeu_ps(c + (size_t)i * ldc, c0[i]);
    _mm512_storeu_ps(c + (size_t)i * ldc + 16, c1[i]);
  }
}

/* The same kernel specialised for sp = 1 (A untransposed: each row a contiguous run). */
__attribute__((target("avx512f"))) static void kern512_rows(int kc, const float *const *rows, size_t sp,
                                                             const float *b, float *c, size_t ldc, int load,
                                                             const float *bias, int relu) {
  (void)sp;
  kern512(kc, rows, 1, b, c, ldc, load, bias, relu);
}

/*
 * Narrow output, op(A)'s columns contiguous (a[p·lda + i], i < m ≤ 16): 16 rows in a vector's lanes against up to
 * NW columns of packed B ([kc][NW]); c_ij — written at C[i·rs + j·cs] — is the same k-order fma chain as in
 * kern512.
 */
#define NW 8
/* Prefetch distance (in p) for strided reads of op(A): a row of A per p is a new cache line, which the hardware
 * prefetchers do not follow well when A has left the caches (measured in the update: 120 µs cold, 32 µs warm for
 * 256×12×256 with A transposed). Prefetches never fault, so reading ahead of A's end is harmless. */
#define PF 12
/* narrow512_<W>: the kernel for up to W ≤ NW columns (instantiated for W = 1, 4, 8: a 1-column pass does 1 fma per p) */
#define NARROW512(W)                                                                                                  \
  __attribute__((target("avx512f"))) static void narrow512_##W(int kc, const float *a, size_t lda,                  \
                                                               const float *restrict b, float *restrict C,           \
                                                               size_t rs, size_t cs, int m, int n, int load) {       \
    float tmp[NW][16] __attribute__((aligned(64)));                                                                  \
    const __mmask16 mask = (__mmask16)((1u << m) - 1u);                                                              \
    __m512 acc[W];                                                                                                   \
    _Pragma("GCC unroll 8") for (int j = 0; j < W; j++) {                                                            \
      if (load && j < n) {                                                                                           \
        for (int i = 0; i < 16; i++) tmp[j][i] = i < m ? C[(size_t)i * rs + (size_t)j * cs] : 0.0f;                  \
        acc[j] = _mm512_load_ps(tmp[j]);                                                                             \
      } else {                                                                                                       \
        acc[j] = _mm512_setzero_ps();                                                                                \
      }                                                                                                              \
    }                                                                                                                \
    for (int p = 0; p < kc; p++) {                                                                                   \
      _mm_prefetch((const char *)(a + (size_t)(p + PF) * lda), _MM_HINT_T0);                                         \
      const __m512 av = _mm512_maskz_loadu_ps(mask, a + (size_t)p * lda);                                            \
      _Pragma("GCC unroll 8") for (int j = 0; j < W; j++) acc[j] = _mm512_fmadd_ps(av, _mm512_set1_ps(b[j]), acc[j]); \
      b += W;                                                                                                        \
    }                                                                                                                \
    for (int j = 0; j < n; j++) {                                                                                    \
      _mm512_store_ps(tmp[j], acc[j]);                                                                               \
      for (int i = 0; i < m; i++) C[(size_t)i * rs + (size_t)j * cs] = tmp[j][i];                                    \
    }                                                                                                                \
  }
NARROW512(1)
NARROW512(4)
NARROW512(8)

/*
 * Narrow output, A untransposed: each c_ij a dot product of two contiguous runs (row i of A, column j of B packed
 * as [n][K]) in 16 lanes — lane l sums p ≡ l (mod 16) as an fma chain — then the lanes added pairwise: l + (l+8),
 * then + 4, + 2, + 1. dot256 below does exactly the same operations in two 8-lane halves.
 */
__attribute__((target("avx512f"))) static float dot512(const float *a, const float *b, int K) {
  __m512 acc = _mm512_setzero_ps();
  int p = 0;
  for (; p + 16 <= K; p += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), _mm512_loadu_ps(b + p), acc);
  if (p < K) {
    const __mmask16 mask = (__mmask16)((1u << (K - p)) - 1u);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + p), _mm512_maskz_loadu_ps(mask, b + p), acc);
  }
  float l[16] __attribute__((aligned(64)));
  _mm512_store_ps(l, acc);
  float h8[8], h4[4];
  for (int i = 0; i < 8; i++) h8[i] = l[i] + l[i + 8];
  for (int i = 0; i < 4; i++) h4[i] = h8[i] + h8[i + 4];
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

/* ---- AVX2 + FMA ---- */

#define MR256 6
#define NR256 16

/* 6 rows × 16 columns (12 accumulators). */
__attribute__((target("avx2,fma"))) static void kern256(int kc, const float *const *rows, size_t sp,
                                                         const float *restrict b, float *restrict c, size_t ldc,
                                                         int load, const float *bias, int relu) {
  __m256 c0[MR256], c1[MR256];
  const float *r[MR256];
#pragma GCC unroll 6
  for (int i = 0; i < MR256; i++) {
    r[i] = rows[i];
    c0[i] = load ? _mm256_loadu_ps(c + (size_t)i * ldc) : _mm256_setzero_ps();
    c1[i] = load ? _mm256_loadu_ps(c + (size_t)i * ldc + 8) : _mm256_setzero_ps();
  }
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    const size_t o = (size_t)p * sp;
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++) {
      const __m256 ai = _mm256_broadcast_ss(r[i] + o);
      c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
    }
    b += NR256;
  }
  if (bias != NULL) {
    const __m256 d0 = _mm256_loadu_ps(bias), d1 = _mm256_loadu_ps(bias + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++) {
      c0[i] = _mm256_add_ps(c0[i], d0);
      c1[i] = _mm256_add_ps(c1[i], d1);
    }
  }
  if (relu) {
    const __m256 z = _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++) {
      c0[i] = _mm256_max_ps(c0[i], z);
      c1[i] = _mm256_max_ps(c1[i], z);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR256; i++) {
    _mm256_storeu_ps(c + (size_t)i * ldc, c0[i]);
    _mm256_storeu_ps(c + (size_t)i * ldc + 8, c1[i]);
  }
}

__attribute__((target("avx2,fma"))) static void kern256_rows(int kc, const float *const *rows, size_t sp,
                                                              const float *b, float *c, size_t ldc, int load,
                                                              const float *bias, int relu) {
  (void)sp;
  kern256(kc, rows, 1, b, c, ldc, load, bias, relu);
}

/* Lane masks for _mm256_maskload_ps: the first n of 8 lanes. */
static const int32_t LANES8[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

#define NARROW256(W)                                                                                                  \
  __attribute__((target("avx2,fma"))) static void narrow256_##W(int kc, const float *a, size_t lda,                 \
                                                                const float *restrict b, float *restrict C,          \
                                                                size_t rs, size_t cs, int m, int n, int load) {      \
    float tmp[NW][8] __attribute__((aligned(32)));                                                                   \
    const __m256i mask = _mm256_loadu_si256((const __m256i *)(LANES8 + 8 - m));                                      \
    __m256 acc[W];                                                                                                   \
    _Pragma("GCC unroll 8") for (int j = 0; j < W; j++) {                                                            \
      if (load && j < n) {                                                                                           \
        for (int i = 0; i < 8; i++) tmp[j][i] = i < m ? C[(size_t)i * rs + (size_t)j * cs] : 0.0f;                   \
        acc[j] = _mm256_load_ps(tmp[j]);                                                                             \
      } else {                                                                                                       \
        acc[j] = _mm256_setzero_ps();                                                                                \
      }                                                                                                              \
    }                                                                                                                \
    for (int p = 0; p < kc; p++) {                                                                                   \
      _mm_prefetch((const char *)(a + (size_t)(p + PF) * lda), _MM_HINT_T0);                                         \
      const __m256 av = _mm256_maskload_ps(a + (size_t)p * lda, mask);                                               \
      _Pragma("GCC unroll 8") for (int j = 0; j < W; j++) acc[j] =                                                   \
          _mm256_fmadd_ps(av, _mm256_broadcast_ss(b + j), acc[j]);                                                   \
      b += W;                                                                                                        \
    }                                                                                                                \
    for (int j = 0; j < n; j++) {                                                                                    \
      _mm256_store_ps(tmp[j], acc[j]);                                                                               \
      for (int i = 0; i < m; i++) C[(size_t)i * rs + (size_t)j * cs] = tmp[j][i];                                    \
    }                                                                                                                \
  }
NARROW256(1)
NARROW256(4)
NARROW256(8)

/* dot512's operations in two 8-lane halves (lanes 0–7 and 8–15): the same sums, the same bits. */
__attribute__((target("avx2,fma"))) static float dot256(const float *a, const float *b, int K) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  int p = 0;
  for (; p + 16 <= K; p += 16) {
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), _mm256_loadu_ps(b + p), lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 8), _mm256_loadu_ps(b + p + 8), hi);
  }
  if (p < K) {
    const int t = K - p, tlo = t < 8 ? t : 8, thi = t - tlo;
    const __m256i mlo = _mm256_loadu_si256((const __m256i *)(LANES8 + 8 - tlo));
    const __m256i mhi = _mm256_loadu_si256((const __m256i *)(LANES8 + 8 - thi));
    lo = _mm256_fmadd_ps(_mm256_maskload_ps(a + p, mlo), _mm256_maskload_ps(b + p, mlo), lo);
    hi = _mm256_fmadd_ps(_mm256_maskload_ps(a + p + 8, mhi), _mm256_maskload_ps(b + p + 8, mhi), hi);
  }
  float l[16] __attribute__((aligned(32)));
  _mm256_store_ps(l, lo);
  _mm256_store_ps(l + 8, hi);
  float h8[8], h4[4];
  for (int i = 0; i < 8; i++) h8[i] = l[i] + l[i + 8];
  for (int i = 0; i < 4; i++) h4[i] = h8[i] + h8[i + 4];
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

typedef void (*narrow_fn)(int kc, const float *a, size_t lda, const float *b, float *C, size_t rs, size_t cs, int m,
                          int n, int load);

int virel_gemm_best(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return VIREL_GEMM_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return VIREL_GEMM_AVX2;
  return VIREL_GEMM_NONE;
}

#else

int virel_gemm_best(void) { return VIREL_GEMM_NONE; }

#endif

const char *virel_gemm_name(int kernel) {
  switch (kernel) {
    case VIREL_GEMM_AVX512: return "AVX-512F 8×32";
    case VIREL_GEMM_AVX2: return "AVX2+FMA 6×16";
    default: return "none";
  }
}

/* Blocking: KC of the k range at a time (a B strip of KC×NR floats stays in L1), NC columns of packed B. */
#define KC 256
#define NC_STRIPS 64

/* C ← C + bias, then max(·, 0) where relu (c > 0 ? c : 0: NaN gives 0, as the kernels' max) — a pass over C. */
static void apply_epilogue(float *C, size_t ldc, int M, int N, const virel_epilogue *ep) {
  if (ep == NULL || (ep->bias == NULL && !ep->relu)) return;
  for (int i = 0; i < M; i++) {
    float *c = C + (size_t)i * ldc;
    if (ep->bias != NULL) {
      const float *b = ep->bias + (size_t)i * ep->bsm;
      for (int j = 0; j < N; j++) c[j] = c[j] + b[(size_t)j * ep->bsn];
    }
    if (ep->relu)
      for (int j = 0; j < N; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
  }
}

int virel_sgemm(int kernel, int transA, int transB, int M, int N, int K, const float *A, size_t lda, const float *B,
                size_t ldb, float *C, size_t ldc, int accumulate, const virel_epilogue *ep) {
  if (M <= 0 || N <= 0) return 0;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, sizeof(float) * (size_t)N);
    apply_epilogue(C, ldc, M, N, ep);
    return 0;
  }
#ifdef VIREL_GEMM_X86
  if (kernel != VIREL_GEMM_AVX512 && kernel != VIREL_GEMM_AVX2) return -1;
  const int wide = kernel == VIREL_GEMM_AVX512;
  const int mr = wide ? MR512 : MR256, nr = wide ? NR512 : NR256;
  /* element (i, p) of op(A) at A + i·si + p·sp */
  const size_t si = transA ? 1 : lda, sp = transA ? lda : 1;
  if (N <= 4 && !transA) {
    /* narrow, A untransposed: dot products of contiguous runs; B's columns packed as [N][K] */
    float *pb = grow(&pack_b, &cap_b, (size_t)N * (size_t)K);
    if (pb == NULL) return -1;
    for (int j = 0; j < N; j++)
      for (int p = 0; p < K; p++) pb[(size_t)j * K + p] = transB ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j];
    float (*dot)(const float *, const float *, int) = wide ? dot512 : dot256;
    for (int i = 0; i < M; i++) {
      const float *ai = A + (size_t)i * lda;
      float *ci = C + (size_t)i * ldc;
      for (int j = 0; j < N; j++) {
        const float d = dot(ai, pb + (size_t)j * K, K);
        ci[j] = accumulate ? ci[j] + d : d;
      }
    }
    apply_epilogue(C, ldc, M, N, ep);
    return 0;
  }
  /*
   * Columns-in-lanes passes (the narrow kernels), each element the same fma chain as in the wide kernel:
   *   - N < NR/2 with op(A)'s columns contiguous (A transposed): C = op(A)·op(B) directly;
   *   - M < MR with op(B)'s rows contiguous (B untransposed): Cᵀ = op(B)ᵀ·op(A)ᵀ, written back transposed (a
   *     one-row product, a bias gradient 1ᵀg, does not do MR rows' work).
   */
  const int by_rows = 2 * N < nr && transA, by_cols = !by_rows && M < mr && !transB;
  if (by_rows || by_cols) {
    const int lanes = wide ? 16 : 8;
    /* the lane operand L (its element (l, p) at L[p·ldl + l]) and the packed one R (element (p, r)) */
    const float *Lm = by_rows ? A : B, *Rm = by_rows ? B : A;
    const size_t ldl = by_rows ? lda : ldb, ldr = by_rows ? ldb : lda;
    const int transR = by_rows ? transB : !transA;
    const int nl = by_rows ? M : N, nrr = by_rows ? N : M;
    const size_t rs = by_rows ? ldc : 1, cs = by_rows ? 1 : ldc; /* C strides of a lane row and an R column */
    /* columns per pass: 1, 4 or NW (the kernels for fewer columns do less work) */
    const int w = nrr <= 1 ? 1 : nrr <= 4 ? 4 : NW;
    const narrow_fn nk = wide ? (w == 1 ? narrow512_1 : w == 4 ? narrow512_4 : narrow512_8)
                              : (w == 1 ? narrow256_1 : w == 4 ? narrow256_4 : narrow256_8);
    const int ncp = (nrr + w - 1) / w * w;
    float *pb = grow(&pack_b, &cap_b, (size_t)ncp * KC);
    if (pb == NULL) return -1;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const int load = accumulate || pc > 0;
      pack_cols(pb, Rm, ldr, transR, pc, kc, 0, nrr, w);
      for (int l0 = 0; l0 < nl; l0 += lanes) {
        const int m = nl - l0 < lanes ? nl - l0 : lanes;
        const float *a = Lm + (size_t)pc * ldl + (size_t)l0;
        for (int j = 0; j < nrr; j += w) {
          const int n = nrr - j < w ? nrr - j : w;
          nk(kc, a, ldl, pb + (size_t)j * kc, C + (size_t)l0 * rs + (size_t)j * cs, rs, cs, m, n, load);
        }
      }
    }
    apply_epilogue(C, ldc, M, N, ep);
    return 0;
  }
  const tile_fn kern = transA ? (wide ? kern512 : kern256) : (wide ? kern512_rows : kern256_rows);
  /* a row-vector bias and ReLU go into the kernels' last k block (in registers); anything else is a pass after */
  const int fused = ep != NULL && (ep->bias == NULL || (ep->bsm == 0 && ep->bsn == 1));
  const float *fbias = fused ? ep->bias : NULL;
  const int frelu = fused && ep->relu;
  const int NC = nr * NC_STRIPS;
  float *pb = grow(&pack_b, &cap_b, (size_t)NC * KC);
  if (pb == NULL) return -1;
  const float *rows[16];
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const int load = accumulate || pc > 0;
      pack_cols(pb, B, ldb, transB, pc, kc, jc, nc, nr);
      for (int i0 = 0; i0 < M; i0 += mr) {
        const int m = M - i0 < mr ? M - i0 : mr;
        for (int i = 0; i < mr; i++) rows[i] = A + (size_t)(i0 + (i < m ? i : m - 1)) * si + (size_t)pc * sp;
        for (int js = 0; js < nc; js += nr) {
          const int n = nc - js < nr ? nc - js : nr;
          float *c = C + (size_t)i0 * ldc + (size_t)(jc + js);
          const float *bs = pb + (size_t)js * kc;
          const int last = pc + kc >= K;
          const float *tb = last && fbias != NULL ? fbias + jc + js : NULL;
          const int tr = last && frelu;
          if (m == mr && n == nr)
            kern(kc, rows, sp, bs, c, ldc, load, tb, tr);
          else
            edge_tile(kern, nr, kc, rows, sp, bs, c, ldc, m, n, load, tb, tr);
        }
      }
    }
  }
  if (!fused) apply_epilogue(C, ldc, M, N, ep);
  return 0;
#else
  (void)transA; (void)transB; (void)A; (void)lda; (void)B; (void)ldb; (void)kernel; (void)ep;
  return -1;
#endif
}
