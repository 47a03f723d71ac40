"""The reader's own commands: `like`, `profile`, `history` and `export`.

In: their flags. Out: the profile as JSON, the history of what was recommended or sent, or BibTeX of a selection
of papers. The work is in agent/profile.py, agent/library.py, agent/history.py and agent/export.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from agent.cli.common import cli, day_option, print_json, say, settings_of, write_atomically
from agent.export import to_bibtex
from agent.library import import_library, stored_paper
from agent.profile import parse_profile
from agent.services import Services
from agent.text import plural
from vectorstore.search import Query


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
