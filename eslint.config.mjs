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
  { ignores: ["node_modules/**", "dist/**", "build/**", ".venv/**", "**/*.min.js"] },
  {
    // the page's scripts: classic scripts sharing the page (and the TF.js, Pyodide,
    // CodeMirror globals their <script> tags define)
    files: ["site/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser, tf: "readonly", loadPyodide: "readonly",
                 CodeMirror: "readonly" },
    },
    rules,
  },
  {
    files: ["site/js/lab.js", "site/js/drafts.js"],
    languageOptions: { sourceType: "module" },
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
];
