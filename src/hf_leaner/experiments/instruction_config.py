"""``InstructionExperimentArguments``: the settings (and command-line flags) of ``hf-leaner experiment instruction``.

No torch, transformers or datasets here: the command line builds and checks it in the first second;
:mod:`hf_leaner.experiments.instruction` runs it (``run_instruction_experiment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.models.presets import ARCHITECTURES
from hf_leaner.utils import args as checks
from hf_leaner.utils.args import arg, csv_list
from hf_leaner.data.sources import check_data_source
from hf_leaner.llm.connect import check_endpoint
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.parallel import available_cores

# --scale paper: 14M models, the 100M corpus, long runs, every question, 3 seeds (these fields are replaced)
PAPER_SCALE = dict(model_size="14M", corpus_size="100M", steps=20000, instruct_steps=3000, questions_per_subset=None,
                   max_new_tokens=256, seeds=[0, 1, 2])


@dataclass
class InstructionExperimentArguments:
    """EXP2: {LEANER, ORIGINAL} pretraining x {LEANER, ORIGINAL} instruction tuning, answers judged by an LLM.

    Groups: data, model, training, questions and judge, scale and seeds, output.
    """

    # data
    data: str = arg("sample", aliases=("--data_dir",), help="pretraining corpus and LEANER-Eval questions: 'sample' "
                    "or a release copy")
    corpus_size: str = arg("10M", help="the pretraining corpus size, 10M or 100M (Python only; --scale paper: 100M)")
    on_corrupt: str = arg("raise", choices=("raise", "warn"), help="a truncated .zst shard of a release copy: stop, "
                          "or keep its complete lines and say so")
    original_instructions: str = arg("sample-original", help="the ORIGINAL instruction set (alpaca-cleaned file or "
                                     "datasets id; default: the sample's)")
    leaner_instructions: str | None = arg(None, help="default --data's instruction file, else the sample's")
    # model
    arch: str = arg("llama", choices=ARCHITECTURES, help="model family (a causal one: llama or mamba2)")
    model_size: str = arg("1M", aliases=("--size",), value=checks.model_size,
                          help="non-embedding parameters: 1M, 500K, 14M, ...")
    vocab_size: int = arg(2000, value=checks.vocab_size, help="tokens in the shared BPE tokenizer")
    block_size: int = arg(128, value=checks.block_size, help="tokens per training block")
    # training
    steps: int = arg(300, value=checks.steps, help="pretraining steps per model")
    instruct_steps: int = arg(60, value=checks.steps, help="tuning steps per model")
    batch_size: int = arg(16, value=checks.positive_int, help="blocks (or records) per optimizer step")
    # questions and judge
    questions_per_subset: int | None = arg(5, value=checks.positive_int, help="LEANER-Eval questions per subset "
                                           "(None: every question)")
    max_new_tokens: int = arg(64, value=checks.positive_int, help="answer length cap (Python only)")
    judge_base_url: str = arg("local", help="'local', an OpenAI-compatible endpoint URL, or 'none' (answers only, "
                              "judged later with hf-leaner judge)")
    judge_model: str | None = arg(None, help="the judge model name (required with a URL)")
    judge_concurrency: int = arg(4, value=checks.positive_int, help="judge requests in flight (Python only)")
    # scale and seeds
    scale: str = arg("cpu", choices=("cpu", "paper"), help="'paper' = 14M models, 100M corpus, long runs, every "
                     "question, 3 seeds")
    seeds: list[int] | None = arg(None, value=csv_list(int), nargs=None, help="comma-separated (default --seed)")
    seed: int = arg(42, value=checks.nonnegative_int, help="the one seed when --seeds is not given")
    # where it runs
    workers: int = arg(default_factory=available_cores, value=checks.positive_int,
                       help="pretraining and tuning runs at once, one process of one thread each (default: the cores "
                            "available; results as one process gives them)")
    # output
    output_dir: str = arg("outputs/experiment", aliases=("--output",), value=checks.writable_output,
                          help="models, answers, judgements, results.json and the plot")

    def __post_init__(self):
        if self.judge_base_url not in ("local", "none"):
            check_endpoint(self.judge_base_url, self.judge_model, "--judge_base_url")
        for flag, source in (("--original_instructions", self.original_instructions),
                             ("--leaner_instructions", self.leaner_instructions)):
            check_instruction_source(flag, source)
        if self.scale == "paper":  # the paper's settings replace these fields
            for name, value in PAPER_SCALE.items():
                setattr(self, name, value)
        self.seeds = list(self.seeds) if self.seeds else [self.seed]
        check_data_source(self.data, f"leaner-{self.corpus_size}-all")


def check_instruction_source(flag: str, source: str | None) -> None:
    """A local instruction file is read through once here, so a missing file or a bad line stops the experiment
    in its first second (with the file and line), not after the judge started and the models pretrained."""
    if source is None or source.startswith("sample"):
        return
    path = Path(source).expanduser()
    looks_local = path.exists() or source.startswith((".", "/", "~")) or path.suffix in (".json", ".jsonl", ".parquet",
                                                                                            ".zst")
    if not looks_local:
        return  # a datasets id: read when the experiment needs it
    if not path.exists():
        raise UsageError(f"{flag} {source}: no such file or folder")
    from hf_leaner.data.instructions import load_instruction_records

    for split in ("train", "validation"):
        load_instruction_records(path, split)  # each record checked, LeanerDataError naming file:line
