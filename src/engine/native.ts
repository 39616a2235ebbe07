/**
 * CONTRACT (owned by the native-kernels work; this temporary body is replaced there): registers the optional
 * native CBLAS matmul kernels on the tfjs wasm backend. Call after `tf.setBackend("wasm")` is ready.
 */
export interface NativeStatus {
  /** True when the native BatchMatMul/_FusedMatMul kernels are registered and in use. */
  loaded: boolean;
  /** Why they are not in use (when `loaded` is false). */
  reason?: string;
  /** The BLAS library the addon was built against, when known. */
  library?: string;
}

export function installNativeKernels(): NativeStatus {
  return { loaded: false, reason: "native kernels are not built yet" };
}
