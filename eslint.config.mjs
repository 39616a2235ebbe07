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
        process: "readonly", console: "readonly", require: "readonly", module: "writable", __dirname: "readonly",
        Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", URL: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
);
