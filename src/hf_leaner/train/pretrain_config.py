"""``PretrainArguments``: what ``hf-leaner pretrain`` trains on and what it trains (its own flags; the Trainer and
curriculum flags are ``CurriculumConfig``'s). No torch, transformers or datasets here.

The fields carry only metadata that ``transformers.HfArgumentParser`` itself understands (``help``, ``aliases``,
``choices``), because the plain parser reads this class too (``hf-leaner pretrain`` and the preset tests); the
value checks of ``--size``, ``--arch`` and ``--data`` run in the command's first second, before this parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from hf_leaner.models.presets import ARCHITECTURES
from hf_leaner.train.presets import PRESETS
from hf_leaner.utils.args import arg, choice_list, model_size


@dataclass
class PretrainArguments:
    """What to train on and what to train. Groups: recipe, model, data, tokenizer and blocks, after training."""

    # recipe
    preset: str = arg("cpu", choices=tuple(PRESETS), help="recipe defaults placed before your flags: cpu (LR 3e-3, "
                      "cosine, all the data in random order unless --pacing asks for a curriculum), tinyhelen (the paper's run: LLaMA-1M, 512x1024 tokens/step, 2,500 steps, LR 1e-2), "
                      "none (CurriculumConfig's defaults: TrainingArguments' with LR 3e-3, the iterative pacing)")
    # model
    arch: str = arg("llama", value=choice_list(ARCHITECTURES, "model family"),
                    help=f"model family: {', '.join(ARCHITECTURES)}")
    size: str = arg("1M", aliases=("--model_size",), value=model_size,
                    help="non-embedding parameters (1M, 14M, ...) or 'paper'")
    # data
    data: str = arg("sample", aliases=("--data_dir",), help="'sample' (embedded), a release copy folder, a published "
                    "corpus folder, or any datasets path / Hub id with a text column")
    data_config: str = arg("leaner-10M-all", help="config of the corpus (LEANER config name for a release copy or "
                           "published folder)")
    text_column: str = arg("text", help="the column holding the documents' text")
    on_corrupt: str = arg("raise", choices=("raise", "warn"), help="a truncated .zst shard of a release copy: stop, "
                          "or keep its complete lines and say so")
    train_split: str = arg("train", help="the split to train on")
    eval_split: str = arg("validation", help="the split to evaluate on (none: 5%% of the training documents)")
    max_train_documents: int | None = arg(None, help="train on the first N documents (default all)")
    max_eval_documents: int = arg(200, help="validation documents per genre")
    # tokenizer and blocks
    tokenizer: str | None = arg(None, help="tokenizer folder; default: train one on the data")
    vocab_size: int = arg(2000, help="tokens in the tokenizer trained on the data")
    block_size: int = arg(128, help="tokens per training block")
    # after training (run by the command line; the card lists what was computed)
    zero_shot: list[str] = arg(help="score the final model zero-shot on minimal pairs: own (pairs from the training "
                               "vocabulary), a folder holding blimp/ and zorro/, NAME=PATH, or none; results in "
                               "OUTPUT/zero_shot/ and on the model card", default_factory=lambda: ["none"], nargs="+")
