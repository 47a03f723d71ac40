"""The `papers` command line: parse flags, call the library, print the result.

In: argv. Out: text or JSON on stdout, progress and warnings on stderr, exit status 0 on success and 1 when any
error was reported. Typed errors become one-line messages here (`main`) and nowhere deeper. The commands live in
`papers.py` (the store), `reader.py` (profile, history, export) and `answers.py` (ask, TL;DRs, digest, check,
trends); importing them adds them to the `cli` group.
"""

from __future__ import annotations

import sys

import click

from agent.cli import answers, papers, reader  # noqa: F401 - each adds its commands to `cli`
from agent.cli.common import cli, say
from vectorstore.errors import PapersError

__all__ = ["cli", "main"]


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
