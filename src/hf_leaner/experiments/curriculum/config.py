"""``StudyArguments``: the settings (and command-line flags) of ``hf-leaner experiment curriculum``.

No torch, transformers or datasets here: the command line builds and checks it in the first second. The fields
are grouped as the class docstring lists them; every cross-flag check is in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hf_leaner.evaluation import TASKS
from hf_leaner.utils.parallel import available_cores
from hf_leaner.utils.parallel import shard as shard_of
from hf_leaner.experiments.strategies import DEFAULT_STRATEGIES, SCHEDULES, STRATEGIES
from hf_leaner.experiments.zero_shot_columns import OWN, ZERO_SHOT_HELP, check_zero_shot
from hf_leaner.models.presets import ARCHITECTURES
from hf_leaner.utils import args as checks
from hf_leaner.utils.args import arg, csv_list
from hf_leaner.data.sources import check_data_source
from hf_leaner.utils.errors import UsageError


@dataclass
class StudyArguments:
    """The study's settings. The defaults take about an hour on 2 quiet CPU cores: 3 strategies x 2 schedules x
    (3 learning rates + 2 more seeds) = 30 runs of 327,680 tokens (160 steps of 16 x 128) on a LLaMA with
    525K non-embedding parameters ("500K": hidden 128, 2 layers); ``budget``, ``model_size`` and ``strategies``
    scale it up.

    Groups: data (corpus, held-out slice, validation text), model, the study (strategies, schedules, learning
    rates, seeds, budget), GLUE, output.
    """

    # data
    data: str = arg("sample", aliases=("--data_dir",), help="'sample', a release copy or a published corpus folder")
    data_config: str = arg("leaner-10M-all", help="the corpus config, e.g. leaner-10M-all")
    max_train_documents: int | None = arg(None, value=checks.positive_int,
                                          help="train on this many documents (default all)")
    max_eval_documents: int = arg(40, value=checks.positive_int, help="validation documents per genre")
    eval_chars_per_genre: int = arg(24_000, value=checks.positive_int, help="validation text per genre, in characters "
                                    "(long documents are cut off by document)")
    heldout_documents: int = arg(200, value=checks.positive_int, help="training documents held out to choose each "
                                 "strategy's LR (and drive iterative pacing)")
    heldout_chars: int = arg(48_000, value=checks.positive_int, help="the held-out slice: at most this much text")
    # model
    arch: str = arg("llama", choices=ARCHITECTURES, help="model family")
    model_size: str = arg("500K", aliases=("--size",), value=checks.model_size,
                          help="non-embedding parameters: 500K, 1M, 14M, ...")
    vocab_size: int = arg(2000, value=checks.vocab_size, help="tokens in the BPE tokenizer trained on the corpus")
    block_size: int = arg(128, value=checks.block_size, help="tokens per training block")
    batch_size: int = arg(16, value=checks.positive_int, help="blocks per optimizer step")
    # the study
    strategies: tuple[str, ...] = arg(DEFAULT_STRATEGIES, value=csv_list(str, tuple(STRATEGIES), "strategy"),
                                      nargs=None, help="comma-separated (default: " + ",".join(DEFAULT_STRATEGIES)
                                      + "; the baseline is always run)")
    schedules: tuple[str, ...] = arg(("decay", "wsd"), value=csv_list(str, tuple(SCHEDULES), "schedule"), nargs=None,
                                     help="LR families, decay (cosine) and wsd (warmup-stable-decay + averaging)")
    seeds: tuple[int, ...] = arg((1, 2, 3), value=csv_list(int), nargs=None, help="comma-separated (default 1,2,3)")
    learning_rates: tuple[float, ...] = arg((2e-3, 4e-3, 8e-3), value=csv_list(checks.positive_float), nargs=None,
                                            aliases=("--learning_rate",),
                                            help="the LR grid every strategy is tuned on (one value: no tuning)")
    budget: int = arg(327_680, value=checks.positive_int, help="training tokens per run, the same for every "
                      "strategy (default 327,680: 160 steps of 16 x 128)")
    budget_fractions: tuple[float, ...] = arg(
        (1.0,), value=csv_list(checks.positive_float), nargs=None,
        help="also train every strategy on these shares of --budget, each with its whole LR schedule and its own LR "
             "(the fair test of 'the baseline's loss with 70%% of the tokens'), e.g. 0.7,1.0")
    evals: int = arg(8, value=checks.at_least(2, "evaluations per run"), help="validation evaluations per run")
    extra: dict = arg(default_factory=dict, help="CurriculumConfig overrides for every run (Python only: tests)")
    # GLUE and the follow-up study
    glue: bool = arg(False, help="also the LEANER-GLUE average of the final models, at every --budget_fractions "
                     "share (reduced grid: one LR, one fine-tuning seed, --glue_tasks)")
    glue_tasks: tuple[str, ...] = arg(("rte", "mrpc", "stsb"), value=csv_list(str, TASKS, "GLUE task"), nargs=None,
                                      help="with --glue: comma-separated (default rte,mrpc,stsb)")
    glue_max_train_examples: int = arg(1000, value=checks.positive_int, help="with --glue: subsample each train split")
    zero_shot: list[str] = arg(help=ZERO_SHOT_HELP + " (every run's final model, at every budget share)",
                               default_factory=lambda: [OWN], nargs="+")
    zero_shot_pairs: int | None = arg(None, value=checks.positive_int, help="with --zero_shot: at most N pairs per "
                                      "paradigm (a seeded subset; default all)")
    leaner_vs_original: bool = arg(False, help="then LEANER vs ORIGINAL pretraining at the same budget")
    # output
    output_dir: str = arg("outputs/experiment", aliases=("--output",), value=checks.writable_output,
                          help="runs/, study.json, study.md and the plot go here; finished runs are reused")
    save_models: bool = arg(False, help="keep each run's final model in runs/<schedule>/<strategy>/lr<LR>_seed<S>/ "
                            "(--glue and --zero_shot do)")
    progress: bool = arg(False, help="a progress bar per run")
    # where the runs go
    workers: int = arg(default_factory=available_cores, value=checks.positive_int,
                       help="runs trained at once, in worker processes of one thread each (default: the cores "
                            "available); results are those of a serial run")
    shard: tuple[int, int] | None = arg(None, value=shard_of, metavar="I/N",
                                        help="train only shard I of N of the runs (a Slurm array task: "
                                             "--shard $SLURM_ARRAY_TASK_ID/N); rerun the array once the sweeps are "
                                             "done, then the same command without --shard merges and reports")

    def __post_init__(self):
        self.strategies, self.schedules = tuple(self.strategies), tuple(self.schedules)
        self.seeds, self.learning_rates = tuple(self.seeds), tuple(self.learning_rates)
        self.budget_fractions, self.glue_tasks = tuple(self.budget_fractions), tuple(self.glue_tasks)
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            raise ValueError(f"unknown strategy {', '.join(unknown)}; choose from {', '.join(STRATEGIES)}")
        masked_only = [s for s in self.strategies if "objective_units" in STRATEGIES[s].settings]
        if masked_only and self.arch != "bert":
            raise UsageError(f"--strategies {','.join(masked_only)}: the objective curriculum trains a masked LM; "
                             f"give --arch bert (not {self.arch})")
        if "baseline" not in self.strategies:
            self.strategies = ("baseline", *self.strategies)  # every strategy is judged against it
        if len(set(self.seeds)) != len(self.seeds):
            raise UsageError(f"--seeds {','.join(map(str, self.seeds))}: a seed is repeated")
        if any(f > 1 for f in self.budget_fractions):
            raise UsageError(f"--budget_fractions {','.join(f'{f:g}' for f in self.budget_fractions)}: each share of "
                             "the budget must be at most 1")
        if not all(0 < f <= 1 for f in self.budget_fractions):
            raise ValueError(f"budget_fractions {self.budget_fractions}: each must be in (0, 1]")
        if self.budget // self.tokens_per_step > checks.MAX_STEPS:
            raise UsageError(f"--budget {self.budget:,}: {self.budget // self.tokens_per_step:,} optimizer steps of "
                             f"{self.tokens_per_step:,} tokens per run; a run has at most {checks.MAX_STEPS:,}")
        if self.budget * min(self.budget_fractions) < self.tokens_per_step * self.evals:
            share = f" x {min(self.budget_fractions):g}" if min(self.budget_fractions) < 1 else ""
            raise UsageError(f"--budget {self.budget:,}{share}: fewer tokens than {self.evals} evaluations of one step "
                             f"each ({self.batch_size} x {self.block_size} tokens per step)")
        self.budget_fractions = tuple(sorted(set(self.budget_fractions) | {1.0}, reverse=True))  # the target needs 1
        bad = [s for s in self.schedules if s not in SCHEDULES]
        if bad:
            raise ValueError(f"unknown schedule {', '.join(bad)}; choose from {', '.join(SCHEDULES)}")
        check_data_source(self.data, self.data_config)
        check_zero_shot(self.zero_shot)

    @property
    def scores_zero_shot(self) -> bool:
        return list(self.zero_shot) != ["none"]

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.block_size
