/*
 * reveal.js: bring what a run shows into view, in order, one element per frame.
 */

/**
 * Bring what a run just showed into view (a question, the studio, the drawing pad), once
 * it is laid out: the side pane scrolls on a desktop, the page on a phone. Nothing moves
 * when it is already in view. Something that waits for the learner (a question, a
 * download, the pad) wins over a chart that appears right after it: for two seconds
 * after it was shown, charts (``passive``) do not pull the view away.
 */
// Reveals are queued and done one per frame, so each thing that appears is shown, in the
// order it appeared, even when several appear at once.
let asking = null; // the last thing revealed that waits for the learner, and when
const revealQueue = [];
export function reveal(element, passive = false) {
  if (!passive) asking = { element, at: performance.now() };
  revealQueue.push({ element, passive, at: performance.now() });
  if (revealQueue.length === 1) requestAnimationFrame(revealNext);
}

function revealNext() {
  const { element, passive, at } = revealQueue.shift();
  // a chart that appeared after the question, while the question still waits
  const held = asking && asking.element.isConnected && at > asking.at
    && performance.now() - asking.at < 2000;
  if (element.isConnected && !(passive && held)) {
    const box = element.getBoundingClientRect();
    const pane = element.closest(".side-pane");
    const bottom = pane && getComputedStyle(pane).position === "sticky"
      ? Math.min(window.innerHeight, pane.getBoundingClientRect().bottom) : window.innerHeight;
    if (box.top < 0 || box.bottom > bottom) {
      element.scrollIntoView({ block: box.height > bottom ? "start" : "nearest" });
    }
  }
  if (revealQueue.length) requestAnimationFrame(revealNext);
}
