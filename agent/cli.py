"""The `papers` command line: parse flags, call the library, print the result.

In: argv. Out: text or JSON on stdout, progress and warnings on stderr, exit status 0 on success and 1 when any
error was reported. Typed errors become one-line messages here and nowhere deeper.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from agent.answer.qa import Scope
from agent.charts import write_trend_png
from agent.digest import build_digest
from agent.errors import first_line
from agent.export import to_bibtex
from agent.files import write_text_atomically
from agent.foryou import by_upvotes
from agent.history import SENT
from agent.ingest import days_between, ensure_sample, ingest_arxiv, ingest_days, ingest_paths, sample_path
from agent.library import import_library, stored_paper
from agent.mail import send_digest
from agent.present import DateError, answer_terminal, paper_line, parse_day, plural, tldr_label
from agent.profile import parse_profile
from agent.related import related_papers
from agent.render import render
from agent.services import Services
from agent.settings import Settings, open_api, open_store
from agent.tex import untex
from agent.tldr import model_failure
from agent.trends import trend_markdown
from vectorstore.arxiv import ArxivClient
from vectorstore.errors import NotFoundError, PapersError
from vectorstore.search import MODES, Query
from vectorstore.store import disk_size


def say(message: str) -> None:
    click.echo(message, err=True)


def day_option(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except DateError as error:
        raise click.BadParameter(str(error)) from error


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), help="Store folder (env PAPERS_DATA_DIR).")
@click.option("--chroma-url", help="Use a Chroma server instead of the embedded store (env PAPERS_CHROMA_URL).")
@click.option("--model", help="LLM: 'smollm2' (bundled), a hub id or a local folder (env PAPERS_MODEL).")
@click.option("--device", help="LLM device: auto, cpu, cuda (env PAPERS_DEVICE).")
@click.pass_context
def cli(ctx: click.Context, **flags) -> None:
    """Daily Papers Agent: gather, summarise and ask about the Hugging Face Daily Papers."""
    overrides = {k: v for k, v in flags.items() if v is not None}
    ctx.obj = {"settings": Settings(**overrides)}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--date", "day", callback=day_option, help="Fetch this day from the API (with PATHS: only its files).")
@click.option("--from", "start", callback=day_option, help="First day of a range (fetched, or a filter on PATHS).")
@click.option("--to", "end", callback=day_option, help="Last day of a range (default: --from).")
@click.option("--sample", is_flag=True, help="Ingest the bundled sample (44 papers).")
@click.option("--arxiv", "arxiv_ids", multiple=True, help="Fetch this paper's PDF from arXiv (repeatable).")
@click.option("--fulltext", is_flag=True, help="With --date/--from: also fetch each paper's PDF from arXiv.")
@click.pass_context
def ingest(ctx, paths, day, start, end, sample, arxiv_ids, fulltext) -> None:
    """Add papers from files or folders (saved pages, API .json, PDFs), from the API by date, or from arXiv."""
    settings = settings_of(ctx)
    if not (paths or day or start or sample or arxiv_ids):
        raise click.UsageError("Name files or folders, --date D, --from D1 --to D2, --arxiv ID, or --sample.")
    store = open_store(settings)
    summaries = []
    if paths or sample:
        window = (day or start, day or end or start) if (day or start) else None
        sources = [*paths, *([sample_path()] if sample else [])]
        summaries.append(ingest_paths(store, sources, say, window))
    elif day or start:
        client = open_api(settings, lambda message: say(f"warning: {message}"))
        days = [day] if day else days_between(start, end or start)
        summaries.append(ingest_days(store, client, days, say))
        if fulltext:
            arxiv_ids = (*arxiv_ids, *(p.id for d in days for p in store.list_papers(d, d) if p.is_arxiv))
    if arxiv_ids:
        arxiv = ArxivClient(settings.arxiv_url, settings.cache_dir, settings.arxiv_interval, settings.http_timeout)
        summaries.append(ingest_arxiv(store, arxiv, list(dict.fromkeys(arxiv_ids)), say))
    for summary in summaries:
        say(summary.line())
    errors = [e for s in summaries for e in s.errors]
    if errors:
        raise click.ClickException(f"{plural(len(errors), 'source')} failed:\n" + "\n".join(errors))


@cli.command(name="list")
@click.option("--date", "day", callback=day_option, help="Only this day (default: every paper).")
@click.option("--for-me", is_flag=True, help="Rank by your profile (`papers profile`), with the reason for each.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of papers.")
@click.pass_context
def list_papers(ctx, day, for_me, as_json) -> None:
    """List stored papers, most upvoted first (or for you)."""
    services = Services(settings_of(ctx))
    papers = services.store.list_papers(day, day)
    if not papers:
        say(f"No papers{f' on {day}' if day else ''} in the store. Add some with `papers ingest`.")
    ranked = services.for_you.rank(papers, record=True) if for_me and papers else by_upvotes(papers)
    if as_json:
        print_json([r.to_dict() if for_me else r.paper.to_dict() for r in ranked])
        return
    for item in ranked:
        click.echo(paper_line(item.paper) + (f"\n    for you: {item.reason}" if item.reason else ""))


@cli.command()
@click.argument("paper_ids", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Remove them from the liked papers.")
@click.pass_context
def like(ctx, paper_ids, undo) -> None:
    """Like papers: the "for you" ranking puts papers like them first."""
    services = Services(settings_of(ctx))
    if not undo:
        for paper_id in paper_ids:
            services.store.get_paper(paper_id)  # a typo is an error, not a silent no-op
    ids = list(paper_ids)
    profile = services.profiles.edit("liked", remove=ids) if undo else services.profiles.edit("liked", add=ids)
    say(f"{plural(len(profile.liked), 'liked paper')} in {services.profiles.path}.")


@cli.command()
@click.option("--interest", "interests", multiple=True, help="Add a free-text interest (repeatable).")
@click.option("--drop-interest", "dropped", multiple=True, help="Remove an interest (repeatable).")
@click.option("--follow", "follows", multiple=True, help="Follow an author or organisation (repeatable).")
@click.option("--unfollow", "unfollows", multiple=True, help="Stop following one (repeatable).")
@click.option("--include", "includes", multiple=True, help="Rank only papers matching a keyword (repeatable).")
@click.option("--drop-include", "drop_includes", multiple=True, help="Remove a keyword to include (repeatable).")
@click.option("--exclude", "excludes", multiple=True, help="Never rank papers matching a keyword (repeatable).")
@click.option("--drop-exclude", "drop_excludes", multiple=True, help="Remove a keyword to exclude (repeatable).")
@click.option("--export", "export_to", type=click.Path(path_type=Path), help="Write the profile as JSON to a file.")
@click.option(
    "--import",
    "import_from",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Replace the profile with a JSON file (as --export writes).",
)
@click.option(
    "--import-library",
    "library_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Rank by your reference library: a Zotero export (.bib, CSL JSON, Zotero RDF) or a list of arXiv ids "
    "/ DOIs. Replaces the library imported before.",
)
@click.option("--clear-library", is_flag=True, help="Forget the imported library.")
@click.pass_context
def profile(ctx, import_from, library_file, clear_library, export_to, **edits) -> None:
    """Show or edit your interest profile (interests, liked papers, followed authors, keywords, library); prints
    the profile as JSON."""
    services = Services(settings_of(ctx))
    profiles = services.profiles
    if import_from:
        profiles.replace(parse_profile(import_from.read_text(encoding="utf-8"), str(import_from)))
    for field, added, dropped in PROFILE_EDITS:
        if edits[added] or edits[dropped]:
            profiles.edit(field, add=list(edits[added]), remove=list(edits[dropped]))
    if clear_library:
        services.library.clear()
        say("The imported library is cleared.")
    if library_file:
        store = services.store
        report = import_library(library_file, services.library, stored_paper(store), store.embedder.embed)
        imported = plural(len(report.papers), "paper")
        say(f"Imported {imported} from {library_file.name}; they weigh in the For you ranking.")
        for line in report.broken:
            say(f"  skipped {line}")
    current = profiles.load()
    if export_to:
        write_atomically(export_to, current.to_json())
        say(f"Wrote {export_to}.")
    click.echo(current.to_json(), nl=False)


@cli.command()
@click.argument("topic")
@click.option("--from", "start", callback=day_option, help="First day (default: the first in the store).")
@click.option("--to", "end", callback=day_option, help="Last day (default: the last in the store).")
@click.option("--png", type=click.Path(path_type=Path), help="Also draw the counts to this PNG file.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def trends(ctx, topic, start, end, png, as_json) -> None:
    """Papers per week (per month over a long archive) on a topic, with the top papers of the busiest ones."""
    services = Services(settings_of(ctx))
    found = services.trends.find(topic, start, end)
    if png:
        write_trend_png([found], png)
        say(f"Wrote {png}.")
    if as_json:
        print_json(found.to_dict())
        return
    click.echo(trend_markdown(found))
    peak = max((w.count for w in found.weeks), default=0)
    for week in found.weeks:
        click.echo(f"{week.start.isoformat()} {week.count:4d} {'█' * round(40 * week.count / peak) if peak else ''}")


@cli.command()
@click.argument("text", required=False)
@click.option("--paper", "paper_id", default="", help="Check against this paper only (default: the papers found).")
@click.option("--jsonl", type=click.Path(path_type=Path), help='Check {"claim", "source"} lines of this file.')
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def check(ctx, text, paper_id, jsonl, as_json) -> None:
    """Check TEXT sentence by sentence against the stored papers, or --jsonl claims against their own sources."""
    services = Services(settings_of(ctx))
    if jsonl:
        check_jsonl(services, jsonl)
        return
    if not text or not text.strip():
        raise click.UsageError('Give the text to check, e.g. papers check "SAILER improves legal case retrieval."')
    checks = services.text_checker.check_text(text, paper_id)
    if as_json:
        print_json([c.to_dict() for c in checks])
        return
    for item in checks:
        v = item.verdict
        mark = (
            "supported" if v.supported else "not confirmed" if v.label == "uncertain" else f"NOT supported ({v.reason})"
        )
        click.echo(f"{mark} {v.score:.2f}: {v.claim}")
        if v.span:
            click.echo(f"    unsupported: {v.span}")
        if item.paper_id:
            click.echo(f"    {item.paper_id} {item.title}\n    evidence: {v.evidence}")


def check_jsonl(services: Services, path: Path) -> None:
    """One JSON result line per input line, in order; a bad line gets an error line (and one on stderr)."""
    from agent.answer.check_text import check_lines

    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path} cannot be read as UTF-8 text: {error}") from error
    results = check_lines(services.checker, lines)
    for number, result in enumerate(results, 1):
        if "error" in result:
            say(f"{path.name}:{number}: {result['error']}")
        click.echo(json.dumps(result, ensure_ascii=False))
    bad = sum("error" in r for r in results)
    if bad:
        raise click.ClickException(f"{bad} of {len(lines)} lines could not be checked (listed above).")


@cli.command()
@click.argument("paper_id")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def related(ctx, paper_id, k, as_json) -> None:
    """Papers related to one: nearest by embedding, lifted when they share authors."""
    services = Services(settings_of(ctx))
    items = related_papers(services.catalog.current(), paper_id, k)
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    if not items:
        say("No related papers in the store.")
    for item in items:
        click.echo(f"{paper_line(item.paper)}\n    {item.reason}")


@cli.command()
@click.argument("paper_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx, paper_id, as_json) -> None:
    """Show one paper."""
    paper = open_store(settings_of(ctx)).get_paper(paper_id)
    if as_json:
        print_json(paper.to_dict())
        return
    click.echo(f"{untex(paper.title)}\n{paper.byline}  ·  {paper.date}  ·  ▲{paper.upvotes}")
    for link in (paper.hf_url, paper.arxiv_url, paper.github_url, paper.project_url):
        if link:
            click.echo(link)
    click.echo(f"\n{untex(paper.abstract)}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx, as_json) -> None:
    """Counts of papers, chunks and days, and the store's size on disk."""
    settings = settings_of(ctx)
    store = open_store(settings)
    papers, chunks = store.counts()
    days = store.dates()
    figures = {
        "papers": papers,
        "chunks": chunks,
        "days": len(days),
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "store": settings.chroma_url or str(settings.data_dir),
        "size_bytes": disk_size(settings.data_dir / "chroma"),
    }
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        click.echo(f"{key:>10}: {value}")


