"""The curriculum's state and the sampler that turns it into a stream of training examples.

The state is a short *history*: entries ``{position, fraction, version, stage}`` saying from which
sample position on which fraction of the documents (in which ordering version) is in use. The sampler
is a pure function of that history and the seed, so every process of a distributed run draws the same
sequence (accelerate then hands each process its own batches of it), and a resumed run - which
replays the sequence from its start to skip the batches already trained - sees exactly what the
uninterrupted run saw. Changes are recorded a few steps ahead of the current step, beyond what the
data loader has already drawn.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import asdict, dataclass, field

import numpy as np
from torch.utils.data import Sampler

from .pacing import CompetencePacing


@dataclass
class CurriculumState:
    history: list[dict] = field(default_factory=list)
    best_metric: float | None = None
    bad_evals: int = 0
    scorer: str = ""

    def entry_at(self, position: int) -> tuple[int, dict]:
        idx = bisect.bisect_right([h["position"] for h in self.history], position) - 1
        return idx, self.history[max(idx, 0)]

    @property
    def current(self) -> dict:
        return self.history[-1]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CurriculumState":
        return cls(**d)


class CurriculumSampler(Sampler[int]):
    """Indices from the easiest active fraction of the data, shuffled; ``num_samples`` of them in all."""

    def __init__(self, units, state: CurriculumState, num_samples: int, samples_per_step: int, seed: int,
                 pacing: CompetencePacing | None = None, total_steps: int = 1):
        self.units, self.state = units, state
        self.num_samples, self.samples_per_step = num_samples, samples_per_step
        self.seed, self.pacing, self.total_steps = seed, pacing, total_steps

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:  # one pass covers the whole run: nothing to reseed
        pass

    def fraction_at(self, position: int, entry: dict) -> float:
        if self.pacing is not None:
            return self.pacing.fraction(position // self.samples_per_step, self.total_steps)
        return entry["fraction"]

    def active_units(self, position: int, entry: dict) -> int:
        """How many units (the easiest first) are in the pool at a sample position."""
        n_docs = math.ceil(self.fraction_at(position, entry) * self.units.num_documents - 1e-9)
        return self.units.active_units(entry["version"], n_docs)

    def __iter__(self):
        key, start, perm, cycle = None, 0, None, -1
        for p in range(self.num_samples):
            idx, entry = self.state.entry_at(p)
            version, n_active = entry["version"], self.active_units(p, entry)
            if (idx, n_active) != key:  # a new segment: the pool changed
                key, start, cycle = (idx, n_active), p, -1
            i = p - start
            if i // n_active != cycle:
                cycle = i // n_active
                rng = np.random.default_rng([self.seed, idx, n_active, cycle])
                perm = rng.permutation(n_active)
            yield self.units.unit_index(version, int(perm[i % n_active]))
