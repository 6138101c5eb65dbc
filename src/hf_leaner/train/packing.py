"""Documents packed into fixed-size training blocks, in any document order.

Pretraining packs documents end to end (a separator token after each) and cuts the stream into blocks of
``block_size`` tokens. A curriculum wants the *easiest documents first*, so the stream is cut in
difficulty order: the easiest ``f`` of the documents are then a prefix of the blocks.

The dataset itself never changes. An ordering is a :class:`PackedOrder` - a view that the curriculum
sampler builds in the main process - and the sampler yields :class:`BlockRef` values (which documents,
from which offset) that any DataLoader worker resolves with the token arrays it already holds. So a
re-scored order made mid-run (self-loss) needs nothing from workers that started before it existed.
An integer index reads block ``i`` of the corpus order (evaluation sets, plain use).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from transformers import DataCollatorForLanguageModeling, DataCollatorForPermutationLanguageModeling

from hf_leaner.curriculum.scoring import Documents


class BlockRef(NamedTuple):
    """A block of an ordering: the stream of ``docs`` (each followed by its separator) from ``start`` on; the
    curriculum's sampler also says at which sample ``position`` of the run it is drawn (-1: not drawn by one)."""

    docs: tuple[int, ...]
    start: int
    position: int = -1


class PackedOrder:
    """The documents of ``order`` (a subset of the corpus, in that order) cut into blocks."""

    def __init__(self, packed: "PackedDocuments", order: np.ndarray):
        self.order = np.asarray(order, dtype=np.int64)
        self.body = packed.body
        self.lengths = packed.lengths[self.order]
        self.cum = np.cumsum(self.lengths)  # end of each document in the stream

    @property
    def num_documents(self) -> int:
        return len(self.order)

    def num_units(self, n_docs: int) -> int:
        """Blocks made only of the first ``n_docs`` documents (at least one)."""
        n_docs = min(max(n_docs, 1), len(self.order))
        return max(int(self.cum[n_docs - 1]) // self.body, 1)

    def refs(self, blocks: np.ndarray) -> list[BlockRef]:
        starts = np.asarray(blocks, dtype=np.int64) * self.body
        first = np.searchsorted(self.cum, starts, side="right")
        last = np.searchsorted(self.cum, starts + self.body - 1, side="right")
        offset = starts - (self.cum[first] - self.lengths[first])
        order = self.order
        return [BlockRef(tuple(order[f:l + 1].tolist()), int(o)) for f, l, o in zip(first, last, offset)]


class PackedDocuments(torch.utils.data.Dataset):
    """Immutable token store: ``dataset[BlockRef]`` or ``dataset[i]`` (block ``i`` of the corpus order)."""

    def __init__(self, documents: Documents, block_size: int, separator_id: int, prefix_id: int | None = None):
        if block_size < 8:
            raise ValueError(f"block_size={block_size} is too small")
        self.documents = documents
        self.block_size = block_size
        self.separator_id, self.prefix_id = separator_id, prefix_id
        self.body = block_size - (prefix_id is not None)  # tokens of text per block
        sep = np.array([separator_id], dtype=np.int32)
        pieces = [np.concatenate([np.asarray(t, dtype=np.int32), sep]) for t in documents.token_ids]
        self.lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
        if int(self.lengths.sum()) < self.body:
            raise ValueError(f"the documents hold {int(self.lengths.sum())} tokens, fewer than one block of {self.body}")
        self.corpus_order = PackedOrder(self, np.arange(len(pieces)))

    # ------------------------------------------------------------------ the curriculum's view
    @property
    def num_documents(self) -> int:
        return len(self.lengths)

    def view(self, order: np.ndarray) -> PackedOrder:
        return PackedOrder(self, order)

    def subset(self, doc_ids) -> "PackedDocuments":
        """A packed dataset of some documents only (e.g. the curriculum's held-out evaluation slice)."""
        ids = [int(i) for i in doc_ids]
        docs = Documents([self.documents.token_ids[i] for i in ids],
                         [self.documents.texts[i] for i in ids] if self.documents.texts else None,
                         {k: [v[i] for i in ids] for k, v in self.documents.columns.items()})
        return PackedDocuments(docs, self.block_size, self.separator_id, self.prefix_id)

    # ------------------------------------------------------------------ torch Dataset
    def __len__(self) -> int:
        return self.corpus_order.num_units(self.num_documents)

    def block(self, ref: BlockRef) -> np.ndarray:
        parts, need, skip = [], self.body, ref.start
        for doc in ref.docs:
            piece = self.flat[self.offsets[doc] + skip: self.offsets[doc] + self.lengths[doc]][:need]
            parts.append(piece)
            need -= len(piece)
            skip = 0
        ids = np.concatenate(parts)
        if self.prefix_id is not None:
            ids = np.concatenate([[self.prefix_id], ids])
        return ids

    def __getitem__(self, index: int | BlockRef) -> dict:
        position = index.position if isinstance(index, BlockRef) else int(index)
        if not isinstance(index, BlockRef):
            index = self.corpus_order.refs(np.array([int(index)]))[0]
        return {"input_ids": torch.from_numpy(self.block(index).astype(np.int64)), "position": position}


class CausalBlockCollator:
    """Stacks packed blocks; labels are the inputs (the model shifts them). No padding exists in packed blocks,
    so EOS separators are kept as targets: the model learns where documents end."""

    def __call__(self, examples):
        ids = torch.stack([e["input_ids"] for e in examples])
        return {"input_ids": ids, "labels": ids.clone()}


class PositionSeededCollator:
    """A masking collator (MLM, PLM) whose random choices for a block are a function of (seed, the block's sample
    position) alone: a resumed run masks every block as the uninterrupted run did, whatever the data loader had
    prefetched when the checkpoint was written, and the training RNG (dropout) is not consumed by masking."""

    def __init__(self, base, seed: int = 0):
        self.base, self.seed = base, seed

    def __call__(self, examples):
        parts = []
        for e in examples:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed((self.seed * 1_000_003 + int(e.get("position", -1)) + 1) % (2 ** 63))
                parts.append(self.base([{"input_ids": e["input_ids"]}]))
        return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def make_collator(objective: str, tokenizer, seed: int = 0):
    if objective == "clm":
        return CausalBlockCollator()
    if objective == "mlm":
        base = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=0.15)
    else:
        base = DataCollatorForPermutationLanguageModeling(tokenizer, plm_probability=1 / 6, max_span_length=5)
    return PositionSeededCollator(base, seed)
