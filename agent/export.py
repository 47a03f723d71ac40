"""Papers -> BibTeX; a digest -> an Atom feed a feed reader can subscribe to.

In: stored `Paper`s (liked papers, a digest's, search results) or a `Digest`. Out: text. BibTeX is written by
`bibtexparser` (the maintained library that also reads the imports); every value is plain text with LaTeX's
special characters escaped and braces dropped, so a feed's title cannot end an entry early. The Atom feed is built
with the standard library's ElementTree, which escapes every string; characters XML cannot hold at all (control
characters a hostile feed may carry) are removed first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from xml.etree import ElementTree

from agent.digest import Digest
from agent.present import safe_url, tldr_label
from agent.tex import untex
from vectorstore.records import Paper

ATOM = "http://www.w3.org/2005/Atom"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LATEX_SPECIAL = re.compile(r"([&%$#_])")


def bib_value(text: str) -> str:
    """Feed text as a BibTeX value that LaTeX prints as it reads: braces dropped (an entry cannot be ended early),
    a backslash, caret and tilde printed, not run ("\\input /etc/passwd" must not read a file)."""
    text = " ".join(str(text).replace("{", "").replace("}", "").split())
    text = text.replace("\\", "\\textbackslash{}").replace("^", "\\^{}").replace("~", "\\~{}")
    return LATEX_SPECIAL.sub(r"\\\1", text)


def cite_key(paper: Paper, taken: set[str]) -> str:
    """lastnameYEARfirstword, as reference managers make them; a letter added when two papers share one."""
    last = (paper.authors[0].split()[-1] if paper.authors and paper.authors[0].split() else "anon").lower()
    word = next((w.lower() for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    base = re.sub(r"[^a-z0-9]", "", f"{last}{paper.date.year}{word}") or "paper"
    key, suffix = base, 0
    while key in taken:
        suffix += 1
        key = f"{base}{chr(ord('a') + (suffix - 1) % 26)}{'' if suffix <= 26 else suffix}"
    taken.add(key)
    return key


def to_bibtex(papers: list[Paper]) -> str:
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    taken: set[str] = set()
    for paper in papers:
        fields = {
            "title": paper.title,
            "author": " and ".join(paper.authors),
            "year": str(paper.date.year),
            "url": safe_url(paper.url),
            "abstract": paper.abstract,
        }
        if paper.is_arxiv:
            fields.update(eprint=paper.id, archiveprefix="arXiv")
        kept = [Field(k, "{" + bib_value(v) + "}") for k, v in fields.items() if v]
        library.add(Entry("misc", cite_key(paper, taken), kept))
    return bibtexparser.write_string(library)


def xml_text(text: str) -> str:
    return NOT_XML.sub("", str(text))


def day_stamp(day) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).isoformat()


def to_atom(digest: Digest, feed_url: str = "") -> str:
    """One entry per digest paper: its title, link, TL;DR, authors and the reason it is there."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    def add(parent, tag: str, text: str = "", **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()})
        element.text = xml_text(text) if text else None
        return element

    add(feed, "title", digest.title)
    add(feed, "subtitle", digest.intro)
    add(feed, "id", feed_url or f"urn:daily-papers-agent:digest:{digest.start}:{digest.end}")
    add(feed, "updated", day_stamp(digest.end))
    add(add(feed, "author"), "name", "Daily Papers Agent")
    if safe_url(feed_url):
        add(feed, "link", rel="self", href=feed_url)
    for topic in digest.topics:
        for item in topic.items:
            paper = item.paper
            entry = add(feed, "entry")
            add(entry, "title", untex(paper.title))
            add(entry, "id", safe_url(paper.url) or f"urn:daily-papers-agent:paper:{paper.id}")
            add(entry, "updated", day_stamp(paper.date))
            if safe_url(paper.url):
                add(entry, "link", href=safe_url(paper.url))
            for name in paper.authors[:20]:
                add(add(entry, "author"), "name", name)
            add(entry, "category", term=topic.name)
            reason = f" (for you: {item.reason})" if item.reason else ""
            add(entry, "summary", tldr_label(item.tldr) + reason)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"
