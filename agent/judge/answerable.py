"""(question, one paper's sentences) -> does this text answer the question, judged by a trained model.

In: a reader's question and the sentences (title first) of the paper an answer would rest on. Out: the probability
that they answer it, from a MiniLM cross-encoder trained by `training/train_checker.py` on the rows of
`training/answer_pairs.py` (questions made from `ai_summary` against their own paper, another paper, and
attributes the paper never states). It is the claim checker's architecture with its own weights
(`agent/weights/answerable/`); the question's exact numbers and names are still checked first, in
`agent/answer/evidence.py`. This decides "the papers do not say": by meaning, not by a missing word.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.judge.checker import MAX_EVIDENCE_CHARS, ClaimChecker, select_evidence

WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "answerable"
EVIDENCE_SENTENCES = 3
DIGIT = re.compile(r"\d")


def answer_evidence(question: str, sentences: list[str]) -> str:
    """The title, the question's best few sentences, and the best one stating a figure (a question may ask "how
    well" in words no result sentence shares): what the model reads in training and in the app alike."""
    chosen = select_evidence(question, sentences, EVIDENCE_SENTENCES)
    if DIGIT.search(chosen.text) or not sentences:
        return chosen.text
    with_figures = [s for s in sentences[1:] if DIGIT.search(s)]
    if not with_figures:
        return chosen.text
    best = select_evidence(question, [sentences[0], *with_figures], 1).text
    return f"{chosen.text} {best[len(sentences[0]) :].strip()}"[:MAX_EVIDENCE_CHARS]


class AnswerJudge:
    """The trained answerability model; `score` gives P(the sentences answer the question)."""

    def __init__(self, weights: Path = WEIGHTS, device: str = "cpu") -> None:
        self.model = ClaimChecker(weights, device, what="answerability model")
        self.threshold = self.model.threshold

    def scores(self, questions: list[str], sentences: list[list[str]]) -> list[float]:
        evidences = [answer_evidence(q, s) for q, s in zip(questions, sentences)]
        return self.model.scores(questions, evidences)

    def answers(self, question: str, sentences: list[str]) -> tuple[bool, float]:
        score = self.scores([question], [sentences])[0]
        return score >= self.threshold, round(score, 4)
