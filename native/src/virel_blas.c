/*
 * virel_blas: the optional native matmul for the tfjs wasm backend.
 *
 * One entry point, `sgemm(heap, params)`, computes a batch of single-precision products in place on the wasm
 * heap (an ArrayBuffer): for every batch index t < batch,
 *   C_t = act(op(A_t) · op(B_t) + bias_t)        (op = transpose or identity; row-major storage)
 * with every operand addressed by a byte offset into `heap` and a per-batch element stride (0 = broadcast).
 * Bias and PReLU weights are broadcast over the [batch, m, n] output through their own (batch, row, column)
 * element strides. `params` is a Float64Array laid out as described at P_* below. All offsets and extents are
 * checked against the heap before any memory is touched; a bad call throws instead of writing out of bounds.
 *
 * `sgemm(heap, params, blocks)` takes `blocks` such parameter blocks one after the other (independent products:
 * none reads another's output) and checks them all before running any. With `setLanes(2)` it runs them on two
 * threads — the calling one and one worker thread — each block an ordinary single-threaded product, so every
 * output is bit-identical to running the blocks one by one (src/engine/native-kernels.ts, concurrent products).
 *
 * The products run in our own kernels (virel_gemm.c: AVX-512F or AVX2+FMA, the bias added to the finished sum and
 * ReLU in the epilogue) where the CPU has them, else in the BLAS's cblas_sgemm (the bias copied into C first, beta
 * 1); `setGemm(mode)` chooses ("auto", "avx512", "avx2", "blas"), the `rowInvariant` property says whether ours run.
 *
 * `info()` reports the BLAS library and the products' kernel; `setThreads(n)` sets the BLAS thread count where
 * it can.
 *
 * `pumpEvents()` runs one non-blocking turn of Node's event loop (uv_run with UV_RUN_NOWAIT) and says whether
 * the loop still has work. It serves the webgpu backend's synchronous reads (src/engine/webgpu.ts): WebGPU
 * has only an asynchronous buffer map, and Dawn's Node bindings complete it from a setImmediate tick, so a
 * synchronous `dataSync()` turns the loop until the map is done (what the npm package deasync does).
 */
#include <node_api.h>
#include <uv.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "virel_elementwise.h"
#include "virel_gemm.h"

#ifdef VIREL_ACCELERATE
#include <Accelerate/Accelerate.h>
#define VIREL_BLAS_NAME "Apple Accelerate"
#else
#include <cblas.h>
#define VIREL_BLAS_NAME "CBLAS"
/* OpenBLAS extras, looked up weakly so that any CBLAS links. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));
#endif

/* Layout of the params Float64Array (all integers are exact in a double). */
enum {
  P_M, P_N, P_K, P_TRANS_A, P_TRANS_B,
  P_A_OFF, P_B_OFF, P_C_OFF,               /* byte offsets into the heap */
  P_BATCH, P_A_STRIDE, P_B_STRIDE,         /* element strides between batch items (0 = broadcast) */
  P_BIAS_OFF, P_BIAS_SB, P_BIAS_SM, P_BIAS_SN,    /* byte offset (-1 = none), element strides */
  P_ACT, P_ALPHA,
  P_PRELU_OFF, P_PRELU_SB, P_PRELU_SM, P_PRELU_SN,
  P_COUNT
};

/* Activation codes: the same numbering as tfjs-backend-wasm's FusableActivation. */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_PRELU = 3, ACT_LEAKYRELU = 4, ACT_SIGMOID = 5, ACT_ELU = 6 };

#define THROW(env, msg)                        \
  do {                                         \
    napi_throw_error((env), NULL, (msg));      \
    return NULL;                               \
  } while (0)

#define CHECK(env, call, msg)                  \
  do {                                         \
    if ((call) != napi_ok) THROW((env), (msg)); \
  } while (0)

/* True when the elements [off, off + span) lie inside a heap of `len` floats. */
static int in_heap(double off, double span, double len) {
  return off >= 0 && span >= 0 && off + span <= len;
}

/* Largest element index touched (plus one) by a broadcast operand with strides (sb, sm, sn). */
static double extent(double batch, double m, double n, double sb, double sm, double sn) {
  return (batch - 1) * sb + (m - 1) * sm + (n - 1) * sn + 1;
}

