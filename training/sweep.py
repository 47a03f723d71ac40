"""Several training settings at once on one GPU -> the best adapter or checker, chosen on the validation days.

In: which model (`tldr` or `checker`), the arguments every run shares, and one `;`-separated list of settings
(`rank=16,lr=2e-3;rank=32,lr=1e-3`). Out: one folder per setting under `--out` (each run's own `report.json`),
`sweep.json` (every run's best validation score) and, with `--ship DIR`, the winner copied there. The runs are
separate processes started together: a 135M model or a MiniLM leaves an H200 mostly idle, so they share it.
Run: python -m training.sweep tldr --out build/sweep --settings "rank=16,lr=2e-3;rank=32,lr=1e-3" \
  -- --pairs build/tldr
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

SCRIPTS = {"tldr": "training.train_tldr", "checker": "training.train_checker"}
SCORES = {"tldr": "best_rouge", "checker": "best"}


def flags_of(setting: str) -> list[str]:
    flags = []
    for item in filter(None, setting.split(",")):
        key, _, value = item.partition("=")
        flags += [f"--{key.strip().replace('_', '-')}", value.strip()]
    return flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=sorted(SCRIPTS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", required=True)
    parser.add_argument("--ship", type=Path, default=None)
    args, shared = parser.parse_known_args()  # the rest goes to every run
    shared = [a for a in shared if a != "--"]
    runs = {}
    for setting in filter(None, args.settings.split(";")):
        folder = args.out / setting.replace("=", "").replace(",", "_")
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", SCRIPTS[args.model], *shared, *flags_of(setting), "--out", str(folder)]
        with (folder / "log.txt").open("w") as log:
            runs[setting] = (folder, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
    summary = {}
    for setting, (folder, process) in runs.items():
        code = process.wait()
        report = folder / "report.json"
        score = json.loads(report.read_text())[SCORES[args.model]] if code == 0 and report.exists() else None
        summary[setting] = {"exit": code, "score": score, "folder": str(folder)}
    finished = {s: v for s, v in summary.items() if v["score"] is not None}
    if finished:
        winner = max(finished, key=lambda s: finished[s]["score"])
        summary["winner"] = winner
        if args.ship:
            if args.model == "tldr":
                from training.train_tldr import ship

                ship(Path(finished[winner]["folder"]) / "best", args.ship)
            else:
                shutil.copytree(Path(finished[winner]["folder"]) / "best", args.ship, dirs_exist_ok=True)
    (args.out / "sweep.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
