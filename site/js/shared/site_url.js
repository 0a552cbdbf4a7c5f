/*
 * site_url.js: absolute URLs of site files, the same on the page and in the runtime
 * worker. Resolved against this module's own URL (site/js/shared/), never the page's
 * or the worker's location, so dist/ works under any sub-path and both ends agree.
 */

/** Absolute URL of a site path ("vendor/pyodide/", "data/iris.csv"; "" is the site root). */
export function siteUrl(path) {
  return new URL(`../../${path}`, import.meta.url).href;
}