/* ReLU in place, written so the compiler vectorises it (a separate non-aliased loop: max(v, 0)). */
static __attribute__((noinline)) void relu_inplace(float *restrict c, size_t n) {
  for (size_t e = 0; e < n; e++) {
    const float v = c[e];
    c[e] = v > 0.0f ? v : 0.0f;
  }
}

/* Checks one params block against the heap; NULL when it is valid, else the reason. */
static const char *check_block(const double *p, double heap_len) {
  const double m = p[P_M], n = p[P_N], k = p[P_K], batch = p[P_BATCH];
  if (!(m >= 0 && n >= 0 && k >= 0 && batch >= 0) || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
    return "sgemm: m, n, k and batch must be non-negative 32-bit sizes";
  if (m == 0 || n == 0 || batch == 0) return NULL;
  const double a_off = p[P_A_OFF] / 4, b_off = p[P_B_OFF] / 4, c_off = p[P_C_OFF] / 4;
  const double sa = p[P_A_STRIDE], sb = p[P_B_STRIDE];
  const int has_bias = p[P_BIAS_OFF] >= 0, act = (int)p[P_ACT];
  const int has_prelu = act == ACT_PRELU;
  if (act < ACT_LINEAR || act > ACT_ELU) return "sgemm: unknown activation code";
  if (has_prelu && p[P_PRELU_OFF] < 0) return "sgemm: prelu activation needs prelu weights";
  if (fmod(p[P_A_OFF], 4) != 0 || fmod(p[P_B_OFF], 4) != 0 || fmod(p[P_C_OFF], 4) != 0)
    return "sgemm: offsets must be multiples of 4 bytes";
  if (!in_heap(c_off, batch * m * n, heap_len)) return "sgemm: output lies outside the wasm heap";
  if (k > 0) {
    if (!in_heap(a_off, (batch - 1) * sa + m * k, heap_len)) return "sgemm: a lies outside the wasm heap";
    if (!in_heap(b_off, (batch - 1) * sb + k * n, heap_len)) return "sgemm: b lies outside the wasm heap";
  }
  const double bias_off = p[P_BIAS_OFF] / 4, prelu_off = p[P_PRELU_OFF] / 4;
  if (has_bias && !in_heap(bias_off, extent(batch, m, n, p[P_BIAS_SB], p[P_BIAS_SM], p[P_BIAS_SN]), heap_len))
    return "sgemm: bias lies outside the wasm heap";
  if (has_prelu && !in_heap(prelu_off, extent(batch, m, n, p[P_PRELU_SB], p[P_PRELU_SM], p[P_PRELU_SN]), heap_len))
    return "sgemm: prelu weights lie outside the wasm heap";
  return NULL;
}

/* The products' kernel: VIREL_GEMM_AVX512 / VIREL_GEMM_AVX2 (ours, virel_gemm.c) or VIREL_GEMM_NONE (the BLAS's
 * cblas_sgemm). Set by setGemm between products (src/engine/native.ts, VIREL_NATIVE_GEMM); read by both lanes. */
static int gemm_kernel = VIREL_GEMM_NONE;

/* Runs one checked params block on the heap H. */
static void run_block(float *H, const double *p) {
  const double m = p[P_M], n = p[P_N], k = p[P_K], batch = p[P_BATCH];
  if (m == 0 || n == 0 || batch == 0) return;
  const int transA = p[P_TRANS_A] != 0, transB = p[P_TRANS_B] != 0;
  const double a_off = p[P_A_OFF] / 4, b_off = p[P_B_OFF] / 4, c_off = p[P_C_OFF] / 4;
  const int has_bias = p[P_BIAS_OFF] >= 0, act = (int)p[P_ACT];
  const double bias_off = p[P_BIAS_OFF] / 4, prelu_off = p[P_PRELU_OFF] / 4;
  const int M = (int)m, N = (int)n, K = (int)k, T = (int)batch;
  const size_t SA = (size_t)p[P_A_STRIDE], SB = (size_t)p[P_B_STRIDE];
  const int lda = transA ? M : K, ldb = transB ? K : N;
  const float alpha = (float)p[P_ALPHA];

  for (int t = 0; t < T; t++) {
    float *C = H + (size_t)c_off + (size_t)t * (size_t)M * (size_t)N;
    const float *A = H + (size_t)a_off + (size_t)t * SA;
    const float *B = H + (size_t)b_off + (size_t)t * SB;
    int relu_done = 0;
    /* Our kernels add the bias to the finished sum and fuse ReLU (virel_gemm.h); -1 (no memory): the BLAS below */
    int ours = 0;
    if (gemm_kernel != VIREL_GEMM_NONE) {
      virel_epilogue ep = {NULL, 0, 0, act == ACT_RELU};
      if (has_bias) {
        ep.bias = H + (size_t)bias_off + (size_t)t * (size_t)p[P_BIAS_SB];
        ep.bsm = (size_t)p[P_BIAS_SM];
        ep.bsn = (size_t)p[P_BIAS_SN];
      }
      ours = virel_sgemm(gemm_kernel, transA, transB, M, N, K, A, (size_t)(lda > 0 ? lda : 1), B,
                         (size_t)(ldb > 0 ? ldb : 1), C, (size_t)N, 0, &ep) == 0;
      relu_done = ours;
    }
    if (!ours) {
      /* the BLAS: C prefilled with the bias, then C = A·B + C (beta 1) */
      float beta = 0.0f;
      if (has_bias) {
        const size_t bsb = (size_t)p[P_BIAS_SB], bsm = (size_t)p[P_BIAS_SM], bsn = (size_t)p[P_BIAS_SN];
        const float *bias = H + (size_t)bias_off + (size_t)t * bsb;
        for (int i = 0; i < M; i++)
          for (int j = 0; j < N; j++) C[(size_t)i * N + j] = bias[i * bsm + j * bsn];
        beta = 1.0f;
      }
      if (K > 0) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
                    1.0f, A, lda > 0 ? lda : 1, B, ldb > 0 ? ldb : 1, beta, C, N);
      } else if (!has_bias) {
        memset(C, 0, sizeof(float) * (size_t)M * (size_t)N);
      }
    }
    const size_t mn = (size_t)M * (size_t)N;
    switch (act) {
      case ACT_LINEAR: break;
      case ACT_RELU:
        if (!relu_done) relu_inplace(C, mn);
        break;
      case ACT_RELU6:
        for (size_t e = 0; e < mn; e++) C[e] = C[e] < 0.0f ? 0.0f : (C[e] > 6.0f ? 6.0f : C[e]);
        break;
      case ACT_LEAKYRELU:
        for (size_t e = 0; e < mn; e++) C[e] = C[e] < 0.0f ? alpha * C[e] : C[e];
        break;
      case ACT_SIGMOID:
        for (size_t e = 0; e < mn; e++) C[e] = 1.0f / (1.0f + expf(-C[e]));
        break;
      case ACT_ELU:
        for (size_t e = 0; e < mn; e++) C[e] = C[e] > 0.0f ? C[e] : expm1f(C[e]);
        break;
      case ACT_PRELU: {
        const size_t psb = (size_t)p[P_PRELU_SB], psm = (size_t)p[P_PRELU_SM], psn = (size_t)p[P_PRELU_SN];
        const float *w = H + (size_t)prelu_off + (size_t)t * psb;
        for (int i = 0; i < M; i++)
          for (int j = 0; j < N; j++) {
            float *c = C + (size_t)i * N + j;
            if (*c < 0.0f) *c *= w[i * psm + j * psn];
          }
        break;
      }
    }
  }
}

