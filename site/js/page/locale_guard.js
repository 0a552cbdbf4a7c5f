/*
 * locale_guard.js: a browser whose language is not a valid BCP 47 tag still draws charts.
 *
 * WebKitGTK (Epiphany, and the MiniBrowser of the tests) takes navigator.language from the
 * process locale, and under LANG=C (or unset) that is "C". uPlot builds
 * `new Intl.NumberFormat(navigator.language)` when its script runs, which throws
 * "RangeError: invalid language tag: C", so `uPlot` was never defined and every chart of
 * every lab failed. Run before uPlot (a classic `defer` script, in document order): when
 * the browser's tag is refused, navigator.language reads as the first of
 * navigator.languages that Intl accepts, else "en-US". The page's own text picks its
 * language elsewhere (js/page/i18n.js); this changes nothing when the tag is valid.
 */
(() => {
  const valid = (tag) => {
    try {
      return Boolean(new Intl.NumberFormat(tag));
    } catch {
      return false;
    }
  };
  if (valid(navigator.language)) return;
  const tag = (navigator.languages || []).find(valid) || "en-US";
  Object.defineProperty(navigator, "language", { get: () => tag, configurable: true });
})();
