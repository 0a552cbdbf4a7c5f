/*
 * home.js: the home page in the learner's language. The static text is marked in
 * index.html (js/page/i18n.js translateDocument); the lab cards the build wrote in English
 * (buildlib/site/labs.py render_index) take each lab's title and summary from
 * labs/index.json's `translations[lang]`, and the week headings and links are translated
 * here. The header gets the language switch.
 */
import { siteUrl } from "../shared/site_url.js";
import { language, languageSwitch, t, translateDocument, withLanguage } from "./i18n.js";

translateDocument();
languageSwitch(document.getElementById("home-controls"));

/** The cards and headings of the lab list, in the page's language. */
async function translateLabs() {
  for (const link of document.querySelectorAll(".lab-card a, .brand")) {
    link.href = withLanguage(link.getAttribute("href"));
  }
  if (language() === "en") return;
  for (const heading of document.querySelectorAll("section.week > h2")) {
    const week = /^Week (\d+)$/.exec(heading.textContent.trim());
    if (week) heading.textContent = t("Week {week}", { week: week[1] });
  }
  for (const link of document.querySelectorAll(".lab-links a")) {
    if (link.textContent.trim() === "Open and run") link.textContent = t("Open and run");
  }
  let labs = [];
  try {
    const response = await fetch(siteUrl("labs/index.json"));
    if (response.ok) labs = await response.json();
  } catch {
    return; // the cards stay in English
  }
  const byId = new Map(labs.map((lab) => [lab.id, lab]));
  // a teacher's labs are grouped under their own heading, which may be translated too
  const headings = new Map(labs.filter((lab) => lab.heading).map((lab) => [lab.heading,
    ((lab.translations || {})[language()] || {}).heading]));
  for (const heading of document.querySelectorAll("section.week > h2")) {
    const own = headings.get(heading.textContent);
    if (own) heading.textContent = own;
  }
  for (const card of document.querySelectorAll(".lab-card")) {
    const link = card.querySelector("a");
    const id = link && new URL(link.href).searchParams.get("lab");
    const own = byId.has(id) && (byId.get(id).translations || {})[language()];
    if (!own) continue;
    const title = card.querySelector(".lab-title");
    if (title && own.title) title.textContent = own.title;
    const summary = card.querySelector(":scope > p:not(.lab-links)");
    if (summary && own.summary) summary.textContent = own.summary;
  }
}

translateLabs().finally(() => { document.body.dataset.i18n = "done"; });
