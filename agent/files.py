"""Text files written whole: a reader sees the old file or the new one, never half of either.

In: a path and its new text. Out: the file, replaced by a rename (atomic on one file system); the temporary file
carries the process id, so two processes writing at once never share one, and it is removed if anything fails.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
