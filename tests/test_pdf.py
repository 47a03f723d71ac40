"""Full papers from PDFs: real arXiv PDFs, sections with pages, no references in chunks, broken files refused."""

from __future__ import annotations

import difflib
import json
import re

import pytest

from agent.ingest import ingest_paths
from sources.pdf import read_pdf
from tests.pdf_factory import long_paper, write_pdf
from vectorstore.errors import SourceError

# Word-sequence overlap of the extracted page with the reference Markdown; pypdf reached 0.87 here.
PAGE_SIMILARITY_FLOOR = 0.80


@pytest.fixture(scope="module")
def pasa(shared):
    return read_pdf(shared / "data" / "fulltext" / "pasa_2501.10120.pdf")


def test_pasa_title_abstract_and_sections_in_order(pasa):
    assert pasa.title == "PaSa: An LLM Agent for Comprehensive Academic Paper Search" and pasa.arxiv_id == "2501.10120"
    assert pasa.abstract.startswith("We introduce PaSa, an advanced Paper Search agent")
    assert "papers" in pasa.abstract and "pa- pers" not in pasa.abstract, "hyphenated line breaks are joined"
    names = [s.name for s in pasa.sections]
    order = [
        next(i for i, n in enumerate(names) if key in n)
        for key in ("Introduction", "Related Work", "Methodology", "Conclusion")
    ]
    assert order == sorted(order), names
    pages = {s.name: s.pages for s in pasa.sections}
    assert pages["1 Introduction"].startswith("1") and pages["6 Conclusion"].startswith("9"), pages


def test_reference_list_is_kept_apart_from_the_body(pasa):
    assert "Litllm: A toolkit" in pasa.references
    assert all("Litllm: A toolkit" not in s.text for s in pasa.sections), "no section holds the reference list"
    assert any(s.name.startswith("A ") for s in pasa.sections), "appendices after the references are body again"


def test_captions_kept_and_page_numbers_dropped(pasa):
    body = " ".join(s.text for s in pasa.sections)
    assert "Figure 1: Architecture of PaSa" in body
    assert not re.search(r"(?m)^\d{1,2}$", "\n".join(s.text for s in pasa.sections))


def test_single_page_against_its_reference(shared):
    page = read_pdf(shared / "data" / "fulltext" / "2305.03393v1-pg9.pdf")
    text = " ".join(s.text for s in page.sections)
    reference = (shared / "data" / "fulltext" / "2305.03393v1.reference.md").read_text()
    words = [re.findall(r"[a-z0-9]+", t.lower()) for t in (text, reference)]
    matcher = difflib.SequenceMatcher(None, *words, autojunk=False)
    score = sum(block.size for block in matcher.get_matching_blocks()) / len(words[0])
    print(f"page similarity to reference: {score:.3f}")
    assert score >= PAGE_SIMILARITY_FLOOR


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage without xref", "not a readable PDF"),
    ],
)
def test_corrupt_and_empty_pdfs_are_refused(tmp_path, content, problem):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(content)
    with pytest.raises(SourceError, match=problem):
        read_pdf(bad)


