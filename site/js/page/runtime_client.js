/*
 * runtime_client.js: the page's end of the runtime worker (site/worker.js). It starts
 * the worker, sends it the messages js/shared/protocol.js lists, and can always take it back:
 * interrupt() raises KeyboardInterrupt in busy Python (Pyodide's interrupt buffer, only
 * where this browser has a working SharedArrayBuffer: being cross-origin isolated is not
 * enough, WebKitGTK is isolated and has none), restart() replaces a worker that is stuck
 * or dead with a fresh one (all Python state is lost; the page keeps the code).
 */
import { sharedMemory } from "../shared/capabilities.js";
import { Link, TO_PAGE, TO_WORKER } from "../shared/protocol.js";
import { language } from "./i18n.js";

/** localStorage key: threaded wasm once kept this browser's worker from starting. */
const THREADS_HUNG = "pytfjs:wasm-threads-hung";

export class RuntimeClient {
  /** `handlers`: type -> fn(message) for each TO_PAGE message (js/shared/protocol.js); they can
   *  also come later (attach): the worker's messages wait until then. */
  constructor(handlers = null) {
    this.handlers = handlers;
    this.waiting = []; // messages that arrived before the handlers
    this.worker = null;
    this.link = null;
    this.generation = 0;
    // one byte Pyodide polls while Python runs; shared, so only where that works
    this.interruptBuffer = sharedMemory() ? new Uint8Array(new SharedArrayBuffer(1)) : null;
    this.threads = this.interruptBuffer !== null && !this.threadsHung();
  }

  /** Whether threaded wasm once blocked this browser's worker as it started
   *  (js/page/startup.js noticed, and started again without). */
  threadsHung() {
    try {
      return Boolean(localStorage.getItem(THREADS_HUNG));
    } catch {
      return false; // storage off: try threads each time, the watch still catches a hang
    }
  }

  /** From now on (and on later visits) start wasm on one thread. */
  noThreads(why) {
    this.threads = false;
    try {
      localStorage.setItem(THREADS_HUNG, `${new Date().toISOString()} ${why}`);
    } catch {
      // not kept: the next visit notices again
    }
  }

  /** Start a worker: TF.js with `backend` (or the default) and Python, at once. */
  start(backend, simd) {
    this.generation += 1;
    const generation = this.generation;
    this.worker = new Worker("worker.js", { type: "module", name: "pytfjs runtime" });
    this.link = new Link(this.worker, { schema: TO_WORKER });
    for (const type of Object.keys(TO_PAGE).filter((t) => t !== "reply")) {
      this.link.handle(type, (message) => {
        if (this.handlers) return this.handlers[type](message);
        this.waiting.push([type, message]); // nothing asks before the page has attached
        return undefined;
      });
    }
    // A worker that fails to load (a script it imports is missing or throws) or dies
    // outside Python gives an error event: reported even before the page has attached.
    this.worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (generation !== this.generation) return;
      const where = event.filename ? ` (${event.filename.split("/").slice(-2).join("/")}:${event.lineno})` : "";
      const message = { message: event.message ? `${event.message}${where}` : "the runtime worker (worker.js), or a script it imports, is missing or threw as it loaded", load: true };
      if (this.handlers) this.handlers.fatal(message);
      else this.waiting.push(["fatal", message]);
    });
    if (this.interruptBuffer) this.interruptBuffer[0] = 0;
    this.link.post("boot", { backend, simd, threads: this.threads, lang: language(),
      interrupt: this.interruptBuffer && this.interruptBuffer.buffer });
  }

  /** Hand the worker's messages to `handlers` from now on, those that waited first. */
  attach(handlers) {
    this.handlers = handlers;
    for (const [type, message] of this.waiting.splice(0)) handlers[type](message);
  }

  post(type, fields) {
    this.link.post(type, fields);
  }

  request(type, fields) {
    return this.link.request(type, fields);
  }

  /** True where Stop can interrupt Python that never awaits. */
  get canInterrupt() {
    return this.interruptBuffer !== null;
  }

  /** KeyboardInterrupt at the next Python bytecode the worker runs (2 = SIGINT). */
  interrupt() {
    if (this.interruptBuffer) Atomics.store(this.interruptBuffer, 0, 2);
  }

  /** End the worker now (every pending request fails) and start a fresh one. */
  restart(backend, simd) {
    const old = this.worker;
    const link = this.link;
    this.worker = null;
    old.terminate();
    link.failAll(new Error("pytfjs:restarted"));
    this.start(backend, simd);
  }
}
