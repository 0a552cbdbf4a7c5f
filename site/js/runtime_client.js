/*
 * runtime_client.js: the page's end of the runtime worker (site/worker.js). It starts
 * the worker, sends it the messages js/protocol.js lists, and can always take it back:
 * interrupt() raises KeyboardInterrupt in busy Python (Pyodide's interrupt buffer, only
 * where the page is cross-origin isolated), restart() replaces a worker that is stuck
 * or dead with a fresh one (all Python state is lost; the page keeps the code).
 */
import { Link, TO_PAGE, TO_WORKER } from "./protocol.js";

export class RuntimeClient {
  /** `handlers`: type -> fn(message) for each TO_PAGE message (js/protocol.js); they can
   *  also come later (attach): the worker's messages wait until then. */
  constructor(handlers = null) {
    this.handlers = handlers;
    this.waiting = []; // messages that arrived before the handlers
    this.worker = null;
    this.link = null;
    this.generation = 0;
    // one byte Pyodide polls while Python runs; shared, so only where isolated
    this.interruptBuffer = globalThis.crossOriginIsolated ? new Uint8Array(new SharedArrayBuffer(1)) : null;
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
    // a worker that fails to load or dies outside Python gives an error event
    this.worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (generation === this.generation && this.handlers.fatal) {
        this.handlers.fatal({ message: event.message || "the Python worker stopped" });
      }
    });
    if (this.interruptBuffer) this.interruptBuffer[0] = 0;
    this.link.post("boot", { backend, simd, interrupt: this.interruptBuffer && this.interruptBuffer.buffer });
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
