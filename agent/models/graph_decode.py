"""Greedy batched decoding over a static KV cache, with one CUDA graph per batch bucket captured at start-up.

In: a loaded causal LM and its tokenizer (left padding), encoded prompts, a token budget. Out: the new token ids of
each prompt. Why not `generate(cache_implementation="static")` with `torch.compile`: it compiles again for every new
batch size and every new cache length, 24 to 85 s each on an H200, inside a user's request. Here the shapes a
request can meet are fixed in advance: the batch is padded up to a bucket (the app's default, `decoder_for`: one
bucket of 128 and every prompt padded to one length, so a row's TL;DR cannot depend on its companions; else the
smallest of 1, 8, 32, 64, 128), the KV cache has one length (`max_len`), and the attention mask is built here as a
4D tensor (so transformers' data-dependent mask code never runs inside a graph). The prompt pass (prefill) runs
eagerly, one pass per batch; each decode step is one graph replay. Capturing a graph takes milliseconds, not a
compile; all buckets are captured by `warm_up()`.

Where a step's time went (profiled on an H200, batch 64, cache 640): transformers' SDPA path copies every KV head
three times for grouped-query attention (`repeat_kv`: half the step), then attends over the whole cache. So single-
token queries here use `grouped_attention`, which reads each KV head once (one batched matmul per head group), and
the prompt pass runs with an ordinary dynamic cache (keys only as long as the prompt), copied into the static one.
On a GPU the RMS norms (61 of them, ~7 kernels each in transformers' float32 form) become one fused
`torch.nn.functional.rms_norm` each: 4.3 -> 3.5 ms a step at batch 64 (random weights; greedy tokens may differ
from the unfused form in the last bit of bf16, and every TL;DR is checked against its abstract either way).

On a CPU the same loop runs without graphs; tests check it gives exactly the tokens `generate` gives.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

BUCKETS = (1, 8, 32, 64, 128)
# Prompts are left-padded to a multiple of this, so the prompt pass meets few distinct shapes.
LENGTH_STEP = 32
# Long enough for a title + abstract TL;DR prompt (~150-450 tokens) plus its 40-token budget.
MAX_LEN = 640


def bucket_for(size: int, buckets: tuple[int, ...] = BUCKETS) -> int:
    return next((b for b in buckets if b >= size), buckets[-1])


def decoder_for(model, tokenizer, batch_invariant: bool) -> GraphDecoder:
    """The app's decoder. Batch-invariant (the default): every request runs one shape, 128 rows with prompts padded
    to the cache less the token budget, so a paper's TL;DR cannot depend on the papers that share its request
    (bucketed, 10 of 50 TL;DRs changed between alone and all together on an H100 in bf16; one shape, 0 of 50).
    Bucketed: the smallest bucket that holds the batch, prompts padded to a multiple of LENGTH_STEP (faster for a
    single paper)."""
    if batch_invariant:
        return GraphDecoder(model, tokenizer, buckets=BUCKETS[-1:], fixed_length=True)
    return GraphDecoder(model, tokenizer)


@dataclass
class Slot:
    """One batch bucket's static tensors: the KV cache, the decode step's inputs and outputs, and its graph."""

    size: int
    cache: object
    input_ids: object
    positions: object
    cache_position: object
    mask: object
    next_tokens: object = None
    graph: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)


ATTENTION = "papers_grouped"


def grouped_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """SDPA, except that a single-token query (a decode step) attends without copying KV heads: the query's heads
    are grouped by the KV head they share, and each group is one matmul against that head's keys and values."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if query.shape[2] != 1:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, scaling=scaling, dropout=dropout, **kwargs
        )
    batch, heads, _, dim = query.shape
    kv_heads = key.shape[1]
    grouped = query.view(batch, kv_heads, heads // kv_heads, dim)
    scores = torch.matmul(grouped, key.transpose(-1, -2)).float() * (scaling or dim**-0.5)
    if attention_mask is not None:
        mask = attention_mask[:, :, -1:, : key.shape[2]]  # (B, 1, 1, L): broadcast over heads and the group
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    weights = torch.softmax(scores, dim=-1).to(value.dtype)
    out = torch.matmul(weights, value)  # (B, kv_heads, group, dim)
    return out.reshape(batch, heads, 1, dim).transpose(1, 2), None


def use_grouped_attention(model) -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(ATTENTION, grouped_attention)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)
    model.set_attn_implementation(ATTENTION)


