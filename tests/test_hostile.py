"""Hostile input for every parser and every regex-using function: generated text, with a time bound per call.

Hypothesis generates text (random, and built from the repeated fragments that make backtracking patterns
explode); each function must return within the deadline and fail, if at all, only with the project's typed
`SourceError`. The named cases are the ones a review reproduced: each took seconds or gigabytes before.
"""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from agent import present, tldr
from agent.answer import evidence, qa
from agent.chat import NAMED_PAPER, QUESTION, RULES, TODAY
from agent.judge import terms
from agent.text import split_sentences
from sources import parse_page, pdf
from sources.files import papers_from_text
from sources.parse_api import papers_from_payload
from vectorstore import records
from vectorstore.errors import SourceError
from vectorstore.records import Paper

FRAGMENTS = ["A", "-", "A-", " ", "we ", "propose", ".", "[", "]", "{", "}", "\\", "1", "1.", "%", "Ab", "the "]
hostile_text = st.one_of(
    st.text(max_size=2000),
    st.lists(st.sampled_from(FRAGMENTS), max_size=3000).map("".join),
    st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 20_000)).map(lambda t: t[0] * t[1]),
)
BOUND = settings(
    max_examples=60, deadline=1000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def paper_of(text: str) -> Paper:
    from datetime import date

    return Paper("2501.00001", text[:300] or "T", text, date(2025, 1, 1))


@BOUND
@given(hostile_text)
def test_text_functions_finish_fast_and_never_raise(text):
    for pattern in [NAMED_PAPER, QUESTION, TODAY, *(p for _, p in RULES), qa.ANAPHORA, evidence.QUANTITY]:
        pattern.search(text)
    terms.check(text, terms.Source.of(text[::-1]))
    split_sentences(text)
    evidence.question_kind(text)
    qa.is_follow_up(text)
    qa.names_in(text)
    tldr.key_sentences(text)
    tldr.clean_tldr(text, paper_of(text))
    tldr.fallback_tldr(paper_of(text), "x")
    present.md_escape(text)
    records.title_key(text)
    parse_page.looks_like_page(text)
    for line in text.splitlines()[:200] or [text]:
        for pattern in (pdf.NUMBERED, pdf.APPENDIX, pdf.NAMED, pdf.PAGE_NUMBER, pdf.ARXIV_IN_TEXT):
            pattern.match(line[:500])


@BOUND
@given(hostile_text)
def test_saved_pages_and_feeds_fail_only_with_a_clear_error(text):
    for name in ("page.txt", "feed.json"):
        with contextlib.suppress(SourceError):
            papers_from_text(text, Path(name))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=50)),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children)),
    max_leaves=40,
)


@BOUND
@given(json_values)
def test_any_json_payload_is_papers_or_a_source_error(payload):
    with contextlib.suppress(SourceError):
        papers_from_payload(payload)


def record(**fields) -> dict:
    paper = {"id": "2501.00001", "title": "T", "summary": "S", "publishedAt": "2025-01-01T00:00:00Z", **fields}
    return {"paper": paper}


@pytest.mark.parametrize("value", ["12x", [1], {"a": 1}, "1e400", "9" * 5000, -3])
def test_odd_counts_do_not_abort_a_feed(value):
    papers = papers_from_payload([record(upvotes=value, authorCount=value)])
    assert papers[0].upvotes >= 0 and papers[0].author_count >= 0


def test_a_huge_literal_string_record_costs_no_memory():
    payload = ["[" + ",".join(["1"] * 2_000_000) + "]"]  # 4 MB; ast.literal_eval of it took ~1.9 GB
    tracemalloc.start()
    with pytest.raises(SourceError, match="record 1"):
        papers_from_payload(payload)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="nested too deeply"):
        papers_from_text("[" * 100_000 + "]" * 100_000, tmp_path / "deep.json")


@pytest.mark.parametrize(
    "text",
    [
        "summarize " + "-".join(["A"] * 40) + "!",  # NAMED_PAPER doubled its time per extra pair
        "We " + "a" * 48_000,  # CONTRIBUTION was quadratic on a long abstract with no full stop
    ],
)
def test_reviewed_slow_inputs_answer_within_a_second(text):
    started = time.perf_counter()
    NAMED_PAPER.search(text)
    tldr.key_sentences(text)
    tldr.fallback_tldr(paper_of(text), "x")
    assert time.perf_counter() - started < 1.0


