/**
 * The Node side of testkit/engines/firefox.py: drives one headless Firefox ESR with
 * puppeteer-core over WebDriver BiDi, on behalf of Python, which cannot call puppeteer.
 *
 * Protocol: one JSON object per line. Python writes {id, op, args}; this answers
 * {id, result} or {id, error}. Requests run concurrently (a long evaluate does not block
 * a screenshot), so answers may come out of order: Python matches them by id.
 *
 * argv[2] is the project root (puppeteer-core is imported from its node_modules, never
 * downloaded), argv[3] a JSON object: {executablePath, prefs}.
 */
import process from "node:process";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

const [, , root, configJson] = process.argv;
const config = JSON.parse(configJson);
const { default: puppeteer } = await import(
  pathToFileURL(`${root}/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js`).href);

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: config.executablePath,
  headless: true,
  extraPrefsFirefox: config.prefs,
  protocolTimeout: 600_000,
});

const pages = new Map(); // id -> {page, context}
let nextPage = 1;

function pageOf(args) {
  const entry = pages.get(args.page);
  if (!entry) throw new Error(`no page ${args.page}`);
  return entry.page;
}

const ops = {
  version: async () => browser.version(),
  newPage: async () => {
    // a new browser context per page: fresh cookies, storage, caches
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(600_000);
    page.setDefaultNavigationTimeout(600_000);
    const id = nextPage++;
    pages.set(id, { page, context });
    return id;
  },
  goto: async (args) => { await pageOf(args).goto(args.url, { waitUntil: "load" }); return null; },
  reload: async (args) => { await pageOf(args).reload({ waitUntil: "load" }); return null; },
  // args.source is a complete expression built by Python: `(async (arg) => ...)(ARG)`
  evaluate: async (args) => {
    const value = await pageOf(args).evaluate(args.source);
    return value === undefined ? null : value;
  },
  click: async (args) => { await pageOf(args).click(args.selector); return null; },
  screenshot: async (args) => { await pageOf(args).screenshot({ path: args.path }); return null; },
  closePage: async (args) => {
    const entry = pages.get(args.page);
    pages.delete(args.page);
    if (entry) await entry.context.close();
    return null;
  },
  close: async () => { await browser.close(); return null; },
};

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const input = readline.createInterface({ input: process.stdin });
input.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    answer({ id: null, error: `bad request line: ${error}` });
    return;
  }
  const op = ops[request.op];
  if (!op) {
    answer({ id: request.id, error: `unknown op ${request.op}` });
    return;
  }
  op(request.args || {}).then(
    (result) => {
      answer({ id: request.id, result });
      if (request.op === "close") process.exit(0);
    },
    (error) => answer({ id: request.id, error: String(error?.stack || error) }),
  );
});
// Python went away: do not leave a Firefox behind
input.on("close", () => { browser.close().finally(() => process.exit(0)); });
answer({ id: 0, result: "ready" });
