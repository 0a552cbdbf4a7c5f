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

// What a browser's window has and a worker's global scope lacks: the DOM (document,
// window, localStorage, alert, HTMLElement, ...), forbidden where the worker runs.
const workerNames = new Set(Object.keys(globals.worker));
const DOM_ONLY = Object.keys(globals.browser).filter((name) => !workerNames.has(name));

export default [
  // bench/.keras-venv: the optional Keras yardstick's own venv (docs/performance.md, The benchmarks)
  { ignores: ["node_modules/**", "dist/**", "build/**", ".venv/**", "bench/.keras-venv/**", "**/*.min.js"] },
  {
    // the page and its runtime worker: ES modules that import each other (window.pytfjs
    // is the page's one global)
    files: ["site/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules,
  },
  {
    // the page's modules (site/js/page/) see the DOM and what the vendored CodeMirror defines
    files: ["site/js/page/**/*.js"],
    languageOptions: { globals: { ...globals.browser, CodeMirror: "readonly" } },
  },
  {
    // what runs in the runtime worker (site/worker.js, site/js/worker/) or on both ends
    // (site/js/shared/): a worker's globals and what the vendored bundles define there
    // (tf, loadPyodide), no DOM. A DOM global here (document, window, localStorage, ...)
    // is an error by name: the worker has none, and such a module belongs in page/.
    files: ["site/worker.js", "site/js/worker/**/*.js", "site/js/shared/**/*.js"],
    languageOptions: { globals: { ...globals.worker, tf: "readonly", loadPyodide: "readonly" } },
    rules: {
      "no-restricted-globals": ["error", ...DOM_ONLY.map((name) => ({
        name, message: "a DOM global: the runtime worker has no DOM (page code goes in site/js/page/)",
      }))],
    },
  },
  {
    // the service worker: a plain script
    files: ["site/sw.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.serviceworker } },
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
