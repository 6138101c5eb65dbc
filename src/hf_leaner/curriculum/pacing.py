"""Pacing: how much of the easy-to-hard ordered data is in use as training goes on.

Two kinds:

* **iterative** (TinyHelen): start with the easiest ``start_fraction`` of documents; after every
  evaluation, if the eval loss has not improved by more than ``threshold`` for ``patience`` evaluations,
  add the next ``increment``. Driven by evaluations, so it lives in the trainer's evaluation hook.
* **competence functions** (CLIMB): the fraction is a fixed function of the training step. Between
  ``start`` and ``end`` (fractions of the run) it rises from ``initial`` to ``maximum`` along
  ``linear``, ``quadratic``, ``root``, ``exponential``, ``logarithmic`` or ``step`` shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SHAPES = ("linear", "quadratic", "root", "exponential", "logarithmic", "step")
PACINGS = ("none", "iterative") + SHAPES


def shape_value(shape: str, t: float, steps: int = 5, sharpness: float = 5.0) -> float:
    """Progress in [0, 1] of a pacing shape at normalised time ``t`` in [0, 1]."""
    t = min(max(t, 0.0), 1.0)
    if shape == "linear":
        return t
    if shape == "quadratic":
        return t * t
    if shape == "root":
        return math.sqrt(t)
    if shape == "exponential":  # slow start, fast finish
        return math.expm1(sharpness * t) / math.expm1(sharpness)
    if shape == "logarithmic":  # fast start, slow finish
        return math.log1p(sharpness * t) / math.log1p(sharpness)
    if shape == "step":  # `steps` equal plateaus, the last reached at t = 1
        return math.floor(t * steps) / steps
    raise ValueError(f"pacing shape {shape!r}: choose one of {', '.join(SHAPES)}")


@dataclass(frozen=True)
class CompetencePacing:
    shape: str = "linear"
    initial: float = 0.05
    maximum: float = 1.0
    start: float = 0.0  # fraction of training where growth starts
    end: float = 0.8  # ... and where it reaches `maximum`
    steps: int = 5  # plateaus of the "step" shape
    quantum: float = 0.005  # the fraction moves in these increments, so the sampler reshuffles at most 1/quantum times

    def fraction(self, step: int, total_steps: int) -> float:
        span = max(self.end - self.start, 1e-9)
        t = (step / max(total_steps, 1) - self.start) / span
        f = self.initial + (self.maximum - self.initial) * shape_value(self.shape, t, self.steps)
        return min(self.maximum, math.floor(f / self.quantum + 1e-9) * self.quantum) if f < self.maximum else self.maximum
