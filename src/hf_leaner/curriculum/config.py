"""``CurriculumConfig``: ``TrainingArguments`` plus the curriculum's settings (trl's config-beside-trainer).

Fields are grouped like the method: difficulty (how documents are ranked), pacing (how much of the ranked
data is in use when), the schedule's own evaluation (what drives the iterative pacing), and the vocabulary
curriculum. ``CurriculumArguments`` holds them so that the same fields mix into trl's ``SFTConfig``
(:mod:`hf_leaner.curriculum.sft`). Cross-field checks live in ``_check_curriculum``, called by each
config's ``__post_init__``. Every field can be given on the command line of ``hf-leaner pretrain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transformers import TrainingArguments

from hf_leaner.utils.args import MAX_EPOCHS

from .objectives import parse_units
from .pacing import PACINGS, SHAPES
from .scoring import SCORERS


@dataclass
class CurriculumArguments:
    """The curriculum's settings, mixed into ``TrainingArguments`` or ``SFTConfig``.

    Differs from ``TrainingArguments``: ``num_train_epochs`` has no default, because an epoch is not defined
    while the data grows; give ``max_steps`` (without either, the budget is 3 passes' worth of samples over
    the full data). ``dataloader_pin_memory`` is on only where CUDA is.
    """

    num_train_epochs: float | None = field(default=None, metadata={"help": "not used by a curriculum: give "
                                           "max_steps (default budget: 3 passes' worth of samples over the full data)"})
    dataloader_pin_memory: bool | None = field(default=None, metadata={"help": "pin batches in page-locked memory "
                                               "(default: when CUDA is there; on a CPU there is nothing to pin for "
                                               "and torch warns at every loader)"})

    # difficulty
    # choices is a live view of the scorer registry: a scorer registered after import is listed and accepted too
    difficulty: str = field(default="random", metadata={
        "choices": SCORERS.keys(),
        "help": "difficulty scorer, one of %(choices)s (add one with hf_leaner.curriculum.register_scorer)"})
    difficulty_reverse: bool = field(default=False, metadata={"help": "hard-first order"})
    reference_model: str | None = field(default=None, metadata={"help": "lm_loss: folder or Hub id of a causal LM "
                                        "with the same tokenizer"})
    difficulty_column: str | None = field(default=None, metadata={"help": "column with precomputed difficulty"})
    genre_order: list[str] | None = field(default=None, metadata={"help": "genre difficulty: genres, easiest first"})
    scoring_batch_size: int = field(default=32, metadata={"help": "batch size of self_loss / lm_loss scoring"})

    # pacing
    # a live view too: a shape added with register_pacing after import is listed and accepted
    pacing: str = field(default="iterative", metadata={
        "choices": PACINGS,
        "help": "pacing, one of %(choices)s (add a shape with hf_leaner.curriculum.register_pacing)"})
    start_fraction: float = field(default=0.05, metadata={"help": "fraction of documents in use at the start"})
    increment: float = field(default=0.05, metadata={"help": "iterative: fraction added at each stage; "
                             "competence pacing: stage size for re-scoring a dynamic scorer"})
    max_fraction: float = field(default=1.0, metadata={"help": "the data never grows beyond this fraction"})
    pacing_start: float = field(default=0.0, metadata={"help": "competence pacing: fraction of the run where growth starts"})
    pacing_end: float = field(default=0.8, metadata={"help": "competence pacing: fraction of the run where it ends"})
    pacing_steps: int = field(default=5, metadata={"help": "plateaus of the 'step' pacing"})

    full_data_by: float | None = field(default=None, metadata={"help": "curriculum as a warm-up: all the data is in "
                                       "use by this fraction of the run (then plain random sampling); sets pacing_end "
                                       "of a competence pacing, and bounds the stages of the iterative one"})

    full_data_by_tokens: int | None = field(default=None, metadata={"help": "pacing in tokens: all the data is in use "
                                            "after this many training tokens (block tokens; sets full_data_by)"})
    folds: int | None = field(default=None, metadata={"help": "folded order: the run is this many easy-to-hard sweeps, "
                              "each over a fresh random share of the data in use, easiest first in ~20 windows, "
                              "each window read in random order"})

    # the iterative schedule and its own evaluation
    patience: int = field(default=1, metadata={"help": "iterative: curriculum evaluations without improvement before "
                          "the data grows"})
    threshold: float = field(default=0.0, metadata={"help": "iterative: the smallest loss drop that counts as "
                             "improvement (see threshold_mode)"})
    threshold_mode: str = field(default="abs", metadata={"help": "abs: drop by threshold; rel: by threshold x best loss"})
    max_steps_per_stage: int | None = field(default=None, metadata={"help": "iterative: grow anyway after this many "
                                            "optimizer steps in one stage"})
    curriculum_eval_steps: int | None = field(default=None, metadata={"help": "iterative: evaluate the schedule's "
                                              "held-out slice every N steps (default: eval_steps, else max_steps/50)"})
    curriculum_eval_fraction: float = field(default=0.02, metadata={"help": "iterative: share of the training "
                                            "documents held out to drive the schedule (never the reported validation set)"})
    curriculum_eval_max_documents: int = field(default=256, metadata={"help": "cap on the held-out documents"})

    # vocabulary curriculum
    vocab_curriculum: str | None = field(default=None, metadata={"help": "None (off), 'data' (follow the data "
                                         f"fraction) or a pacing shape ({', '.join(SHAPES)})"})
    vocab_start_fraction: float = field(default=0.1, metadata={"help": "share of the (non-special) vocabulary active at first"})
    vocab_label_mode: str = field(default="unk", metadata={"help": "inactive tokens: 'unk' (become UNK in inputs "
                                  "and targets, CLIMB) or 'ignore' (UNK in inputs, ignored as targets)"})

    # warm-up recipes that make ordered data pay off at small scale
    seq_len_start: int | None = field(default=None, metadata={"help": "sequence-length warm-up: train on the first N "
                                      "tokens of each block at first, growing linearly to the full block"})
    seq_len_end: float = field(default=0.25, metadata={"help": "sequence-length warm-up: fraction of the run where "
                               "the full block length is reached"})
    decay_fraction: float = field(default=0.2, metadata={"help": "lr_scheduler_type=warmup_stable_decay without "
                                  "lr_scheduler_kwargs: the last share of the run that decays the learning rate"})
    decay_after_full_data: bool = field(default=False, metadata={"help": "lr_scheduler_type=warmup_stable_decay: "
                                        "the decay starts where all the data is in use (full_data_by) and ends with "
                                        "the run, instead of the last decay_fraction"})
    average_last: int = field(default=0, metadata={"help": "average the weights of the last N snapshots at the end "
                              "of training (0: off)"})
    average_every: int | None = field(default=None, metadata={"help": "steps between those snapshots (default: "
                                      "max_steps / 20)"})

    # objective curriculum (CLIMB; the masked family)
    objective_units: list[str] | None = field(default=None, metadata={"help": "objective curriculum for a masked "
                                              "LM: units NAME:START-END in fractions of max_steps, e.g. pos:0-0.5 "
                                              "mlm:0.5-1 (mlm: token prediction; pos: word-class prediction of the "
                                              "masked tokens, its own head); the spans cover the run with no gap and "
                                              "end on mlm; losses summed, logged per unit"})

    objective: str = field(default="clm", metadata={"help": "clm, mlm or plm (set by the pretraining recipe)"})

    def _curriculum_post_init(self, base_post_init) -> None:
        """Run the base config's ``__post_init__`` around the curriculum's defaults and checks."""
        epochs_given = self.num_train_epochs is not None
        if not epochs_given:
            self.num_train_epochs = 3.0  # the base class' default; the budget is resolved in train()
        if self.dataloader_pin_memory is None:
            import torch

            self.dataloader_pin_memory = torch.cuda.is_available()
        base_post_init()
        self._check_curriculum(epochs_given)

    def _check_curriculum(self, epochs_given: bool) -> None:
        def bad(flag, why):
            raise ValueError(f"{flag}: {why}")

        if self.full_data_by_tokens is not None:
            if self.full_data_by_tokens < 1 or self.full_data_by is not None:
                bad(f"full_data_by_tokens={self.full_data_by_tokens}", "need a positive token count, and not "
                    "full_data_by as well (one of them sets the point)")
            if self.max_fraction < 1:
                bad(f"max_fraction={self.max_fraction}", "full_data_by_tokens needs max_fraction = 1")
        if epochs_given and not 0 < self.num_train_epochs <= MAX_EPOCHS:
            bad(f"num_train_epochs={self.num_train_epochs:g}", f"need 0 < epochs <= {MAX_EPOCHS:,} (max_steps counts a "
                "long run in steps)")
        if not (self.learning_rate > 0 and self.learning_rate < float("inf")):  # nan fails both
            bad(f"learning_rate={self.learning_rate}", "need a positive, finite learning rate")
        if self.per_device_train_batch_size < 1 or self.gradient_accumulation_steps < 1:
            bad(f"per_device_train_batch_size={self.per_device_train_batch_size}, gradient_accumulation_steps="
                f"{self.gradient_accumulation_steps}", "need at least 1 each")
        if self.folds is not None and self.folds < 1:
            bad(f"folds={self.folds}", "must be a positive integer")
        if self.decay_after_full_data and (self.lr_scheduler_type != "warmup_stable_decay" or
                                           (self.full_data_by is None and self.full_data_by_tokens is None)):
            bad("decay_after_full_data", "needs lr_scheduler_type=warmup_stable_decay and full_data_by "
                "(or full_data_by_tokens)")
        if self.full_data_by is not None:
            if not 0 < self.full_data_by <= 1 or self.max_fraction < 1:
                bad(f"full_data_by={self.full_data_by}", "need 0 < full_data_by <= 1 and max_fraction = 1")
            if self.pacing in SHAPES:
                self.pacing_end = self.full_data_by
        if self.pacing not in PACINGS:
            bad(f"pacing={self.pacing!r}", f"choose one of {', '.join(PACINGS)}")
        if self.pacing == "none" and not self.folds and self.difficulty != "random":
            bad(f"difficulty={self.difficulty!r}", "orders nothing with pacing='none' (all the data in random order, "
                "the default of hf-leaner pretrain): choose a pacing (iterative, linear, ...) or folds")
        if not 0 < self.start_fraction <= self.max_fraction <= 1:
            bad(f"start_fraction={self.start_fraction}, max_fraction={self.max_fraction}", "need 0 < start <= max <= 1")
        if not 0 < self.increment <= 1:
            bad(f"increment={self.increment}", "need 0 < increment <= 1")
        if not 0 <= self.pacing_start < self.pacing_end <= 1:
            bad(f"pacing_start={self.pacing_start}, pacing_end={self.pacing_end}", "need 0 <= start < end <= 1")
        if self.patience < 1 or self.threshold < 0 or self.threshold_mode not in ("abs", "rel"):
            bad("patience/threshold/threshold_mode", "need patience >= 1, threshold >= 0, threshold_mode abs or rel")
        for name in ("max_steps_per_stage", "curriculum_eval_steps", "pacing_steps", "scoring_batch_size",
                     "curriculum_eval_max_documents", "average_every"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                bad(f"{name}={getattr(self, name)}", "must be a positive integer")
        if not 0 < self.curriculum_eval_fraction <= 0.5:
            bad(f"curriculum_eval_fraction={self.curriculum_eval_fraction}", "need 0 < fraction <= 0.5")
        if self.seq_len_start is not None and (self.seq_len_start < 2 or not 0 < self.seq_len_end <= 1):
            bad(f"seq_len_start={self.seq_len_start}, seq_len_end={self.seq_len_end}", "need start >= 2 and 0 < end <= 1")
        if not 0 < self.decay_fraction <= 1 or self.average_last < 0:
            bad("decay_fraction/average_last", "need 0 < decay_fraction <= 1 and average_last >= 0")
        if self.vocab_curriculum not in (None, "data", *SHAPES):
            bad(f"vocab_curriculum={self.vocab_curriculum!r}", f"None, 'data' or one of {', '.join(SHAPES)}")
        if self.objective_units:
            parse_units(self.objective_units)  # its ValueError names the unit and what is wrong
        if self.vocab_label_mode not in ("unk", "ignore"):
            bad(f"vocab_label_mode={self.vocab_label_mode!r}", "choose unk or ignore")
        # flags the curriculum cannot honour
        if self.train_sampling_strategy != "random":
            bad(f"train_sampling_strategy={self.train_sampling_strategy!r}", "the curriculum decides the data order "
                "(easiest first, shuffled inside the part in use); leave it at 'random'")
        if self.ignore_data_skip:
            bad("ignore_data_skip=True", "a resumed curriculum replays its sampler up to the checkpoint so that it "
                "feeds the data the uninterrupted run would; leave it False")
        if epochs_given and self.max_steps <= 0:
            bad(f"num_train_epochs={self.num_train_epochs} without max_steps", "an epoch is not defined while the "
                "curriculum grows the data; give max_steps (the run's length in optimizer steps)")
        # a resume must restore the curriculum's state (CurriculumCallback) with the rest of the trainer state
        self.restore_callback_states_from_checkpoint = True

    def __getstate__(self):
        # TrainingArguments are pickled into training_args.bin of every checkpoint: never write a token there
        state = dict(self.__dict__)
        for key in ("hub_token", "push_to_hub_token"):
            if key in state:
                state[key] = None
        return state


@dataclass
class CurriculumConfig(CurriculumArguments, TrainingArguments):
    """``TrainingArguments`` plus the curriculum's settings; see :class:`CurriculumArguments`.

    Differs from ``TrainingArguments``: ``learning_rate`` defaults to 3e-3 (pretraining a tiny model from scratch;
    transformers' 5e-5 is a fine-tuning rate that leaves such a model near the unigram loss).
    """

    learning_rate: float = field(default=3e-3, metadata={"help": "peak AdamW learning rate (3e-3: a tiny model from "
                                 "scratch; transformers' 5e-5 is a fine-tuning rate)"})

    def __post_init__(self):
        self._curriculum_post_init(super().__post_init__)
