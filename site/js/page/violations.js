/*
 * violations.js: every Content-Security-Policy violation is seen. The page listens for
 * `securitypolicyviolation` from the moment its first module runs (runtime_start.js and
 * offline.js import this), the runtime worker reports its own (site/worker.js, a
 * `violation` message), and each one is written to the browser's console and, on a lab
 * page, to its output console as an error. `window.pytfjs.violations` lists them all, so
 * a test (and a curious teacher) can count them: a regression of the policy cannot hide.
 */

const seen = [];
let report = null; // the lab page's console, once it is there (lab.js)

/** One violation: recorded, logged, and said on the page where there is a console. */
export function violation(text, where = "page") {
  const line = `Content-Security-Policy violation in the ${where}: ${text}`;
  seen.push(line);
  console.error(line);
  if (report) report(line);
}

/** From now on violations (those already seen first) are also said by ``say``. */
export function sayViolations(say) {
  report = say;
  for (const line of seen) say(line);
}

document.addEventListener("securitypolicyviolation", (event) => {
  violation(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`
    + (event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : ""));
});

/** Every violation seen so far, as the lines said. */
export const allViolations = () => [...seen];

globalThis.pytfjs = globalThis.pytfjs || {};
Object.defineProperty(globalThis.pytfjs, "violations", { get: allViolations, configurable: true, enumerable: true });
