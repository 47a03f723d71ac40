"""The bundled GGUF + the TL;DR LoRA adapter -> one GGUF with the adapter merged in, for llama.cpp.

In: a GGUF (the bundled SmolLM2 Q4_1), a peft LoRA adapter folder, and an output path. Out: a GGUF with the same
metadata and tokenizer, whose adapted matrices (attention q/k/v/output, MLP gate/up/down) are W + (alpha/r)·B·A
stored as Q8_0 (Q4_1 steps are coarser than the adapter's update and would round much of it away); every other
tensor is copied byte for byte. This is how the llama.cpp peers of the benchmarks run the same trained model as
ours. llama.cpp stores q and k with the rotary halves interleaved (its converter's `permute`), so the update to
those is permuted the same way before it is added.
Run: python -m training.merge_gguf --adapter agent/weights/tldr-lora --out build/tldr-merged.gguf
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

HF_TO_GGUF = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
LORA_KEY = re.compile(r"layers\.(\d+)\.(self_attn\.\w+_proj|mlp\.\w+_proj)\.lora_([AB])\.weight$")


def permute(weights: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's row order for q and k (convert_hf_to_gguf's LlamaModel.permute)."""
    rows = weights.shape[0]
    return weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def adapter_updates(adapter: Path) -> dict[str, np.ndarray]:
    """GGUF tensor name -> the adapter's update (alpha/r)·B·A in Hugging Face row order."""
    from safetensors.numpy import load_file

    config = json.loads((adapter / "adapter_config.json").read_text())
    scale = config["lora_alpha"] / config["r"]
    factors: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for key, value in load_file(str(adapter / "adapter_model.safetensors")).items():
        m = LORA_KEY.search(key)
        if m:
            factors.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = value.astype(np.float32)
    return {
        f"blk.{layer}.{HF_TO_GGUF[module]}.weight": scale * (ab["B"] @ ab["A"])
        for (layer, module), ab in factors.items()
    }


def field_int(reader, name: str) -> int:
    return int(reader.fields[name].contents())


def merge(gguf_path: Path, adapter: Path, out: Path) -> int:
    """Writes the merged GGUF; returns how many tensors took the adapter's update."""
    import gguf

    reader = gguf.GGUFReader(str(gguf_path))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    heads = field_int(reader, f"{arch}.attention.head_count")
    kv_heads = field_int(reader, f"{arch}.attention.head_count_kv")
    updates = adapter_updates(adapter)
    writer = gguf.GGUFWriter(str(out), arch=arch, endianess=reader.endianess)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    tensors = []
    for tensor in reader.tensors:
        data, kind = tensor.data, tensor.tensor_type
        if tensor.name in updates:
            update = updates.pop(tensor.name)
            if ".attn_q." in tensor.name or ".attn_k." in tensor.name:
                update = permute(update, heads if ".attn_q." in tensor.name else kv_heads)
            weights = gguf.quants.dequantize(data, kind).reshape(update.shape) + update
            kind = gguf.GGMLQuantizationType.Q8_0
            data = gguf.quants.quantize(weights.astype(np.float32), kind)
        tensors.append((tensor.name, data, kind))
    if updates:
        raise ValueError(f"the adapter updates tensors the GGUF lacks: {sorted(updates)[:3]}")
    for name, data, kind in tensors:
        writer.add_tensor_info(name, data.shape, data.dtype, data.nbytes, kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, data, _ in tensors:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    return sum(kind == gguf.GGMLQuantizationType.Q8_0 for _, _, kind in tensors)


def main() -> None:
    from agent.models.llm import TLDR_ADAPTER, bundled_gguf

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf", type=Path, default=None, help="default: the bundled SmolLM2 GGUF")
    parser.add_argument("--adapter", type=Path, default=TLDR_ADAPTER)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    count = merge(args.gguf or bundled_gguf(), args.adapter, args.out)
    print(f"{args.out}: {count} tensors merged")


if __name__ == "__main__":
    main()
