// Compile the .py members of zips to bytecode inside the Pyodide that dist/ ships (Node.js):
//   node bytecode.mjs <pyodide folder> <pyc_zip.py> <packages> <modules> <in> <out> <layout> <prefix> <drop> [...]
// <drop>: comma-separated name endings of members to leave out ("" for none).
// <packages> (comma-separated) are loaded and <modules> imported first (with the
// original wheels); only the files they read get bytecode. Paths are absolute host
// paths; Python sees the host's / under /host (NODEFS). Called by
// buildlib/make/bytecode.py, which says why.
import { createRequire } from "module";
import { readFileSync } from "fs";
import path from "path";

const [indexDir, compiler, packages, modules, ...jobs] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.join(indexDir, "pyodide.js"));
const py = await loadPyodide({ indexURL: indexDir + path.sep, stdout: () => {}, stderr: (line) => console.error(line) });
py.runPython(readFileSync(compiler, "utf8"));
await py.loadPackage(packages.split(","), { messageCallback: () => {} });
const hot = py.globals.get("imported_files")(py.toPy(modules.split(",")));
py.FS.mkdir("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
const addBytecode = py.globals.get("add_bytecode");
for (let i = 0; i < jobs.length; i += 5) {
  const [src, dst, layout, prefix, drop] = jobs.slice(i, i + 5);
  const suffixes = py.toPy(drop.split(",").filter(Boolean));
  const count = addBytecode("/host" + src, "/host" + dst, layout, prefix, hot, suffixes);
  suffixes.destroy();
  console.log(`${path.basename(src)}\t${count}`);
}
addBytecode.destroy();
hot.destroy();
