"""What both training scripts do the same way: pick the device, run under bf16 autocast on a GPU, take a step.

In: a requested device name, a model, a loss, an optimizer and its schedule. Out: the device to use, an autocast
context, and one optimizer step (gradients clipped to norm 1, then cleared).
"""

from __future__ import annotations


def pick_device(requested: str) -> str:
    import torch

    return requested if requested != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")


def autocast(device: str):
    """bf16 matmuls on a GPU over float32 master weights; plain float32 on a CPU."""
    import torch

    return torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=device != "cpu")


def optimizer_step(model, loss, optimizer, scheduler) -> None:
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
