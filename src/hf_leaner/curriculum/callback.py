"""``CurriculumCallback``: the one owner of a curriculum's changing state, saved in every checkpoint.

It is shaped like transformers' ``EarlyStoppingCallback``: constructor arguments are JSON settings, the
evolving counters are attributes, and ``state()`` exports both into ``trainer_state.json`` (key: the class
name, so keep it). The iterative schedule lives here too: where early stopping stops after ``patience``
evaluations without improvement, the curriculum *grows the data* instead.

The orderings and scores are arrays, too large for JSON: the trainer writes them to a sidecar
``curriculum_orders.npz`` in the checkpoint folder before the Trainer writes the rest, and records the
sidecar's digest here; on resume the digest and the run's fingerprint (data, tokenizer, model,
curriculum settings) are checked before a single example is drawn.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState

SIDECAR = "curriculum_orders.npz"


class CurriculumCallback(TrainerCallback, ExportableState):
    """History of stages, orderings and scores, and the iterative schedule's counters.

    Args:
        patience: evaluations without improvement before the data grows (iterative pacing).
        threshold: the smallest improvement that counts (see ``threshold_mode``).
        threshold_mode: ``"abs"`` (loss must drop by ``threshold``) or ``"rel"`` (by ``threshold`` x best).
        increment: fraction of the documents added at each growth.
        max_fraction: the data never grows beyond this fraction.
        max_steps_per_stage: grow anyway once a stage has lasted this many optimizer steps (None: never).
    """

    def __init__(self, patience: int = 1, threshold: float = 0.0, threshold_mode: str = "abs",
                 increment: float = 0.05, max_fraction: float = 1.0, max_steps_per_stage: int | None = None):
        self.patience, self.threshold, self.threshold_mode = patience, threshold, threshold_mode
        self.increment, self.max_fraction, self.max_steps_per_stage = increment, max_fraction, max_steps_per_stage
        # evolving state (JSON)
        self.history: list[dict] = []  # {position, fraction, version, stage, step}
        self.best_metric: float | None = None
        self.bad_evals = 0
        self.last_eval_step = -1
        self.scorer = ""
        self.fingerprint: dict = {}
        self.sidecar_digest = ""
        # evolving state (arrays, in the sidecar)
        self.orders: list[np.ndarray] = []
        self.scores: dict[int, np.ndarray] = {}

    def state(self) -> dict:
        return {"args": {"patience": self.patience, "threshold": self.threshold, "threshold_mode": self.threshold_mode,
                         "increment": self.increment, "max_fraction": self.max_fraction,
                         "max_steps_per_stage": self.max_steps_per_stage},
                "attributes": {"history": self.history, "best_metric": self.best_metric, "bad_evals": self.bad_evals,
                               "last_eval_step": self.last_eval_step, "scorer": self.scorer,
                               "fingerprint": self.fingerprint, "sidecar_digest": self.sidecar_digest}}

    # ------------------------------------------------------------------ history
    @property
    def current(self) -> dict:
        return self.history[-1]

    def entry_at(self, position: int) -> dict:
        for entry in reversed(self.history):
            if entry["position"] <= position:
                return entry
        return self.history[0]

    def add_order(self, order: np.ndarray, scores: np.ndarray | None = None) -> int:
        self.orders.append(np.asarray(order, dtype=np.int64))
        if scores is not None:
            self.scores[len(self.orders) - 1] = np.asarray(scores, dtype=np.float64)
        return len(self.orders) - 1

    def start(self, fraction: float, version: int, scorer: str) -> None:
        self.history = [{"position": 0, "fraction": fraction, "version": version, "stage": 0, "step": 0}]
        self.best_metric, self.bad_evals, self.last_eval_step, self.scorer = None, 0, -1, scorer

    def advance(self, position: int, fraction: float, version: int, stage: int, step: int) -> None:
        """A new stage from sample ``position`` on; improvement is judged afresh within it."""
        self.history.append({"position": int(position), "fraction": round(float(fraction), 6), "version": int(version),
                             "stage": int(stage), "step": int(step)})
        self.best_metric, self.bad_evals = None, 0

    # ------------------------------------------------------------------ the iterative schedule
    def wants_more_data(self, metric: float, step: int) -> bool:
        """Record one curriculum evaluation; True when the data should grow."""
        self.last_eval_step = step
        best = self.best_metric
        margin = self.threshold * abs(best) if (best is not None and self.threshold_mode == "rel") else self.threshold
        if best is None or metric < best - margin:
            self.best_metric, self.bad_evals = float(metric), 0
        else:
            self.bad_evals += 1
        if self.current["fraction"] >= self.max_fraction:
            return False
        stale = self.max_steps_per_stage is not None and step - self.current["step"] >= self.max_steps_per_stage
        return self.bad_evals >= self.patience or stale

    def next_fraction(self) -> float:
        return min(self.max_fraction, self.current["fraction"] + self.increment)

    # ------------------------------------------------------------------ sidecar
    def save_arrays(self, folder: str | Path) -> None:
        arrays = {f"order_{v}": o for v, o in enumerate(self.orders)}
        arrays.update({f"scores_{v}": s for v, s in self.scores.items()})
        np.savez(Path(folder) / SIDECAR, **arrays)
        self.sidecar_digest = _digest(arrays)

    def load_arrays(self, folder: str | Path) -> None:
        path = Path(folder) / SIDECAR
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; this checkpoint holds the curriculum's history but not its "
                                    "orderings (its save was interrupted or the file was removed)")
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        if _digest(arrays) != self.sidecar_digest:
            raise ValueError(f"{path}: does not match the curriculum state in trainer_state.json (digest differs); "
                             "the checkpoint folder mixes files of two saves")
        n = sum(k.startswith("order_") for k in arrays)
        self.orders = [arrays[f"order_{v}"] for v in range(n)]
        self.scores = {int(k.split("_")[1]): v for k, v in arrays.items() if k.startswith("scores_")}


def _digest(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()
