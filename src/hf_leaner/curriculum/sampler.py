"""The curriculum sampler: the stream of training examples a curriculum defines.

The curriculum's state (:class:`~hf_leaner.curriculum.callback.CurriculumCallback`) holds a short
*history* of entries ``{position, fraction, version, stage}``: from sample ``position`` on, the easiest
``fraction`` of the documents of ordering ``version`` is in use. The sampler is a pure function of that
history, the orderings and the seed:

    position p ──> history entry in force at p ──> pool = easiest n units of that ordering
               ──> shuffled pass over the pool (seeded by entry, pool size and pass number) ──> unit

With ``sweeps`` (the folded order) the run is that many easy-to-hard sweeps instead: sweep ``c`` is a
seeded random draw of the pool, sorted easiest first and cut into consecutive difficulty windows, each
read in its own seeded random order. Sorted alone, a batch would be neighbouring blocks of the ordering:
a few documents, one narrow difficulty. Shuffled within windows, the sweep still climbs from easy to hard
window by window while each batch mixes the many documents of its window.

Every process of a distributed run draws the same global sequence (accelerate hands each process its
own batches of it) and a resumed run, which replays the sequence to skip what was trained, sees exactly
what the uninterrupted run saw. The sampler runs in the main process; DataLoader workers only read the
examples it names. It computes one optimizer step of samples at a time and records how far it got
(``drawn``): a schedule change is recorded at or beyond that point, never inside what was already drawn.

Units come from a *units* object with ``view(order)`` returning something with ``num_units(n_docs)`` and
``refs(unit_indices)``: :class:`RowUnits` for datasets of one example per document, and
:class:`hf_leaner.train.packing.PackedDocuments` for packed pretraining blocks.
"""

from __future__ import annotations

import bisect
import math
from typing import Callable

import numpy as np
from torch.utils.data import Sampler

from .pacing import CompetencePacing
from .scoring import Documents

# the folded order's difficulty windows: about this many per sweep, each at least this many optimizer steps
# of samples (so that a batch is a random share of a window, not the window's neighbouring blocks)
WINDOWS_PER_SWEEP = 20
MIN_WINDOW_STEPS = 4


class RowUnits:
    """The curriculum's view of a dataset with one example per document (e.g. SFT rows)."""

    def __init__(self, num_documents: int):
        self.num_documents = num_documents

    def view(self, order: np.ndarray) -> "RowOrder":
        return RowOrder(order)


class RowOrder:
    def __init__(self, order: np.ndarray):
        self.order = np.asarray(order, dtype=np.int64)

    def num_units(self, n_docs: int) -> int:
        return min(max(n_docs, 1), len(self.order))

    def refs(self, units: np.ndarray) -> list[int]:
        return self.order[units].tolist()


def units_and_documents(dataset, documents: Documents | None):
    """The curriculum's units and what its scorers read, for a packed dataset or one of rows with ``input_ids``."""
    if hasattr(dataset, "view") and hasattr(dataset, "documents"):  # packed blocks (hf_leaner.train.packing)
        return dataset, documents or dataset.documents
    if documents is None:
        if "input_ids" not in (getattr(dataset, "column_names", None) or []):
            raise ValueError("the curriculum needs token ids: pass a PackedDocuments, a dataset with an "
                             "'input_ids' column, or documents=Documents(...)")
        cols = {c: dataset[c] for c in dataset.column_names if c not in ("input_ids", "attention_mask", "labels")}
        documents = Documents([np.asarray(x) for x in dataset["input_ids"]], cols.get("text"), cols)
    return RowUnits(len(documents)), documents


def select_documents(dataset, ids: np.ndarray):
    """The examples of some documents (e.g. the held-out slice that drives the iterative pacing)."""
    if hasattr(dataset, "subset"):
        return dataset.subset(ids)
    if hasattr(dataset, "select"):
        return dataset.select(ids.tolist())
    from torch.utils.data import Subset

    return Subset(dataset, ids.tolist())


def numbered(refs, start: int):
    """Block references with their sample position in the run (what a position-seeded masking collator reads);
    row indices pass as they are."""
    for k, ref in enumerate(refs):
        yield ref._replace(position=start + k) if "position" in getattr(ref, "_fields", ()) else ref


