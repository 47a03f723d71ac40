"""Archive days -> question sets with known answers, built without hand work, split into tune and held-out.

In: the shared archive. Out: `benchmarks/data/qa_sets.json`, made once and committed, so every run scores the same
questions:
- `days`: the archive days the sets draw on (every 9th day: 60 days; benchmarks/qa_eval.py ingests them + seed);
- `name` questions: a paper's contribution sentence with its method name masked ("Which method is
  a structure-aware pre-trained language model for legal case retrieval?"), key term = the name;
- `figure` questions: an abstract sentence with a figure (a %, an "x" speed-up) masked, asked about the named
  paper ("In the SAILER paper, what number completes: ..."), key term = the figure;
- `unanswerable`: questions about a named paper that its abstract cannot answer (GPUs, learning rate, batch size,
  training hours, optimizer), each made only where the abstract has none of the asked words.
Every question goes to `tune` or `held_out` by a hash of the paper id. Thresholds and weights are chosen on
`tune` and the 37 shared dev questions only; `held_out` is reported, never tuned on.
Run: .venv/bin/python -m benchmarks.qa_sets
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from agent.tldr import lead_name, sentences
from benchmarks.common import ROOT, SHARED
from vectorstore.parse_api import papers_from_payload
from vectorstore.records import Paper
from vectorstore.sources import date_from_name, read_text

OUT = ROOT / "benchmarks" / "data" / "qa_sets.json"
EVERY_NTH_DAY = 9
# Questions kept per kind and split (in day order): enough for a stable share, few enough for a CPU run.
PER_SPLIT = {"name": 30, "figure": 30, "unanswerable": 15}
FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s?%|x|×)(?!\w)")
UNANSWERABLE = [
    ("How many GPUs were used to train {name}?", ("gpu",)),
    ("What learning rate was used to train {name}?", ("learning rate",)),
    ("What batch size does {name} use during training?", ("batch size", "batch")),
    ("How many hours did it take to train {name}?", ("hour",)),
    ("Which optimizer was used to train {name}?", ("optimi", "adam", "sgd")),
]


def split_of(paper_id: str) -> str:
    return "tune" if int(hashlib.sha256(paper_id.encode()).hexdigest(), 16) % 2 == 0 else "held_out"


def day_files() -> list[Path]:
    files = sorted((SHARED / "data" / "hf_daily_papers").glob("*.json"))
    return files[::EVERY_NTH_DAY]


def name_question(paper: Paper, name: str) -> dict | None:
    """ "we propose NAME, a ..." -> "Which method is a ...?"; the description must be long enough to pin it."""
    for sentence in sentences(paper.abstract):
        match = re.search(
            rf"\b(?:propose|introduce|present)s?\s+{re.escape(name)}\b[,:]?\s+(.{{30,200}}?)[.]?$", sentence
        )
        if match and name.lower() not in match.group(1).lower():
            description = match.group(1).rstrip(".")
            return {"question": f"Which method is {description}?", "key": name}
    return None


def figure_question(paper: Paper, name: str) -> dict | None:
    for sentence in sentences(paper.abstract):
        match = FIGURE.search(sentence)
        if match and 60 <= len(sentence) <= 300 and len(FIGURE.findall(sentence)) == 1:
            masked = sentence[: match.start()] + "___" + sentence[match.end(1) :]
            return {"question": f"In the {name} paper, what number completes this: “{masked}”?", "key": match.group(1)}
    return None


def unanswerable(paper: Paper, name: str) -> dict | None:
    """The first template (starting from one picked by the paper id, for variety) the abstract cannot answer."""
    text = f"{paper.title} {paper.abstract}".lower()
    start = int(hashlib.sha256(paper.id.encode()).hexdigest(), 16) % len(UNANSWERABLE)
    for template, words in UNANSWERABLE[start:] + UNANSWERABLE[:start]:
        if not any(word in text for word in words):
            return {"question": template.format(name=name), "asked": list(words)}
    return None


def build() -> dict:
    days = day_files()
    sets: dict[str, list[dict]] = {"name": [], "figure": [], "unanswerable": []}
    for path in days:
        for paper in papers_from_payload(json.loads(read_text(path)), date_from_name(path), path.name):
            name = lead_name(paper.title)
            if not name or len(name.split()) > 1 or len(name) < 3:
                continue
            base = {"paper_id": paper.id, "title": paper.title, "split": split_of(paper.id)}
            made = {"name": name_question(paper, name), "figure": figure_question(paper, name)}
            made["unanswerable"] = unanswerable(paper, name)
            for kind, item in made.items():
                if item and sum(q["split"] == base["split"] for q in sets[kind]) < PER_SPLIT[kind]:
                    sets[kind].append({**base, **item})
    return {"days": [p.name for p in days], **sets}


def main() -> None:
    result = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for kind in ("name", "figure", "unanswerable"):
        split = [q["split"] for q in result[kind]]
        print(f"{kind}: {len(split)} ({split.count('tune')} tune, {split.count('held_out')} held out)")


if __name__ == "__main__":
    main()
