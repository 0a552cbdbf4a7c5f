/*
 * store.js: IndexedDB for Python (pytfjs.store). A database of named tables; keys are
 * numbers or strings, values anything structured clone takes (here: plain objects of
 * numbers, strings and Uint8Arrays). It runs in the runtime worker (site/worker.js). Every write resolves once its transaction has
 * committed, so what Python was told is saved survives a reload.
 */
import { t } from "../shared/i18n.js";
const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/** Open (or create) database ``name`` with object stores ``tables``. */
export async function openStore(name, tables) {
  if (!globalThis.indexedDB) throw new Error(t("this browser gives the page no IndexedDB (a private window?)"));
  const opening = indexedDB.open(name, 1);
  opening.onupgradeneeded = () => {
    for (const table of tables) {
      if (!opening.result.objectStoreNames.contains(table)) opening.result.createObjectStore(table);
    }
  };
  opening.onblocked = () => {};
  const db = await done(opening);
  const missing = tables.filter((t) => !db.objectStoreNames.contains(t));
  if (missing.length) {
    db.close();
    throw new Error(`database ${name} has no table ${missing.join(", ")}`);
  }

  /** Run ``work(store)`` in one transaction; resolves with its last request's result. */
  const transact = (table, mode, work) => new Promise((resolve, reject) => {
    const tx = db.transaction(table, mode);
    let result;
    const last = work(tx.objectStore(table));
    if (last) last.onsuccess = () => { result = last.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("the IndexedDB transaction was aborted"));
  });

  return {
    put: (table, key, value) => transact(table, "readwrite", (s) => s.put(value, key)),
    get: (table, key) => transact(table, "readonly", (s) => s.get(key)),
    delete: (table, keys) => transact(table, "readwrite", (s) => {
      let last = null;
      for (const key of keys) last = s.delete(key);
      return last;
    }),
    clear: (table) => transact(table, "readwrite", (s) => s.clear()),
    /** Empty ``table`` and put each key/value in one transaction: all of it, or nothing. */
    replace: (table, keys, values) => transact(table, "readwrite", (s) => {
      let last = s.clear();
      keys.forEach((key, i) => { last = s.put(values[i], key); });
      return last;
    }),
    /** {keys, values} of every entry, in key order (one transaction: a consistent view). */
    all: (table) => new Promise((resolve, reject) => {
      const tx = db.transaction(table, "readonly");
      const keys = tx.objectStore(table).getAllKeys();
      const values = tx.objectStore(table).getAll();
      tx.oncomplete = () => resolve({ keys: keys.result, values: values.result });
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("the IndexedDB transaction was aborted"));
    }),
    close: () => db.close(),
  };
}

