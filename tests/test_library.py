"""A library in (BibTeX, CSL-JSON, Zotero RDF, id lists), keyword filters, history, BibTeX and Atom out.

The parsers run on real export shapes, broken and hostile ones included; the ranking runs on the real store with
the real embedder; BibTeX is read back by bibtexparser and the feed by feedparser, the parsers a reader's tools use.
"""

from __future__ import annotations

import json
import time
from datetime import date
from xml.etree import ElementTree

import bibtexparser
import feedparser
import pytest
from filelock import FileLock

from agent import profile_words
from agent.digest import Digest, DigestItem, Topic
from agent.export import to_atom, to_bibtex
from agent.foryou import ForYou, Library, rank_for_you
from agent.history import History
from agent.library import (
    MAX_ABSTRACT_CHARS,
    MAX_ID_CHARS,
    MAX_PAPERS,
    MAX_TITLE_CHARS,
    LibraryError,
    LibraryStore,
    import_library,
    read_library,
)
from agent.profile import Profile, ProfileStore
from agent.tldr import Tldr
from tests.test_cli import papers
from vectorstore.catalog import Catalog
from vectorstore.records import Paper

DAYS = ["2025-06-02", "2025-06-03", "2025-06-04"]
HOSTILE = 'Evil}, @misc{injected, title={pwned} <script>alert(1)</script> & "quotes" \x07'

BIBTEX = """@article{good1,
  title = {Reinforcement Learning for {LLM} Reasoning},
  author = {Doe, Jane and Roe, Rick},
  abstract = {We train language models with reinforcement learning.},
  eprint = {2505.24864}, archivePrefix = {arXiv},
  timestamp = {2025-05-30T10:00:00Z}
}

@article{broken, title = {Never closed,

@misc{good2, title = {A DOI-only paper}, doi = {10.1145/3292500.3330701}}
@misc{empty, author = {Nobody}}
"""

RDF = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:z="http://www.zotero.org/namespaces/export#"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:bib="http://purl.org/net/biblio#">
  <bib:Article rdf:about="https://arxiv.org/abs/2401.00001">
    <z:itemType>preprint</z:itemType>
    <dc:title>Speculative Decoding at Scale</dc:title>
    <dcterms:abstract>A draft model proposes tokens.</dcterms:abstract>
    <dc:identifier><dcterms:URI><rdf:value>https://arxiv.org/abs/2401.00001</rdf:value></dcterms:URI></dc:identifier>
    <dcterms:dateSubmitted>2024-02-01 10:00:00</dcterms:dateSubmitted>
  </bib:Article>
  <z:Attachment rdf:about="#item_2"><z:itemType>attachment</z:itemType><dc:title>Full Text PDF</dc:title></z:Attachment>
