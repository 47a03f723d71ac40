"""TL;DR pairs -> a LoRA adapter that teaches the bundled SmolLM2 to write Hugging Face-style one-line summaries.

In: the pairs folder of `training/tldr_pairs.py` (train.jsonl, val.jsonl), the base model (the bundled GGUF,
de-quantised exactly as the app loads it) and training settings. Out, in `--out`: `checkpoint-N/` folders (adapter,
optimizer and schedule state: `--resume` continues from the newest), `best/` (the adapter whose greedy outputs
scored the highest ROUGE-L F1 against `ai_summary` on the validation days) and `report.json` (loss and ROUGE-L per
evaluation). `--ship DIR` writes the best adapter in float16 to DIR (the package's `agent/weights/tldr-lora`).

Why LoRA, not full fine-tuning: the whole model would add ~100 MB (Q4) to the package; a rank-32 adapter over every
linear layer is ~10 MB in float16, loads over the unchanged bundled GGUF, and is merged into it at load time, so the
CPU, the GPU decoder and llama.cpp (via `training.merge_gguf`) all run one plain model.
The model sees each pair exactly as the app asks it: `prompts/tldr.toml` rendered with the chat template, the loss
on the answer tokens alone.

Run (GPU minutes; CPU hours): python -m training.train_tldr --pairs build/tldr --out build/tldr-run
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

from prompts import load_prompt
from training.archive import read_jsonl
from training.loop import autocast, optimizer_step, pick_device

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
END = "<|im_end|>"


def pair_problem(pair: dict) -> str:
    fields = ("title", "key_sentences", "target")
    ok = all(isinstance(pair.get(k), str) and pair[k].strip() for k in fields)
    return "" if ok else "needs non-empty title, key_sentences and target"


def prompt_text(tokenizer, pair: dict) -> str:
    messages = load_prompt("tldr").render(title=pair["title"], key_sentences=pair["key_sentences"])
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def encode_pair(tokenizer, pair: dict, max_tokens: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 on the prompt): the loss is on the summary and its end mark only."""
    prompt = tokenizer(prompt_text(tokenizer, pair), add_special_tokens=False)["input_ids"]
    answer = tokenizer(pair["target"] + END, add_special_tokens=False)["input_ids"]
    ids = (prompt + answer)[:max_tokens]
    return ids, ([-100] * len(prompt) + answer)[:max_tokens]


def batches(encoded: list, size: int, rng: random.Random) -> list[list]:
    order = list(range(len(encoded)))
    rng.shuffle(order)
    return [[encoded[i] for i in order[start : start + size]] for start in range(0, len(order), size)]


def collate(batch: list, pad_id: int, device: str):
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (token_ids, token_labels) in enumerate(batch):
        ids[row, : len(token_ids)] = torch.tensor(token_ids)
        labels[row, : len(token_labels)] = torch.tensor(token_labels)
        mask[row, : len(token_ids)] = 1
    return ids.to(device), labels.to(device), mask.to(device)


def rouge_l(candidates: list[str], references: list[str]) -> float:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    scores = [scorer.score(r, c)["rougeL"].fmeasure for c, r in zip(candidates, references)]
    return sum(scores) / max(1, len(scores))


def greedy_outputs(model, tokenizer, pairs: list[dict], device: str, max_new_tokens: int = 48) -> list[str]:
    import torch

    tokenizer.padding_side = "left"
    outputs = []
    for start in range(0, len(pairs), 64):
        texts = [prompt_text(tokenizer, p) for p in pairs[start : start + 64]]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.inference_mode():
            out = model.generate(
                **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        outputs += [t.strip() for t in tokenizer.batch_decode(out[:, inputs["input_ids"].shape[1] :], True)]
    return outputs


def val_loss(model, encoded: list, pad_id: int, device: str, size: int) -> float:
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(encoded), size):
            ids, labels, mask = collate(encoded[start : start + size], pad_id, device)
            with autocast(device):
                total += model(input_ids=ids, attention_mask=mask, labels=labels).loss.item()
            count += 1
    model.train()
    return total / max(1, count)


