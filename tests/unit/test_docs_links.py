"""The documentation holds together: every relative link in README.md, ARCHITECTURE.md and
docs/*.md reaches a file that exists (and, with a ``#fragment`` into a Markdown file, one
of its headings), and the README stays a front page of about 200 lines; the rest lives in
docs/ (docs/README.md is the index)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 220
PAGES = sorted([ROOT / "README.md", ROOT / "README.uk.md", ROOT / "ARCHITECTURE.md",
                ROOT / "node-red-contrib-pytfjs" / "README.md",
                *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """GitHub's ids for a Markdown file's headings: lowercased, punctuation other than
    ``-`` and ``_`` dropped, spaces to ``-``; a repeated id gets ``-1``, ``-2``, ..."""
    seen: dict[str, int] = {}
    found = set()
    for title in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def broken_links(page: Path) -> list[str]:
    """Each relative link of ``page`` that points at nothing, as ``target: why``."""
    broken = []
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, fragment = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target}: no heading #{fragment} in {dest.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_is_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move detail to docs/")


def test_every_docs_page_is_in_the_index() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in (ROOT / "docs").glob("*.md")
               if p.name != "README.md" and f"]({p.name})" not in index]
    assert missing == [], f"docs/README.md does not list {missing}"


def test_the_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A heading, here\n")
    page.write_text("[ok](there.md) [ok](there.md#a-heading-here) `[code](nowhere.md)`\n"
                    "[bad](nowhere.md) [bad](there.md#nowhere) [web](https://example.org)\n")
    assert broken_links(page) == ["nowhere.md: no such file",
                                  "there.md#nowhere: no heading #nowhere in there.md"]
