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
from typing import Callable

# ------------------------------------------------------------------------------------------ the shape registry

PACING_SHAPES: dict[str, Callable[[float, int, float], float]] = {}  # name -> progress(t, steps, sharpness)
SCHEDULES = ("none", "iterative")  # the pacings that are not shapes: no curriculum, and TinyHelen's iterative one


def register_pacing(name: str):
    """Register a competence shape: ``fn(t, steps, sharpness)`` maps normalised time in [0, 1] to progress in
    [0, 1]. It becomes a ``pacing`` (and ``vocab_curriculum``) value like the built-in ones.

        @register_pacing("cubic")
        def cubic(t, steps, sharpness):
            return t ** 3
    """
    def wrap(fn):
        PACING_SHAPES[name] = fn
        return fn
    return wrap


class _PacingNames:
    """A live, read-only view of the pacing names: ``SCHEDULES`` then every registered shape."""

    def __iter__(self):
        return iter((*SCHEDULES, *PACING_SHAPES))

    def __contains__(self, name) -> bool:
        return name in SCHEDULES or name in PACING_SHAPES

    def __len__(self) -> int:
        return len(SCHEDULES) + len(PACING_SHAPES)

    def __repr__(self) -> str:
        return repr(tuple(self))


SHAPES = PACING_SHAPES.keys()  # live views of the registry
PACINGS = _PacingNames()


def shape_value(shape: str, t: float, steps: int = 5, sharpness: float = 5.0) -> float:
    """Progress in [0, 1] of a pacing shape at normalised time ``t`` in [0, 1]."""
    if shape not in PACING_SHAPES:
        raise ValueError(f"pacing shape {shape!r}: choose one of {', '.join(SHAPES)}")
    return PACING_SHAPES[shape](min(max(t, 0.0), 1.0), steps, sharpness)


@register_pacing("linear")
def _linear(t, steps, sharpness):
    return t


@register_pacing("quadratic")
def _quadratic(t, steps, sharpness):
    return t * t


@register_pacing("root")
def _root(t, steps, sharpness):
    return math.sqrt(t)


@register_pacing("exponential")
def _exponential(t, steps, sharpness):  # slow start, fast finish
    return math.expm1(sharpness * t) / math.expm1(sharpness)


@register_pacing("logarithmic")
def _logarithmic(t, steps, sharpness):  # fast start, slow finish
    return math.log1p(sharpness * t) / math.log1p(sharpness)


@register_pacing("step")
def _step(t, steps, sharpness):  # `steps` equal plateaus, the last reached at t = 1
    return math.floor(t * steps) / steps


# ------------------------------------------------------------------------------------------ competence pacing


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
