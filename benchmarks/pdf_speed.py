"""PDF reading and ingest time: the real 15-page PaSa PDF and a generated 200-page one.

Reports seconds to read (text, sections, references) and to ingest (chunk + embed + store, real MiniLM on the CPU),
and checks the time bound for a big paper: a 200-page PDF read in under 10 s and ingested in under 60 s on the
2-core machine (measured: 0.3 s and 6.6 s). Writes benchmarks/results/pdf_speed.json.
Run: .venv/bin/python -m benchmarks.pdf_speed
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from agent.ingest import ingest_paths
from agent.settings import Settings, open_store
from benchmarks.common import SHARED, write_result
from sources.pdf import read_pdf
from tests.pdf_factory import long_paper, write_pdf

READ_BOUND_S = 10
INGEST_BOUND_S = 60


def measure(path: Path) -> dict:
    started = time.perf_counter()
    paper = read_pdf(path)
    read_s = time.perf_counter() - started
    store = open_store(Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-pdf-"))))
    store.embedder.embed(["warm up"])
    started = time.perf_counter()
    summary = ingest_paths(store, [path], say=lambda _: None)
    ingest_s = time.perf_counter() - started
    return {
        "pages": paper.pages,
        "sections": len(paper.sections),
        "chunks": summary.chunks,
        "read_s": round(read_s, 2),
        "ingest_s": round(ingest_s, 2),
    }


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="papers-pdfgen-"))
    big = measure(write_pdf(folder / "long.pdf", long_paper(200)))
    result = {
        "pasa_15_pages": measure(SHARED / "data" / "fulltext" / "pasa_2501.10120.pdf"),
        "generated_200_pages": big,
        "bounds": {"read_s": READ_BOUND_S, "ingest_s": INGEST_BOUND_S},
        "within_bounds": big["read_s"] < READ_BOUND_S and big["ingest_s"] < INGEST_BOUND_S,
    }
    write_result("pdf_speed", result)


if __name__ == "__main__":
    main()
