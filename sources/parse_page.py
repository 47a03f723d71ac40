"""A saved Hugging Face Daily Papers page (the text a browser copies) -> `Paper` records.

In: the page text. Each paper there is a block: title, abstract, a byline ("• 8 authors" or an organisation's
handle and name), a lone "·", then a date with an optional upvote count ("Jan 27, 2025 2"; no year means this
year). Out: a list of `Paper` with page-derived ids, or a `SourceError` naming the block that is broken.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from vectorstore.errors import SourceError
from vectorstore.records import Paper, page_paper_id

SEPARATOR = "·"
DATE_LINE = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$")
AUTHOR_COUNT = re.compile(r"^[•*·-]?\s*(\d+) authors?$")
PAGE_CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}


def looks_like_page(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()]
    return any(line == SEPARATOR and DATE_LINE.match(nxt) for line, nxt in zip(lines, lines[1:]))


def parse_date_line(line: str, this_year: int) -> tuple[date, int] | None:
    match = DATE_LINE.match(line.strip())
    if not match:
        return None
    month, day, year, upvotes = match.groups()
    try:
        when = datetime.strptime(f"{month} {day} {year or this_year}", "%b %d %Y").date()
    except ValueError:
        return None
    return when, int(upvotes or 0)


def parse_byline(line: str) -> tuple[int, str]:
    """(author count, organisation): a byline names one or the other."""
    count = AUTHOR_COUNT.match(line.strip())
    if count:
        return int(count.group(1)), ""
    handle, _, name = line.strip().partition(" ")
    return 0, (name or handle).strip()


def is_chrome(line: str, this_year: int) -> bool:
    return line.lower() in PAGE_CHROME or parse_date_line(line, this_year) is not None


def block_paper(body: list[str], byline: str, date_line: str, block: int, this_year: int) -> Paper:
    body = [line for line in body if not is_chrome(line, this_year)] if block == 1 else body
    if len(body) < 2:
        raise SourceError(f"paper {block} ({body[0] if body else 'no title'!r}) has no abstract.")
    when = parse_date_line(date_line, this_year)
    if when is None:
        raise SourceError(f"paper {block} ({body[0]!r}) has an unreadable date line {date_line!r}.")
    count, organization = parse_byline(byline)
    title = body[0]
    return Paper(
        id=page_paper_id(title),
        title=title,
        abstract=" ".join(body[1:]),
        date=when[0],
        upvotes=when[1],
        author_count=count,
        organization=organization,
        published=when[0].isoformat(),
    )


def papers_from_page(text: str, this_year: int | None = None, source: str = "") -> list[Paper]:
    """All papers on a saved page, in page order; raises if the page has none or a block is broken."""
    this_year = this_year or date.today().year
    lines = [line.strip() for line in text.splitlines()]
    papers: list[Paper] = []
    body: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == SEPARATOR and body and i + 1 < len(lines):
            byline = body.pop()
            papers.append(block_paper(body, byline, lines[i + 1], len(papers) + 1, this_year))
            body, i = [], i + 2
            continue
        if line:
            body.append(line)
        i += 1
    if not papers:
        raise SourceError("contains no Daily Papers entries.", "Save the page's text from a browser and try again.")
    if body and not all(is_chrome(line, this_year) for line in body):
        raise SourceError(f"ends with an unfinished entry ({body[0][:60]!r}); the file looks truncated.")
    papers = [Paper(**{**p.__dict__, "source": source}) for p in papers]
    return list({p.id: p for p in papers}.values())
