"""What every `papers` command shares: the command group and its global flags, and the helpers that print.

In: argv's global flags (`--data-dir`, `--chroma-url`, `--model`, `--device`). Out: the `cli` group (the command
modules beside this one add their commands to it), a `Settings` in the context, and small printing helpers: progress
and warnings go to stderr, results to stdout.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from agent.errors import first_line
from agent.files import write_text_atomically
from agent.present import DateError, parse_day
from agent.services import Services
from agent.settings import Settings
from agent.tldr import model_failure
from vectorstore.errors import NotFoundError, PapersError


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


def write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a file, and an existing file survives a failed write."""
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from error
