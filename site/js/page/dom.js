/*
 * dom.js: the two helpers every page module uses.
 */

/** The page element with this id. */
export const $ = (id) => document.getElementById(id);

/** Absolute URL of a site path; relative to the page, so dist/ works under any sub-path. */
export const siteUrl = (path) => new URL(path, document.baseURI).href;