def test_encrypted_and_image_only_pdfs_say_why(tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", long_paper(4), password="secret")
    with pytest.raises(SourceError, match="encrypted"):
        read_pdf(locked)
    scanned = write_pdf(tmp_path / "scan.pdf", [[], [], []])
    with pytest.raises(SourceError, match="no text layer"):
        read_pdf(scanned)


def test_a_200_page_pdf_is_read_whole(tmp_path):
    paper = read_pdf(write_pdf(tmp_path / "long.pdf", long_paper(200)))
    assert paper.pages == 200 and paper.title == "A Long Synthetic Study of Everything"
    assert [s.name for s in paper.sections][:3] == ["1 Section Number 1", "2 Section Number 2", "3 Section Number 3"]
    assert paper.sections[-1].pages.endswith("199"), "the last section runs to the page before the references"


def test_pdf_enriches_the_stored_paper_and_answers_cite_section_and_page(
    make_store, shared, tmp_path, llm, services_for
):
    store = make_store()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    summary = ingest_paths(store, [shared / "data" / "fulltext" / "pasa_2501.10120.pdf", bad], say=lambda _: None)
    assert len(summary.errors) == 1 and "bad.pdf" in summary.errors[0], (
        "a broken PDF is reported, nothing of it written"
    )
    assert store.counts()[0] == 1
    assert store.get_paper("2501.10120").title.startswith("PaSa")
    sections = {c.section for c in store.all_chunks()}
    assert "1 Introduction" in sections and "abstract" in sections, "abstract and body chunks, per section"
    answer = services_for(store, llm).qa.answer("Which base model were the Selector and the Crawler trained from?")
    top = answer.citations[0]
    assert top.paper_id == "2501.10120" and "Experimental Setting" in top.section and top.pages == "7"
    assert "Qwen2.5-7b" in top.quote, "the body, not the abstract, answers this"
    assert "Qwen2.5-7b" in answer.text, answer.text
    assert "References" not in {p.chunk.section for p in answer.passages}
    feed = tmp_path / "2025-01-20.json"
    feed.write_text(
        json.dumps(
            [
                {
                    "paper": {"id": "2501.10120", "title": paper_title(store), "summary": "PaSa.", "upvotes": 90},
                    "publishedAt": "2025-01-20T00:00:00.000Z",
                }
            ]
        )
    )
    ingest_paths(store, [feed], say=lambda _: None)
    assert "1 Introduction" in {c.section for c in store.all_chunks()}, "a later feed record keeps the full text"


def paper_title(store) -> str:
    return store.get_paper("2501.10120").title


def test_arxiv_fetch_is_polite_cached_and_clear_offline(tmp_path, shared, archive):
    import os
    import subprocess
    import sys
    import time

    from tests.api_server import FakeDailyPapers

    data = tmp_path / "data"
    with FakeDailyPapers(archive) as site:
        site.pdfs["2501.10120"] = shared / "data" / "fulltext" / "pasa_2501.10120.pdf"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_ARXIV_URL": site.root, "PAPERS_ARXIV_INTERVAL": "1"}
        started = time.monotonic()
        cmd = [
            sys.executable,
            "-m",
            "agent.cli",
            "--data-dir",
            str(data),
            "ingest",
            "--arxiv",
            "2501.10120",
            "--arxiv",
            "2501.99999",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        elapsed = time.monotonic() - started
        assert done.returncode == 1 and "2501.99999" in done.stderr and "HTTP 404" in done.stderr, done.stderr
        assert "PaSa" in done.stderr and elapsed >= 1.0, "one request per interval"
        pdf_requests = [r for r in site.requests if r.startswith("/pdf/")]
        assert pdf_requests == ["/pdf/2501.10120", "/pdf/2501.99999"]
        assert "User-Agent" not in done.stderr
    assert (data / "cache" / "arxiv" / "2501.10120.pdf").exists(), "PDFs are cached on disk"
    offline = {**env, "PAPERS_ARXIV_URL": "http://127.0.0.1:9"}
    again = subprocess.run([*cmd[:-2]], capture_output=True, text=True, env=offline, timeout=300)
    assert again.returncode == 0, "a cached PDF needs no network"
    missing = subprocess.run([*cmd[:-4], "--arxiv", "2402.00001"], capture_output=True, text=True, env=offline)
    assert missing.returncode == 1 and "offline" in missing.stderr


def test_latex_source_folder_becomes_a_paper_with_sections(make_store, shared):
    from sources.latex import read_latex

    folder = shared / "data" / "fulltext" / "latex" / "1706.03762"
    paper = read_latex(folder)
    assert paper.title == "Attention Is All You Need" and paper.arxiv_id == "1706.03762"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    names = [s.name for s in paper.sections]
    assert names[:3] == ["Introduction", "Background", "Model Architecture"] and names[-1] == "Conclusion"
    assert "Scaled Dot-Product Attention" in paper.sections[2].text, "\\input files are followed"
    store = make_store()
    summary = ingest_paths(store, [shared / "data" / "fulltext"], say=lambda _: None)
    ids = {p.id for p in store.list_papers()}
    assert {"1706.03762", "2501.10120"} <= ids, summary.errors
    assert not any("making_more_difficult" in e for e in summary.errors), "figures inside a source folder are skipped"