class CurriculumSampler(Sampler):
    """``num_samples`` examples, ``samples_per_step`` per optimizer step, from the curriculum's active pool.

    ``get_state`` returns the curriculum's state object (``history``, ``orders``); it is called when
    iteration starts, because resuming a run swaps in the state restored from the checkpoint after the
    sampler was built.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> state = SimpleNamespace(orders=[np.arange(10)[::-1]],
    ...                         history=[{"position": 0, "fraction": 0.3, "version": 0, "stage": 0}])
    >>> sampler = CurriculumSampler(RowUnits(10), lambda: state, num_samples=6, samples_per_step=3, seed=0)
    >>> sorted(set(sampler))   # the easiest 30% of ordering 0: rows 9, 8, 7
    [7, 8, 9]
    """

    def __init__(self, units, get_state: Callable, num_samples: int, samples_per_step: int, seed: int,
                 pacing: CompetencePacing | None = None, total_steps: int = 1, sweeps: int | None = None):
        self.units, self.get_state, self.sweeps = units, get_state, sweeps
        self.num_samples, self.samples_per_step = num_samples, samples_per_step
        self.seed, self.pacing, self.total_steps = seed, pacing, total_steps
        self.drawn = 0  # sample positions computed so far by the current iteration
        self._views: dict[int, object] = {}

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:  # one pass covers the whole run: nothing to reseed
        pass

    def view(self, state, version: int):
        if version not in self._views:  # orderings never change once made: build each view once
            self._views[version] = self.units.view(state.orders[version])
        return self._views[version]

    def fraction_at(self, position: int, entry: dict) -> float:
        return fraction_in_force(self.pacing, entry, position // self.samples_per_step, self.total_steps)

    def pool_size(self, state, position: int, entry: dict) -> int:
        """How many units (easiest first) are in the pool at a sample position."""
        order = state.orders[entry["version"]]
        n_docs = math.ceil(self.fraction_at(position, entry) * len(order) - 1e-9)
        return self.view(state, entry["version"]).num_units(n_docs)

    def __iter__(self):
        state = self.get_state()
        self.drawn = 0
        key, seg_start, cycle, perm = None, 0, -1, None
        for step_start in range(0, self.num_samples, self.samples_per_step):
            positions = [h["position"] for h in state.history]  # the history may grow while we iterate
            idx = max(bisect.bisect_right(positions, step_start) - 1, 0)
            entry = state.history[idx]
            n = self.pool_size(state, step_start, entry)
            if (idx, n) != key:  # a new segment: the pool changed, passes restart
                key, seg_start, cycle = (idx, n), step_start, -1
            count = min(self.samples_per_step, self.num_samples - step_start)
            if self.sweeps:
                self.drawn = step_start + count
                yield from numbered(self.view(state, entry["version"]).refs(self._sweep_units(idx, n, step_start,
                                                                                             count)), step_start)
                continue
            i = np.arange(step_start - seg_start, step_start - seg_start + count)
            passes = i // n
            units = np.empty(count, dtype=np.int64)
            for c in range(int(passes[0]), int(passes[-1]) + 1):  # usually one pass, two at a boundary
                if c != cycle:
                    cycle, perm = c, np.random.default_rng([self.seed, idx, n, c]).permutation(n)
                mask = passes == c
                units[mask] = perm[i[mask] % n]
            self.drawn = step_start + count
            yield from numbered(self.view(state, entry["version"]).refs(units), step_start)

    def _sweep_units(self, idx: int, n: int, start: int, count: int) -> np.ndarray:
        """The units at positions ``start ...`` of the folded order: each sweep reads a seeded draw of the
        pool (passes without replacement, as many as the sweep needs) sorted easiest first, then shuffled
        within consecutive windows of :meth:`sweep_window` positions."""
        length = self.sweep_length
        out = np.empty(count, dtype=np.int64)
        for k, position in enumerate(range(start, start + count)):
            sweep = position // length
            if getattr(self, "_sweep_key", None) != (idx, n, sweep):
                self._sweep_key, self._sweep = (idx, n, sweep), self._sweep_order(idx, n, sweep)
            out[k] = self._sweep[position - sweep * length]
        return out

    @property
    def sweep_length(self) -> int:
        return math.ceil(self.num_samples / self.sweeps)

    @property
    def sweep_window(self) -> int:
        """Positions per difficulty window of a sweep."""
        window = max(math.ceil(self.sweep_length / WINDOWS_PER_SWEEP), MIN_WINDOW_STEPS * self.samples_per_step)
        return min(window, self.sweep_length)

    def _sweep_order(self, idx: int, n: int, sweep: int) -> np.ndarray:
        # a pure function of (seed, history entry, pool size, sweep): a resumed run replays it exactly
        length, window = self.sweep_length, self.sweep_window
        rng = np.random.default_rng([self.seed, idx, n, sweep, 17])
        draw = np.sort(np.concatenate([rng.permutation(n) for _ in range(math.ceil(length / n))])[:length])
        for a in range(0, length, window):
            draw[a:a + window] = rng.permutation(draw[a:a + window])
        return draw


def fraction_in_force(pacing: CompetencePacing | None, entry: dict, step: int, total_steps: int) -> float:
    """The fraction of the ordered documents in use at optimizer ``step``: the competence function's, or the
    iterative history entry's (the one definition the sampler and the trainer's status share)."""
    return pacing.fraction(step, total_steps) if pacing is not None else entry["fraction"]
