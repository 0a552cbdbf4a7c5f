/*
 * wheels.js: "Add a package (.whl)". A learner picks (or drops on the page) a pure-Python
 * wheel from their computer; the runtime worker installs it with micropip for this page
 * (py/pytfjs/packages.py), and the console names what was installed or why it was not.
 * Nothing leaves the computer. A fresh Python (after a reload or Stop's restart) has
 * only the site's own packages again.
 */
import { t } from "./i18n.js";

const isWheel = (file) => file.name.toLowerCase().endsWith(".whl");

/** Put the button after `anchor` (an element of the toolbar). `request(type, fields)`
 *  asks the worker; `say(text, ok)` writes a console line. */
export function addWheelButton(anchor, request, say) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = ".whl";
  input.multiple = true;
  input.hidden = true;
  input.id = "wheel-file";
  const button = document.createElement("button");
  button.type = "button";
  button.id = "add-wheel";
  button.textContent = t("+ Add a package (.whl)");
  button.title = t("Install a pure-Python wheel from your computer for this page (or drop a .whl file on the page)");
  button.addEventListener("click", () => input.click());
  anchor.after(button, input);

  async function add(file) {
    say(t("Installing {name}…", { name: file.name }), true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const reply = JSON.parse(await request("wheel", { name: file.name, bytes }));
      say(reply.text, reply.ok);
    } catch (e) {
      say(t("{name} was not installed: {error}", { name: file.name, error: String((e && e.message) || e).split("\n")[0] }), false);
    }
  }
  input.addEventListener("change", () => {
    for (const file of input.files) add(file);
    input.value = "";
  });
  // A .whl dropped anywhere a lab's own drop zone is not (those take their files first).
  window.addEventListener("dragover", (e) => {
    if (!e.defaultPrevented && e.dataTransfer && [...e.dataTransfer.types].includes("Files")) e.preventDefault();
  });
  window.addEventListener("drop", (e) => {
    if (e.defaultPrevented || !e.dataTransfer) return;
    const wheels = [...e.dataTransfer.files].filter(isWheel);
    if (!wheels.length) return;
    e.preventDefault();
    wheels.forEach(add);
  });
}
