"""Records -> what every face shows: papers, TL;DRs, answers with their sources, dates typed by a user.

In: `Paper`, `Tldr`, `Answer` records and user-typed dates. Out: Markdown (chat, CLI), terminal text, and escaped
HTML fragments (the app's cards). The CLI, the app, the chat and the digest renderers all format through here,
so a paper, a TL;DR or a source reads the same everywhere: each line under a paper carries the one mark of its
origin (`MARKS`: the model's TL;DR, the abstract's own sentence, the abstract). Feed text is shown with its LaTeX
rendered (`untex`, agent/tex.py: `96.7\\%` as `96.7%`), then escaped
for the target format, and only http(s) links are ever turned into links.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from agent.answer.qa import Answer, Citation, short_title
from agent.errors import QuestionError
from agent.tex import untex
from agent.tldr import ABSTRACT, MODEL, SENTENCE, Tldr
from vectorstore.records import Paper

QUOTE_CHARS = 400
CARD_ABSTRACT_CHARS = 280


@dataclass(frozen=True)
class Mark:
    """How a line's origin is shown: a short label before the line, and a sentence for a tooltip (HTML `title`)."""

    label: str
    tooltip: str


MARKS = {
    MODEL: Mark("TL;DR (model)", "One sentence written by the local TL;DR model and checked against the abstract."),
    SENTENCE: Mark("From the abstract", "The abstract's own key sentence, as its authors wrote it: no model wrote it."),
    ABSTRACT: Mark("Abstract", "The opening of the paper's abstract: no TL;DR has been written for it yet."),
}
# A small outlined label; `currentColor` keeps it readable in light and dark themes alike.
BADGE = (
    "display:inline-block;font-size:.75em;font-weight:600;line-height:1.4;padding:0 .45em;margin-right:.35em;"
    "border:1px solid currentColor;border-radius:.7em;opacity:.7;white-space:nowrap;vertical-align:.05em"
)


def tldr_label(tldr: Tldr) -> str:
    """A TL;DR as plain text, after its mark: "TL;DR (model): ..." or "From the abstract: ..."."""
    return marked_text(tldr.origin, tldr.text)


def marked_text(origin: str, text: str) -> str:
    return f"{MARKS[origin].label}: {untex(text)}"


def marked_markdown(origin: str, text: str) -> str:
    """The line as Markdown: its mark in italics, then the text, rendered and escaped."""
    return f"*{MARKS[origin].label}:* {md_escape(untex(text))}"


def marked_html(origin: str, text: str, style: str = BADGE) -> str:
    """The line as HTML: its mark as a small label with the origin as a tooltip, then the text, escaped."""
    mark = MARKS[origin]
    badge = f'<span class="line-origin" data-origin="{esc(origin)}" title="{esc(mark.tooltip)}" style="{style}">'
    return f"{badge}{esc(mark.label)}</span> {esc(untex(text))}"