/*
 * The second lane: one worker thread that runs the blocks given to it while the calling thread runs the others
 * (`sgemm` with several blocks when two lanes are on). Each block is one ordinary single-threaded product, so a
 * block's result does not depend on the lane that ran it. Between bursts the worker spins (yielding the core to
 * any other runnable thread) for up to 2 ms, then sleeps on a condition variable.
 */
#define MAX_BLOCKS 64
static uv_thread_t lane_thread;
static uv_mutex_t lane_mutex;
static uv_mutex_t lane_owner; /* held by the call using the lane: a second JS thread (a Worker) runs alone */
static uv_cond_t lane_cond;
static int lane_started = 0, lanes = 1;
static float *lane_heap = NULL;
static const double *lane_blocks[MAX_BLOCKS];
static int lane_count = 0;
static double lane_blocks_run = 0; /* blocks the worker has run since load (info().laneBlocks; tests) */
static int lane_pending = 0; /* 1 while the worker has blocks to run (atomic loads and stores) */

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() ((void)0)
#endif
#ifdef _WIN32
#define SPIN_YIELD() SwitchToThread()
#else
#include <sched.h>
#define SPIN_YIELD() sched_yield()
#endif

/* Spins (up to `ns`) until *flag == want; 1 when it got there. Bursts of products come tens to hundreds of
 * microseconds apart (the update's elementwise work between them), and waking a sleeping thread costs ≈ 15–25 µs
 * here and more on an idle VM core, so both sides spin before they sleep: the worker up to 2 ms (with a 50 µs
 * spin it slept between nearly every burst; SAC-v1 update with 2 lanes, median 5.9–6.3 against 4.8–5.9 ms with
 * 2 ms, OpenBLAS's Cooperlake kernels, 2026-12-05), the caller up to 2 ms for the worker's share. sched_yield()
 * every 64 pauses hands the core to V8's own background threads (GC, compiler) when they have work. */
