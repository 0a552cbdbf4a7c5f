/*
 * violations.js: every Content-Security-Policy violation is seen. The page listens for
 * `securitypolicyviolation` from the moment its first module runs (runtime_start.js and
 * offline.js import this), the runtime worker reports its own (site/worker.js, a
 * `violation` message), and each one is written to the browser's console and, on a lab
 * page, to its output console as an error. `window.pytfjs.violations` lists them all, so
 * a test (and a curious teacher) can count them: a regression of the policy cannot hide.
 */
import { t } from "../shared/i18n.js";

const seen = [];
const raw = []; // [text, where] of each, for saying it in the page's language
let report = null; // the lab page's console, once it is there (lab.js)

/** One violation: recorded, logged, and said on the page where there is a console. */
export function violation(text, where = "page") {
  const line = `Content-Security-Policy violation in the ${where}: ${text}`;
  seen.push(line);
  raw.push([text, where]);
  console.error(line);
  if (report) report(said(text, where));
}

/** The line on the page, in its language (the recorded one stays English, for tests). */
function said(text, where) {
  return where === "worker" ? t("Content-Security-Policy violation in the runtime worker: {text}", { text })
    : t("Content-Security-Policy violation in the page: {text}", { text });
}

/** From now on violations (those already seen first) are also said by ``say``. */
export function sayViolations(say) {
  report = say;
  for (const [text, where] of raw) say(said(text, where));
}

document.addEventListener("securitypolicyviolation", (event) => {
  violation(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`
    + (event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : ""));
});

/** Every violation seen so far, as the lines said. */
export const allViolations = () => [...seen];

globalThis.pytfjs = globalThis.pytfjs || {};
Object.defineProperty(globalThis.pytfjs, "violations", { get: allViolations, configurable: true, enumerable: true });
