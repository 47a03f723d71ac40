"""What a reader sees: each line marked with its origin on every face, papers named by title, plurals, LaTeX
rendered (bounded on hostile input), and the trend chart labelled by its unit."""

from __future__ import annotations

import json
from datetime import date

from agent.answer.qa import Answer, Citation, Statement, evidence_statements, short_title
from agent.charts import rate_label
from agent.chat import survey_markdown
from agent.digest import Digest, DigestItem, Topic
from agent.ingest import sample_path
from agent.present import MARKS, answer_markdown, md_escape, paper_card, tldr_label
from agent.render import to_html, to_markdown, to_text
from agent.tex import untex
from agent.text import plural
from agent.tldr import ABSTRACT, MODEL, SENTENCE, Tldr, extractive_tldr
from agent.trends import Trend, Week
from sources.parse_api import papers_from_payload
from vectorstore.records import Paper

PAPER = Paper(
    "2506.00001", "Fast \\& Small: $\\alpha$-Nets", "We reach 96.7\\% accuracy. We propose X.", date(2025, 6, 2)
)
NOTES = {
    MODEL: Tldr(PAPER.id, "Alpha-Nets reach 96.7\\% accuracy."),
    SENTENCE: Tldr(PAPER.id, "Proposes X.", True, "r"),
}


def digest_of(items: list[DigestItem]) -> Digest:
    return Digest("Daily Papers", PAPER.date, PAPER.date, "intro", [Topic("Theme", items)])


def test_origin_derived_from_fallback_so_old_cached_rows_load():
    assert Tldr("x", "t").origin == MODEL and Tldr("x", "t", fallback=True).origin == SENTENCE
    assert extractive_tldr(PAPER).origin == SENTENCE


def test_each_origin_has_its_mark_on_cards_digests_and_chat():
    for origin, note in NOTES.items():
        label, other = MARKS[origin].label, MARKS[MODEL if origin == SENTENCE else SENTENCE].label
        card = paper_card(PAPER, note)
        assert f'title="{MARKS[origin].tooltip}' in card.replace("&#x27;", "'") and label in card and other not in card
        digest = digest_of([DigestItem(PAPER, note)])
        assert f"*{label}:* " in to_markdown(digest) and other not in to_markdown(digest)
        assert f"  {label}: " in to_text(digest) and label in to_html(digest) and other not in to_html(digest)
        assert tldr_label(note).startswith(f"{label}: ")
        chat = survey_markdown("x", [PAPER], {PAPER.id: (origin, note.text)})
        assert f"*{label}:* " in chat and other not in chat
    bare = paper_card(PAPER)
    assert MARKS[ABSTRACT].label in bare and MARKS[MODEL].label not in bare
    assert f"*{MARKS[ABSTRACT].label}:* " in survey_markdown("x", [PAPER], {PAPER.id: (ABSTRACT, "We reach.")})


def test_latex_rendered_where_shown_and_still_escaped():
    card = paper_card(PAPER, NOTES[MODEL])
    assert "96.7%" in card and "\\%" not in card and "α-Nets" in card and "Fast &amp; Small" in card
    assert "96.7%" in to_markdown(digest_of([DigestItem(PAPER, NOTES[MODEL])]))
    assert untex("$\\alpha$, A$^2$RD, Pok\\'emon, model\\'s, {\\em it}, \\textbf{b}, $5 and $10") == (
        "α, A²RD, Pokémon, model's, it, b, $5 and $10"
    )
    assert untex("\\method and \\\\") == "\\method and \\\\", "what it does not know stays as written"
    assert untex("Proposes ``CodeT5+'', a family") == "Proposes \u201cCodeT5+\u201d, a family", "TeX quotes typeset"
    hostile = "\\textbf{![x](https://evil.example/a.png)}"
    assert "](" not in md_escape(untex(hostile)).replace("]\\(", ""), "escaping runs after rendering"
    assert PAPER.abstract == "We reach 96.7\\% accuracy. We propose X.", "the stored text is not changed"


def test_hostile_latex_completes_with_the_right_output():
    assert untex("\\" * 100_000) == "\\" * 100_000
    assert untex("\\%" * 50_000) == "%" * 50_000
    assert untex("\\(" * 50_000) == "\\(" * 50_000
    assert untex("$a" * 50_000) == "a" * 50_000
    assert len(untex("{\\em " * 20_000)) == 100_000


def test_plural():
    assert [plural(n, "paper") for n in (0, 1, 2)] == ["0 papers", "1 paper", "2 papers"]
    assert plural(1, "liked paper") == "1 liked paper" and plural(3, "entry", "entries") == "3 entries"
    assert plural(1200, "chunk") == "1,200 chunks"


def test_answers_name_papers_by_title_ids_only_in_links():
    long = "SAILER: " + "Structure-aware Pre-trained Language Model " * 4
    assert short_title(long).startswith("SAILER: Structure-aware") and short_title(long).endswith("…")
    assert len(short_title(long)) <= 90 and short_title("Short") == "Short"
    citation = Citation(1, "page-8254cb73624d", "A Paper About Things", "", "We reach 96.7\\% accuracy.")
    url_cited = Citation(2, "2506.00001", "Other", "https://huggingface.co/papers/2506.00001", "q")
    answer = Answer("q", "From “A Paper About Things”: We reach 96.7\\% accuracy. [1]", [citation, url_cited])
    text = answer_markdown(answer)
    body, sources = text.split("**Sources**")
    assert "page-8254cb73624d" not in body and "A Paper About Things" in body and "96.7%" in body
    assert "[2506.00001](https://huggingface.co/papers/2506.00001)" in sources


def test_evidence_leads_cite_titles_not_ids():
    from types import SimpleNamespace

    chunk = SimpleNamespace(paper_id="page-8254cb73624d", title="SAILER: Legal Case Retrieval")
    sentence = SimpleNamespace(number=1, paper_id=chunk.paper_id, text="It works.")
    for kind in ("which", "how", "compare"):
        evidence = SimpleNamespace(kind=kind, sentences=[sentence], paper_id=chunk.paper_id, said=True, name="")
        statements: list[Statement] = evidence_statements(evidence, [SimpleNamespace(chunk=chunk)])
        text = " ".join(s.text for s in statements)
        assert "SAILER: Legal Case Retrieval" in text and "page-8254cb73624d" not in text, text


def test_trend_label_follows_the_unit():
    weeks = (Week(date(2025, 1, 1), 1),)
    assert rate_label([Trend("t", weeks, 1, 0.0, "month")]) == "Papers per month"
    assert rate_label([Trend("t", weeks, 1, 0.0)]) == "Papers per week"


def test_the_bundled_sample_as_a_digest_shows_marks_and_rendered_latex():
    papers = papers_from_payload(json.loads(sample_path().read_text(encoding="utf-8")))
    assert any("\\%" in p.abstract for p in papers)
    items = [DigestItem(p, extractive_tldr(p)) for p in papers]
    rendered = [to_markdown(digest_of(items)), to_text(digest_of(items)), to_html(digest_of(items))]
    for text in rendered:
        assert text.count(MARKS[SENTENCE].label) == len(papers) and "\\%" not in text