static int spin_until(const int *flag, int want, uint64_t ns) {
  const uint64_t t0 = uv_hrtime();
  for (unsigned i = 1;; i++) {
    if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == want) return 1;
    CPU_RELAX();
    if ((i & 63) == 0) {
      if (uv_hrtime() - t0 > ns) return 0;
      SPIN_YIELD();
    }
  }
}

static void lane_main(void *arg) {
  (void)arg;
  for (;;) {
    if (!spin_until(&lane_pending, 1, 2000000)) {
      uv_mutex_lock(&lane_mutex);
      while (!__atomic_load_n(&lane_pending, __ATOMIC_ACQUIRE)) uv_cond_wait(&lane_cond, &lane_mutex);
      uv_mutex_unlock(&lane_mutex);
    }
    float *H = lane_heap;
    const int count = lane_count;
    for (int i = 0; i < count; i++) run_block(H, lane_blocks[i]);
    uv_mutex_lock(&lane_mutex);
    lane_blocks_run += count;
    __atomic_store_n(&lane_pending, 0, __ATOMIC_RELEASE);
    uv_cond_broadcast(&lane_cond);
    uv_mutex_unlock(&lane_mutex);
  }
}

static int lane_start(void) {
  if (lane_started) return 1;
  if (uv_mutex_init(&lane_mutex) != 0) return 0;
  if (uv_mutex_init(&lane_owner) != 0) return 0;
  if (uv_cond_init(&lane_cond) != 0) return 0;
  if (uv_thread_create(&lane_thread, lane_main, NULL) != 0) return 0;
  lane_started = 1;
  return 1;
}

/* Work of a block in multiply-adds (for splitting blocks between the two lanes). */
static double block_work(const double *p) { return p[P_M] * p[P_N] * (p[P_K] > 0 ? p[P_K] : 1) * p[P_BATCH]; }

/* Blocks below this many multiply-adds stay on the calling thread: handing one over costs more than it saves
 * (measured with a condition-variable hand-off: a pair of 256×1×256 products lost 60 %, 23×256×256 gained 1.3×, 256³ 1.7–1.8×).
 * 2²¹: with OpenBLAS's AVX-512 kernels a first-layer pair (256×23×256, 256×17×256: 1.1–1.5 M multiply-adds) took
 * ≈ 120 µs on two lanes inside the update against ≈ 47 µs on one (the worker's first product after a pause), and
 * keeping them on the caller cut the SAC-v1 update's median with 2 lanes from 5.9–6.3 to 5.4–5.6 ms (three
 * interleaved pairs, 2026-12-05); with the AVX2 kernels the two settings measured alike (noise ≈ 10 %). */
#define LANE_MIN_WORK (2048.0 * 1024)

