"""``CurriculumTrainer``: a ``transformers.Trainer`` that feeds data easy-to-hard, with ``CurriculumConfig``.

Everything goes through the Trainer's documented hooks; the training loop is the Trainer's own:

* ``_get_train_sampler`` returns a :class:`CurriculumSampler` over the active (easiest) part of the data;
* ``evaluate`` drives the *iterative* schedule (grow the data when eval loss stops improving);
* ``compute_loss`` applies the vocabulary curriculum (inactive tokens become UNK);
* ``log`` adds the stage, the fraction of data in use and the difficulty threshold;
* a callback saves the curriculum state into every checkpoint, and ``train(resume_from_checkpoint=...)``
  restores it, so a resumed run continues exactly where the uninterrupted one would be.

The same behaviour mixes into trl's ``SFTTrainer`` (:class:`CurriculumSFTTrainer`). Difficulty comes from
a scorer of :mod:`hf_leaner.curriculum.scoring`; a subclass may define ``score_<name>(self, docs)`` to
replace one.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import Trainer, TrainerCallback, TrainingArguments
from transformers.trainer_utils import get_last_checkpoint

from .pacing import PACINGS, SHAPES, CompetencePacing, shape_value
from .sampler import CurriculumSampler, CurriculumState
from .scoring import SCORERS, Documents, get_scorer, sequence_losses

# the Rust tokenizer has run in this process before the data loader may fork workers: keep it single-threaded there
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

STATE_FILE = "curriculum_state.json"
ORDERS_FILE = "curriculum_orders.npz"


@dataclass
class CurriculumArguments:
    """The curriculum's settings; mixed into ``TrainingArguments`` (``CurriculumConfig``) or trl's ``SFTConfig``."""

    difficulty: str = field(default="random", metadata={"help": "difficulty scorer: random, sentence_length, "
                            "unigram_perplexity, bigram_perplexity, self_loss, lm_loss, genre, column, or a registered one"})
    difficulty_reverse: bool = field(default=False, metadata={"help": "hard-first order"})
    pacing: str = field(default="iterative", metadata={"help": f"one of {', '.join(PACINGS)}"})
    start_fraction: float = field(default=0.05, metadata={"help": "fraction of documents in use at the start"})
    increment: float = field(default=0.05, metadata={"help": "iterative: fraction added at each stage; "
                             "competence pacing: stage size (self-loss re-scoring)"})
    patience: int = field(default=1, metadata={"help": "iterative: evaluations without improvement before growing"})
    threshold: float = field(default=0.0, metadata={"help": "iterative: an eval loss drop smaller than this is no improvement"})
    max_fraction: float = field(default=1.0)
    pacing_start: float = field(default=0.0, metadata={"help": "competence pacing: fraction of the run where growth starts"})
    pacing_end: float = field(default=0.8, metadata={"help": "competence pacing: fraction of the run where it ends"})
    pacing_steps: int = field(default=5, metadata={"help": "plateaus of the 'step' pacing"})
    vocab_curriculum: str | None = field(default=None, metadata={"help": "None (off), 'data' (follow the data "
                                         f"fraction) or a pacing shape ({', '.join(SHAPES)})"})
    vocab_start_fraction: float = field(default=0.1, metadata={"help": "share of the (non-special) vocabulary active at first"})
    reference_model: str | None = field(default=None, metadata={"help": "lm_loss: local path of the reference causal LM"})
    difficulty_column: str | None = field(default=None, metadata={"help": "column with precomputed difficulty"})
    genre_order: list[str] | None = field(default=None, metadata={"help": "genre difficulty: genres, easiest first"})
    scoring_batch_size: int = field(default=32)
    objective: str = field(default="clm", metadata={"help": "clm, mlm or plm (set by the pretraining recipe)"})

    def _check_curriculum(self) -> None:
        if self.pacing not in PACINGS:
            raise ValueError(f"pacing={self.pacing!r}: choose one of {', '.join(PACINGS)}")
        if not 0 < self.start_fraction <= self.max_fraction <= 1:
            raise ValueError("need 0 < start_fraction <= max_fraction <= 1")
        if self.vocab_curriculum not in (None, "data", *SHAPES):
            raise ValueError(f"vocab_curriculum={self.vocab_curriculum!r}: None, 'data' or one of {', '.join(SHAPES)}")
        if self.pacing == "iterative" and self.eval_strategy == "no":
            raise ValueError("the iterative pacing grows the data when eval loss stops improving: set "
                             "eval_strategy='steps' and eval_steps")


@dataclass
class CurriculumConfig(CurriculumArguments, TrainingArguments):
    """``TrainingArguments`` plus the curriculum's settings."""

    def __post_init__(self):
        super().__post_init__()
        self._check_curriculum()