@cli.command()
@click.argument("question")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--date", "day", callback=day_option, help="Only papers of this day.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx, question, k, day, mode, as_json) -> None:
    """Find the passages that best match a question (dense + BM25, fused)."""
    if not question.strip():
        raise click.UsageError("The question is empty.")
    searcher = Services(settings_of(ctx)).searcher
    passages = searcher.search(Query(question, k=k, start=day, end=day), mode)
    if as_json:
        print_json([p.to_dict() for p in passages])
        return
    if not passages:
        say("Nothing found. Is the store empty? Try `papers ingest --sample`.")
    for rank, passage in enumerate(passages, 1):
        chunk = passage.chunk
        click.echo(f"[{rank}] {passage.relevance:.3f}  {chunk.paper_id}  {chunk.title}\n    {chunk.text[:200]}…")


@cli.command()
@click.argument("question")
@click.option("--date", "day", callback=day_option, help="Only papers of this day.")
@click.option("--paper", "paper_ids", multiple=True, help="Only this paper (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as one JSON object.")
@click.pass_context
def ask(ctx, question, day, paper_ids, as_json) -> None:
    """Ask about the papers (or for a TL;DR, a list, the digest), as in the app's chat; answers are cited."""
    services = Services(settings_of(ctx))
    for paper_id in paper_ids:
        services.store.get_paper(paper_id)
    load_model_or_warn(services)
    replies = services.agent.respond(question, [], Scope(day, day, tuple(paper_ids)))
    if as_json:
        *_, last = replies
        print_json(last.answer.to_dict() if last.answer else {"kind": last.kind, "text": last.text})
        return
    shown, answer = "", None
    for reply in replies:
        if reply.answer is None:  # a list of papers, a TL;DR or the digest: Markdown as the chat shows it
            click.echo(reply.text)
            return
        answer = reply.answer
        click.echo(answer.text[len(shown) :], nl=False)  # evidence first; checked model sentences append
        shown = answer.text
    click.echo("\n")
    if answer is not None and answer.covered:
        click.echo(answer_terminal(answer, bold=lambda text: click.style(text, bold=True)))