static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "sgemm: cannot read arguments");
  if (argc < 2) THROW(env, "sgemm: expected (heap: ArrayBuffer, params: Float64Array)");

  void *heap_data = NULL;
  size_t heap_bytes = 0;
  bool is_ab = false;
  CHECK(env, napi_is_arraybuffer(env, argv[0], &is_ab), "sgemm: cannot inspect heap");
  if (!is_ab) THROW(env, "sgemm: heap must be an ArrayBuffer");
  CHECK(env, napi_get_arraybuffer_info(env, argv[0], &heap_data, &heap_bytes), "sgemm: cannot read heap");

  bool is_ta = false;
  CHECK(env, napi_is_typedarray(env, argv[1], &is_ta), "sgemm: cannot inspect params");
  if (!is_ta) THROW(env, "sgemm: params must be a Float64Array");
  napi_typedarray_type ta_type;
  size_t p_len = 0;
  void *p_data = NULL;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &ta_type, &p_len, &p_data, NULL, NULL),
        "sgemm: cannot read params");
  if (ta_type != napi_float64_array || p_len < P_COUNT) THROW(env, "sgemm: params must be a Float64Array of length >= 21");
  /* An optional third argument: how many blocks of P_COUNT params follow each other (default 1). */
  uint32_t blocks = 1;
  if (argc >= 3) {
    size_t argc3 = 3;
    napi_value argv3[3];
    CHECK(env, napi_get_cb_info(env, info, &argc3, argv3, NULL, NULL), "sgemm: cannot read arguments");
    if (napi_get_value_uint32(env, argv3[2], &blocks) != napi_ok || blocks < 1 || blocks > MAX_BLOCKS)
      THROW(env, "sgemm: blocks must be an integer from 1 to 64");
  }
  if (p_len < (size_t)blocks * P_COUNT) THROW(env, "sgemm: params is shorter than blocks × 21");
  const double *p = (const double *)p_data;
  const double heap_len = (double)(heap_bytes / sizeof(float));
  for (uint32_t b = 0; b < blocks; b++) {
    const char *why = check_block(p + (size_t)b * P_COUNT, heap_len);
    if (why != NULL) THROW(env, why);
  }
  float *H = (float *)heap_data;
  if (blocks == 1 || lanes < 2 || !lane_start() || uv_mutex_trylock(&lane_owner) != 0) {
    for (uint32_t b = 0; b < blocks; b++) run_block(H, p + (size_t)b * P_COUNT);
    return NULL;
  }
  /* Two lanes: the largest blocks first, each to the lane with less work so far (greedy). */
  int order[MAX_BLOCKS];
  for (uint32_t b = 0; b < blocks; b++) order[b] = (int)b;
  for (uint32_t i = 1; i < blocks; i++)
    for (uint32_t j = i; j > 0 && block_work(p + (size_t)order[j] * P_COUNT) > block_work(p + (size_t)order[j - 1] * P_COUNT); j--) {
      const int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  const double *mine[MAX_BLOCKS];
  int n_mine = 0;
  double w_mine = 0, w_lane = 0;
  uv_mutex_lock(&lane_mutex);
  lane_count = 0;
  for (uint32_t i = 0; i < blocks; i++) {
    const double *blk = p + (size_t)order[i] * P_COUNT;
    if (w_mine <= w_lane || block_work(blk) < LANE_MIN_WORK) {
      mine[n_mine++] = blk;
      w_mine += block_work(blk);
    } else {
      lane_blocks[lane_count++] = blk;
      w_lane += block_work(blk);
    }
  }
  lane_heap = H;
  const int handed = lane_count > 0;
  if (handed) {
    __atomic_store_n(&lane_pending, 1, __ATOMIC_RELEASE);
    uv_cond_broadcast(&lane_cond);
  }
  uv_mutex_unlock(&lane_mutex);
  for (int i = 0; i < n_mine; i++) run_block(H, mine[i]);
  if (handed && !spin_until(&lane_pending, 0, 2000000)) {
    uv_mutex_lock(&lane_mutex);
    while (__atomic_load_n(&lane_pending, __ATOMIC_ACQUIRE)) uv_cond_wait(&lane_cond, &lane_mutex);
    uv_mutex_unlock(&lane_mutex);
  }
  uv_mutex_unlock(&lane_owner);
  return NULL;
}

/* setLanes(n): 1 runs every block on the calling thread; 2 runs the blocks of one call on two threads. */
static napi_value SetLanes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "setLanes: cannot read arguments");
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > 2)
    THROW(env, "setLanes: expected 1 or 2");
  if (n == 2 && !lane_start()) THROW(env, "setLanes: cannot start the second lane's thread");
  lanes = n;
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "setThreads: cannot read arguments");
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1)
    THROW(env, "setThreads: expected a positive integer");
  bool done = false;
