/*
 * startup.js: no silent start. The lab page watches each start-up step (the lab's file,
 * the runtime worker's script, the TF.js backend, Python, the lab's packages) and the
 * worker's alive signs ("beat", every 250 ms while it starts), and says in the loading
 * panel which step is stuck or failed, what this browser lacks, and offers Retry:
 *
 *  - a step that failed (a file answering 404, a script that throws): at once;
 *  - a worker gone quiet (its thread blocked, which no error reports) for QUIET_MS;
 *  - no progress at all (no download finished, no step moved) for STALLED_MS: said,
 *    while the page keeps waiting (a slow machine is not a broken one).
 *
 * One blocked start is known and handled without the learner: Firefox's worker can block
 * for good while TF.js's threaded wasm backend creates its thread workers (7 of 29 first
 * visits when the engines issue was filed; 0 of 10 with one thread). lab.js then starts
 * a fresh worker on one thread, and the browser remembers (js/page/runtime_client.js).
 */
import { $ } from "./dom.js";
import { t } from "./i18n.js";

export const THREADS_QUIET_MS = 6000; // the threaded-wasm block: see onQuiet in lab.js
// the same block with the worker still answering: nothing moved (no download, no step)
// while TF.js's threaded backend started (a Firefox rpsls start in the test suite: 240 s
// at "starting its backend", the worker's beats going on); see onStalled in lab.js
export const THREADS_STALLED_MS = 15000;
export const QUIET_MS = 20000; // any other step: Python's longest silent stretch is a few s
export const STALLED_MS = 45000;
const CHECK_MS = 500;
// Silence is counted from the page's own checks, each worth at most TICK_CAP_MS: on a
// machine so busy that the page's timer fires late, the worker is starved the same way
// and its beats come late too; that is slowness, not a blocked thread (with wall-clock
// silence, a load average of 17 on 2 cores sent Chromium to the one-thread fallback).
const TICK_CAP_MS = 2 * CHECK_MS;

/** The start-up steps, in the order the page waits for them. */
const STEPS = ["lab", "runtime", "backend", "python", "packages"];
const WORKER_STEPS = STEPS.slice(1);

const STEP_NAMES = {
  lab: t("loading the lab's files"),
  runtime: t("loading the runtime worker"),
  backend: t("starting TensorFlow.js's backend"),
  python: t("starting Python"),
  packages: t("loading the lab's Python packages"),
};

export class StartupWatch {
  /** `onQuiet(step, ms)`: the worker has said nothing for `ms` during `step`; return true
   *  if the caller handled it (a restart), else the panel says it. `onStalled(step, ms)`:
   *  nothing has moved for `ms` (THREADS_STALLED_MS) though the worker answers; the same. */
  constructor({ onQuiet, onStalled = () => false }) {
    this.onQuiet = onQuiet;
    this.onStalled = onStalled;
    this.pending = new Set(STEPS);
    this.silence = 0; // ms the worker has said nothing, counted as the page's checks ran
    this.stillness = 0; // ms nothing has moved, counted the same way
    this.lastCheck = performance.now();
    this.lastProgress = performance.now();
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.problem = null;
  }

  /** The worker said something: it is alive. */
  heard() {
    this.silence = 0;
    this.pending.delete("runtime");
  }

  /** Something moved: a download finished, a step was reached. */
  progress() {
    this.lastProgress = performance.now();
    this.stillness = 0;
    if (this.problem && this.problem.stalled) this.clearProblem();
  }

  done(step) {
    this.pending.delete(step);
    this.progress();
  }

  /** The step now waited on (the first pending one in start-up order). */
  current() {
    return STEPS.find((step) => this.pending.has(step)) || null;
  }

  /** A fresh worker starts: everything it does is pending again. */
  restarted() {
    for (const step of WORKER_STEPS) this.pending.add(step);
    this.silence = this.stillness = 0;
    this.lastCheck = this.lastProgress = performance.now();
    this.clearProblem();
    if (!this.timer) this.timer = setInterval(() => this.check(), CHECK_MS);
  }

  check() {
    const now = performance.now();
    const tick = Math.min(now - this.lastCheck, TICK_CAP_MS);
    this.silence += tick;
    this.stillness += tick;
    this.lastCheck = now;
    const step = this.current();
    if (!step || (this.problem && !this.problem.stalled)) return;
    const quiet = this.silence;
    if (step !== "lab" && quiet > THREADS_QUIET_MS && this.onQuiet(step, quiet)) return;
    if (step !== "lab" && this.stillness > THREADS_STALLED_MS
        && this.onStalled(step, this.stillness)) return;
    if (step !== "lab" && quiet > QUIET_MS) {
      this.fail(step, t("the runtime worker has not answered for {seconds} s (its thread is blocked)",
        { seconds: Math.round(quiet / 1000) }));
    } else if (now - this.lastProgress > STALLED_MS && !this.problem) {
      this.show(step, t("no progress for {seconds} s; still waiting.", { seconds: Math.round(STALLED_MS / 1000) }), true);
    }
  }

  /** Step `step` cannot go on: say why, offer Retry, stop watching. */
  fail(step, why) {
    this.show(step, why, false);
    this.stop();
  }

  show(step, why, stalled) {
    this.problem = { step, why, stalled };
    const box = $("startup-problem");
    const text = document.createElement("p");
    const what = STEP_NAMES[step] || step;
    text.textContent = stalled ? t("Still {what}: {why}", { what, why }) : t("The start failed while {what}: {why}", { what, why });
    const retry = document.createElement("button");
    retry.type = "button";
    retry.id = "startup-retry";
    retry.textContent = t("Retry");
    retry.addEventListener("click", () => location.reload()); // the code is kept (drafts)
    box.replaceChildren(text, retry);
    box.hidden = false;
    document.body.dataset.startup = stalled ? "stalled" : "failed";
    document.body.dataset.startupStep = step;
  }

  clearProblem() {
    this.problem = null;
    const box = $("startup-problem");
    if (box) {
      box.hidden = true;
      box.replaceChildren();
    }
    delete document.body.dataset.startup;
    delete document.body.dataset.startupStep;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
  }
}
