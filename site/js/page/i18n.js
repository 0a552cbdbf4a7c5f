/*
 * i18n.js (page): which language the page speaks, and the page's translated text.
 * The choice: `?lang=uk|en` in the address, else the learner's saved choice (the header
 * switch, localStorage "pytfjs.lang"), else the browser's navigator.languages, else English.
 * Importing this module loads the catalog (top-level await), so every page module that
 * imports t() finds it ready. The words themselves: js/shared/i18n.js.
 *
 * Static HTML text is marked `data-i18n` (the element's text is the msgid) and
 * `data-i18n-attrs="title aria-label …"` (each attribute's value is the msgid);
 * buildlib's HTML extraction hook reads the same marks for `build.py i18n`.
 */
import { LANGUAGES, LANGUAGE_NAMES, formatNumber, language, locale, nt, t, tp, useLanguage } from "../shared/i18n.js";

export { LANGUAGES, formatNumber, language, locale, nt, t, tp };

export const STORAGE_KEY = "pytfjs.lang";

function saved() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage off: the choice lasts for this page only
  }
}

/** The language this page should speak (see the module comment). */
export function chooseLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  const kept = saved();
  if (LANGUAGES.includes(kept)) return kept;
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

await useLanguage(chooseLanguage());
document.documentElement.lang = language();

/** Translate the marked static text under `root` (see the module comment). */
export function translateDocument(root = document) {
  if (language() === "en") return;
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const msgid = el.dataset.i18n || el.textContent.replace(/\s+/g, " ").trim();
    el.dataset.i18n = msgid; // translating twice starts from the English again
    el.textContent = t(msgid);
  }
  for (const el of root.querySelectorAll("[data-i18n-attrs]")) {
    for (const name of el.dataset.i18nAttrs.split(/\s+/).filter(Boolean)) {
      const key = `i18n${name.replace(/(^|-)([a-z])/g, (m, dash, c) => c.toUpperCase())}`;
      if (el.dataset[key] === undefined) el.dataset[key] = el.getAttribute(name) || "";
      el.setAttribute(name, t(el.dataset[key]));
    }
  }
}

/** `href` (a page of this site) keeping an explicit ?lang= of this page's address. */
export function withLanguage(href) {
  const asked = new URLSearchParams(location.search).get("lang");
  if (!LANGUAGES.includes(asked)) return href;
  const url = new URL(href, location.href);
  url.searchParams.set("lang", asked);
  return url.href;
}

/**
 * The header's language switch: a labelled <select> of each language in its own name.
 * A change is saved (localStorage "pytfjs.lang") and the page reloads in it, with any
 * ?lang= dropped from the address; `beforeSwitch` runs first (the lab page saves the
 * learner's draft there: a switch never replaces it).
 */
export function languageSwitch(container, beforeSwitch = () => {}) {
  const label = document.createElement("label");
  label.htmlFor = "language";
  label.textContent = t("Language");
  const select = document.createElement("select");
  select.id = "language";
  for (const code of LANGUAGES) {
    const option = new Option(LANGUAGE_NAMES[code], code);
    option.lang = code;
    select.appendChild(option);
  }
  select.value = language();
  select.addEventListener("change", () => {
    beforeSwitch();
    try {
      localStorage.setItem(STORAGE_KEY, select.value);
    } catch {
      // storage off: the address carries the choice instead
    }
    const query = new URLSearchParams(location.search);
    query.set("lang", select.value);
    if (saved() === select.value) query.delete("lang");
    const url = new URL(location.href);
    url.search = query.toString();
    location.assign(url.href);
  });
  const group = document.createElement("span");
  group.className = "language-switch";
  group.append(label, select);
  container.append(group);
  return select;
}
