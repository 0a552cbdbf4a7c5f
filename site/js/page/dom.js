/*
 * dom.js: the DOM helpers page modules share (never imported by the runtime worker).
 */

/** The page element with this id. */
export const $ = (id) => document.getElementById(id);

/** Save ``bytes`` (or text) as a file through an <a download> click; nothing leaves the computer. */
export function downloadFile(name, data, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
