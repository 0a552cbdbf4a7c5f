"""Property-based fuzzing of every file reader (Hypothesis, on CPython).

Random files and mutations of real ones (the Keras fixtures, torch state dicts and CSVs
the tests make) must end in a result or in the reader's own error class: never another
exception, a hang or a runaway allocation. Each example runs under a hang guard
(SIGALRM, far above any real reading time: it catches loops, it does not measure speed)
and tracemalloc, which bounds the memory one example may allocate (numpy's arrays are
traced too). Example counts are fixed so the whole file stays small in CI.

The outcome classes per reader are counted and written to build/fuzz-outcomes.json (and
printed with ``pytest -s``) for the record.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import signal
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytfjs import limits
from pytfjs.control import InputError
from pytfjs.convert import ConvertError, convert_bytes
from pytfjs.convert.torch_state import TorchStateError, load_state_dict
from pytfjs.data import csv, images
from testkit.harness import ROOT

KERAS = ROOT / "tests" / "fixtures" / "keras"
HANG_SECONDS = 30
MEMORY_BYTES = 400_000_000  # per example: far below what a runaway allocation asks
OUTCOMES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
# PYTFJS_FUZZ_EXAMPLES=2000 runs a longer, random campaign; the suite's run is fixed
EXAMPLES = int(os.environ.get("PYTFJS_FUZZ_EXAMPLES", "0")) or None
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=None, derandomize=EXAMPLES is None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextlib.contextmanager
def bounded(reader: str):
    """Fail on a hang or on an allocation over MEMORY_BYTES; count the outcome."""
    def hang(signum, frame):
        raise AssertionError(f"{reader}: no answer after {HANG_SECONDS} s (a hang)")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG_SECONDS)
    tracemalloc.start()
    outcome = ["result"]
    try:
        yield outcome
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        OUTCOMES[reader][outcome[0]] += 1
    assert peak < MEMORY_BYTES, f"{reader}: {peak:,} bytes allocated for one example"


def expect(outcome: list, call, errors: tuple[type[BaseException], ...]):
    """Run ``call``; a listed error is an outcome (its class, or its problem code)."""
    try:
        result = call()
    except errors as e:
        outcome[0] = f"{type(e).__name__}:{getattr(e, 'problem', '')}".rstrip(":")
        message = str(e)
        assert message and "Traceback" not in message
        return None
    return result


@pytest.fixture(scope="module", autouse=True)
def record_outcomes():
    yield
    report = {reader: dict(sorted(counts.items())) for reader, counts in OUTCOMES.items()}
    print("\nfuzz outcomes:", json.dumps(report, indent=1))
    out = ROOT / "build"
    out.mkdir(exist_ok=True)
    (out / "fuzz-outcomes.json").write_text(json.dumps(report, indent=1))


def mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` with a few bytes overwritten, a slice cut out or repeated, or cut short."""
    n = len(seed)

    @st.composite
    def mutate(draw) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["overwrite", "cut", "repeat", "truncate", "int"]))
            at = draw(st.integers(0, max(0, len(data) - 1)))
            if kind == "overwrite":
                patch = draw(st.binary(min_size=1, max_size=16))
                data[at:at + len(patch)] = patch
            elif kind == "cut":
                del data[at:at + draw(st.integers(1, 256))]
            elif kind == "repeat":
                data[at:at] = data[at:at + draw(st.integers(1, 64))] * draw(st.integers(1, 8))
            elif kind == "truncate":
                del data[at:]
            else:  # a size or offset field turned huge or negative
                value = draw(st.sampled_from([0, 1, 2**31 - 1, 2**32 - 1, 2**63 - 1,
                                              2**64 - 1, 10**12]))
                width = draw(st.sampled_from([2, 4, 8]))
                data[at:at + width] = (value % 2 ** (8 * width)).to_bytes(width, "little")
        return bytes(data[: 4 * n])

    return mutate()


# ------------------------------------------------------------------ the converter

H5 = [(KERAS / name).read_bytes() for name in ("course_cnn.tfk2.h5", "nested.k3.h5")]
KERAS_ZIP = (KERAS / "course_cnn.k3.keras").read_bytes()


def _convert(data: bytes, name: str) -> None:
    with bounded("convert " + name.rsplit(".", 1)[1]) as outcome:
        conversion = expect(outcome, lambda: convert_bytes(data, name), (ConvertError,))
        if conversion is not None:
            assert "model.json" in conversion.files


@FUZZ
@given(st.one_of(mutations(H5[0]), mutations(H5[1])))
def test_mutated_h5_models_convert_or_raise_convert_error(data):
    _convert(data, "model.h5")


@FUZZ
@given(mutations(KERAS_ZIP))
def test_mutated_keras_zips_convert_or_raise_convert_error(data):
    _convert(data, "model.keras")