def fused_rms_norm(module, hidden):
    import torch

    return torch.nn.functional.rms_norm(hidden, (hidden.shape[-1],), module.weight, module.variance_epsilon)


def fuse_norms(model) -> None:
    """Each RMSNorm of the model as one fused kernel."""
    import types

    for module in model.modules():
        if type(module).__name__.endswith("RMSNorm") and hasattr(module, "variance_epsilon"):
            module.forward = types.MethodType(fused_rms_norm, module)


def rewind(cache, length: int) -> None:
    """Where the next key goes. transformers' static layers keep their own write position (a tensor advanced in
    place by each update, so a graph replay advances it too); set it in place, keeping its address."""
    for layer in cache.layers:
        if getattr(layer, "is_initialized", False):
            layer.cumulative_length.fill_(length)


def sentence_tables(tokenizer, device):
    """Per token id: does its text end with a full stop; does it start with a space or a line break."""
    import torch

    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    texts = [tokenizer.convert_tokens_to_string([p]) if p is not None else "" for p in pieces]
    ends = torch.tensor([t.rstrip(" ").endswith(".") for t in texts], dtype=torch.bool, device=device)
    starts = torch.tensor([t[:1] in (" ", "\n") for t in texts], dtype=torch.bool, device=device)
    return ends, starts


