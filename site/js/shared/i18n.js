/*
 * i18n.js (shared): the page's and the runtime worker's translations. The build compiles
 * locale/<lang>/LC_MESSAGES/site.po into dist/locale/<lang>/site.js (an ES module:
 * `lang`, `plural(n)`, `messages`), loaded here with a relative dynamic import so dist/
 * works under any sub-path. English needs no catalog: msgids are the English text.
 * Which language to use is decided elsewhere (js/page/i18n.js on the page; the `?lang=`
 * of the worker's own address in the runtime worker).
 *
 * t(msgid, params), nt(singular, plural, n, params) and tp(context, msgid, params) are
 * the keywords `build.py i18n` extracts (Babel's JavaScript extractor): call them with
 * string literals only. Placeholders are brace style, {name}, as in Python.
 */

/** The languages the site is translated into; anything else is English. */
export const LANGUAGES = ["en", "uk"];

/** Each language's own name, as the switch shows it (never translated). */
export const LANGUAGE_NAMES = { en: "English", uk: "Українська" };

const CONTEXT = "\u0004";
const english = (n) => (n === 1 ? 0 : 1);

let current = "en";
let messages = {};
let pluralIndex = english;

/** The language in use ("en" until useLanguage loaded another). */
export function language() {
  return current;
}

/** The BCP 47 tag Intl formats numbers with. */
export function locale() {
  return current === "uk" ? "uk-UA" : "en-US";
}

/**
 * Load `code`'s catalog (English, or an unknown code, needs none). A catalog that cannot
 * load leaves the page in English and says so in the console: a missing translation must
 * never stop a lab.
 */
export async function useLanguage(code) {
  current = "en";
  messages = {};
  pluralIndex = english;
  if (!LANGUAGES.includes(code) || code === "en") return current;
  try {
    const catalog = await import(`../../locale/${code}/site.js`);
    messages = catalog.messages || {};
    pluralIndex = typeof catalog.plural === "function" ? catalog.plural : english;
    current = code;
  } catch (e) {
    console.warn(`pytfjs: the ${code} translation could not be loaded, English is used:`, e);
  }
  return current;
}

/** `text` with each {name} replaced by params.name (numbers formatted for the language). */
export function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = params[name];
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

/** The translation of `msgid` (itself when the catalog lacks it), placeholders filled. */
export function t(msgid, params) {
  const found = messages[msgid];
  return fill(typeof found === "string" && found ? found : msgid, params);
}

/** The form of a plural message for `n`, as the catalog's Plural-Forms chooses it. */
export function nt(singular, plural, n, params) {
  const forms = messages[singular];
  const all = { n, ...params };
  if (Array.isArray(forms)) {
    const form = forms[pluralIndex(Math.abs(n))];
    if (form) return fill(form, all);
  }
  return fill(english(n) === 0 ? singular : plural, all);
}

/** A message with a context (the same English words meaning different things). */
export function tp(context, msgid, params) {
  const found = messages[context + CONTEXT + msgid];
  return fill(typeof found === "string" && found ? found : msgid, params);
}

/** A number formatted for the language (Intl.NumberFormat: 0,9862 in Ukrainian). */
export function formatNumber(x, options) {
  return new Intl.NumberFormat(locale(), options).format(x);
}