def _keras_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(KERAS_ZIP)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2**40) | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["class_name", "config", "layers", "name", "inbound_nodes",
                                       "units", "batch_input_shape", "module", "build_config",
                                       "input_layers", "output_layers", "dtype"]), inner,
                      max_size=5),
    max_leaves=40)


@FUZZ
@given(json_values, st.sampled_from(["config.json", "metadata.json"]))
def test_random_configs_in_a_real_keras_zip_end_in_a_message(value, member):
    members = _keras_members()
    members[member] = json.dumps(value).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    _convert(buffer.getvalue(), "model.keras")


@settings(FUZZ, max_examples=40)
@given(st.binary(max_size=3000), st.sampled_from(["model.h5", "model.keras"]))
def test_random_bytes_are_not_a_model(data, name):
    _convert(b"\x89HDF\r\n\x1a\n" + data if name.endswith("h5") and data[:1] == b"\0" else data,
             name)


# ------------------------------------------------------------------ torch state dicts

def _torch_files() -> list[bytes]:
    from tests.unit import test_torch_state as helpers

    with pytest.MonkeyPatch.context() as patch:
        helpers.fake_torch.__wrapped__(patch)
        state = helpers._state()
        return [helpers.save_legacy(state), helpers.save_zip(state)]


TORCH = _torch_files()


@FUZZ
@given(st.one_of(mutations(TORCH[0]), mutations(TORCH[1]), st.binary(max_size=2000)))
def test_mutated_torch_files_load_or_raise_torch_state_error(data):
    with bounded("torch") as outcome:
        state = expect(outcome, lambda: load_state_dict(data, "model.pth"), (TorchStateError,))
        if state is not None:
            assert all(isinstance(v, np.ndarray) for v in state.values())


# ------------------------------------------------------------------ CSV

def _seed_csv() -> bytes:
    rng = np.random.default_rng(0)
    lines = ["id,height,colour,notes,label"]
    for i in range(40):
        colour = ["red", "green", ""][i % 3]
        note = '"a, quoted ""note"""' if i % 7 == 0 else "n/a"
        lines.append(f"{i},{rng.normal():.3f},{colour},{note},{'xyz'[i % 3]}")
    return ("\n".join(lines) + "\n").encode()


SEED_CSV = _seed_csv()
csv_text = st.text(alphabet=st.sampled_from(list(",;\t|\"\n\r 0123456789.-eE+abcNAn?\u00e9\ufeff")),
                   max_size=600)


def _csv(data: bytes | str) -> None:
    with bounded("csv") as outcome:
        def work():
            table = csv.read(data, "data.csv")
            table.describe()
            table.check_trainable()
            label = list(table.columns)[-1]
            features = table.feature_choices(label)
            table.class_warning(label)
            prepared = table.prepare(label, features, missing="fill", text_features="onehot",
                                     rare_classes="group")
            assert np.isfinite(prepared.x_train).all() and np.isfinite(prepared.x_val).all()
            prepared.transform([{n: c.values[0] for n, c in table.columns.items()}])
            return prepared

        expect(outcome, work, (csv.CsvError,))


@FUZZ
@given(mutations(SEED_CSV))
def test_mutated_csvs_prepare_or_raise_csv_error(data):
    _csv(data)


@FUZZ
@given(st.one_of(csv_text, csv_text.map(lambda t: t.encode("utf-16")), st.binary(max_size=800)))
def test_random_csvs_prepare_or_raise_csv_error(data):
    _csv(data)


# ------------------------------------------------------------------ photo headers and JSON

HEADERS = [
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x02\0\0\0",
    b"GIF89a\x10\0\x10\0\0\0\0",
    b"BM" + bytes(12) + b"(\0\0\0\x10\0\0\0\x10\0\0\0" + bytes(30),
    b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(9) + b"\xff\xc0\0\x11\x08\0\x10\0\x10" + bytes(9),
    b"RIFF\0\0\0\0WEBPVP8X\n\0\0\0" + bytes(4) + b"\x0f\0\0\x0f\0\0",
]

@FUZZ
@given(st.one_of(st.binary(max_size=200), *(mutations(h) for h in HEADERS)))
def test_photo_headers_give_a_size_or_an_input_error(data):
    with bounded("image header") as outcome:
        found = expect(outcome, lambda: images.check(data, "photo.png"), (InputError,))
        if found is not None:
            _, w, h = found
            assert 0 < w * h <= limits.IMAGE_MAX_PIXELS


@FUZZ
@given(st.text(alphabet=st.sampled_from(list('[]{}"\\ab,:1')), max_size=400))
def test_json_depth_matches_the_parser(text):
    depth = limits.json_depth(text)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return

    def real(v) -> int:
        if isinstance(v, list):
            return 1 + max((real(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((real(x) for x in v.values()), default=0)
        return 0

    assert depth == real(value)