class GraphDecoder:
    def __init__(
        self, model, tokenizer, max_len: int = MAX_LEN, buckets: tuple[int, ...] = BUCKETS, fixed_length: bool = False
    ) -> None:
        import torch

        self.model = model
        self.eos = tokenizer.eos_token_id
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos
        self.max_len = max_len
        self.buckets = buckets
        self.fixed_length = fixed_length  # every prompt padded to max_len - max_new_tokens
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        self.use_graphs = self.device.type == "cuda"
        self.slots: dict[int, Slot] = {}
        self.torch = torch
        use_grouped_attention(model)
        if self.use_graphs:
            # cuDNN's attention builds a plan for every new shape (0.5 s on an H200, measured): a stall in a request.
            torch.backends.cuda.enable_cudnn_sdp(False)
            fuse_norms(model)
        self.ends_sentence, self.starts_word = sentence_tables(tokenizer, self.device)

    def fits(self, prompt_length: int, max_new_tokens: int) -> bool:
        return prompt_length + max_new_tokens <= self.max_len

    def slot(self, size: int) -> Slot:
        if size not in self.slots:
            from transformers import StaticCache

            torch = self.torch
            cache = StaticCache(config=self.model.config, max_cache_len=self.max_len)
            self.slots[size] = Slot(
                size,
                cache,
                input_ids=torch.zeros((size, 1), dtype=torch.long, device=self.device),
                positions=torch.zeros((size, 1), dtype=torch.long, device=self.device),
                cache_position=torch.zeros((1,), dtype=torch.long, device=self.device),
                mask=torch.zeros((size, 1, 1, self.max_len), dtype=torch.bool, device=self.device),
            )
        return self.slots[size]

    def step(self, slot: Slot):
        logits = self.model(
            input_ids=slot.input_ids,
            attention_mask=slot.mask,
            position_ids=slot.positions,
            past_key_values=slot.cache,
            cache_position=slot.cache_position,
            use_cache=True,
        ).logits
        return logits[:, -1, :].argmax(dim=-1)

    def capture(self, slot: Slot) -> None:
        """Record one decode step as a CUDA graph (after the cache exists: a prefill has run on this slot)."""
        torch = self.torch
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(2):  # warm the kernels' autotuning outside the graph
                slot.next_tokens = self.step(slot)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        # thread_local: the app loads the judge on the GPU from another thread meanwhile; in the default (global)
        # mode that thread's allocations invalidate this capture (cudaErrorStreamCaptureInvalidated)
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            slot.next_tokens = self.step(slot)
        slot.graph = graph

    def warm_up(self, prompt_length: int = 320) -> None:
        """Prefill and capture every bucket once, so no request pays for a first run of a shape. The prompts are as
        long as a TL;DR prompt (~150-450 tokens): after a warm-up with 64-token prompts, a process's first day still
        took 1.95x its warm time on an H200 (benchmarks/results/gpu_tldr.json); a prefill of a longer prompt is the
        suspect (this longer warm-up is not yet measured there)."""
        torch = self.torch
        for size in self.buckets:
            ids = torch.full((size, prompt_length), self.pad, dtype=torch.long, device=self.device)
            self.generate(ids, torch.ones_like(ids), 2)

    def prefill(self, slot: Slot, input_ids, attention_mask, positions):
        """The prompt pass with a dynamic cache (keys as long as the prompt, transformers' own masks), its keys and
        values then copied into the slot's static cache; returns each row's first new token."""
        from transformers import DynamicCache

        dynamic = DynamicCache()
        logits = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=positions,
            past_key_values=dynamic,
            use_cache=True,
            logits_to_keep=1,
        ).logits
        length = input_ids.shape[1]
        for static, fresh in zip(slot.cache.layers, dynamic.layers):
            if not static.is_initialized:
                static.lazy_initialization(fresh.keys, fresh.values)
            static.keys[:, :, :length].copy_(fresh.keys)
            static.values[:, :, :length].copy_(fresh.values)
        rewind(slot.cache, length)
        return logits[:, -1, :].argmax(dim=-1)

    def generate(self, input_ids, attention_mask, max_new_tokens: int, sentence_end: bool = False):
        """New token ids (B, <= max_new_tokens); rows that ended are padded with EOS. With `sentence_end`, a row
        also ends at the first word after a full stop (what a caller cutting at ". " keeps is the same)."""
        torch = self.torch
        if self.fixed_length:
            extra = max(0, self.max_len - max_new_tokens - input_ids.shape[1])
        else:
            extra = -input_ids.shape[1] % LENGTH_STEP
        if extra:
            input_ids = torch.nn.functional.pad(input_ids, (extra, 0), value=self.pad)
            attention_mask = torch.nn.functional.pad(attention_mask, (extra, 0), value=0)
        rows, length = input_ids.shape
        size = bucket_for(rows, self.buckets)
        if rows > size or not self.fits(length, max_new_tokens):
            raise ValueError(f"batch {rows} x {length}+{max_new_tokens} does not fit the decoder's buckets")
        if rows < size:  # pad the batch up to its bucket with copies of the first row
            copies = size - rows
            input_ids = torch.cat([input_ids, input_ids[:1].expand(copies, -1)])
            attention_mask = torch.cat([attention_mask, attention_mask[:1].expand(copies, -1)])
        slot = self.slot(size)
        with slot.lock, torch.inference_mode():
            keys = torch.zeros((size, self.max_len), dtype=torch.bool, device=self.device)
            keys[:, :length] = attention_mask.bool()
            positions = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
            token = self.prefill(slot, input_ids, attention_mask, positions)
            if self.use_graphs and slot.graph is None:
                self.feed(slot, token, positions[:, -1:] + 1, keys, length)  # the captured step reads valid values
                self.capture(slot)
                rewind(slot.cache, length)  # the capture's warm-up steps advanced it
            out = [token]
            done = token == self.eos
            after_stop = self.ends_sentence[token] if sentence_end else None
            position = positions[:, -1:] + 1
            for step in range(1, max_new_tokens):
                self.feed(slot, token, position, keys, length + step - 1)
                if slot.graph is not None:
                    slot.graph.replay()
                    token = slot.next_tokens.clone()
                else:
                    token = self.step(slot)
                token = torch.where(done, torch.full_like(token, self.eos), token)
                out.append(token)
                done |= token == self.eos
                if after_stop is not None:
                    done |= after_stop & self.starts_word[token]
                    after_stop = self.ends_sentence[token]
                position = position + 1
                if step % 8 == 0 and bool(done[:rows].all()):  # one host sync every 8 steps
                    break
            return torch.stack(out, dim=1)[:rows]

    def feed(self, slot: Slot, token, position, keys, index: int) -> None:
        """The next step's inputs into the slot's static tensors: each row's last token and its position, the
        cache index it is written at, and the keys it may see (the real ones so far, itself included)."""
        slot.input_ids.copy_(token[:, None])
        slot.positions.copy_(position)
        slot.cache_position.fill_(index)
        keys[:, index] = True
        slot.mask.copy_(keys[:, None, None, :])