#ifndef VIREL_ACCELERATE
  if (openblas_set_num_threads) {
    openblas_set_num_threads(n);
    done = true;
  }
#endif
  napi_value result;
  CHECK(env, napi_get_boolean(env, done, &result), "setThreads: cannot return");
  return result;
}

/*
 * setGemm(mode): the products' kernel — "auto" (ours, the best this CPU supports, else the BLAS), "avx512",
 * "avx2" (ours; an error when the CPU lacks it) or "blas". Returns the name of the kernel now in use. Called
 * between products only (the second lane is idle between sgemm calls).
 */
static napi_value SetGemm(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "setGemm: cannot read arguments");
  char mode[16] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], mode, sizeof mode, &len) != napi_ok)
    THROW(env, "setGemm: expected \"auto\", \"avx512\", \"avx2\" or \"blas\"");
  const int best = virel_gemm_best();
  int want;
  if (strcmp(mode, "auto") == 0) want = best;
  else if (strcmp(mode, "blas") == 0) want = VIREL_GEMM_NONE;
  else if (strcmp(mode, "avx512") == 0) want = VIREL_GEMM_AVX512;
  else if (strcmp(mode, "avx2") == 0) want = VIREL_GEMM_AVX2;
  else THROW(env, "setGemm: expected \"auto\", \"avx512\", \"avx2\" or \"blas\"");
  if (want > best) THROW(env, "setGemm: this CPU does not support that kernel");
  gemm_kernel = want;
  napi_value r;
  CHECK(env, napi_create_string_utf8(env, want == VIREL_GEMM_NONE ? "BLAS" : virel_gemm_name(want), NAPI_AUTO_LENGTH, &r),
        "setGemm: cannot return");
  return r;
}

/*
 * The fused update's elementwise passes (virel_elementwise.c), on the heap like sgemm:
 *   adam(heap, [n, w, g, m, v, w2, m2, v2, b1, c1, b2, c2, step, isb, eps])   (byte offsets, then the constants)
 *   polyak(heap, [n, s, t, out, tau, omt])
 *   reluMask(heap, [n, g, h])
 * Every range is checked against the heap before anything is written.
 */
static int read_call(napi_env env, napi_callback_info info, size_t want, float **heap, const double **p,
                     double *heap_len, const char *name) {
  size_t argc = 2;
  napi_value argv[2];
  char msg[160];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    snprintf(msg, sizeof msg, "%s: expected (heap: ArrayBuffer, params: Float64Array)", name);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  bool is_ab = false, is_ta = false;
  void *data = NULL;
  size_t bytes = 0, len = 0;
  napi_typedarray_type type;
  void *pd = NULL;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[1], &type, &len, &pd, NULL, NULL) != napi_ok || type != napi_float64_array ||
      len < want) {
    snprintf(msg, sizeof msg, "%s: expected (heap: ArrayBuffer, params: Float64Array of length %zu)", name, want);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  *heap = (float *)data;
  *p = (const double *)pd;
  *heap_len = (double)(bytes / sizeof(float));
  return 1;
}

