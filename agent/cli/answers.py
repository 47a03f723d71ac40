"""The commands that write or judge text: `ask`, `tldr`, `digest`, `check` and `trends`.

In: their flags. Out: cited answers, TL;DRs, the digest (printed, written or e-mailed), sentence-by-sentence checks
and a topic's papers per week. The work is in agent/services.py and the modules it builds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from agent.answer.qa import Scope
from agent.charts import write_trend_png
from agent.cli.common import (
    cli,
    day_option,
    load_model_or_warn,
    newest_day,
    print_json,
    progress_bar,
    say,
    settings_of,
    warn_model_failure,
    write_atomically,
)
from agent.digest import build_digest
from agent.history import SENT
from agent.mail import send_digest
from agent.present import answer_terminal, tldr_label
from agent.render import render
from agent.services import Services
from agent.tex import untex
from agent.trends import trend_markdown


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
    from agent.judge.check_text import check_lines

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
