/*
 * drafts.js: the learner's edited code, kept per lab in the browser's localStorage so that
 * no edit is lost to a reload, a crash or a killed tab (JupyterLite keeps notebooks the
 * same way). A draft remembers a fingerprint of the shipped code it was made from: when a
 * new build ships different code for the lab, the page can say so and offer both.
 *
 * The lab ships its code in each language (lab.html?lang=uk shows main.uk.py): a draft made
 * from any of them is the learner's own and is kept as it is when the language changes;
 * Reset offers the original in the page's language.
 *
 * Stored under "pytfjs:draft:<lab id>" as JSON {code, base, saved}; "pytfjs:previous:<lab
 * id>" holds a draft the learner swapped for new shipped code, until they take it back.
 */

const PREFIX = "pytfjs:draft:";
const PREVIOUS = "pytfjs:previous:";

/** FNV-1a (32 bit) of a text, as 8 hex digits: cheap, synchronous, enough to tell builds apart. */
export function fingerprint(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function read(key) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value && typeof value.code === "string" ? value : null;
  } catch {
    return null; // storage off (private mode) or damaged: behave as if nothing was saved
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // quota or storage disabled: the caller says the code is not saved
  }
}

/** One lab's draft: what the editor holds when it differs from the shipped code. */
export class Drafts {
  /** ``shipped``: the code this page offers; ``variants``: the same lab's code in every
   *  language this build ships (``shipped`` among them or not). */
  constructor(labId, shipped, variants = []) {
    this.key = PREFIX + labId;
    this.previousKey = PREVIOUS + labId;
    this.shipped = shipped;
    this.base = fingerprint(shipped);
    this.bases = new Set([shipped, ...variants].map(fingerprint));
  }

  /** The saved draft, with ``stale`` true when it was made from other shipped code (an
   *  older build: a draft made from this build's code in another language is not stale). */
  load() {
    const draft = read(this.key);
    if (!draft || draft.code === this.shipped) return null;
    return { code: draft.code, saved: draft.saved, stale: !this.bases.has(draft.base) };
  }

  /** Keep ``code`` (or forget the draft when it is the shipped code); false if storage failed. */
  save(code) {
    if (code === this.shipped) return write(this.key, null);
    const kept = read(this.key);
    // a stale draft stays stale until the learner chooses: saving must not hide the notice
    const base = kept && kept.base !== this.base && kept.code === code ? kept.base : this.base;
    // (a draft from another language keeps its base too: it is this build's, not stale)
    return write(this.key, { code, base, saved: Date.now() });
  }

  /** The learner keeps their version over new shipped code: it is now based on it. */
  adopt(code) {
    return write(this.key, { code, base: this.base, saved: Date.now() });
  }

  /** The shipped code replaces the draft, which is kept aside until ``restorePrevious``. */
  setAside() {
    const draft = read(this.key);
    if (draft) write(this.previousKey, draft);
    return write(this.key, null);
  }

  previous() {
    const draft = read(this.previousKey);
    return draft ? draft.code : null;
  }

  restorePrevious() {
    const code = this.previous();
    if (code === null) return null;
    write(this.previousKey, null);
    this.adopt(code);
    return code;
  }

  discard() {
    return write(this.key, null);
  }
}
