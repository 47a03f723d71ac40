"""Daily Papers API responses -> `Paper` records.

In: the decoded JSON of `GET /api/daily_papers` in either shape found in the wild (a list of records, or
`{status, date, count, data}`), whose records may be JSON objects or Python-literal strings. Out: a list of
`Paper`, or a `SourceError` naming the record and the field that is wrong. A response is read whole before
anything is returned. A caller that passes `skipped` gets the papers of the good records, and one line per record
that is no paper (no abstract, no title, no date) to show the user; without it, such a record refuses the response.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import date, datetime
from typing import Any

from vectorstore.errors import SourceError
from vectorstore.records import LONE_SURROGATE, Paper

REQUIRED_FIELDS = ("id", "title", "summary")
# A record is a few KB; a longer string is not one, and `ast.literal_eval` on a huge literal takes gigabytes.
MAX_RECORD_STRING = 200_000


def clean_text(text: Any) -> str:
    """Feeds hard-wrap titles and abstracts at ~80 columns: fold all whitespace runs into single spaces. A lone
    surrogate ("\\ud800" in a feed's JSON) is no character and cannot be written as UTF-8: dropped."""
    return re.sub(r"\s+", " ", LONE_SURROGATE.sub("", str(text or ""))).strip()


def parse_iso_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def records_of(payload: Any) -> tuple[list[Any], date | None]:
    """The list of raw records and the response's own date, whichever shape the payload has."""
    if isinstance(payload, list):
        return payload, None
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return payload["data"], parse_iso_date(payload.get("date"))
    raise SourceError(
        "is not a Daily Papers response (expected a list of papers or an object with a 'data' list).",
        "Pass a file saved from /api/daily_papers or a saved Daily Papers page.",
    )


def safe_int(value: Any) -> int:
    """A count from a feed: a number or a numeric string; anything else (a list, "1e400", 5,000 digits) is 0."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError, OverflowError):
        return 0


def decode_record(raw: Any, position: int) -> dict:
    """One record as a dict; some archives hold records as Python-literal strings rather than JSON objects.
    Only a string that could be one record (an object literal of bounded size) is decoded at all."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and len(raw) <= MAX_RECORD_STRING and raw.lstrip()[:1] == "{":
        for decode in (json.loads, ast.literal_eval):
            try:
                value = decode(raw)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(value, dict):
                return value
    raise SourceError(f"record {position} is neither an object nor a readable record string.")


def author_names(authors: Any) -> tuple[str, ...]:
    if not isinstance(authors, list):
        return ()
    names = (a.get("name", "") if isinstance(a, dict) else str(a) for a in authors)
    return tuple(clean_text(n) for n in names if clean_text(n))


def organization_name(record: dict, paper: dict) -> str:
    org = record.get("organization") or paper.get("organization") or {}
    if not isinstance(org, dict):
        return clean_text(org)
    return clean_text(org.get("fullname") or org.get("name"))


def paper_from_record(record: dict, position: int, day: date | None, source: str) -> Paper:
    paper = record.get("paper", record)
    if not isinstance(paper, dict):
        raise SourceError(f"record {position} has no 'paper' object.")
    missing = [f for f in REQUIRED_FIELDS if not clean_text(paper.get(f) or record.get(f))]
    if missing:
        raise SourceError(f"record {position} ({paper.get('id', 'no id')}) is missing {', '.join(missing)}.")
    record_day = (
        day
        or parse_iso_date(record.get("publishedAt"))
        or parse_iso_date(paper.get("submittedOnDailyAt"))
        or parse_iso_date(paper.get("publishedAt"))
    )
    if record_day is None:
        raise SourceError(f"record {position} ({paper['id']}) has no date.", "Name the file YYYY-MM-DD.json.")
    authors = author_names(paper.get("authors"))
    keywords = paper.get("ai_keywords") if isinstance(paper.get("ai_keywords"), list) else []
    return Paper(
        id=clean_text(paper.get("id")),
        title=clean_text(paper.get("title") or record.get("title")),
        abstract=clean_text(paper.get("summary") or record.get("summary")),
        date=record_day,
        authors=authors,
        author_count=len(authors) or safe_int(paper.get("authorCount")),
        organization=organization_name(record, paper),
        upvotes=safe_int(paper.get("upvotes")),
        published=clean_text(paper.get("publishedAt")),
        ai_summary=clean_text(paper.get("ai_summary")),
        ai_keywords=tuple(clean_text(k) for k in keywords if clean_text(k)),
        github_url=clean_text(paper.get("githubRepo")),
        project_url=clean_text(paper.get("projectPage")),
        source=source,
    )


def papers_from_payload(
    payload: Any, day: date | None = None, source: str = "", skipped: list[str] | None = None
) -> list[Paper]:
    """All papers of one response. `day` (the date asked for, or from the file name) wins over record dates. A
    paper listed twice is one paper."""
    raw_records, payload_day = records_of(payload)
    day = day or payload_day
    papers = []
    for position, raw in enumerate(raw_records, start=1):
        try:
            papers.append(paper_from_record(decode_record(raw, position), position, day, source))
        except SourceError as error:
            if skipped is None:
                raise
            skipped.append(f"skipped: {error}")
    return list({p.id: p for p in papers}.values())
