"""A GGUF file -> a folder of safetensors and tokenizer files that transformers loads in a fraction of a second.

In: the GGUF, the target folder, and a function applied to the de-quantised model before it is saved (the TL;DR
adapter's merge). Out: the folder, written under a `.partial` name and renamed when whole, so an interrupted
conversion is never mistaken for a finished one.

transformers does the de-quantising (`gguf_file=`), but it opens the file three times (tokenizer, config, weights)
and builds gguf-py's name table once per module of the model: 20.7 s on this 2-core machine, 30-38 s on the H200
machine, most of it parsing the 49,152-token vocabulary again. `one_gguf_read()` makes the same calls share one
parsed file and one name table (12.2 s here; the saved tensors are identical).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def one_gguf_read() -> Iterator[None]:
    """While inside, gguf-py's file reader and tensor-name table are built once per argument. transformers imports
    both from `gguf` at call time, so replacing the module's attributes is enough; they are restored on exit."""
    import gguf

    reader, names = gguf.GGUFReader, gguf.get_tensor_name_map
    gguf.GGUFReader = functools.lru_cache(maxsize=2)(reader)
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=8)(names)
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = reader, names


def convert_gguf(gguf: Path, target: Path, finish: Callable = lambda model: model) -> None:
    """De-quantise once, apply `finish` (the adapter's merge), save as safetensors (transformers refuses to save a
    GGUF-loaded model as it is)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with one_gguf_read():
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model.hf_quantizer = None  # the weights are plain float tensors now
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model = finish(model)
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
