"""docs/methods.md: every section the code cites exists, every source has a DOI or URL,
and the file names the method version results carry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from critmin import __version__
from critmin.service.base import METHOD_VERSION

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "docs" / "methods.md"
SRC = ROOT / "src"

#: "methods.md" followed (across line breaks, comment marks and parentheses) by one or
#: more section marks: "§2", "§3–4", "§2, §7", "§11–12", "§5 parity table"
CITATION = re.compile(r"methods\.md[\s#(]*((?:§\s*\d+(?:\.\d+)?(?:\s*[–-]\s*\d+(?:\.\d+)?)?"
                      r"(?:\s*(?:,|and)\s*)?)+)")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)?)(?:\s*[–-]\s*(\d+(?:\.\d+)?))?")
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\. ", re.M)
LOCATOR = re.compile(r"https?://\S+")


def cited_sections(text: str) -> set[str]:
    """Section numbers cited as "methods.md §N" (a range N–M cites every section between)."""
    out: set[str] = set()
    for group in CITATION.finditer(text):
        for first, last in SECTION.findall(group.group(1)):
            if last and "." not in first + last:
                out.update(str(n) for n in range(int(first), int(last) + 1))
            else:
                out.update(x for x in (first, last) if x)
    return out


def headings() -> set[str]:
    return set(HEADING.findall(METHODS.read_text(encoding="utf-8")))


def source_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*") if p.suffix in (".py", ".csv")
                  and "__pycache__" not in p.parts)


def references() -> list[str]:
    """The numbered entries of the references section (one string per entry)."""
    text = METHODS.read_text(encoding="utf-8")
    start = re.search(r"^## \d+\. References\s*$", text, re.M)
    assert start, "docs/methods.md has no References section"
    body = text[start.end():]
    end = re.search(r"^## ", body, re.M)
    body = body[:end.start()] if end else body
    return [m.group(1).strip() for m in
            re.finditer(r"^\d+\. (.+?)(?=^\d+\. |^\S|\Z)", body, re.M | re.S)]


def test_citation_parser() -> None:
    text = ("see methods.md §2, §7; (methods.md\n    §5 parity table); methods.md §3–4 and "
            "methods.md §11–12; # methods.md §9.1")
    assert cited_sections(text) == {"2", "7", "5", "3", "4", "11", "12", "9.1"}


def test_code_cites_only_existing_sections() -> None:
    have = headings()
    missing: dict[str, list[str]] = {}
    cited: set[str] = set()
    for path in source_files():
        found = cited_sections(path.read_text(encoding="utf-8"))
        cited |= found
        for section in sorted(found - have):
            missing.setdefault(f"§{section}", []).append(str(path.relative_to(ROOT)))
    assert cited, "no 'methods.md §N' citation found under src/"
    assert not missing, f"cited in src/ but not a heading of docs/methods.md: {missing}"


@pytest.mark.parametrize("path", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_docs_cite_only_existing_sections(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path == METHODS:  # inside methods.md, a bare "§N" is a cross-reference
        found = {a for a, b in SECTION.findall(text) for a in (a, b) if a}
    else:
        found = cited_sections(text)
    assert not found - headings(), f"{path.name} cites missing sections {found - headings()}"


def test_sections_are_numbered_in_order() -> None:
    top = [int(n) for n in HEADING.findall(METHODS.read_text(encoding="utf-8"))
           if "." not in n]
    assert top == list(range(1, len(top) + 1))


def test_every_reference_has_a_doi_or_url() -> None:
    refs = references()
    assert len(refs) >= 20
    bare = [r[:80] for r in refs if not LOCATOR.search(r)
            and not ("Seed document" in r and "../shared/seeds/" in r)]
    assert not bare, f"references without a DOI or URL: {bare}"
    for r in refs:
        for doi in re.findall(r"https://doi\.org/(\S+)", r):
            assert re.fullmatch(r"10\.\d{4,9}/\S+", doi.rstrip(").,;")), doi


def test_names_the_method_version() -> None:
    text = METHODS.read_text(encoding="utf-8")
    assert METHOD_VERSION in text
    assert f"Method version: critmin {__version__}" in text
    assert "method_version" in text
