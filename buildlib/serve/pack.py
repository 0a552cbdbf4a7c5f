"""The classroom pack: one zip with the built site and a stdlib-only server script.

For classrooms without internet (and without the dead "Web Server for Chrome"): unzip,
run ``python3 serve.py`` (Python 3.8+, Windows, macOS, Linux), open the printed address.
``serve.py`` is this project's own server module plus a small command line, so the
pack and ``build.py serve`` serve files the same way.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from buildlib import config

CLI = '''

def _addresses():
    """This machine's IPv4 addresses that other machines could reach."""
    import socket

    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    try:  # the address of the default route, without sending anything
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(("192.0.2.1", 9))
        found.add(probe.getsockname()[0])
        probe.close()
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def main(argv=None):
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Serve the pytfjs labs from this folder.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--lan", action="store_true",
                        help="let other computers on this network open the labs")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 8):
        raise SystemExit("serve.py needs Python 3.8 or newer")
    root = Path(__file__).resolve().parent / "site"
    host = "0.0.0.0" if args.lan else "127.0.0.1"
    server = make_server(root, host, args.port)
    port = server.server_address[1]
    print(f"pytfjs labs: http://127.0.0.1:{port}/  (Ctrl+C to stop)", flush=True)
    if args.lan:
        print("WARNING: --lan lets anyone on this network open these labs (read-only).",
              flush=True)
        for address in _addresses():
            print(f"  students: http://{address}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")


if __name__ == "__main__":
    main()
'''


def serve_script() -> str:
    """buildlib/serve/server.py plus the command line above, as one file."""
    return (config.ROOT / "buildlib" / "serve" / "server.py").read_text() + CLI


def write_pack(dist: Path, out: Path) -> Path:
    """Zip ``dist`` as pytfjs/site/ with pytfjs/serve.py and a short README."""
    out.parent.mkdir(parents=True, exist_ok=True)
    readme = ("pytfjs classroom pack\n\n1. Unzip this folder anywhere.\n"
              "2. In it, run:  python3 serve.py      (Windows: py serve.py)\n"
              "3. Open http://127.0.0.1:8000/ in Chrome, Edge or Firefox.\n\n"
              "python3 serve.py --lan lets the computers on this network open the labs\n"
              "(it prints the addresses to give to students).\n"
              "Nothing is downloaded from the internet; files people choose stay on their"
              " computers.\n")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pytfjs/serve.py", serve_script())
        archive.writestr("pytfjs/README.txt", readme)
        for path in sorted(dist.rglob("*")):
            if path.is_file() and path.suffix != ".gz":
                archive.write(path, f"pytfjs/site/{path.relative_to(dist).as_posix()}")
            elif path.is_file():  # precompressed twins: store, do not squeeze twice
                archive.write(path, f"pytfjs/site/{path.relative_to(dist).as_posix()}",
                              compress_type=zipfile.ZIP_STORED)
    return out
