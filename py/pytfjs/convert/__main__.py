"""``python -m pytfjs.convert MODEL OUT_DIR [--quantize float16|uint8|uint16]``."""

from __future__ import annotations

import argparse
import sys

from ..i18n import _
from . import QUANTIZE_DTYPES, ConvertError, convert_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytfjs.convert",
        description="Convert a Keras .h5/.hdf5/.keras model into a TF.js layers model "
                    "(model.json + weight shards). Needs only numpy and pyfive.")
    parser.add_argument("model", help="the Keras model file")
    parser.add_argument("out_dir", help="a new folder for model.json and the shards")
    parser.add_argument("--quantize", choices=QUANTIZE_DTYPES,
                        help="store float32 weights as float16, uint8 or uint16")
    parser.add_argument("--reader", choices=("pyfive", "h5py"), default="pyfive",
                        help="HDF5 reader (same output; h5py only if installed)")
    args = parser.parse_args(argv)
    try:
        conversion = convert_file(args.model, args.out_dir, args.quantize, args.reader)
    except ConvertError as e:
        print(_("error: {e}").format(e=e), file=sys.stderr)
        return 1
    except OSError as e:  # the output folder: write_files wrote all or nothing
        print(_("error: cannot write {out_dir}: {value} (nothing was written)")
              .format(out_dir=args.out_dir, value=e.strerror or e),
              file=sys.stderr)
        return 1
    except (MemoryError, RecursionError) as e:  # conversion happens before any writing
        need = "memory" if isinstance(e, MemoryError) else "stack depth"
        print(_("error: {model} needs more {need} than Python has here (nothing was "
              "written)").format(model=args.model, need=need), file=sys.stderr)
        return 1
    print(conversion.report())
    print(_("TF.js model written to {out_dir}/model.json").format(out_dir=args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