def abstract_opening(paper: Paper, limit: int = CARD_ABSTRACT_CHARS) -> str:
    """The abstract cut at a word near `limit`, with an ellipsis when cut."""
    text = " ".join(paper.abstract[: limit + 40].split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "…"


class DateError(QuestionError):
    """A date typed by the user is not a date."""


def parse_day(value: str) -> date:
    """YYYY-MM-DD, or "today" / "yesterday" (what a cron line can say; Hugging Face dates days in UTC)."""
    text = str(value).strip().lower()
    relative = {"today": 0, "yesterday": 1}
    if text in relative:
        return datetime.now(UTC).date() - timedelta(days=relative[text])
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DateError(f"{value!r} is not a date.", "Use YYYY-MM-DD (e.g. 2025-06-30), today or yesterday.") from error


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


# What a Markdown renderer would turn into a fetch or a link: an image or link opener, a reference definition, raw
# HTML or an autolink, a bare URL (GFM autolinks "https://…" and "www.…"). An escape already there (`\\x`) is
# matched first and kept, so making text inert twice changes nothing.
LIVE_MARKDOWN = re.compile(r"\\.|!\[|\]\(|\]\[|\]:|<(?=[A-Za-z/!?])|(?<=\w):(?=//)|\bwww\.", re.IGNORECASE)
INERT_KEEP = ("html", "markdown", "bibtex")  # record fields already escaped for their format (agent/render.py)


def inert(text: str) -> str:
    """Feed text that any Markdown renderer shows as text: it loads no image, runs no HTML and makes no link. The
    one rule for every face that hands feed text on as Markdown (the API and MCP tools through `inert_record`)."""
    return LIVE_MARKDOWN.sub(lambda m: m.group() if m.group().startswith("\\") else defuse(m.group()), text or "")


def defuse(live: str) -> str:
    """A backslash before the character that makes `live` live: `!\\[`, `]\\(`, `\\<`, `https\\://`, `www\\.`."""
    at = 0 if live in ("<", ":") else len(live) - 1
    return live[:at] + "\\" + live[at:]


def inert_record(value):
    """Every string of an API result made inert, except links the app built (`*url`, checked http(s)) and fields
    already escaped for their format."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, list | tuple):
        return [inert_record(item) for item in value]
    if isinstance(value, dict):
        return {k: v if k.endswith("url") or k in INERT_KEEP else inert_record(v) for k, v in value.items()}
    return value


def md_escape(text: str) -> str:
    """Feed text as literal Markdown: `inert`, and no emphasis, brackets, headings or tables either."""
    return re.sub(r"(?<!\\)([`*_#|\[\]<>])", r"\\\1", inert(text))


def safe_url(url: str) -> str:
    """The URL when it is http(s), else nothing: a feed can carry javascript: links."""
    return url if url and url.startswith(("https://", "http://")) else ""


CARD_TITLE_CHARS = 300  # a card shows a feed's 5,000-character "title" cut at a word, with an ellipsis


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    pairs = [("Hugging Face", paper.hf_url), ("arXiv", paper.arxiv_url)]
    pairs += [("GitHub", paper.github_url), ("Project", paper.project_url)]
    found = [(label, safe_url(url)) for label, url in pairs if safe_url(url)]
    return found or [("Find on arXiv", title_search_url(paper))]


def title_search_url(paper: Paper) -> str:
    """A paper known only from a saved page (the bundled sample: no arXiv id) is found by its title on arXiv."""
    return "https://arxiv.org/search/?" + urlencode({"query": untex(paper.title)[:300], "searchtype": "title"})


def paper_line(paper: Paper) -> str:
    """One terminal line: date, upvotes, id, title, byline."""
    byline = f" — {paper.byline}" if paper.byline else ""
    return f"{paper.date}  ▲{paper.upvotes:<4} {paper.id:<18} {untex(paper.title)}{byline}"


def paper_bullet(paper: Paper) -> str:
    """One Markdown bullet for the chat."""
    link = f"[{paper.id}]({safe_url(paper.url)})" if safe_url(paper.url) else paper.id
    return f"- **{md_escape(untex(paper.title))}** — {link} · ▲{paper.upvotes} · {paper.date}"


def paper_card(paper: Paper, tldr: Tldr | None = None, reason: str = "", related: list | None = None) -> str:
    """The Today tab's HTML card; every feed string escaped, links only when http(s). `reason` is why the "for
    you" ranking put it here; `related` (agent/related.py items) fills a folded "related" list; the like button
    carries the paper id for the app's click handler."""
    title = link_or_text(paper)
    links = [(label, url) for label, url in paper_links(paper) if label != "Hugging Face"]
    link_html = " · ".join(f'<a href="{esc(u)}" target="_blank" rel="noopener">{esc(n)}</a>' for n, u in links)
    summary = marked_html(tldr.origin, tldr.text) if tldr else marked_html(ABSTRACT, abstract_opening(paper))
    byline = f"{esc(paper.byline)} · " if paper.byline else ""
    why = f'<div class="paper-reason">for you: {esc(reason)}</div>' if reason else ""
    like = f'<button class="paper-like" data-like="{esc(paper.id)}" title="Rank papers like this first">♥ like</button>'
    return (
        f'<div class="paper-card" data-paper="{esc(paper.id)}"><div class="paper-title">{title}</div>'
        f'<div class="paper-meta">▲{paper.upvotes} · {byline}{paper.date}</div>{why}'
        f'<div class="paper-tldr">{summary}</div><div class="paper-links">{link_html} {like}</div>'
        f"{related_html(related or [])}</div>"
    )


def related_html(items: list) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<li>{link_or_text(item.paper)} <span class='paper-meta'>({esc(item.reason)})</span></li>" for item in items
    )
    return f'<details class="paper-related"><summary>related ({len(items)})</summary><ul>{rows}</ul></details>'


