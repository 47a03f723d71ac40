"""The GPU decoder's loop (static cache, batch buckets, grouped attention, sentence-end stop), checked on the CPU
against transformers' own `generate` on an untouched copy of the real bundled model: the same tokens."""

from __future__ import annotations

import pytest

from agent.models.graph_decode import GraphDecoder, bucket_for


@pytest.fixture(scope="module")
def models(llm, model_dir):
    """Two float32 copies of the weights users get (the TL;DR adapter merged in): one for `generate`, one for the
    decoder. Float32, because in bfloat16 the two attention paths round differently and a near-tie token can flip:
    that would test rounding, not the loop."""
    from types import SimpleNamespace

    import torch
    from transformers import AutoModelForCausalLM

    import agent.models.llm

    adapter = agent.models.llm.adapter_for("smollm2", "bundled")
    folder = agent.models.llm.converted_dir(model_dir, agent.models.llm.bundled_gguf(), adapter)

    def load():
        return AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()

    reference = SimpleNamespace(model=load(), encode=llm.encode, tokenizer=llm.tokenizer)
    return reference, GraphDecoder(load(), llm.tokenizer, max_len=320, buckets=(1, 4, 8))


def prompts(n: int, words: int) -> list:
    topics = ["video diffusion", "speculative decoding", "legal retrieval", "robot grasping", "protein folding"]
    return [
        [
            {
                "role": "user",
                "content": f"Summarise in one sentence: a paper on {' and '.join(topics[: i % 5 + 1])}. " * words,
            }
        ]
        for i in range(n)
    ]


def test_same_tokens_as_generate_across_buckets_and_repeated_calls(models):
    llm, decoder = models
    for n, words in ((5, 1), (3, 4), (8, 2), (1, 3), (5, 1)):  # buckets 8, 4, 8, 1, 8 again; several lengths
        inputs = llm.encode(prompts(n, words))
        reference = llm.model.generate(
            **inputs, max_new_tokens=16, do_sample=False, pad_token_id=llm.tokenizer.pad_token_id
        )
        reference = reference[:, inputs["input_ids"].shape[1] :]
        mine = decoder.generate(inputs["input_ids"], inputs["attention_mask"], 16)
        assert mine.shape[0] == n
        for expected, got in zip(reference, mine):
            decode = lambda ids: llm.tokenizer.decode(ids, skip_special_tokens=True)  # noqa: E731
            assert decode(got) == decode(expected)


def test_sentence_end_stop_keeps_what_a_cut_at_the_full_stop_keeps(models):
    llm, decoder = models
    inputs = llm.encode(prompts(6, 2))
    full = decoder.generate(inputs["input_ids"], inputs["attention_mask"], 40)
    stopped = decoder.generate(inputs["input_ids"], inputs["attention_mask"], 40, sentence_end=True)
    for whole, short in zip(full, stopped):
        text, cut = (llm.tokenizer.decode(ids, skip_special_tokens=True) for ids in (whole, short))
        assert text.split(". ")[0] == cut.split(". ")[0]
    assert stopped.shape[1] <= full.shape[1]


def test_the_batch_invariant_decoder_runs_one_shape_and_gives_generates_tokens(models, monkeypatch):
    """PAPERS_BATCH_INVARIANT (the default): a paper alone, in a pair or among five runs the same prefill shape
    (one bucket, the prompt padded to the cache less the budget), so its tokens cannot depend on its companions;
    they are still exactly `generate`'s."""
    llm, bucketed = models
    decoder = GraphDecoder(bucketed.model, llm.tokenizer, max_len=320, buckets=(8,), fixed_length=True)
    shapes = []
    prefill = decoder.prefill
    monkeypatch.setattr(
        decoder, "prefill", lambda slot, ids, *rest: shapes.append(tuple(ids.shape)) or prefill(slot, ids, *rest)
    )
    batch = prompts(5, 2)
    texts = {}
    for companions in (batch[:1], batch[:2], batch):
        inputs = llm.encode(companions)
        got = decoder.generate(inputs["input_ids"], inputs["attention_mask"], 16)
        texts[len(companions)] = llm.tokenizer.decode(got[0], skip_special_tokens=True)
    assert set(shapes) == {(8, 320 - 16)}, "every request, whatever its size, prefills one shape"
    inputs = llm.encode(batch[:1])
    reference = llm.model.generate(
        **inputs, max_new_tokens=16, do_sample=False, pad_token_id=llm.tokenizer.pad_token_id
    )
    expected = llm.tokenizer.decode(reference[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    assert texts == {1: expected, 2: expected, 5: expected}


def test_buckets_and_limits():
    assert [bucket_for(n) for n in (1, 2, 8, 9, 50, 128)] == [1, 8, 8, 32, 64, 128]