</rdf:RDF>
"""


def test_every_format_imports_the_good_entries_and_lists_the_broken_by_line(tmp_path):
    bib = tmp_path / "library.bib"
    bib.write_text(BIBTEX)
    found = read_library(bib)
    assert [p.title for p in found.papers] == ["Reinforcement Learning for LLM Reasoning", "A DOI-only paper"]
    first = found.papers[0]
    assert (first.arxiv_id, first.added, first.where) == ("2505.24864", "2025-05-30", "line 1")
    assert found.papers[1].doi == "10.1145/3292500.3330701"
    assert found.broken == [
        "line 9: an entry that is never closed (a brace or a quote is missing)",
        "line 12: no title, arXiv id or DOI",
    ]
    csl = tmp_path / "library.json"
    csl.write_text(json.dumps([{"title": "CSL paper", "URL": "https://arxiv.org/abs/2312.12345v2"}, 7, {}]))
    found = read_library(csl)
    assert [(p.title, p.arxiv_id) for p in found.papers] == [("CSL paper", "2312.12345")]
    assert found.broken == ["item 2: not an object", "item 3: no title, arXiv id or DOI"]
    rdf = tmp_path / "library.rdf"
    rdf.write_text(RDF)
    found = read_library(rdf)
    assert [(p.title, p.arxiv_id, p.added) for p in found.papers] == [
        ("Speculative Decoding at Scale", "2401.00001", "2024-02-01")
    ], "the attachment is not a paper"
    ids = tmp_path / "ids.txt"
    ids.write_text("# my reading list\n2505.24864v2\nhttps://arxiv.org/abs/2401.00001\n10.1000/xyz123\nhello\n")
    found = read_library(ids)
    assert [(p.arxiv_id, p.doi) for p in found.papers] == [
        ("2505.24864", ""),
        ("2401.00001", ""),
        ("", "10.1000/xyz123"),
    ]
    assert found.broken == ["line 5: not an arXiv id or a DOI: hello"]


def test_big_binary_and_empty_files_are_refused_in_one_line(tmp_path):
    big = tmp_path / "big.bib"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # 50 MB, sparse: refused before it is read
    with pytest.raises(LibraryError, match="50 MB; a library file may be at most 10 MB"):
        read_library(big)
    binary = tmp_path / "zotero.sqlite"
    binary.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 10)
    with pytest.raises(LibraryError, match="not a text file"):
        read_library(binary)
    empty = tmp_path / "empty.bib"
    empty.write_text("@misc{x, author={Nobody}}\n")
    store = LibraryStore(tmp_path, FileLock(str(tmp_path / "lock")))
    with pytest.raises(LibraryError, match="No paper in empty.bib could be imported"):
        import_library(empty, store, lambda _: None, lambda texts: [[1.0]] * len(texts))
    assert not store.path.exists(), "nothing is written when nothing could be read"


def zotero_rdf(dtd: str, title: str) -> str:
    """A Zotero RDF export of one paper, with `dtd` put before it and `title` as its dc:title."""
    return dtd + RDF.replace("Speculative Decoding at Scale", title)


ENTITY_BOMB = zotero_rdf(
    f'<!DOCTYPE rdf:RDF [<!ENTITY a "{"x" * 1000}"><!ENTITY b "{"&a;" * 100}">]>', "&b;" * 70
)  # 1.9 KB that expands to a 7,000,000-character title: under expat's own amplification limit (checked below)
BILLION_LAUGHS = zotero_rdf(
    '<!DOCTYPE rdf:RDF [<!ENTITY l0 "ha">'
    + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    + "]>",
    "&l9;",
)
REFUSED_DTD = "has a DTD .* Export the library again from Zotero without a DTD or entities added to it"


def fake_embed(texts):
    return [[1.0, 0.0]] * len(texts)


def test_an_entity_expansion_under_expats_own_limits_is_refused_at_once(tmp_path):
    title = ElementTree.fromstring(ENTITY_BOMB).find(".//{http://purl.org/dc/elements/1.1/}title").text
    assert len(title) == 7_000_000, "the standard parser alone expands it"
    rdf = tmp_path / "library.rdf"
    rdf.write_text(ENTITY_BOMB)
    library = LibraryStore(tmp_path, FileLock(str(tmp_path / "lock")))
    started = time.perf_counter()
    with pytest.raises(LibraryError, match=REFUSED_DTD) as refused:
        import_library(rdf, library, lambda _: None, fake_embed)
    assert time.perf_counter() - started < 1.0
    assert "\n" not in str(refused.value), "one line"
    assert not library.path.exists(), "nothing is written"


@pytest.mark.parametrize("kind", ["external entity", "billion laughs"])
def test_an_external_entity_or_billion_laughs_rdf_is_refused_as_a_dtd(tmp_path, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    external = zotero_rdf(f'<!DOCTYPE rdf:RDF [<!ENTITY s SYSTEM "file://{secret}">]>', "&s;")
    rdf = tmp_path / "library.rdf"
    rdf.write_text(external if kind == "external entity" else BILLION_LAUGHS)
    with pytest.raises(LibraryError, match=REFUSED_DTD) as refused:
        read_library(rdf)
    assert "TOP-SECRET" not in str(refused.value)


def test_over_long_fields_are_cut_or_their_entry_reported_in_every_format(tmp_path):
    long_title, long_abstract = "A very long title " * 2_800, "word " * 6_000  # 50,400 and 30,000 characters
    long_doi = "10.1234/" + "x" * 195
    bib = tmp_path / "long.bib"
    bib.write_text(
        f"@article{{long, title = {{{long_title}}}, abstract = {{{long_abstract}}}, eprint = {{2505.24864}}}}\n"
        f"@misc{{bad, title = {{Fine title}}, doi = {{{long_doi}}}}}\n"
    )
    library = LibraryStore(tmp_path, FileLock(str(tmp_path / "lock")))
    report = import_library(bib, library, lambda _: None, fake_embed)
    [paper] = report.papers
    assert len(paper.title) == MAX_TITLE_CHARS and paper.title.endswith("…")
    assert long_title.startswith(paper.title[:-1]), "the title's beginning is kept"
    assert len(paper.abstract) <= MAX_ABSTRACT_CHARS and long_abstract.startswith(paper.abstract[:-1])
    assert report.broken == [f"line 2: its DOI is longer than {MAX_ID_CHARS} characters"]
    assert [p.title for p in library.load()[0]] == [paper.title]
    assert library.path.stat().st_size < 200_000, "the stored library holds the capped fields"
    csl = tmp_path / "long.json"
    csl.write_text(json.dumps([{"title": long_title, "abstract": long_abstract}]))
    [paper] = read_library(csl).papers
    assert (len(paper.title), len(paper.abstract)) == (MAX_TITLE_CHARS, MAX_ABSTRACT_CHARS)
    rdf = tmp_path / "long.rdf"
    rdf.write_text(zotero_rdf("", long_title))
    assert len(read_library(rdf).papers[0].title) == MAX_TITLE_CHARS


def test_30000_bibtex_entries_keep_the_first_20000_and_say_the_rest_were_skipped(tmp_path):
    bib = tmp_path / "huge.bib"
    bib.write_text("".join(f"@misc{{k{n}, title = {{Paper {n}}}}}\n" for n in range(30_000)))
    embedded = []

    def embed(texts):
        embedded.append(len(texts))
        return fake_embed(texts)

    started = time.perf_counter()
    report = import_library(bib, LibraryStore(tmp_path, FileLock(str(tmp_path / "lock"))), lambda _: None, embed)
    assert time.perf_counter() - started < 30
    assert embedded == [MAX_PAPERS], "the rest are dropped before they are embedded"
    assert len(report.papers) == MAX_PAPERS == 20_000
    assert (report.papers[0].title, report.papers[-1].title) == ("Paper 0", "Paper 19999")
    assert report.broken == [
        "line 20001 on: the 10,000 entries from here to the end of the file, as a library holds at most 20,000 "
        "papers; export a smaller collection to choose which"
    ]


def test_hostile_bibtex_is_read_in_linear_time_and_macros_are_not_expanded(tmp_path):
    """A `@string` macro named by many entries stays its name (expanded, 200 KB x 300 is 60 MB of titles), and a
    field of "arxiv" repeated is searched for an id in linear time (the old pattern took seconds on 10 KB)."""
    macro = "x" * 200_000
    bib = tmp_path / "macros.bib"
    bib.write_text(
        f'@string{{big = "{macro}"}}\n'
        + "".join(f"@misc{{m{n}, title = big, doi = {{10.1000/m{n}}}}}\n" for n in range(300))
        + f"@misc{{redos, title = {{ReDoS}}, url = {{{'arxiv' * 2_000}}}, note = {{{'-' * 20_000}}}}}\n"
    )
    started = time.perf_counter()
    found = read_library(bib)
    assert time.perf_counter() - started < 2.0
    assert [p.title for p in found.papers] == ["big"] * 300 + ["ReDoS"], "the macro's name, not its 200 KB"
    assert found.papers[-1].arxiv_id == "" and not found.broken


@pytest.fixture(scope="module")
def store(tmp_path_factory, store_of_days):
    return store_of_days(tmp_path_factory.mktemp("library"), DAYS)


def about_rl(paper) -> bool:
    return "reinforcement learning" in f"{paper.title} {paper.abstract}".lower()


def test_an_imported_library_ranks_the_day_and_a_reimport_replaces_it(store, tmp_path):
    """Three RL papers of one day, exported as BibTeX and imported, put RL papers of another day first; a second
    import replaces the library whole; a failed one leaves it as it was."""
    first_day = store.list_papers(date(2025, 6, 2), date(2025, 6, 2))
    rl = [p for p in first_day if about_rl(p)][:3]
    bib = tmp_path / "mine.bib"
    bib.write_text(to_bibtex(rl))
    library = LibraryStore(tmp_path, FileLock(str(tmp_path / "profile.json.lock")))
    report = import_library(bib, library, lambda _: None, store.embedder.embed)
    assert [p.title for p in report.papers] == [p.title for p in rl] and not report.broken
    day = store.list_papers(date(2025, 6, 4), date(2025, 6, 4))
    shelf = Catalog(store).current()
    ranked = rank_for_you(Profile(), day, shelf, store.embedder.embed, Library(*library.load()))
    assert all(r.reason.startswith("library: ") for r in ranked)
    assert sum(about_rl(r.paper) for r in ranked[:5]) > sum(about_rl(p) for p in day[:5])
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{first_day[0].id}\n9999.99999\n")  # one stored paper, one unknown
    report = import_library(
        ids, library, lambda i: next((p for p in first_day if p.id == i), None), store.embedder.embed
    )
    assert [p.title for p in report.papers] == [first_day[0].title]
    assert report.broken == ["line 2: 9999.99999 is not in the store and the file gives no title"]
    assert [p.title for p in library.load()[0]] == [first_day[0].title], "replaced, not appended"
    (tmp_path / "bad.bib").write_text("@misc{x,")
    with pytest.raises(LibraryError):
        import_library(tmp_path / "bad.bib", library, lambda _: None, store.embedder.embed)
    assert [p.title for p in library.load()[0]] == [first_day[0].title], "a failed import changes nothing"


def test_keyword_filters_and_history_in_the_real_store(store, tmp_path):
    week = store.list_papers(date(2025, 6, 2), date(2025, 6, 4))
    shelf = Catalog(store).current()
    profile = Profile(include=["reinforcement learning"], exclude=["video"])
    ranked = rank_for_you(profile, week, shelf, store.embedder.embed)
    expected = [p for p in week if about_rl(p) or "reinforcement learning" in " ".join(p.ai_keywords).lower()]
    assert ranked and {r.paper.id for r in ranked} <= {p.id for p in expected}
    assert all(r.reason == "matches keyword: reinforcement learning" for r in ranked)
    assert not any("video" in f"{r.paper.title} {r.paper.abstract}".lower() for r in ranked)
    profiles = ProfileStore(tmp_path)
    profiles.replace(Profile(interests=["reinforcement learning for reasoning"]))
    history = History(tmp_path)
    for_you = ForYou(profiles, Catalog(store), LibraryStore(tmp_path, profiles.lock), history)
    for_you.warm_up()
    fitted = profile_words.CACHE["current"]
    first_day = store.list_papers(date(2025, 6, 2), date(2025, 6, 2))
    recommended = [r.paper.id for r in for_you.rank(first_day, record=True)][:10]
    assert [r.paper_id for r in history.records()] == recommended
    again = for_you.rank(week, record=True)
    seen = [r for r in again if r.reason.startswith("already recommended 2025-06-02")]
    assert {r.paper.id for r in seen} == set(recommended), "papers recommended before are marked"
    assert [r.paper.id for r in again[-len(seen) :]] == [r.paper.id for r in seen], "and go after the new ones"
    assert not set(recommended) & {r.paper_id for r in history.records() if r.day == "2025-06-04"}
    assert profile_words.CACHE["current"] is fitted, "the index fitted by warm_up served the rankings"


def hostile_paper(number: int) -> Paper:
    return Paper(
        f"2506.0000{number}",
        HOSTILE,
        "An abstract with {braces} and 100% of $money$ & more.",
        date(2025, 6, number),
        authors=("Ada Lovelace", "Alan <b>Turing</b>"),
    )


def test_bibtex_and_atom_hold_hostile_strings_as_text():
    entries = to_bibtex([hostile_paper(1), hostile_paper(2)])
    library = bibtexparser.parse_string(entries)
    assert len(library.entries) == 2 and not library.failed_blocks, "a title cannot open an entry of its own"
    assert len({e.key for e in library.entries}) == 2
    assert library.entries[0]["eprint"] == "{2506.00001}" and "injected" in library.entries[0]["title"]
    items = [DigestItem(hostile_paper(n), Tldr(f"2506.0000{n}", "A TL;DR <i>with</i> & tags.")) for n in (1, 2)]
    digest = Digest("Daily Papers — <b>2025-06-02</b>", date(2025, 6, 2), date(2025, 6, 2), "Intro & more", [
        Topic("RL <script>", items)
    ])  # fmt: skip
    feed = feedparser.parse(to_atom(digest, "http://127.0.0.1/feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 2 and feed.feed.title == "Daily Papers — <b>2025-06-02</b>"
    assert feed.entries[0].title == HOSTILE.replace("\x07", "").strip(), "as text, the control byte dropped"
    assert feed.entries[0].link == "https://huggingface.co/papers/2506.00001"
    assert feed.entries[0].summary == "TL;DR (model): A TL;DR <i>with</i> & tags.", "as text, after its mark"


def test_cli_library_history_export_and_atom_digest(tmp_path, archive, llm, model_dir):
    data = tmp_path / "data"
    assert papers(data, "ingest", str(archive / "2025-06-02.json"), str(archive / "2025-06-03.json")).returncode == 0
    bib = tmp_path / "zotero.bib"
    bib.write_text(BIBTEX)
    imported = papers(data, "profile", "--import-library", str(bib), "--exclude", "video")
    assert imported.returncode == 0, imported.stderr
    assert "Imported 2 papers" in imported.stderr and "skipped line 9" in imported.stderr
    assert json.loads(imported.stdout)["exclude"] == ["video"]
    listed = json.loads(papers(data, "list", "--date", "2025-06-03", "--for-me", "--json").stdout)
    assert listed[0]["reason"].startswith("library: ")
    history = json.loads(papers(data, "history", "--json").stdout)
    assert [r["paper_id"] for r in history] == [r["id"] for r in listed[:10]]
    assert papers(data, "like", listed[0]["id"]).returncode == 0
    exported = papers(data, "export", "--bibtex", "--liked")
    assert (
        exported.returncode == 0
        and bibtexparser.parse_string(exported.stdout).entries[0]["eprint"] == "{" + listed[0]["id"] + "}"
    )
    assert papers(data, "export", "--bibtex").returncode == 1, "nothing selected is an error"
    env = {"PAPERS_MODEL_DIR": str(model_dir)}
    atom = papers(data, "digest", "--date", "2025-06-02", "--top", "3", "--format", "atom", env=env)
    feed = feedparser.parse(atom.stdout)
    assert atom.returncode == 0 and not feed.bozo and len(feed.entries) == 3
    assert all(e.summary for e in feed.entries)