def load_model_or_warn(services: Services) -> None:
    """A one-shot command waits for the model (the app answers with the evidence while it loads); a model that
    cannot load leaves the checked evidence, said once on stderr."""
    try:
        _ = services.model
    except PapersError as error:
        click.echo(f"The model is unavailable ({first_line(error)}); the answer is the papers' own words.", err=True)


def warn_model_failure(tldrs) -> None:
    failure = model_failure(tldrs)
    if failure:
        say(f"warning: {failure}")


def newest_day(store) -> date:
    days = store.dates()
    if not days:
        raise NotFoundError("The store is empty.", "Add papers with `papers ingest` (or `papers ingest --sample`).")
    return days[-1]


def progress_bar(total: int, label: str):
    return tqdm(total=total, desc=label, unit="paper", file=sys.stderr, disable=total == 0)


@cli.command()
@click.argument("paper_ids", nargs=-1)
@click.option("--date", "day", callback=day_option, help="TL;DR every paper of this day (default: the newest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def tldr(ctx, paper_ids, day, as_json) -> None:
    """Write (or show cached) one-sentence TL;DRs."""
    services = Services(settings_of(ctx))
    store = services.store
    if paper_ids:
        papers = [store.get_paper(i) for i in paper_ids]
    else:
        day = day or newest_day(store)
        papers = store.list_papers(day, day)
    services.model  # noqa: B018 - load the model before the progress bar, so a load error stands alone
    writer = services.writer
    with progress_bar(len(papers), "TL;DR") as bar:
        tldrs = writer.tldrs(papers, bar.update)
    warn_model_failure(tldrs.values())
    if as_json:
        rows = [{"paper_id": p.id, "title": p.title, **vars(tldrs[p.id]), "origin": tldrs[p.id].origin} for p in papers]
        print_json(rows)
        return
    for paper in papers:
        note = tldrs[paper.id]
        click.echo(f"{paper.id}  {untex(paper.title)}\n    {tldr_label(note)}")


@cli.command()
@click.option("--date", "day", callback=day_option, help="The day (default: the newest in the store).")
@click.option("--from", "start", callback=day_option, help="First day of a range.")
@click.option("--to", "end", callback=day_option, help="Last day of a range.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 500), help="How many papers.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "txt", "atom"]), default="md", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file (default: stdout).")
@click.option("--email", "recipients", multiple=True, help="Send to this address (repeatable).")
@click.option("--smtp", help="SMTP server as HOST:PORT (with --email).")
@click.option("--starttls", is_flag=True, help="Upgrade the SMTP connection with STARTTLS.")
@click.option("--user", default="", help="SMTP login; the password comes from PAPERS_SMTP_PASSWORD.")
@click.option("--insecure-login", is_flag=True, help="Allow --user without --starttls (password in clear text).")
@click.option("--sender", default="daily-papers@localhost", show_default=True)
@click.option(
    "--for-me/--by-upvotes",
    "for_me",
    default=None,
    help="Rank by your profile (default with --email when you have one).",
)
@click.pass_context
def digest(
    ctx, day, start, end, top, fmt, out, recipients, smtp, starttls, user, insecure_login, sender, for_me
) -> None:
    """Compose the digest: top papers by upvotes (or for you), grouped into topics, each with its TL;DR."""
    if recipients and not smtp:
        raise click.UsageError("--email needs --smtp HOST:PORT.")
    services = Services(settings_of(ctx))
    store = services.store
    if start or end:
        start, end = start or end, end or start
    else:
        start = end = day or newest_day(store)
    if for_me is None:  # an e-mailed digest is the reader's own: ranked by their profile when there is one
        for_me = bool(recipients) and not services.profiles.load().empty
    rank = (lambda papers: services.for_you.rank(papers, record=True)) if for_me else None
    services.model  # noqa: B018 - load the model before the progress bar, so a load error stands alone
    writer = services.writer
    count = min(top, len(store.list_papers(start, end)))
    with progress_bar(count, "TL;DR") as bar:
        result = build_digest(store, writer, start, end, top, bar.update, rank)
    warn_model_failure(item.tldr for item in result.items)
    if recipients:
        password = os.environ.get("PAPERS_SMTP_PASSWORD", "")
        send_digest(result, list(recipients), smtp, sender, starttls, user, password, insecure_login=insecure_login)
        services.history.add(end, [item.paper for item in result.items], SENT)
        say(f"Sent {result.title!r} to {', '.join(recipients)} via {smtp}.")
    text = render(result, fmt)
    if out:
        write_atomically(out, text)
        say(f"Wrote {out}.")
    elif not recipients:
        click.echo(text, nl=False)


