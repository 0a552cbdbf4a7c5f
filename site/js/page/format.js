/*
 * format.js: what the Results panel shows for a reported value, formatted for people.
 * Numbers to a sensible precision (never more than 4 decimals), lists of (label, number)
 * pairs and per-name numbers as small tables, long lists shortened, sha256 hashes cut to
 * 12 digits. The raw values stay in window.pytfjs.results. Pure functions over plain
 * data (no DOM): tests/node/format_cases.mjs runs them in Node for the unit tests. Numbers
 * follow the page's language (js/shared/i18n.js: English in Node, 0,9862 in Ukrainian).
 */

import { locale, nt } from "../shared/i18n.js";

const HEX64 = /^[0-9a-f]{64}$/i;
const LIST_SHOWN = 8;

/** A number as people read it: integers grouped from 10,000; fractions to 4 significant
 *  digits, or 4 decimals below 1; tiny ones in e-notation. */
export function formatNumber(value) {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const size = Math.abs(value);
  const plain = (x) => x.toLocaleString(locale(), { useGrouping: false, maximumFractionDigits: 20 });
  if (Number.isInteger(value)) return size >= 10000 ? value.toLocaleString(locale()) : plain(value);
  if (size >= 1000) return value.toLocaleString(locale(), { maximumFractionDigits: 1 });
  if (size >= 1) return plain(Number(value.toPrecision(4)));
  if (size >= 0.0001) return plain(Number(value.toFixed(4)));
  const exp = value.toExponential(2).replace(/\.?0+e/, "e");
  return exp.replace(".", (1.5).toLocaleString(locale()).charAt(1));
}

/** A scalar (number, string, boolean, null) as text. */
export function formatScalar(value) {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return HEX64.test(value) ? `${value.slice(0, 12)}…` : value;
  if (value === null || value === undefined) return "–";
  return String(value);
}

const isScalar = (v) => v === null || ["number", "string", "boolean"].includes(typeof v);

/** JSON-like text with every number formatted (for values too deep for a table). */
export function compactText(value) {
  if (isScalar(value)) return typeof value === "string" ? JSON.stringify(formatScalar(value)) : formatScalar(value);
  if (Array.isArray(value)) return `[${value.map(compactText).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${k}: ${compactText(v)}`).join(", ")}}`;
}

/** A list shown inline, shortened past LIST_SHOWN items with the total count. */
function listText(values) {
  const shown = values.slice(0, LIST_SHOWN).map(formatScalar).join(", ");
  return values.length > LIST_SHOWN
    ? nt("{n} item: {shown}, …", "{n} items: {shown}, …", values.length, { shown }) : shown;
}

/**
 * How to show one reported value: {kind: "text", text, title?} or {kind: "table",
 * headers, rows} (rows of already formatted cells).
 */
export function describeValue(value) {
  if (isScalar(value)) {
    const text = formatScalar(value);
    return typeof value === "string" && text !== value ? { kind: "text", text, title: value }
      : { kind: "text", text };
  }
  if (Array.isArray(value)) {
    if (value.every(isScalar)) return { kind: "text", text: listText(value) };
    const pairs = value.every((v) => Array.isArray(v) && v.length === 2 && isScalar(v[0]) && isScalar(v[1]));
    if (pairs && value.length <= 20) {
      return { kind: "table", headers: ["", ""], rows: value.map(([a, b]) => [formatScalar(a), formatScalar(b)]) };
    }
    return { kind: "text", text: compactText(value.length > LIST_SHOWN ? value.slice(0, LIST_SHOWN) : value)
      + (value.length > LIST_SHOWN ? nt(" … ({n} item)", " … ({n} items)", value.length) : "") };
  }
  const entries = Object.entries(value);
  if (entries.length <= 20) {
    return {
      kind: "table",
      headers: ["", ""],
      rows: entries.map(([k, v]) => [k, isScalar(v) ? formatScalar(v)
        : Array.isArray(v) && v.every(isScalar) ? listText(v) : compactText(v)]),
    };
  }
  return { kind: "text", text: nt("{n} entry: {names}, …", "{n} entries: {names}, …", entries.length,
    { names: entries.slice(0, LIST_SHOWN).map(([k]) => k).join(", ") }) };
}
