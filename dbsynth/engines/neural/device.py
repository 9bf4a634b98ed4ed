"""Where the neural engine trains: `auto` (CUDA when present), `cpu` or `cuda[:N]`."""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Iterator

import torch

from dbsynth.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(requested: str) -> torch.device:
    """The torch device for `requested`; ConfigError when CUDA is asked for and absent."""
    name = (requested or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {requested}: no CUDA GPU is available to PyTorch",
                              hint="use --device cpu (or auto), or install a CUDA build of torch")
        try:
            return torch.device(name)
        except RuntimeError as exc:
            raise ConfigError(f"--device {requested!r} is not a valid device", hint="e.g. cuda or cuda:0") from exc
    raise ConfigError(f"unknown device {requested!r}", hint=f"one of: {', '.join(DEVICES)}")


def describe(device: torch.device) -> str:
    """Human-readable device name, e.g. 'cuda:0 (NVIDIA H100 80GB HBM3)' or 'cpu (1 thread, deterministic)'."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)}, bf16 autocast)"
    return "cpu (1 thread, deterministic)"  # see `deterministic`


def autocast(device: torch.device) -> AbstractContextManager[object]:
    """bfloat16 mixed precision on GPU (no loss scaling needed); full precision on CPU."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return nullcontext()


@contextmanager
def deterministic(device: torch.device, *, seed: int) -> Iterator[None]:
    """Seeded, deterministic kernels; one CPU thread so reductions add up in one order."""
    threads = torch.get_num_threads()
    was = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was)
        torch.set_num_threads(threads)
