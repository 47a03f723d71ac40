"""A `Digest` -> Markdown, e-mail-safe HTML, plain text, or an Atom feed (agent/export.py).

In: a digest. Out: a string. The HTML uses inline styles only (mail clients drop <style> and never run scripts),
and every string that came from a feed (titles, abstracts, names, keywords, TL;DRs) is escaped, its LaTeX rendered
first; links are kept only when they are http(s). Each TL;DR carries the mark of its origin (agent/present.py
`MARKS`): a label in every format, with a tooltip in HTML.
"""

from __future__ import annotations

from agent.digest import Digest, DigestItem
from agent.export import to_atom
from agent.present import esc, marked_html, marked_markdown, md_escape, paper_links, safe_url, tldr_label
from agent.tex import untex

FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
# The origin's label as mail clients show it: explicit colours (many ignore opacity and currentColor).
EMAIL_BADGE = (
    "display:inline-block;font-size:11px;font-weight:600;padding:0 6px;margin-right:5px;color:#666;"
    "border:1px solid #bbb;border-radius:8px;white-space:nowrap"
)


def meta_line(item: DigestItem) -> str:
    parts = [f"▲{item.paper.upvotes}", item.paper.byline, f"for you: {item.reason}" if item.reason else ""]
    return " · ".join(p for p in parts if p)


def to_markdown(digest: Digest) -> str:
    lines = [f"# {md_escape(digest.title)}", "", md_escape(digest.intro), ""]
    for topic in digest.topics:
        lines += [f"## {md_escape(topic.name)}", ""]
        for item in topic.items:
            link = safe_url(item.paper.url)
            name = md_escape(untex(item.paper.title))
            title = f"[{name}]({link})" if link else name
            summary = marked_markdown(item.tldr.origin, item.tldr.text)
            lines += [f"### {title}", "", f"*{md_escape(meta_line(item))}*", "", summary, ""]
            found = paper_links(item.paper)
            if found:
                lines += [" · ".join(f"[{label}]({url})" for label, url in found), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_text(digest: Digest) -> str:
    lines = [digest.title, "=" * len(digest.title), "", digest.intro, ""]
    for topic in digest.topics:
        lines += [topic.name.upper(), ""]
        for item in topic.items:
            lines += [f"* {untex(item.paper.title)}", f"  {meta_line(item)}", f"  {tldr_label(item.tldr)}"]
            lines += [f"  {label}: {url}" for label, url in paper_links(item.paper)] + [""]
    return "\n".join(lines).rstrip() + "\n"


def html_item(item: DigestItem) -> str:
    paper = item.paper
    title = esc(untex(paper.title))
    if safe_url(paper.url):
        title = f'<a href="{esc(paper.url)}" style="color:#1a0dab;text-decoration:none">{title}</a>'
    link_html = " · ".join(
        f'<a href="{esc(url)}" style="color:#555">{esc(label)}</a>' for label, url in paper_links(item.paper)
    )
    return (
        '<tr><td style="padding:10px 0;border-bottom:1px solid #eee">'
        f'<div style="font-size:16px;font-weight:600">{title}</div>'
        f'<div style="font-size:12px;color:#666;margin:2px 0 6px">{esc(meta_line(item))}</div>'
        f'<div style="font-size:14px;color:#222">{marked_html(item.tldr.origin, item.tldr.text, EMAIL_BADGE)}</div>'
        f'<div style="font-size:12px;margin-top:4px">{link_html}</div></td></tr>'
    )


def to_html(digest: Digest) -> str:
    body = [
        f'<h1 style="font-size:22px;margin:0 0 8px">{esc(digest.title)}</h1>',
        f'<p style="font-size:14px;color:#333">{esc(digest.intro)}</p>',
    ]
    for topic in digest.topics:
        body.append(f'<h2 style="font-size:18px;margin:18px 0 4px;color:#444">{esc(topic.name)}</h2>')
        rows = "".join(html_item(item) for item in topic.items)
        body.append(f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0">{rows}</table>')
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{esc(digest.title)}</title></head>"
        f'<body style="margin:0;padding:16px;background:#fff;{FONT}">'
        f'<div style="max-width:680px;margin:0 auto">{"".join(body)}</div></body></html>\n'
    )


RENDERERS = {"md": to_markdown, "html": to_html, "txt": to_text, "atom": to_atom}


def render(digest: Digest, fmt: str) -> str:
    return RENDERERS[fmt](digest)
