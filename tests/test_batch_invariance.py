"""A paper's TL;DR does not depend on the papers batched with it: the real bundled model on the CPU, through
`LocalLLM.generate`, writes the same text for the same papers alone, in pairs and all together (left padding,
attention masks, position ids and batch-size-dependent reductions must all leave a row's tokens alone)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from agent.tldr import conversation
from vectorstore.records import Paper

FIXTURE = json.loads((Path(__file__).resolve().parent / "fixtures" / "heldout_papers.json").read_text())
PAPERS = [Paper(p["id"], p["title"], p["abstract"], date.fromisoformat(p["date"])) for p in FIXTURE["papers"][:6]]
STOP = (". ", ".\n")  # TldrWriter's stop
NEW_TOKENS = 24


@pytest.fixture(scope="module")
def llm32(model_dir):
    """The bundled model in float32: in bfloat16 the CPU's matrix kernels round differently for different batch
    sizes and near-tie tokens flip (measured: 1 of 6 rows changes, tests fail); float32 passes, which shows that the
    padding, masks and position ids are right and the rest is kernel rounding."""
    from agent.models.llm import LocalLLM

    return LocalLLM("smollm2", model_dir, device="cpu", dtype="float32")


def test_the_same_paper_gets_the_same_text_whatever_its_companions(llm32):
    llm = llm32
    conversations = [conversation(p) for p in PAPERS]
    lengths = {len(llm.encode([c])["input_ids"][0]) for c in conversations}
    assert len(lengths) > 1, "prompts of different lengths, so batching them pads some"
    alone = [llm.generate([c], NEW_TOKENS, STOP)[0] for c in conversations]
    pairs = [
        text
        for i in range(0, len(conversations), 2)
        for text in llm.generate(conversations[i : i + 2], NEW_TOKENS, STOP)
    ]
    together = llm.generate(conversations, NEW_TOKENS, STOP)
    assert all(alone), "the model wrote something for every paper"
    assert pairs == alone
    assert together == alone