PROFILE_EDITS = (
    ("interests", "interests", "dropped"),
    ("authors", "follows", "unfollows"),
    ("include", "includes", "drop_includes"),
    ("exclude", "excludes", "drop_excludes"),
)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def history(ctx, as_json) -> None:
    """What was recommended to you (For you) or sent (e-mailed digests), by day, newest first."""
    records = Services(settings_of(ctx)).history.records()
    if as_json:
        print_json([r.__dict__ for r in records])
        return
    if not records:
        say("Nothing recommended or sent yet: `papers list --for-me`, or a digest sent with --email.")
    for record in sorted(records, key=lambda r: r.day, reverse=True):
        click.echo(f"{record.day}  {record.how:<11}  {record.paper_id}  {record.title}")


@cli.command(name="export")
@click.option("--bibtex", "as_bibtex", is_flag=True, required=True, help="Write BibTeX (the only format).")
@click.option("--liked", is_flag=True, help="Your liked papers.")
@click.option("--paper", "paper_ids", multiple=True, help="This paper (repeatable).")
@click.option("--search", "query", help="The papers of a search's best passages.")
@click.option("--date", "day", callback=day_option, help="A day's papers (with --top: a digest's).")
@click.option("--from", "start", callback=day_option, help="First day of a range.")
@click.option("--to", "end", callback=day_option, help="Last day of a range.")
@click.option("--top", type=click.IntRange(1, 500), help="Only the first N (by upvotes, or for you with --for-me).")
@click.option("--for-me", is_flag=True, help="Rank the day's or range's papers by your profile first.")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file (default: stdout).")
@click.pass_context
def export(ctx, as_bibtex, liked, paper_ids, query, day, start, end, top, for_me, out) -> None:
    """Export a selection of papers as BibTeX: liked papers, named papers, a search's, a day's or a digest's."""
    services = Services(settings_of(ctx))
    papers = selected_papers(services, liked, paper_ids, query, (day or start, day or end or start), for_me)
    if not papers:
        raise click.ClickException("No papers selected: name --liked, --paper ID, --search Q or --date D.")
    text = to_bibtex(papers[:top] if top else papers)
    if out:
        write_atomically(out, text)
        say(f"Wrote {plural(min(len(papers), top or len(papers)), 'entry', 'entries')} to {out}.")
    else:
        click.echo(text, nl=False)


def selected_papers(services: Services, liked, paper_ids, query, span, for_me) -> list:
    store = services.store
    ids = [*(services.profiles.load().liked if liked else []), *paper_ids]
    papers = [store.get_paper(i) for i in dict.fromkeys(ids)]
    if query:
        passages = services.searcher.search(Query(query, k=20))
        found = list(dict.fromkeys(p.chunk.paper_id for p in passages))
        papers += [store.get_paper(i) for i in found]
    if span[0]:
        pool = store.list_papers(span[0], span[1] or span[0])
        papers += [r.paper for r in services.for_you.rank(pool)] if for_me else pool
    return list({p.id: p for p in papers}.values())


def write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a file, and an existing file survives a failed write."""
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from error


@cli.command()
@click.pass_context
def demo(ctx) -> None:
    """Load the bundled sample if the store is empty, then list its papers (what `make run` did before the app)."""
    store = open_store(settings_of(ctx))
    ensure_sample(store, say)
    for paper in store.list_papers()[:20]:
        click.echo(paper_line(paper))


def main() -> None:
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        say("Aborted.")
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except PapersError as error:
        say(f"Error: {error}")
        sys.exit(1)


if __name__ == "__main__":
    main()