/* Checks that n floats at each of the `count` byte offsets p[first …] lie in the heap. */
static int ranges_ok(napi_env env, const double *p, int first, int count, double heap_len, const char *name) {
  const double n = p[0];
  char msg[160];
  if (!(n >= 0) || n != floor(n)) {
    snprintf(msg, sizeof msg, "%s: n must be a non-negative integer", name);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  for (int i = first; i < first + count; i++) {
    if (fmod(p[i], 4) != 0 || !in_heap(p[i] / 4, n, heap_len)) {
      snprintf(msg, sizeof msg, "%s: operand %d lies outside the wasm heap or is not 4-byte aligned", name, i - first);
      napi_throw_error(env, NULL, msg);
      return 0;
    }
  }
  return 1;
}

static napi_value Adam(napi_env env, napi_callback_info info) {
  float *H;
  const double *p;
  double len;
  if (!read_call(env, info, 15, &H, &p, &len, "adam") || !ranges_ok(env, p, 1, 7, len, "adam")) return NULL;
  const virel_adam_constants k = {(float)p[8], (float)p[9], (float)p[10], (float)p[11], (float)p[12], (float)p[13],
                                  (float)p[14]};
#define AT(i) (H + (size_t)(p[i] / 4))
  virel_adam((size_t)p[0], AT(1), AT(2), AT(3), AT(4), AT(5), AT(6), AT(7), &k);
  return NULL;
}

static napi_value Polyak(napi_env env, napi_callback_info info) {
  float *H;
  const double *p;
  double len;
  if (!read_call(env, info, 6, &H, &p, &len, "polyak") || !ranges_ok(env, p, 1, 3, len, "polyak")) return NULL;
  virel_polyak((size_t)p[0], AT(1), AT(2), AT(3), (float)p[4], (float)p[5]);
  return NULL;
}

static napi_value ReluMask(napi_env env, napi_callback_info info) {
  float *H;
  const double *p;
  double len;
  if (!read_call(env, info, 3, &H, &p, &len, "reluMask") || !ranges_ok(env, p, 1, 2, len, "reluMask")) return NULL;
  virel_relu_mask((size_t)p[0], AT(1), AT(2));
  return NULL;
#undef AT
}

/* The rowInvariant property: true while our kernels compute the products (see virel_gemm.h). */
static napi_value GetRowInvariant(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  CHECK(env, napi_get_boolean(env, gemm_kernel != VIREL_GEMM_NONE, &r), "rowInvariant: cannot return");
  return r;
}

static int set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) != napi_ok) return 0;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  CHECK(env, napi_create_object(env, &obj), "info: cannot create object");
  char library[256];
  int threads = 0;
#ifdef VIREL_ACCELERATE
  snprintf(library, sizeof library, "%s", VIREL_BLAS_NAME);
#else
  if (openblas_get_config) {
    snprintf(library, sizeof library, "%s%s%s", openblas_get_config(),
             openblas_get_corename ? ", core " : "", openblas_get_corename ? openblas_get_corename() : "");
  } else {
    snprintf(library, sizeof library, "%s", VIREL_BLAS_NAME);
  }
  if (openblas_get_num_threads) threads = openblas_get_num_threads();
#endif
  if (!set_string(env, obj, "library", library)) THROW(env, "info: cannot set library");
  napi_value t;
  CHECK(env, napi_create_int32(env, threads, &t), "info: cannot create threads");
  CHECK(env, napi_set_named_property(env, obj, "threads", t), "info: cannot set threads");
  napi_value lb;
  uv_mutex_t *m = lane_started ? &lane_mutex : NULL;
  if (m) uv_mutex_lock(m);
  const double run = lane_blocks_run;
  if (m) uv_mutex_unlock(m);
  CHECK(env, napi_create_double(env, run, &lb), "info: cannot create laneBlocks");
  CHECK(env, napi_set_named_property(env, obj, "laneBlocks", lb), "info: cannot set laneBlocks");
  if (!set_string(env, obj, "gemm", gemm_kernel == VIREL_GEMM_NONE ? "BLAS" : virel_gemm_name(gemm_kernel)))
    THROW(env, "info: cannot set gemm");
  if (!set_string(env, obj, "gemmBest", virel_gemm_name(virel_gemm_best()))) THROW(env, "info: cannot set gemmBest");
  napi_value ln;
  CHECK(env, napi_create_int32(env, lanes, &ln), "info: cannot create lanes");
  CHECK(env, napi_set_named_property(env, obj, "lanes", ln), "info: cannot set lanes");
  return obj;
}

static napi_value PumpEvents(napi_env env, napi_callback_info info) {
  (void)info;
  uv_loop_t *loop = NULL;
  CHECK(env, napi_get_uv_event_loop(env, &loop), "pumpEvents: no event loop");
  int alive = uv_run(loop, UV_RUN_NOWAIT);
  napi_value r;
  CHECK(env, napi_get_boolean(env, alive != 0, &r), "pumpEvents: cannot create result");
  return r;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"setLanes", NULL, SetLanes, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
      {"pumpEvents", NULL, PumpEvents, NULL, NULL, NULL, napi_default, NULL},
      {"setGemm", NULL, SetGemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
      {"polyak", NULL, Polyak, NULL, NULL, NULL, napi_default, NULL},
      {"reluMask", NULL, ReluMask, NULL, NULL, NULL, napi_default, NULL},
      {"rowInvariant", NULL, NULL, GetRowInvariant, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
