"""Training one table's network: validation split, early stopping, time budget, progress."""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from dbsynth.engines.neural.device import autocast, deterministic
from dbsynth.engines.neural.table_net import NetConfig, TableNet


@dataclass(frozen=True)
class TrainSettings:
    """Defaults that need no tuning on the shared datasets (Chinook, Northwind, Sakila)."""

    min_rows: int = 50  # smaller tables keep the copula draw: a network would only memorise them
    lr: float = 3e-3
    weight_decay: float = 1e-4
    max_epochs: int = 200
    patience: int = 8  # epochs without a better validation loss before stopping
    min_rows_for_validation: int = 40
    val_fraction: float = 0.1
    epochs_without_validation: int = 60
    max_steps: int = 6_000  # per table: bounds the time on big tables


@dataclass
class TrainResult:
    net: TableNet
    epochs: int
    val_loss: float | None
    train_loss: float
    seconds: float
    stopped: str  # early_stop | max_epochs | max_steps | time_budget

    def info(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "val_loss": self.val_loss, "train_loss": round(self.train_loss, 5),
                "seconds": round(self.seconds, 3), "stopped": self.stopped}


def batch_size(n: int) -> int:
    """About 20 steps per epoch, a power of two between 32 and 2048."""
    return int(np.clip(2 ** round(math.log2(max(n, 1) / 20)), 32, 2048))


def train_table(*, name: str, codes: np.ndarray, context: np.ndarray, config: NetConfig,
                device: torch.device, seed: int, budget_s: float | None,
                settings: TrainSettings = TrainSettings(),
                progress: Callable[[str], None] | None = None) -> TrainResult:
    """Fit a TableNet on (codes, context); returns the best-validation weights on the CPU."""
    start = time.perf_counter()
    rng = np.random.default_rng([seed, 17])
    order = rng.permutation(len(codes))
    n_val = int(round(settings.val_fraction * len(codes))) if len(codes) >= settings.min_rows_for_validation else 0
    val, train = order[:n_val], order[n_val:]
    with deterministic(device, seed=seed):
        net = TableNet(config).to(device)
        x = torch.as_tensor(codes, dtype=torch.long, device=device)
        c = torch.as_tensor(context, dtype=torch.float32, device=device)
        loop = _Loop(net=net, x=x, c=c, device=device, settings=settings, rng=rng)
        result = loop.run(train=train, val=val, start=start, budget_s=budget_s,
                          report=lambda e, v: progress and progress(
                              f"training {name} on {device.type}: epoch {e}, validation loss {v:.4f}"))
    result.net = result.net.to("cpu")
    result.seconds = time.perf_counter() - start
    return result


class _Loop:
    def __init__(self, *, net: TableNet, x: torch.Tensor, c: torch.Tensor, device: torch.device,
                 settings: TrainSettings, rng: np.random.Generator) -> None:
        self.net, self.x, self.c, self.device, self.s, self.rng = net, x, c, device, settings, rng
        self.opt = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        self.steps = 0

    def run(self, *, train: np.ndarray, val: np.ndarray, start: float, budget_s: float | None,
            report: Callable[[int, float], Any]) -> TrainResult:
        best, best_state, stale, loss = math.inf, None, 0, math.inf
        max_epochs = self.s.max_epochs if len(val) else self.s.epochs_without_validation
        stopped, epoch = "max_epochs", 0
        for epoch in range(1, max_epochs + 1):
            loss = self._epoch(train)
            score = self._evaluate(val) if len(val) else loss
            report(epoch, score)
            if score < best - 1e-4:
                best, stale = score, 0
                best_state = copy.deepcopy(self.net.state_dict())
            else:
                stale += 1
            stopped = self._stop_reason(stale, start, budget_s)
            if stopped:
                break
        if best_state is not None:
            self.net.load_state_dict(best_state)
        return TrainResult(net=self.net, epochs=epoch, val_loss=round(best, 5) if len(val) else None,
                           train_loss=loss, seconds=0.0, stopped=stopped or "max_epochs")

    def _stop_reason(self, stale: int, start: float, budget_s: float | None) -> str:
        if stale >= self.s.patience:
            return "early_stop"
        if self.steps >= self.s.max_steps:
            return "max_steps"
        if budget_s is not None and time.perf_counter() - start >= budget_s:
            return "time_budget"
        return ""

    def _epoch(self, train: np.ndarray) -> float:
        self.net.train()
        size = batch_size(len(train))
        perm = train[self.rng.permutation(len(train))]
        total, count = torch.zeros((), device=self.device), 0
        for i in range(0, len(perm), size):
            idx = torch.as_tensor(perm[i:i + size], device=self.device)
            with autocast(self.device):
                loss = self.net.loss(self.x[idx], self.c[idx])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.steps += 1
            # summed on the device: a float() per step would wait for the GPU every step
            total, count = total + loss.detach().float() * len(idx), count + len(idx)
        return float(total) / max(count, 1)

    @torch.no_grad()
    def _evaluate(self, val: np.ndarray) -> float:
        self.net.eval()
        total = 0.0
        for i in range(0, len(val), 8192):
            idx = torch.as_tensor(val[i:i + 8192], device=self.device)
            with autocast(self.device):
                total += float(self.net.loss(self.x[idx], self.c[idx])) * len(idx)
        return total / len(val)