def test_an_impossible_arxiv_id_in_a_pdf_name_is_not_an_id():
    assert pdf.arxiv_month("2599.00001") is None and pdf.arxiv_month("2501.10120") is not None


def test_latex_inputs_stay_inside_their_folder(tmp_path):
    from sources.latex import expand_inputs

    secret = tmp_path / "secret.tex"
    secret.write_text("TOP SECRET")
    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "link.tex").symlink_to(secret)
    (folder / "loop.tex").write_text("\\input{loop} body")
    (folder / "main.tex").write_text(
        f"\\input{{{secret}}} \\input{{../secret}} \\input{{link}} \\input{{loop}} \\input{{loop}} end"
    )
    text = expand_inputs(folder / "main.tex", folder)
    assert "TOP SECRET" not in text and text.count("body") == 1 and text.rstrip().endswith("end")


def test_feed_text_reaches_markdown_escaped():
    assert present.md_escape("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert(1))"
    hostile = "![t](https://e.example/p.png) <img src=x> [c](https://e.example) www.e.example \\![i](https://e.example)"
    for made_safe in (present.inert(hostile), present.md_escape(hostile)):
        rendered = MarkdownIt("commonmark").render(made_safe)
        assert "<img" not in rendered and "href" not in rendered and "https://" not in made_safe, made_safe
        assert present.inert(made_safe) == made_safe, "inert twice changes nothing"
    assert present.safe_url("javascript:alert(1)") == "" and present.safe_url("https://a.b") == "https://a.b"
    paper = replace(paper_of("t"), github_url="javascript:alert(1)", project_url="https://ok.org")
    links = dict(present.paper_links(paper))
    assert "GitHub" not in links and links["Project"] == "https://ok.org", "only http(s) links survive"


def test_bibtex_prints_a_feed_titles_latex_and_never_runs_it():
    """A feed title that a citing paper's LaTeX would run ("\\input /etc/passwd") is printed as text."""
    import bibtexparser

    from agent.export import to_bibtex

    title = "Leak \\input /etc/passwd \\relax x^2 ~ {}"
    paper = Paper("2506.00001", title, "An abstract.", records.date(2025, 6, 2), authors=("A. Author",))
    text = to_bibtex([paper])
    assert "\\input" not in text.replace("\\textbackslash{}input", "") and "\\textbackslash{}input" in text
    assert "\\^{}" in text and "\\~{}" in text
    assert len(bibtexparser.parse_string(text).entries) == 1


def test_a_lone_surrogate_in_a_feed_never_stops_an_ingest(tmp_path):
    """One title with "\\ud800" (valid JSON, no character) is stored without it; the day still lands."""
    import json

    from vectorstore.store import PaperStore

    record = {"paper": {"id": "2506.00002", "title": "Broken \ud800 title", "summary": "An abstract here.",
                        "authors": [{"name": "A"}]}, "publishedAt": "2025-06-02T00:00:00.000Z"}  # fmt: skip
    [paper] = papers_from_payload(json.loads(json.dumps(record_list := [record])))
    assert paper.title == "Broken title" and record_list
    store = PaperStore(tmp_path / "data", embed_model="hashing")
    store.add_papers([replace(paper, title="Raw \ud800 kept by another source")])
    assert store.counts()[0] == 1


def test_one_paper_that_breaks_the_store_write_costs_only_itself(tmp_path):
    """A paper no parser foresaw (here: one whose write raises) is skipped and named; its day's other papers land,
    and a refresh goes on to the next day."""
    from datetime import date

    from agent.ingest import ingest_sources
    from sources.daily_papers import DaySource
    from vectorstore.store import PaperStore

    store = PaperStore(tmp_path / "data", embed_model="hashing")
    write = store.add_papers

    def add_papers(papers, **kwargs):
        if any(p.id == "2506.00002" for p in papers):
            raise ValueError("a value no one foresaw")
        return write(papers, **kwargs)

    store.add_papers = add_papers

    class Feed:
        api_url = "http://127.0.0.1:9"

        def fetch_day(self, day):
            ids = ["2506.00001", "2506.00002"] if day.day == 2 else ["2506.00003"]
            return [{"paper": {"id": i, "title": f"Paper {i}", "summary": "An abstract."}} for i in ids]

    summary = ingest_sources(store, [DaySource(Feed(), [date(2025, 6, 2), date(2025, 6, 3)])], say=lambda _: None)
    assert store.counts()[0] == 2 and summary.added == 2, summary
    assert len(summary.errors) == 1 and "skipped paper 2506.00002" in summary.errors[0]
