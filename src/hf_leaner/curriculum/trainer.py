"""``CurriculumTrainer``: a ``transformers.Trainer`` that feeds the data easy-to-hard (``CurriculumConfig``).

    trainer = CurriculumTrainer(model=model, args=CurriculumConfig(output_dir="run", max_steps=2000),
                                train_dataset=packed, eval_dataset=validation, data_collator=collator)
    trainer.train()                              # or train(resume_from_checkpoint=True)

The training loop is the Trainer's own; the curriculum uses documented hooks, each deferring to ``super()``:

* ``train`` starts the curriculum (scores and orders the documents), or notes the checkpoint to resume;
* ``_get_train_sampler`` returns a :class:`CurriculumSampler` reading the curriculum's state;
* ``get_batch_samples`` runs the schedule before a step's batches are drawn (the iterative pacing's own
  evaluation, re-scoring for dynamic scorers) and applies the vocabulary curriculum to them before the
  Trainer counts their targets;
* ``evaluate`` averages several evaluation sets into ``eval_loss``; ``log`` adds ``curriculum/*``;
* ``_save_checkpoint`` writes the orderings sidecar before the Trainer writes the rest of the checkpoint.

All changing state is in one :class:`CurriculumCallback`; the training data is never modified. The same
mixin gives :class:`~hf_leaner.curriculum.sft.CurriculumSFTTrainer` over trl's ``SFTTrainer``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import fields
from pathlib import Path

import numpy as np
from accelerate.utils import broadcast_object_list
from transformers import Trainer, TrainingArguments
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, get_last_checkpoint

from .callback import CurriculumCallback
from .config import CurriculumArguments, CurriculumConfig
from .fingerprint import check_resume, run_fingerprint
from .model_scoring import document_losses, isolated_rng, load_reference_model
from .objectives import ObjectiveMixin
from .plan import data_use, describe_plan
from .pacing import SHAPES, CompetencePacing
from .recipes import WeightAveragingCallback, sequence_length_at, truncate_batch, warmup_floor
from .sampler import CurriculumSampler, fraction_in_force, select_documents, units_and_documents
from .scoring import SCORERS, Documents, get_scorer
from .vocabulary import VocabularyCurriculum

logger = logging.getLogger(__name__)


class CurriculumMixin(ObjectiveMixin):
    """The curriculum for any ``Trainer`` subclass whose ``args`` are :class:`CurriculumArguments`."""

    # ------------------------------------------------------------------ setup
    def _init_curriculum(self, documents: Documents | None, curriculum_eval_dataset) -> None:
        args = self.args
        self.curriculum_units, self.curriculum_documents = units_and_documents(self.train_dataset, documents)
        n = self.curriculum_units.num_documents
        held = np.zeros(0, dtype=np.int64)
        if args.pacing == "iterative" and curriculum_eval_dataset is None:
            held = self._held_out_documents()
            curriculum_eval_dataset = select_documents(self.train_dataset, held)
        self.curriculum_eval_dataset = curriculum_eval_dataset
        self.curriculum_train_ids = np.setdiff1d(np.arange(n), held)
        self.curriculum_train_documents = (self.curriculum_documents.subset(self.curriculum_train_ids) if len(held)
                                           else self.curriculum_documents)
        self._pacing = (CompetencePacing(args.pacing, args.start_fraction, args.max_fraction, args.pacing_start,
                                         args.pacing_end, args.pacing_steps) if args.pacing in SHAPES else None)
        self._vocabulary = None
        if args.vocab_curriculum:
            tok = self.processing_class
            self._vocabulary = VocabularyCurriculum(self.curriculum_train_documents.token_ids, len(tok),
                                                    tok.all_special_ids, tok.unk_token_id, args.vocab_start_fraction,
                                                    args.vocab_label_mode)
        self._resume_dir, self._adopted, self._curriculum_sampler, self._eval_depth = None, None, None, 0
        self.get_scorer(args.difficulty)  # an unknown scorer fails here, not at the first step
        self.add_callback(CurriculumCallback(args.patience, args.threshold, args.threshold_mode, args.increment,
                                             args.max_fraction, args.max_steps_per_stage))
        self._averaging = WeightAveragingCallback(args.average_last, args.average_every) if args.average_last else None
        if self._averaging is not None:
            self.add_callback(self._averaging)
        self._init_objectives()

    def _held_out_documents(self) -> np.ndarray:
        """A seeded slice of the training documents that drives the iterative schedule (and is not trained on)."""
        args, n = self.args, self.curriculum_units.num_documents
        if n < 2:
            raise ValueError("the iterative pacing holds out training documents to decide when to grow the data; "
                             "with fewer than 2 documents pass curriculum_eval_dataset")
        perm = np.random.default_rng([args.seed, 8191]).permutation(n)
        k = min(max(math.ceil(args.curriculum_eval_fraction * n), 1), args.curriculum_eval_max_documents, n // 2)
        block = getattr(self.train_dataset, "block_size", None)
        if block:  # packed blocks: hold out enough text for a few of them
            held_tokens = np.cumsum([len(self.curriculum_documents.token_ids[i]) + 1 for i in perm[:n // 2]])
            k = max(k, min(int(np.searchsorted(held_tokens, 4 * block)) + 1, n // 2))
        return np.sort(perm[:k])

    @property
    def curriculum(self) -> CurriculumCallback:
        """The curriculum's state; a resume swaps in the one restored from the checkpoint."""
        cb = next((c for c in self.callback_handler.callbacks if isinstance(c, CurriculumCallback)), None)
        if cb is None:
            raise RuntimeError("the CurriculumCallback was removed from this trainer's callbacks")
        if cb is not self._adopted:
            if self._resume_dir is not None and cb.history:  # restored: its arrays are in the checkpoint
                cb.load_arrays(self._resume_dir)
                check_resume(cb.fingerprint, run_fingerprint(self), self._resume_dir)
            self._adopted = cb
        return cb

    def _state_for_sampling(self) -> CurriculumCallback:
        cb = self.curriculum
        if not cb.history:
            raise ValueError(f"{self._resume_dir}: this checkpoint holds no curriculum state (it was written by "
                             "another trainer); start a new run or resume from a CurriculumTrainer checkpoint")
        return cb

    @property
    def samples_per_step(self) -> int:
        """Examples per optimizer step, with the batch size the Trainer really uses (auto_find_batch_size)."""
        return self.get_total_train_batch_size(self.args)

    # ------------------------------------------------------------------ scoring
    def get_scorer(self, name: str):
        """The scorer ``name``: this trainer's ``score_<name>`` method if it defines one, else the registry's."""
        method = getattr(self, f"score_{name}", None)
        if method is not None:  # an override keeps the registered scorer's dynamic flag (e.g. score_self_loss)
            return method, SCORERS[name].dynamic if name in SCORERS else getattr(method, "dynamic", False)
        scorer = get_scorer(name)
        return (lambda docs: scorer.fn(docs, self)), scorer.dynamic

    def compute_difficulty(self) -> np.ndarray:
        """One score per training document (higher = harder), identical on every process."""
        fn, _ = self.get_scorer(self.args.difficulty)
        docs = self.curriculum_train_documents
        scores = np.asarray(fn(docs), dtype=np.float64)
        if scores.shape != (len(docs),):
            raise ValueError(f"scorer {self.args.difficulty!r} returned {scores.shape} scores for {len(docs)} documents")
        return broadcast_object_list([scores])[0]  # process 0's, so every process orders alike

    def document_losses(self, docs: Documents, model, objective: str | None = None) -> np.ndarray:
        return document_losses(docs, model, objective or self.args.objective, accelerator=self.accelerator,
                               collator=self.data_collator, seed=self.args.seed,
                               block_size=getattr(self.train_dataset, "block_size", None) or 256,
                               batch_size=self.args.scoring_batch_size)

    def scoring_model(self):
        """The model being trained, as a forward pass may use it (sharded engines need their wrapper)."""
        return self.model_wrapped if (self.is_fsdp_enabled or self.is_deepspeed_enabled) else self.model

    def load_reference_model(self, name_or_path: str):
        return load_reference_model(name_or_path, self.processing_class, self.accelerator.device)

    # ------------------------------------------------------------------ schedule
    def _new_version(self, cb: CurriculumCallback) -> int:
        scores = self.compute_difficulty()
        local = np.argsort(-scores if self.args.difficulty_reverse else scores, kind="stable")
        return cb.add_order(self.curriculum_train_ids[local], scores)

    def _start_curriculum(self) -> None:
        cb, args = self.curriculum, self.args
        cb.orders, cb.scores = [], {}
        if args.pacing == "none" and not args.folds:
            cb.start(1.0, cb.add_order(self.curriculum_train_ids), "none")
        elif args.pacing == "none":  # a folded order over all the data: ordered, never restricted
            cb.start(1.0, self._new_version(cb), args.difficulty)
        else:
            fraction = self._pacing.fraction(0, args.max_steps) if self._pacing else args.start_fraction
            cb.start(fraction, self._new_version(cb), args.difficulty)
        cb.fingerprint = run_fingerprint(self)

    def _stage_of(self, fraction: float) -> int:
        return int(math.floor((fraction - self.args.start_fraction) / self.args.increment + 1e-9))

    def _next_free_position(self) -> int:
        """The first sample position no data loader can have drawn yet: changes take effect from there.
        A step's batches are fetched at once, plus accelerate's one-batch look-ahead and the workers' queue."""
        args, sps = self.args, self.samples_per_step
        in_flight = args.gradient_accumulation_steps + 2 + args.dataloader_num_workers * (args.dataloader_prefetch_factor or 2)
        position = (self.state.global_step + 1 + math.ceil(in_flight / args.gradient_accumulation_steps)) * sps
        drawn = self._curriculum_sampler.drawn if self._curriculum_sampler is not None else 0
        if drawn > position:
            raise RuntimeError(f"the data loader drew {drawn} samples, past the curriculum's change point {position}")
        return position

    def _advance_schedule(self) -> None:
        cb, args, step = self.curriculum, self.args, self.state.global_step
        dynamic = self.get_scorer(args.difficulty)[1]
        if args.pacing == "iterative":
            if args.full_data_by is not None:  # the warm-up's time floor, recorded ahead so it holds on time
                position = self._next_free_position()
                floor = warmup_floor(position // self.samples_per_step, args.max_steps, args.full_data_by,
                                     args.start_fraction, args.increment)
                if floor > cb.current["fraction"] + 1e-9:
                    version = self._new_version(cb) if dynamic else cb.current["version"]
                    cb.advance(position, floor, version, self._stage_of(floor), step)
            if step == 0 or step % self._curriculum_eval_steps or step == cb.last_eval_step:
                return
            if cb.wants_more_data(self._curriculum_evaluate(), step):
                version = self._new_version(cb) if dynamic else cb.current["version"]
                cb.advance(self._next_free_position(), cb.next_fraction(), version, cb.current["stage"] + 1, step)
        elif self._pacing is not None and dynamic:  # competence pacing: re-score as each stage begins
            position = self._next_free_position()
            fraction = self._pacing.fraction(position // self.samples_per_step, args.max_steps)
            if self._stage_of(fraction) > cb.current["stage"]:
                cb.advance(position, fraction, self._new_version(cb), self._stage_of(fraction), step)

    def _curriculum_evaluate(self) -> float:
        """Loss on the schedule's own held-out data; fixed masks, the training RNG untouched."""
        loader = self.get_eval_dataloader(self.curriculum_eval_dataset)
        with isolated_rng(self.args.seed, self.accelerator.device):
            out = self.evaluation_loop(loader, description="Curriculum evaluation", prediction_loss_only=True,
                                       metric_key_prefix="curriculum_eval")
        loss = float(out.metrics["curriculum_eval_loss"])
        self.log({"curriculum_eval_loss": loss})
        return loss

    def _data_fraction(self, step: int) -> tuple[float, dict]:
        entry = self.curriculum.entry_at(step * self.samples_per_step)
        return fraction_in_force(self._pacing, entry, step, self.args.max_steps), entry

    def _active_vocab_size(self, step: int) -> int:
        args = self.args
        if args.vocab_curriculum == "data":
            return self._vocabulary.size_at(self._data_fraction(step)[0])
        return self._vocabulary.size_at(self._vocabulary.shape_fraction(
            args.vocab_curriculum, step, args.max_steps, args.pacing_start, args.pacing_end, args.pacing_steps))

    def curriculum_status(self, step: int | None = None) -> dict:
        """Stage, fraction of documents in use, difficulty threshold (and vocabulary size) at ``step``."""
        step = self.state.global_step if step is None else step
        fraction, entry = self._data_fraction(step)
        status = {"curriculum/stage": self._stage_of(fraction) if self._pacing else entry["stage"],
                  "curriculum/fraction": fraction, "curriculum/tokens": step * self.tokens_per_step()}
        scores = self.curriculum.scores.get(entry["version"])
        if scores is not None and len(scores):  # the score of the last document in use, read off the ordering
            order = self.curriculum.orders[entry["version"]]
            last = order[max(1, math.ceil(fraction * len(order) - 1e-9)) - 1]
            status["curriculum/threshold"] = float(scores[np.searchsorted(self.curriculum_train_ids, last)])
        if self._vocabulary is not None:
            status["curriculum/vocab_size"] = self._active_vocab_size(step)
        block = getattr(self.train_dataset, "block_size", None)
        if self.args.seq_len_start is not None and block:
            status["curriculum/seq_len"] = self.sequence_length(step, block)
        return status

    # ------------------------------------------------------------------ Trainer hooks
    def train(self, resume_from_checkpoint: str | bool | None = None, trial=None, ignore_keys_for_eval=None, **kwargs):
        if resume_from_checkpoint is True:
            resume_from_checkpoint = get_last_checkpoint(self.args.output_dir)
            if resume_from_checkpoint is None:
                raise ValueError(f"resume_from_checkpoint=True: no checkpoint in {self.args.output_dir}")
        self._resume_dir = resume_from_checkpoint or None
        self.args.restore_callback_states_from_checkpoint = True  # the curriculum's state travels that way
        args = self.args
        if args.max_steps <= 0:  # default budget: 3 passes' worth of samples over the full training data
            full = self.curriculum_units.view(self.curriculum_train_ids).num_units(len(self.curriculum_train_ids))
            args.max_steps = math.ceil(args.num_train_epochs * full / self.samples_per_step)
            logger.info("curriculum: no max_steps given; training %d steps (%.0f passes' worth of samples)",
                        args.max_steps, args.num_train_epochs)
        eval_steps = args.eval_steps if args.eval_strategy == "steps" and args.eval_steps else None
        if eval_steps is not None and eval_steps < 1:  # a ratio of the run
            eval_steps = math.ceil(eval_steps * args.max_steps)
        self._curriculum_eval_steps = int(args.curriculum_eval_steps or eval_steps or max(1, args.max_steps // 50))
        self._resolve_token_pacing()
        if args.lr_scheduler_type == "warmup_stable_decay" and "num_decay_steps" not in (args.lr_scheduler_kwargs or {}):
            share = (1 - args.full_data_by) if args.decay_after_full_data else args.decay_fraction
            args.lr_scheduler_kwargs = {**(args.lr_scheduler_kwargs or {}),
                                        "num_decay_steps": max(1, round(share * args.max_steps))}
        if self._resume_dir is None:
            self._start_curriculum()
        plan = self.curriculum_plan()
        if plan is not None:  # a pacing that holds data back is a choice the user must see
            logger.warning(plan)
        output = super().train(resume_from_checkpoint=resume_from_checkpoint, trial=trial,
                               ignore_keys_for_eval=ignore_keys_for_eval, **kwargs)
        if self._averaging is not None:
            logger.info("curriculum: averaged the last %d weight snapshots", self._averaging.average_into(self.model))
        return output

    def curriculum_plan(self) -> str | None:
        """One sentence saying how the data schedule holds documents back, or None when all are in use throughout."""
        return describe_plan(self)

    def curriculum_usage(self) -> dict:
        """The fraction of documents in use at the end, and per stage the share of the run's samples it drew."""
        return data_use(self)

    def tokens_per_step(self) -> int:
        """Training tokens of one optimizer step (full blocks; rows: their mean length)."""
        block = getattr(self.train_dataset, "block_size", None)
        if not block:
            block = float(np.mean([len(t) for t in self.curriculum_documents.token_ids]))
        return int(round(self.samples_per_step * block))

    def _resolve_token_pacing(self) -> None:
        """``full_data_by_tokens`` as the fraction of the run it is (the pacing is defined on steps)."""
        args = self.args
        if args.full_data_by_tokens is None:
            return
        run_tokens = args.max_steps * self.tokens_per_step()
        if args.full_data_by_tokens > run_tokens:
            raise ValueError(f"full_data_by_tokens={args.full_data_by_tokens:,}: the run trains only {run_tokens:,} "
                             "tokens; lower it or raise max_steps")
        args.full_data_by = math.ceil(args.full_data_by_tokens / self.tokens_per_step()) / args.max_steps
        if args.pacing in SHAPES:
            args.pacing_end = max(args.full_data_by, args.pacing_start + 1e-6)
            self._pacing = CompetencePacing(args.pacing, args.start_fraction, args.max_fraction, args.pacing_start,
                                            args.pacing_end, args.pacing_steps)

    def _get_train_sampler(self, train_dataset=None):
        sps = self.samples_per_step
        seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed  # as the Trainer's sampler
        self._curriculum_sampler = CurriculumSampler(self.curriculum_units, self._state_for_sampling,
                                                     self.args.max_steps * sps, sps, seed, self._pacing,
                                                     self.args.max_steps, sweeps=self.args.folds)
        return self._curriculum_sampler

    def get_batch_samples(self, epoch_iterator, num_batches, device):
        self._advance_schedule()
        batches, num_items = super().get_batch_samples(epoch_iterator, num_batches, device)
        recount = False
        if self.args.seq_len_start is not None and batches:
            length = self.sequence_length(self.state.global_step, batches[0]["input_ids"].shape[1])
            recount = length < batches[0]["input_ids"].shape[1]
            batches = [truncate_batch(b, length) for b in batches]
        if self._vocabulary is not None:
            k = self._active_vocab_size(self.state.global_step)
            batches = [self._vocabulary.apply(b, k) for b in batches]
            recount = recount or self.args.vocab_label_mode == "ignore"
        if recount and num_items is not None:  # the loss is normalised by the targets actually left
            num_items = self._get_num_items_in_batch(batches, device)
        return batches, num_items

    def sequence_length(self, step: int, full: int) -> int:
        """Tokens per sequence at ``step`` under the sequence-length warm-up (``full`` without it)."""
        if self.args.seq_len_start is None:
            return full
        return sequence_length_at(step, self.args.max_steps, self.args.seq_len_start, self.args.seq_len_end, full)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        self._eval_depth += 1
        try:
            metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        finally:
            self._eval_depth -= 1
        if self._eval_depth == 0:
            key = f"{metric_key_prefix}_loss"
            parts = [v for k, v in metrics.items() if k.startswith(metric_key_prefix + "_") and k.endswith("_loss")]
            extra = {}
            if key not in metrics and parts:  # several eval sets (one per genre): their mean is the eval loss
                extra[key] = float(np.mean(parts))
                extra[f"{metric_key_prefix}_perplexity"] = float(math.exp(min(extra[key], 50)))
            if self._vocabulary is not None:  # evaluation always reads the full vocabulary; say so
                extra[f"{metric_key_prefix}_vocab_size"] = len(self.processing_class)
            if extra:
                metrics.update(extra)
                self.log(extra)
        return metrics

    def log(self, logs: dict, start_time: float | None = None) -> None:
        if "loss" in logs and self.curriculum.history:
            logs = {**logs, **self.curriculum_status()}
        if "loss" in logs:
            logs.update(self.objective_log())
        super().log(logs, start_time)

    def _save_checkpoint(self, model, trial):
        if self.args.should_save:  # the orderings first, so no checkpoint has a state without its arrays
            folder = Path(self._get_output_dir(trial=trial)) / f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
            folder.mkdir(parents=True, exist_ok=True)
            self.curriculum.save_arrays(folder)
        super()._save_checkpoint(model, trial)


class CurriculumTrainer(CurriculumMixin, Trainer):
    """A ``Trainer`` with a data (and optional vocabulary) curriculum.

    ``train_dataset`` is a :class:`~hf_leaner.train.packing.PackedDocuments` (documents packed into blocks,
    see :func:`hf_leaner.train.pretrain.pretrain`) or any dataset with one document per row and an
    ``input_ids`` column. ``documents`` overrides what the scorers see; ``curriculum_eval_dataset`` is what
    drives the iterative pacing (default: a held-out slice of the training documents).
    """

    def __init__(self, model=None, args: CurriculumConfig | TrainingArguments | None = None, *trainer_args,
                 documents: Documents | None = None, curriculum_eval_dataset=None, **kwargs):
        super().__init__(model, as_curriculum_config(args, CurriculumConfig), *trainer_args, **kwargs)
        self._init_curriculum(documents, curriculum_eval_dataset)


def as_curriculum_config(args, config_cls):
    """``args`` as ``config_cls``: a default one for None, a plain ``TrainingArguments`` upgraded (trl's way)."""
    if args is None:
        return config_cls()
    if isinstance(args, CurriculumArguments):
        return args
    if not isinstance(args, TrainingArguments):
        raise TypeError(f"args must be a {config_cls.__name__} or TrainingArguments, not {type(args).__name__}")
    known = {f.name for f in fields(config_cls) if f.init}
    values = {f.name: getattr(args, f.name) for f in fields(args) if f.init and f.name in known}
    if values.get("num_train_epochs") == 3.0:  # TrainingArguments' default is no request for epochs
        values["num_train_epochs"] = None
    return config_cls(**values)
