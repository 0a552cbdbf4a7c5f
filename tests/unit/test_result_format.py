"""The Results panel's formatting (site/js/page/format.js), run in Node on plain values."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def formatted(numbers: list[float], values: list[object]) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed (the README's requirements)")
    result = subprocess.run([node, "--no-warnings", str(ROOT / "tests/node/format_cases.mjs")],
                            input=json.dumps({"numbers": numbers, "values": values}),
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_numbers_never_show_more_than_four_decimals():
    numbers = [0.9976999759674072, 0.949999988079071, 19.021345, -1.2401, 183287.1234,
               8326.41, 3, 12345, 0.00005123, 1e-9, 0.5, 2.0]
    shown = formatted(numbers, [])["numbers"]
    assert shown == ["0.9977", "0.95", "19.02", "-1.24", "183,287.1", "8,326.4", "3",
                     "12,345", "5.12e-5", "1e-9", "0.5", "2"]
    assert not any(re.search(r"\.\d{5,}", s) for s in shown)


def test_pairs_and_per_name_values_become_small_tables():
    top5 = [["Egyptian cat", 0.73412], ["tabby, tabby cat", 0.1000001]]
    sha = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    values = [top5, {"model.json": 1834, "group1-shard1of1.bin": 123456},
              sha, list(range(20)), [[1.234567, 2], [3, 4, 5]], "plain text", None, True]
    out = formatted([], values)["values"]
    assert out[0] == {"kind": "table", "headers": ["", ""],
                      "rows": [["Egyptian cat", "0.7341"], ["tabby, tabby cat", "0.1"]]}
    assert out[1]["rows"] == [["model.json", "1834"], ["group1-shard1of1.bin", "123,456"]]
    assert out[2] == {"kind": "text", "text": sha[:12] + "…", "title": sha}
    assert out[3]["text"] == "20 items: 0, 1, 2, 3, 4, 5, 6, 7, …"
    assert out[4]["text"] == "[[1.235, 2], [3, 4, 5]]"
    assert [v["text"] for v in out[5:]] == ["plain text", "–", "true"]