class _CurriculumCallback(TrainerCallback):
    def __init__(self, trainer):
        self.trainer = trainer

    def on_step_end(self, args, state, control, **kwargs):
        self.trainer._curriculum_step_end()

    def on_save(self, args, state, control, **kwargs):
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            self.trainer.save_curriculum(folder)


class CurriculumMixin:
    """The curriculum machinery, for any ``Trainer`` subclass. Needs ``self.curriculum_units`` (the view of the
    training data the sampler draws from) and ``self.curriculum_documents`` (what the scorers read)."""

    curriculum_units = None
    curriculum_documents: Documents | None = None

    def _init_curriculum(self, units, documents: Documents) -> None:
        self.curriculum_units = units
        self.curriculum_documents = documents
        self.curriculum_state = CurriculumState()
        self.curriculum_scores: dict[int, np.ndarray] = {}
        self._eval_depth = 0
        self._vocab_tables: dict[int, torch.Tensor] = {}
        self._vocab_rank = None
        self._pacing = None
        if self.args.pacing in SHAPES:
            self._pacing = CompetencePacing(self.args.pacing, self.args.start_fraction, self.args.max_fraction,
                                            self.args.pacing_start, self.args.pacing_end, self.args.pacing_steps)
        self.add_callback(_CurriculumCallback(self))

    # ------------------------------------------------------------------ scoring
    def get_scorer(self, name: str):
        """The scorer ``name``: this trainer's ``score_<name>`` method if it defines one, else the registry's."""
        method = getattr(self, f"score_{name}", None)
        if method is not None:  # an override keeps the registered scorer's dynamic flag (e.g. score_self_loss)
            return method, SCORERS[name].dynamic if name in SCORERS else getattr(method, "dynamic", False)
        scorer = get_scorer(name)
        return (lambda docs: scorer.fn(docs, self)), scorer.dynamic

    def compute_difficulty(self) -> np.ndarray:
        """One score per document (higher = harder), identical on every process."""
        fn, _ = self.get_scorer(self.args.difficulty)
        scores = np.asarray(fn(self.curriculum_documents), dtype=np.float64)
        if scores.shape != (self.curriculum_units.num_documents,):
            raise ValueError(f"scorer {self.args.difficulty!r} returned {scores.shape} scores for "
                             f"{self.curriculum_units.num_documents} documents")
        return _broadcast(scores)

    def _order(self, scores: np.ndarray) -> np.ndarray:
        key = -scores if self.args.difficulty_reverse else scores
        return np.argsort(key, kind="stable")

    def document_losses(self, docs: Documents, model, objective: str | None = None) -> np.ndarray:
        """Mean token loss of every document under ``model`` (no grad, batched, sharded over processes).

        Documents are cut into chunks of at most the training block size; for MLM and PLM the masking and
        permutation come from the trainer's collator under a fixed seed, so scores are reproducible."""
        objective = objective or self.args.objective
        block = getattr(self.train_dataset, "block_size", None) or 256
        chunks = []  # (doc, token ids)
        for d, ids in enumerate(docs.token_ids):
            ids = np.asarray(ids, dtype=np.int64)
            for s in range(0, max(len(ids), 1), block - 2):
                piece = ids[s:s + block - 2]
                if objective == "plm" and len(piece) % 2:
                    piece = piece[:-1]
                if len(piece) >= 2:
                    chunks.append((d, piece))
        rank, world = self.args.process_index, self.args.world_size
        mine = sorted(range(rank, len(chunks), world), key=lambda i: len(chunks[i][1]))
        totals = np.zeros((len(docs), 2))
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.args.seed)
            i = 0
            while i < len(mine):
                batch_ids = [mine[i]]
                while (len(batch_ids) < self.args.scoring_batch_size and i + len(batch_ids) < len(mine)
                       and (objective != "plm" or len(chunks[mine[i + len(batch_ids)]][1]) == len(chunks[mine[i]][1]))):
                    batch_ids.append(mine[i + len(batch_ids)])
                i += len(batch_ids)
                batch = self._scoring_batch([chunks[j][1] for j in batch_ids], objective)
                out = sequence_losses(model, {k: v.to(device) for k, v in batch.items()}, objective).cpu().numpy()
                for j, row in zip(batch_ids, out):
                    totals[chunks[j][0]] += row
        model.train(was_training)
        totals = _all_reduce_sum(totals)
        return totals[:, 0] / np.maximum(totals[:, 1], 1)

    def _scoring_batch(self, pieces: list[np.ndarray], objective: str) -> dict:
        if objective == "clm":
            width = max(len(p) for p in pieces)
            ids = torch.zeros(len(pieces), width, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for r, p in enumerate(pieces):
                ids[r, :len(p)] = torch.from_numpy(p)
                mask[r, :len(p)] = 1
            labels = ids.masked_fill(mask == 0, -100)
            batch = {"input_ids": ids, "labels": labels}
            if self.model.config.model_type != "mamba2":
                batch["attention_mask"] = mask
            return batch
        return self.data_collator([{"input_ids": torch.from_numpy(p)} for p in pieces])

    # ------------------------------------------------------------------ schedule
    @property
    def samples_per_step(self) -> int:
        return self.args.train_batch_size * self.args.gradient_accumulation_steps * self.args.world_size

    def _lookahead_position(self, step: int) -> int:
        # the data loader may already have drawn a few batches ahead; changes take effect beyond them
        ahead = 2 + self.args.dataloader_num_workers * (self.args.dataloader_prefetch_factor or 2)
        return (step + 1 + ahead) * self.samples_per_step

    def _new_version(self) -> int:
        scores = self.compute_difficulty()
        version = self.curriculum_units.add_order(self._order(scores))
        self.curriculum_scores[version] = scores
        return version

    def _start_curriculum(self) -> None:
        args = self.args
        if args.pacing == "none":
            self.curriculum_state = CurriculumState([{"position": 0, "fraction": 1.0, "version": 0, "stage": 0}],
                                                    scorer="none")
            return
        version = self._new_version()
        fraction = self._pacing.fraction(0, args.max_steps) if self._pacing else args.start_fraction
        self.curriculum_state = CurriculumState([{"position": 0, "fraction": fraction, "version": version,
                                                  "stage": 0}], scorer=args.difficulty)

    def _stage_of(self, fraction: float) -> int:
        return int(math.floor((fraction - self.args.start_fraction) / self.args.increment + 1e-9))

    def _after_evaluation(self, metric: float) -> None:
        """The iterative schedule: grow the data when the eval loss stops improving."""
        st, args = self.curriculum_state, self.args
        if args.pacing != "iterative":
            return
        if st.best_metric is None or metric < st.best_metric - args.threshold:
            st.best_metric, st.bad_evals = metric, 0
            return
        st.bad_evals += 1
        current = st.current
        if st.bad_evals < args.patience or current["fraction"] >= args.max_fraction:
            return
        _, dynamic = self.get_scorer(args.difficulty)
        version = self._new_version() if dynamic else current["version"]
        st.history.append({"position": self._lookahead_position(self.state.global_step),
                           "fraction": round(min(args.max_fraction, current["fraction"] + args.increment), 6),
                           "version": version, "stage": current["stage"] + 1, "step": self.state.global_step})
        st.best_metric, st.bad_evals = None, 0  # improvement is judged afresh within the new stage

    def _curriculum_step_end(self) -> None:
        """Competence pacing with a dynamic scorer: re-score whenever the pacing enters a new stage."""
        if self._pacing is None or not self.get_scorer(self.args.difficulty)[1]:
            return
        position = self._lookahead_position(self.state.global_step)
        fraction = self._pacing.fraction(position // self.samples_per_step, self.args.max_steps)
        if self._stage_of(fraction) > self.curriculum_state.current["stage"]:
            self.curriculum_state.history.append({"position": position, "fraction": fraction,
                                                  "version": self._new_version(), "stage": self._stage_of(fraction),
                                                  "step": self.state.global_step})

    def curriculum_status(self, step: int | None = None) -> dict:
        """Stage, fraction of documents in use and the difficulty threshold at ``step`` (default: now)."""
        step = self.state.global_step if step is None else step
        position = step * self.samples_per_step
        _, entry = self.curriculum_state.entry_at(position)
        fraction = self._pacing.fraction(step, self.args.max_steps) if self._pacing else entry["fraction"]
        status = {"curriculum/stage": self._stage_of(fraction) if self._pacing else entry["stage"],
                  "curriculum/fraction": fraction}
        scores = self.curriculum_scores.get(entry["version"])
        if scores is not None:
            n = max(1, math.ceil(fraction * len(scores) - 1e-9))
            ranked = np.sort(-scores if self.args.difficulty_reverse else scores)
            status["curriculum/threshold"] = float(abs(ranked[n - 1]))
        if self.args.vocab_curriculum:
            status["curriculum/vocab_size"] = self._active_vocab_size(step)
        return status

    # ------------------------------------------------------------------ vocabulary curriculum
    def _active_vocab_size(self, step: int) -> int:
        args = self.args
        specials, rank = self._vocabulary_rank()
        if args.vocab_curriculum == "data":
            frac = self.curriculum_status(step)["curriculum/fraction"]
        else:
            t = step / max(args.max_steps, 1)
            frac = args.vocab_start_fraction + (1 - args.vocab_start_fraction) * shape_value(
                args.vocab_curriculum, (t - args.pacing_start) / max(args.pacing_end - args.pacing_start, 1e-9),
                args.pacing_steps)
        frac = max(frac, args.vocab_start_fraction)
        return len(specials) + math.ceil(frac * (len(rank) - len(specials)) - 1e-9)

    def _vocabulary_rank(self):
        if self._vocab_rank is None:
            tok = self.processing_class
            specials = sorted(set(tok.all_special_ids))
            counts = np.bincount(np.concatenate(self.curriculum_documents.token_ids).astype(np.int64),
                                 minlength=len(tok))
            counts[specials] = np.iinfo(np.int64).max  # special tokens are never removed
            self._vocab_rank = (specials, np.argsort(-counts, kind="stable"))
        return self._vocab_rank

    def apply_vocabulary(self, inputs: dict, step: int) -> dict:
        """Tokens outside the active vocabulary become UNK, in inputs and labels."""
        k = self._active_vocab_size(step)
        _, rank = self._vocabulary_rank()
        if k >= len(rank):
            return inputs
        table = self._vocab_tables.get(k)
        if table is None:
            unk = self.processing_class.unk_token_id
            if unk is None:
                raise ValueError("the vocabulary curriculum needs a tokenizer with an UNK token")
            table = torch.full((len(rank),), unk, dtype=torch.long)
            table[torch.from_numpy(rank[:k])] = torch.from_numpy(rank[:k]).long()
            self._vocab_tables = {k: table}
        inputs = dict(inputs)
        for key in ("input_ids", "labels"):
            if key in inputs:
                ids = inputs[key]
                mapped = table.to(ids.device)[ids.clamp(min=0)]
                inputs[key] = torch.where(ids < 0, ids, mapped)
        return inputs

    # ------------------------------------------------------------------ persistence
    def save_curriculum(self, folder: str | Path) -> None:
        if not self.is_world_process_zero():
            return
        folder = Path(folder)
        (folder / STATE_FILE).write_text(json.dumps(self.curriculum_state.to_dict(), indent=1))
        arrays = {f"order_{v}": o for v, o in enumerate(self.curriculum_units.orders)}
        arrays.update({f"scores_{v}": s for v, s in self.curriculum_scores.items()})
        np.savez_compressed(folder / ORDERS_FILE, **arrays)

    def load_curriculum(self, folder: str | Path) -> None:
        folder = Path(folder)
        if not (folder / STATE_FILE).is_file():
            raise FileNotFoundError(f"{folder}: no {STATE_FILE}; this checkpoint was not written by a curriculum "
                                    "trainer (or its save was interrupted)")
        self.curriculum_state = CurriculumState.from_dict(json.loads((folder / STATE_FILE).read_text()))
        with np.load(folder / ORDERS_FILE) as z:
            n = len([k for k in z.files if k.startswith("order_")])
            self.curriculum_units.reset_orders([z[f"order_{v}"] for v in range(n)])
            self.curriculum_scores = {int(k.split("_")[1]): z[k] for k in z.files if k.startswith("scores_")}

    # ------------------------------------------------------------------ Trainer hooks
    def train(self, resume_from_checkpoint: str | bool | None = None, **kwargs):
        if self.args.max_steps <= 0:
            raise ValueError("a curriculum is defined over training steps: set max_steps")
        if resume_from_checkpoint is True:
            resume_from_checkpoint = get_last_checkpoint(self.args.output_dir)
            if resume_from_checkpoint is None:
                raise ValueError(f"no checkpoint found in {self.args.output_dir}")
        if resume_from_checkpoint:
            self.load_curriculum(resume_from_checkpoint)
        else:
            self._start_curriculum()
        return super().train(resume_from_checkpoint=resume_from_checkpoint, **kwargs)

    def _get_train_sampler(self, train_dataset=None):
        num_samples = self.args.max_steps * self.samples_per_step
        return CurriculumSampler(self.curriculum_units, self.curriculum_state, num_samples, self.samples_per_step,
                                 self.args.seed, self._pacing, self.args.max_steps)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.args.vocab_curriculum and model.training:
            inputs = self.apply_vocabulary(inputs, self.state.global_step)
        return super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        self._eval_depth += 1
        try:
            metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        finally:
            self._eval_depth -= 1
        if self._eval_depth == 0:
            key = f"{metric_key_prefix}_loss"
            if key not in metrics:  # several eval sets (one per genre): their mean drives the schedule
                parts = [v for k, v in metrics.items() if k.startswith(metric_key_prefix + "_") and k.endswith("_loss")]
                if parts:
                    metrics[key] = float(np.mean(parts))
                    metrics[f"{metric_key_prefix}_perplexity"] = float(math.exp(min(metrics[key], 50)))
                    self.log({key: metrics[key], f"{metric_key_prefix}_perplexity": metrics[f"{metric_key_prefix}_perplexity"]})
            if self.is_in_train and key in metrics:
                self._after_evaluation(metrics[key])
        return metrics

    def log(self, logs: dict, start_time: float | None = None) -> None:
        if "loss" in logs and getattr(self, "curriculum_state", None) and self.curriculum_state.history:
            logs = {**logs, **self.curriculum_status()}
        super().log(logs, start_time)


class CurriculumTrainer(CurriculumMixin, Trainer):
    """A ``Trainer`` with a data (and optional vocabulary) curriculum.

    ``train_dataset`` is a :class:`~hf_leaner.train.packing.PackedDocuments` (pretraining: documents packed
    into blocks, see :func:`hf_leaner.train.pretrain.pretrain`) or any dataset with one document per row.
    """

    def __init__(self, model=None, args: CurriculumConfig = None, train_dataset=None, documents: Documents | None = None,
                 **kwargs):
        if args is None:
            args = CurriculumConfig(output_dir="curriculum_output")
        if not isinstance(args, CurriculumArguments):
            raise TypeError("CurriculumTrainer needs a CurriculumConfig (TrainingArguments + curriculum settings)")
        super().__init__(model=model, args=args, train_dataset=train_dataset, **kwargs)
        units, documents = _units_and_documents(self.train_dataset, documents)
        self._init_curriculum(units, documents)


def _units_and_documents(dataset, documents: Documents | None):
    from hf_leaner.train.packing import PackedDocuments, RowUnits

    if isinstance(dataset, PackedDocuments):
        return dataset, documents or dataset.documents
    if documents is None:
        if "input_ids" not in getattr(dataset, "column_names", []):
            raise ValueError("the curriculum needs token ids: pass a PackedDocuments, a dataset with an "
                             "'input_ids' column, or documents=Documents(...)")
        cols = {c: dataset[c] for c in dataset.column_names if c not in ("input_ids", "attention_mask", "labels")}
        texts = cols.get("text")
        documents = Documents([np.asarray(x) for x in dataset["input_ids"]], texts, cols)
    return RowUnits(len(documents)), documents


def _dist():
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def _broadcast(scores: np.ndarray) -> np.ndarray:
    """Process 0's scores everywhere, so every process orders the documents identically."""
    if not _dist():
        return scores
    box = [scores]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


def _all_reduce_sum(a: np.ndarray) -> np.ndarray:
    if not _dist():
        return a
    t = torch.from_numpy(a).double()
    torch.distributed.all_reduce(t)
    return t.numpy()


def curriculum_sft_trainer():
    """``CurriculumSFTTrainer`` and ``CurriculumSFTConfig``: the curriculum mixed into trl's SFTTrainer."""
    from trl import SFTConfig, SFTTrainer

    @dataclass
    class CurriculumSFTConfig(CurriculumArguments, SFTConfig):
        def __post_init__(self):
            super().__post_init__()
            self._check_curriculum()

    class CurriculumSFTTrainer(CurriculumMixin, SFTTrainer):
        def __init__(self, *args, documents: Documents | None = None, **kwargs):
            super().__init__(*args, **kwargs)
            units, docs = _units_and_documents(self.train_dataset, documents)
            self._init_curriculum(units, docs)

    return CurriculumSFTTrainer, CurriculumSFTConfig


def __getattr__(name):  # lazy: trl is only imported when the SFT classes are asked for
    if name in ("CurriculumSFTTrainer", "CurriculumSFTConfig"):
        trainer, config = curriculum_sft_trainer()
        globals().update(CurriculumSFTTrainer=trainer, CurriculumSFTConfig=config)
        return globals()[name]
    raise AttributeError(name)

