"""Documents packed into fixed-size training blocks, in any document order.

Pretraining packs documents end to end (with a separator token between them) and cuts the stream into
blocks of ``block_size`` tokens. A curriculum needs the *easiest documents first*, so the blocks are
packed in difficulty order: the easiest ``f`` of the documents are then a prefix of the blocks. When
the order changes (self-loss re-scoring), a new *version* of the packing is added; older versions
stay addressable, so a resumed run replays exactly the blocks the original run saw. Dataset index
``version * stride + block`` selects a block of a version.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import DataCollatorForLanguageModeling, DataCollatorForPermutationLanguageModeling

from hf_leaner.curriculum.scoring import Documents


class PackedDocuments(torch.utils.data.Dataset):
    def __init__(self, documents: Documents, block_size: int, separator_id: int, prefix_id: int | None = None):
        if block_size < 8:
            raise ValueError(f"block_size={block_size} is too small")
        self.documents = documents
        self.block_size = block_size
        self.prefix_id = prefix_id
        self.body = block_size - (prefix_id is not None)  # tokens of text per block
        sep = np.array([separator_id], dtype=np.int32)
        pieces = [np.concatenate([np.asarray(t, dtype=np.int32), sep]) for t in documents.token_ids]
        self.lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]) if len(pieces) else np.zeros(0, np.int64)
        self.flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
        self.stride = max(int(self.lengths.sum()) // self.body, 1)
        if int(self.lengths.sum()) < self.body:
            raise ValueError(f"the documents hold {int(self.lengths.sum())} tokens, fewer than one block of {self.body}")
        self.orders: list[np.ndarray] = []
        self._cum: list[np.ndarray] = []
        self.add_order(np.arange(len(pieces)))  # version 0: the corpus order

    # ------------------------------------------------------------------ the curriculum's view ("units")
    @property
    def num_documents(self) -> int:
        return len(self.lengths)

    def add_order(self, order: np.ndarray) -> int:
        order = np.asarray(order, dtype=np.int64)
        if sorted(order.tolist()) != list(range(self.num_documents)):
            raise ValueError("an order must be a permutation of the documents")
        self.orders.append(order)
        self._cum.append(np.cumsum(self.lengths[order]))
        return len(self.orders) - 1

    def reset_orders(self, orders: list[np.ndarray]) -> None:
        self.orders, self._cum = [], []
        for order in orders:
            self.add_order(order)

    def active_units(self, version: int, n_docs: int) -> int:
        """Blocks made only of the first ``n_docs`` documents of ``version`` (at least one)."""
        n_docs = min(max(n_docs, 1), self.num_documents)
        return max(int(self._cum[version][n_docs - 1]) // self.body, 1)

    def unit_index(self, version: int, i: int) -> int:
        return version * self.stride + i

    # ------------------------------------------------------------------ torch Dataset
    def __len__(self) -> int:
        return self.stride

    def block(self, version: int, b: int) -> np.ndarray:
        order, cum = self.orders[version], self._cum[version]
        start, end = b * self.body, (b + 1) * self.body
        first = int(np.searchsorted(cum, start, side="right"))
        last = int(np.searchsorted(cum, end - 1, side="right"))
        parts = []
        for k in range(first, last + 1):
            doc = order[k]
            doc_start = cum[k] - self.lengths[doc]
            s, e = max(start, doc_start) - doc_start, min(end, cum[k]) - doc_start
            parts.append(self.flat[self.offsets[doc] + s: self.offsets[doc] + e])
        ids = np.concatenate(parts)
        if self.prefix_id is not None:
            ids = np.concatenate([[self.prefix_id], ids])
        return ids

    def __getitem__(self, index: int) -> dict:
        version, b = divmod(int(index), self.stride)
        return {"input_ids": torch.from_numpy(self.block(version, b).astype(np.int64))}


class RowUnits:
    """The curriculum's view of a plain dataset (one example per document, e.g. for SFT): orders over rows."""

    def __init__(self, n: int):
        self.num_documents = n
        self.orders = [np.arange(n)]

    def add_order(self, order: np.ndarray) -> int:
        self.orders.append(np.asarray(order, dtype=np.int64))
        return len(self.orders) - 1

    def reset_orders(self, orders: list[np.ndarray]) -> None:
        self.orders = [np.asarray(o, dtype=np.int64) for o in orders]

    def active_units(self, version: int, n_docs: int) -> int:
        return min(max(n_docs, 1), self.num_documents)

    def unit_index(self, version: int, i: int) -> int:
        return int(self.orders[version][i])


class CausalBlockCollator:
    """Stacks packed blocks; labels are the inputs (the model shifts them). No padding exists in packed blocks,
    so EOS separators are kept as targets: the model learns where documents end."""

    def __call__(self, examples):
        ids = torch.stack([e["input_ids"] for e in examples])
        return {"input_ids": ids, "labels": ids.clone()}


def make_collator(objective: str, tokenizer):
    if objective == "clm":
        return CausalBlockCollator()
    if objective == "mlm":
        return DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=0.15)
    return DataCollatorForPermutationLanguageModeling(tokenizer, plm_probability=1 / 6, max_span_length=5)
