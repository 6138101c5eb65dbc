"""The vocabulary curriculum (CLIMB): only the most frequent tokens are active at first.

Tokens are ranked by their frequency in the training documents (special tokens always active). At a
given active size ``k`` an inactive token becomes UNK in the inputs; as a target it becomes UNK too
(``label_mode="unk"``, CLIMB's choice) or is ignored (``"ignore"``: label -100). The mapping is applied
to whole optimizer-step batches before the Trainer counts the targets that normalise the loss.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .pacing import shape_value


class VocabularyCurriculum:
    def __init__(self, token_ids: list[np.ndarray], vocab_size: int, special_ids: list[int], unk_id: int | None,
                 start_fraction: float, label_mode: str = "unk"):
        if unk_id is None:
            raise ValueError("the vocabulary curriculum needs a tokenizer with an UNK token")
        counts = np.bincount(np.concatenate(token_ids).astype(np.int64) if token_ids else np.zeros(0, np.int64),
                             minlength=vocab_size).astype(np.float64)
        specials = sorted(set(special_ids) | {unk_id})
        counts[specials] = np.inf  # special tokens are never removed
        self.rank = np.argsort(-counts, kind="stable")
        self.num_specials, self.vocab_size = len(specials), vocab_size
        self.unk_id, self.start_fraction, self.label_mode = unk_id, start_fraction, label_mode
        self._table: tuple[int, torch.Tensor] | None = None

    def size_at(self, fraction: float) -> int:
        """Active tokens when ``fraction`` of the non-special vocabulary is in use (never below the start)."""
        fraction = min(max(fraction, self.start_fraction), 1.0)
        return self.num_specials + math.ceil(fraction * (self.vocab_size - self.num_specials) - 1e-9)

    def shape_fraction(self, shape: str, step: int, max_steps: int, start: float, end: float, steps: int) -> float:
        t = (step / max(max_steps, 1) - start) / max(end - start, 1e-9)
        return self.start_fraction + (1 - self.start_fraction) * shape_value(shape, t, steps)

    def _lookup(self, k: int) -> torch.Tensor:
        if self._table is None or self._table[0] != k:
            table = torch.full((self.vocab_size,), self.unk_id, dtype=torch.long)
            active = torch.from_numpy(self.rank[:k]).long()
            table[active] = active
            self._table = (k, table)
        return self._table[1]

    def apply(self, inputs: dict, k: int) -> dict:
        """``inputs`` with tokens outside the ``k`` active ones replaced (see the module docstring)."""
        if k >= self.vocab_size:
            return inputs
        table = self._lookup(k)
        inputs = dict(inputs)
        if "input_ids" in inputs:
            ids = inputs["input_ids"]
            inputs["input_ids"] = table.to(ids.device)[ids]
        if "labels" in inputs:
            labels = inputs["labels"]
            mapped = table.to(labels.device)[labels.clamp(min=0)]
            if self.label_mode == "ignore":
                mapped = torch.where(mapped == self.unk_id, torch.full_like(mapped, -100), mapped)
                mapped = torch.where(labels == self.unk_id, labels, mapped)  # a real UNK stays a target
            inputs["labels"] = torch.where(labels < 0, labels, mapped)
        return inputs