def link_or_text(paper: Paper) -> str:
    url = safe_url(paper.url) or title_search_url(paper)
    title = esc(short_title(untex(paper.title), CARD_TITLE_CHARS))
    return f'<a href="{esc(url)}" target="_blank" rel="noopener">{title}</a>' if url else title


def highlighted(citation: Citation, mark=lambda text: f"**{text}**", escape=md_escape) -> str:
    """The quoted passage (clipped around what matters) with the sentences the answer rests on marked."""
    quote = citation.quote
    first = min((quote.find(h) for h in citation.highlights if h in quote), default=0)
    start = max(0, first - 120) if len(quote) > QUOTE_CHARS else 0
    shown = quote[start : start + QUOTE_CHARS + sum(len(h) for h in citation.highlights)]
    text = escape(untex(shown))
    for sentence in citation.highlights:
        escaped = escape(untex(sentence))
        if escaped in text:
            text = text.replace(escaped, mark(escaped), 1)
    return ("…" if start else "") + text + ("…" if start + len(shown) < len(quote) else "")


def where(citation: Citation) -> str:
    place = f", {citation.section}" if citation.section not in ("", "abstract") else ""
    return place + (f", p. {citation.pages}" if citation.pages else "")


def answer_markdown(answer: Answer) -> str:
    """The answer, then its numbered sources: paper, link, section, page, and the quote with its support marked."""
    if not answer.covered:
        return answer.text
    # The answer's sentences are the papers' own words: escaped, so a feed cannot put links or images in the chat.
    lines = [md_escape(untex(answer.text)), "", "**Sources**"]
    for citation in answer.citations:
        url = safe_url(citation.url)
        # The id only as the link (and, for a paper with no page, as its name): what a follow-up finds it by.
        link = f"[{citation.paper_id}]({url})" if url else citation.paper_id
        lines.append(f"[{citation.number}] {md_escape(untex(citation.title))} — {link}{where(citation)}")
        lines.append(f"> {highlighted(citation)}")
    if answer.model_error:
        lines += ["", f"_The model failed ({md_escape(answer.model_error)}); the answer is the papers' own words._"]
    return "\n".join(lines)


def answer_terminal(answer: Answer, bold=lambda text: text) -> str:
    """The sources for a terminal, the supporting sentences passed through `bold` (click.style, say)."""
    lines = []
    for citation in answer.citations:
        link = citation.url or citation.paper_id
        lines.append(f"[{citation.number}] {untex(citation.title)} — {link}{where(citation)}")
        lines.append("    " + highlighted(citation, bold, escape=lambda text: text))
    if answer.model_error:
        lines.append(f"(The model failed: {answer.model_error}; the answer is the papers' own words.)")
    return "\n".join(lines)


def check_html(checks: list) -> str:
    """Each checked sentence (agent/judge/check_text.py), marked supported or not, with the paper and the evidence
    sentence it was judged against; every piece of text escaped."""
    if not checks:
        return "<p>No sentences to check.</p>"
    rows = []
    for item in checks:
        v = item.verdict
        mark, colour = (
            ("✓ supported", "#1a7f37")
            if v.supported
            else ("? not confirmed: the checker cannot tell", "#9a6700")
            if v.label == "uncertain"
            else (f"✗ not supported ({esc(v.reason)})", "#cf222e")
        )
        source = f"<br><small>{esc(item.paper_id)} · {esc(item.title)}</small>" if item.paper_id else ""
        evidence = f"<blockquote>{esc(v.evidence)}</blockquote>" if v.evidence else ""
        rows.append(
            f'<div class="check" style="margin-bottom:1.2em"><b style="color:{colour}">{mark}</b> '
            f"<small>{v.score:.2f}</small>"
            f"<p>{marked_span(v.claim, v.span)}</p>{source}{evidence}</div>"
        )
    return "\n".join(rows)


def marked_span(claim: str, span: str) -> str:
    """The claim escaped, with the words that failed the check marked (a red underline, `<mark>` for readers)."""
    at = claim.find(span) if span else -1
    if at < 0:
        return esc(claim)
    style = "background:#ffebe9;text-decoration:underline wavy #cf222e"
    end = at + len(span)
    return f'{esc(claim[:at])}<mark class="unsupported" style="{style}">{esc(span)}</mark>{esc(claim[end:])}'
