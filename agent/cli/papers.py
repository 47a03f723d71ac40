"""The store's commands: `ingest`, `list`, `show`, `stats`, `search`, `related` and `demo`.

In: their flags. Out: the store's papers and passages printed as text or JSON; an ingest's progress on stderr and a
non-zero exit when any source failed. The work is in agent/ingest.py and agent/services.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from agent.cli.common import cli, day_option, print_json, say, settings_of
from agent.foryou import by_upvotes
from agent.ingest import days_between, ensure_sample, ingest_paths, sample_path
from agent.present import paper_line
from agent.related import related_papers
from agent.services import Services
from agent.settings import open_store
from agent.tex import untex
from agent.text import plural
from vectorstore.search import MODES, Query
from vectorstore.store import disk_size


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
    services = Services(settings)
    summaries = []
    if paths or sample:
        window = (day or start, day or end or start) if (day or start) else None
        sources = [*paths, *([sample_path()] if sample else [])]
        summaries.append(ingest_paths(services.store, sources, say, window))
    elif day or start:
        days = [day] if day else days_between(start, end or start)
        summaries.append(services.fetch_days(days, say, warn=lambda message: say(f"warning: {message}")))
        if fulltext:
            arxiv_ids = (*arxiv_ids, *(p.id for d in days for p in services.store.list_papers(d, d) if p.is_arxiv))
    if arxiv_ids:
        summaries.append(services.fetch_arxiv(list(dict.fromkeys(arxiv_ids)), say))
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
@click.pass_context
def demo(ctx) -> None:
    """Load the bundled sample if the store is empty, then list its papers (what `make run` did before the app)."""
    store = open_store(settings_of(ctx))
    ensure_sample(store, say)
    for paper in store.list_papers()[:20]:
        click.echo(paper_line(paper))
