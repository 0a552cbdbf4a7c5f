// ESLint for the project's JavaScript: the page shell (site/), the Node examples and
// checks, the benchmarks' Node scripts. One dialect: const/let, strict equality where
// it matters, no unused names. Run by tests/unit/test_lint.py (part of the test command).
import js from "@eslint/js";
import globals from "globals";

const rules = {
  ...js.configs.recommended.rules,
  "no-var": "error",
  "prefer-const": "error",
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
};

export default [
  // bench/.keras-venv: the optional Keras yardstick's own venv (README, Benchmarks)
  { ignores: ["node_modules/**", "dist/**", "build/**", ".venv/**", "bench/.keras-venv/**", "**/*.min.js"] },
  {
    // the page and its runtime worker: ES modules that import each other (window.pytfjs
    // is the page's one global). The worker's modules also see what the vendored
    // bundles define there (tf, loadPyodide); the page's, CodeMirror.
    files: ["site/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker, tf: "readonly", loadPyodide: "readonly",
                 CodeMirror: "readonly" },
    },
    rules,
  },
  {
    // plain scripts: the wasm kernel files, which also load in Node
    // (tests/node/check_wasm_*.js) and set one global each, and the service worker
    files: ["site/js/wasm_kernels.js", "site/js/wasm_simd_kernels.js", "site/sw.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    files: ["site/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["examples/**/*.js", "tests/**/*.js", "bench/**/*.js", "node-red-contrib-pytfjs/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
    rules,
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
    rules,
  },
];
