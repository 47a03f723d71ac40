"""`python -m agent.cli`: the `papers` command (what the tests and benchmarks run in a subprocess)."""

from agent.cli import main

main()
