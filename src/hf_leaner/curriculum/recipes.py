"""Warm-up recipes that published small-scale work finds make ordered data pay off.

* **Curriculum as a warm-up** (``full_data_by``): all the data is in use early in the run, then sampling
  is plain random; the competence pacings end there, and the iterative pacing grows at least as fast as
  evenly spread stages would, so it gets there on the same step.
* **Sequence-length warm-up** (``seq_len_start``): short sequences first (Li et al., NeurIPS 2022; DeepSpeed's
  ``seqlen_truncate``). Each block is truncated to the scheduled length, which grows linearly to the full block
  by ``seq_len_end`` of the run; it works for every family because every tensor of the collated batch is cut
  on its sequence dimensions (XLNet's permutation masks included).
* **A learning-rate schedule that keeps the gain**: with ``warmup_stable_decay`` the rate stays flat and only
  the last ``decay_fraction`` of the run decays, instead of spending the lowest rate on the hardest data.
* **Weight averaging** (``average_last``): the final model is the mean of the last snapshots.
"""

from __future__ import annotations

import math

import torch
from transformers import TrainerCallback


def sequence_length_at(step: int, max_steps: int, start: int, end_fraction: float, full: int) -> int:
    """The scheduled sequence length at ``step``: ``start`` growing linearly to ``full`` by ``end_fraction``."""
    progress = min(step / max(end_fraction * max_steps, 1e-9), 1.0)
    length = start + (full - start) * progress
    return min(full, max(start, int(length // 8) * 8))  # multiples of 8 keep kernels happy


def truncate_batch(batch: dict, length: int) -> dict:
    """Every tensor of a collated batch cut to ``length`` on each dimension (after the first) that has the
    batch's full sequence length."""
    full = batch["input_ids"].shape[1]
    if length >= full:
        return batch
    out = {}
    for key, value in batch.items():
        if torch.is_tensor(value) and value.dim() >= 2:
            index = tuple([slice(None)] + [slice(0, length) if d == full else slice(None) for d in value.shape[1:]])
            value = value[index].contiguous()
        out[key] = value
    return out


def warmup_floor(step: int, max_steps: int, full_data_by: float, start_fraction: float, increment: float) -> float:
    """The least fraction of the data in use at ``step`` when all of it must be in use by ``full_data_by`` of the
    run: the iterative stages, spread evenly over that time (the schedule may grow faster, never slower)."""
    t = min(step / max(full_data_by * max_steps, 1e-9), 1.0)
    if t >= 1.0:
        return 1.0
    stages = math.floor(t * (1 - start_fraction) / increment + 1e-9)
    return min(1.0, round(start_fraction + stages * increment, 6))


class WeightAveragingCallback(TrainerCallback):
    """Keeps copies of the weights at the last ``last`` snapshot points, ``every`` steps apart, ending at the final
    step; the trainer loads their mean into the model when training ends. Snapshots live in memory (tiny
    models): a run resumed inside the averaging window averages the snapshots taken after the resume."""

    def __init__(self, last: int, every: int | None = None):
        self.last, self.every, self.snapshots = last, every, []

    def on_step_end(self, args, state, control, model=None, **kwargs):
        every = self.every or max(1, args.max_steps // 20)
        remaining = args.max_steps - state.global_step
        if remaining % every == 0 and remaining < self.last * every and model is not None:
            self.snapshots.append({k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()})

    def average_into(self, model) -> int:
        if not self.snapshots:
            return 0
        current = model.state_dict()
        mean = {k: torch.stack([s[k] for s in self.snapshots]).mean(0).to(current[k].dtype) for k in self.snapshots[0]}
        model.load_state_dict(mean)
        return len(self.snapshots)
