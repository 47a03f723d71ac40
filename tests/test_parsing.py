"""Saved pages and API responses become the papers a user would see on the site."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sources.files import load_file
from sources.parse_api import papers_from_payload
from sources.parse_page import papers_from_page
from vectorstore.errors import SourceError


def test_seed_page_gives_44_complete_papers(seed_page):
    papers = papers_from_page(seed_page.read_text(), this_year=2026)
    assert len(papers) == 44, "the saved page lists 44 papers"
    assert all(p.title and len(p.abstract) > 200 for p in papers), "every paper has a title and an abstract"
    assert all(p.author_count or p.organization for p in papers), "every paper has authors or an organisation"
    first = papers[0]
    assert first.title.startswith("SAILER") and first.author_count == 8 and first.date == date(2023, 4, 22)
    by_title = {p.title.split(":")[0]: p for p in papers}
    assert by_title["Return of the Encoder"].upvotes == 2, "the number after the date is the upvote count"
    kyutai = next(p for p in papers if p.title.startswith("ARC-Encoder"))
    assert kyutai.organization == "Kyutai" and kyutai.upvotes == 1
    no_year = [p for p in papers if p.title.startswith("Three-Phase Transformer")][0]
    assert no_year.date == date(2026, 4, 14), "a date without a year is this year's"


def test_page_ids_are_stable_and_distinct(seed_page):
    text = seed_page.read_text()
    ids = [p.id for p in papers_from_page(text)]
    assert ids == [p.id for p in papers_from_page(text)] and len(set(ids)) == 44


def test_truncated_page_is_refused(seed_page):
    text = seed_page.read_text()
    cut = text[: text.index("Return of the Encoder") + 200]
    with pytest.raises(SourceError, match="truncated|unfinished"):
        papers_from_page(cut)


def test_both_archive_shapes_parse(archive):
    plain = load_file(archive / "2025-06-02.json")
    literal = load_file(archive / "2025-01-10.json")
    assert plain and all(p.date == date(2025, 6, 2) for p in plain), "the file's date is the papers' day"
    assert len(literal) == 9 and literal[0].id == "2501.05441", "Python-literal records of the dict shape are read"
    prorl = next(p for p in plain if p.id == "2505.24864")
    assert "\n" not in prorl.title and prorl.authors[0] == "Mingjie Liu"
    assert prorl.hf_url == "https://huggingface.co/papers/2505.24864"


def test_record_missing_a_field_names_it(archive):
    records = json.loads((archive / "2025-06-02.json").read_text())
    del records[3]["paper"]["summary"]
    records[3].pop("summary", None)
    with pytest.raises(SourceError, match=r"record 4 .*summary"):
        papers_from_payload(records, day=date(2025, 6, 2))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b'[{"paper": {"id": "2501.1", "title": "T", "summ', "not valid JSON"),
        (b"\xff\xfe\x00garbage latin-1 \xe9", "not UTF-8"),
        (b"just some notes I took yesterday\nnothing else", "unknown format"),
        (b'{"hello": "world"}', "not a Daily Papers response"),
    ],
)
def test_bad_files_get_an_error_naming_file_and_problem(tmp_path: Path, content: bytes, problem: str):
    bad = tmp_path / "bad-input.txt"
    bad.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        load_file(bad)
    assert "bad-input.txt" in str(caught.value) and problem in str(caught.value)
