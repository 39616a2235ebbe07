// ESLint (flat config): typescript-eslint's recommended rules on every TypeScript and JavaScript source we own.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "native/build/**",
      "extension/dist/**",
      "extension/node_modules/**",
      "docs/api/**",
      "runs/**",
      ".virel-out/**",
      "**/*.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        URL: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Deliberate: tfjs, its backends and optional packages are loaded lazily with require() so that importing
      // "virel" (and a kernel's first cell) does not load them; see docs/kernel.md "Startup".
      "@typescript-eslint/no-require-imports": "off",
      // Deliberate: the kernel, the notebook renderer and the e2e test match ANSI escapes and NUL bytes.
      "no-control-regex": "off",
      // Flags initialisers that the code reads on a failure path (catch, early exit) or that TypeScript's
      // definite-assignment analysis needs; every report on this code base was of that kind.
      "no-useless-assignment": "off",
    },
  },
  {
    // page.evaluate / waitForFunction callbacks run in the browser
    files: ["scripts/vscode/**/*.mjs"],
    languageOptions: { globals: { document: "readonly", window: "readonly" } },
  },
);
