# Builds the optional native matmul addon (see native/src/virel_blas.c) against the system CBLAS.
# scripts/build-native.mjs passes the BLAS flags in VIREL_BLAS_CFLAGS / VIREL_BLAS_LIBS (from pkg-config).
{
  "targets": [
    {
      "target_name": "virel_blas",
      "sources": ["src/virel_blas.c", "src/virel_gemm.c", "src/virel_elementwise.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(node -p \"process.env.VIREL_BLAS_CFLAGS || ''\")"],
      "conditions": [
        ["OS=='mac'", {
          "defines": ["VIREL_ACCELERATE"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {"OTHER_CFLAGS": ["-O3", "-ffp-contract=off"]}
        }, {
          "libraries": ["<!@(node -p \"process.env.VIREL_BLAS_LIBS || '-lopenblas'\")", "-lm"]
        }]
      ]
    }
  ]
}