def load_base(base: str, cache: Path, device: str):
    """The base model as the app loads it: the bundled GGUF (or a .gguf path) de-quantised to float weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agent.models.llm import model_source

    source = model_source(base, cache)
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # float32 master weights: autocast runs the matmuls in bfloat16 on a GPU, the optimizer updates in float32.
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).to(device)
    return model, tokenizer


def wrap_lora(model, args):
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.alpha or 2 * args.rank,
        lora_dropout=args.dropout,
        target_modules=TARGET_MODULES,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def newest_checkpoint(out: Path) -> Path | None:
    found = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return found[-1] if found else None


def save_checkpoint(model, optimizer, scheduler, state: dict, out: Path) -> None:
    import torch

    folder = out / f"checkpoint-{state['step']}"
    partial = folder.with_name(folder.name + ".partial")
    model.save_pretrained(partial)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, partial / "training.pt")
    (partial / "state.json").write_text(json.dumps(state, indent=2))
    partial.rename(folder)  # a crash mid-save never leaves a checkpoint that looks whole
    for old in sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[:-2]:
        import shutil

        shutil.rmtree(old)


def ship(adapter: Path, target: Path) -> None:
    """The adapter in float16 (half the bytes; merged into bfloat16/float32 weights it changes nothing visible)."""
    import shutil

    from safetensors.torch import load_file, save_file

    tensors = {k: v.half().contiguous() for k, v in load_file(str(adapter / "adapter_model.safetensors")).items()}
    target.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(target / "adapter_model.safetensors"))
    shutil.copy(adapter / "adapter_config.json", target / "adapter_config.json")
    if (adapter / "training.json").exists():
        shutil.copy(adapter / "training.json", target / "training.json")


def train(args) -> dict:
    import torch
    from transformers import get_cosine_schedule_with_warmup

    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    train_pairs = read_jsonl(args.pairs / "train.jsonl", pair_problem, args.limit)
    val_pairs = read_jsonl(args.pairs / "val.jsonl", pair_problem, args.val_limit)
    if not train_pairs:
        raise SystemExit(f"no usable training pairs in {args.pairs / 'train.jsonl'}: build them with tldr_pairs")
    model, tokenizer = load_base(args.base, args.cache, device)
    model = wrap_lora(model, args)
    encoded = [encode_pair(tokenizer, p, args.max_tokens) for p in train_pairs]
    val_encoded = [encode_pair(tokenizer, p, args.max_tokens) for p in val_pairs]
    steps_per_epoch = math.ceil(len(encoded) / args.batch_size)
    total = args.max_steps or steps_per_epoch * args.epochs
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    scheduler = get_cosine_schedule_with_warmup(optimizer, max(1, total // 20), total)
    state = {"step": 0, "best_rouge": -1.0, "evals": []}
    args.out.mkdir(parents=True, exist_ok=True)
    resumed = newest_checkpoint(args.out) if args.resume else None
    if resumed is not None:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(model, load_file(str(resumed / "adapter_model.safetensors")))
        saved = torch.load(resumed / "training.pt", weights_only=False)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = json.loads((resumed / "state.json").read_text())
        print(f"resumed from {resumed.name}")
    model.train()
    started = time.perf_counter()
    step = state["step"]
    epoch = step // steps_per_epoch
    while step < total:
        plan = batches(encoded, args.batch_size, random.Random(args.seed + epoch))
        for batch in plan[step - epoch * steps_per_epoch :]:
            ids, labels, mask = collate(batch, tokenizer.pad_token_id, device)
            with autocast(device):
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimizer_step(model, loss, optimizer, scheduler)
            step += 1
            if step % args.log_every == 0:
                print(f"step {step}/{total} loss {loss.item():.3f} {time.perf_counter() - started:.0f}s", flush=True)
            if step % args.eval_every == 0 or step == total:
                state["step"] = step
                evaluate(model, tokenizer, val_pairs, val_encoded, device, args, state)
                save_checkpoint(model, optimizer, scheduler, state, args.out)
            if step >= total:
                break
        epoch += 1
    state["train_seconds"] = round(time.perf_counter() - started, 1)
    state["train_pairs"], state["val_pairs"] = len(train_pairs), len(val_pairs)
    (args.out / "report.json").write_text(json.dumps(state, indent=2))
    if args.ship:
        ship(args.out / "best", args.ship)
    return state


def evaluate(model, tokenizer, val_pairs, val_encoded, device, args, state) -> None:
    """Validation loss and greedy ROUGE-L; the best adapter so far is kept in `best/`."""
    row = {
        "step": state["step"],
        "val_loss": round(val_loss(model, val_encoded, tokenizer.pad_token_id, device, 64), 4),
    }
    if val_pairs:
        model.eval()
        outputs = greedy_outputs(model, tokenizer, val_pairs, device)
        model.train()
        row["val_rougeL"] = round(rouge_l(outputs, [p["target"] for p in val_pairs]), 4)
        row["example"] = outputs[0]
    state["evals"].append(row)
    print(json.dumps(row), flush=True)
    if row.get("val_rougeL", -row["val_loss"]) > state["best_rouge"]:
        state["best_rouge"] = row.get("val_rougeL", -row["val_loss"])
        state["best_step"] = state["step"]
        model.save_pretrained(args.out / "best")
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        (args.out / "best" / "training.json").write_text(json.dumps({**settings, **row}, indent=2))


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder with train.jsonl and val.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base", default="smollm2", help="'smollm2' (the bundled GGUF) or a .gguf path")
    parser.add_argument("--cache", type=Path, default=Path("build/models"), help="where the de-quantised base goes")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--alpha", type=int, default=0, help="LoRA alpha (default: twice the rank)")
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: whole epochs)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=320)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N training pairs")
    parser.add_argument("--val-limit", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--log-every", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    parser.add_argument("--ship", type=Path, default=None, help="write the best adapter here in float16")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(train(parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
