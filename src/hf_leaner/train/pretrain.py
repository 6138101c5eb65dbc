"""Pretraining recipe: a corpus, a tokenizer and a tiny model preset into a ``CurriculumTrainer``.

The same code runs on one CPU, one GPU, or many processes under ``accelerate launch``. The objective
and collator follow the architecture: packed EOS-separated blocks with next-token prediction for
LLaMA and Mamba2, 15% masking for BERT, permutation LM for XLNet. Validation loss and perplexity are
reported per genre when the corpus has a ``genre`` column.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict, load_dataset
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from hf_leaner.curriculum.scoring import Documents
from hf_leaner.curriculum import CurriculumConfig, CurriculumTrainer
from hf_leaner.models import OBJECTIVE, build_model, count_parameters, make_config, paper_config
from hf_leaner.models.tokenizer import train_tokenizer
from hf_leaner.train.packing import PackedDocuments, make_collator
from hf_leaner.train.pretrain_config import PretrainArguments  # noqa: F401  (its home before)


def load_corpus(pargs: PretrainArguments) -> DatasetDict:
    """The corpus as a DatasetDict, from any of the sources ``--data`` accepts."""
    from hf_leaner.data.corpora import config_names, load_leaner
    from hf_leaner.data.parallel import is_parallel_config, load_parallel
    from hf_leaner.sample_data import SAMPLE_DIR

    source = SAMPLE_DIR if pargs.data == "sample" else Path(pargs.data)
    if is_parallel_config(pargs.data_config):  # LEANER and ORIGINAL joined by hash (a source curriculum)
        if not (source / "data" / "leaner").is_dir():
            raise ValueError(f"data_config {pargs.data_config!r} needs a release copy (--data), not {pargs.data}")
        return load_parallel(pargs.data_config, source)
    if source.is_dir() and (source / "data" / "leaner").is_dir():  # a release copy: build the config
        if pargs.data_config not in config_names("leaner-pretrain"):
            raise ValueError(f"data_config {pargs.data_config!r} is not a leaner-pretrain config")
        return load_leaner("leaner-pretrain", pargs.data_config, data_dir=source, on_corrupt=pargs.on_corrupt)
    if source.is_dir() and (source / "README.md").is_file() and (source / pargs.data_config).is_dir():
        return load_dataset(str(source), pargs.data_config)  # a folder published by build-dataset
    return load_dataset(pargs.data, pargs.data_config if pargs.data_config != "leaner-10M-all" else None)


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, objective: str) -> None:
    needed = {"clm": ["eos_token"], "mlm": ["mask_token", "cls_token", "sep_token", "pad_token"],
              "plm": ["mask_token", "sep_token", "pad_token"]}[objective]
    missing = [t for t in needed if getattr(tokenizer, t) is None]
    if missing:
        raise ValueError(f"the tokenizer lacks {', '.join(missing)} needed for {objective.upper()}; train one with "
                         f"hf_leaner.models.tokenizer.train_tokenizer(family={objective!r})")


def tokenize_documents(ds: Dataset, tokenizer, text_column: str) -> Documents:
    if text_column not in ds.column_names:
        raise ValueError(f"the corpus has no column {text_column!r} (columns: {', '.join(ds.column_names)})")
    texts = [t for t in ds[text_column]]
    backend = tokenizer.backend_tokenizer
    ids = [np.asarray(e.ids, dtype=np.int32) for e in backend.encode_batch_fast(texts, add_special_tokens=False)]
    cols = {c: ds[c] for c in ds.column_names if c in ("genre", "hash", "difficulty", "source")}
    keep = [i for i, t in enumerate(ids) if len(t) > 0]
    return Documents([ids[i] for i in keep], [texts[i] for i in keep], {c: [v[i] for i in keep] for c, v in cols.items()})


def pack(docs: Documents, tokenizer, objective: str, block_size: int) -> PackedDocuments:
    if objective == "clm":
        return PackedDocuments(docs, block_size, tokenizer.eos_token_id)
    if objective == "mlm":
        return PackedDocuments(docs, block_size, tokenizer.sep_token_id, prefix_id=tokenizer.cls_token_id)
    if block_size % 2:
        raise ValueError("XLNet's permutation LM needs an even block_size")
    return PackedDocuments(docs, block_size, tokenizer.sep_token_id)


def pack_eval_sets(eval_docs: Documents, tokenizer, objective: str, pargs: PretrainArguments) -> dict:
    """One packed validation set per genre (or one, ``all``, without a genre column)."""
    eval_sets = {}
    genres = eval_docs.columns.get("genre")
    for g in sorted(set(genres)) if genres else ["all"]:
        idx = [i for i in range(len(eval_docs)) if not genres or genres[i] == g][: pargs.max_eval_documents]
        sub = eval_docs.subset(idx)
        if sum(len(t) + 1 for t in sub.token_ids) >= pargs.block_size:
            eval_sets[g] = pack(sub, tokenizer, objective, pargs.block_size)
    if not eval_sets:
        raise ValueError("the validation documents are too short to fill one block; lower block_size")
    return eval_sets


def build_pretraining(pargs: PretrainArguments, args: CurriculumConfig, trainer_cls=CurriculumTrainer, corpus=None,
                      tokenizer=None, **trainer_kwargs):
    """Everything ``pretrain`` needs, unstarted: returns the trainer (call ``.train()``)."""
    objective = OBJECTIVE[pargs.arch]
    args.objective = objective
    corpus = corpus if corpus is not None else load_corpus(pargs)
    if pargs.train_split not in corpus:
        raise ValueError(f"the corpus has no {pargs.train_split!r} split (splits: {', '.join(corpus)})")
    train = corpus[pargs.train_split]
    if pargs.max_train_documents:
        train = train.select(range(min(pargs.max_train_documents, len(train))))
    if tokenizer is None and pargs.tokenizer:
        tokenizer = AutoTokenizer.from_pretrained(pargs.tokenizer)
    if tokenizer is None:
        tokenizer = train_tokenizer(iter(train[pargs.text_column]), objective, vocab_size=pargs.vocab_size,
                                    model_max_length=max(pargs.block_size, 1024))
    check_tokenizer(tokenizer, objective)

    docs = tokenize_documents(train, tokenizer, pargs.text_column)
    if pargs.eval_split in corpus:
        eval_docs = tokenize_documents(corpus[pargs.eval_split], tokenizer, pargs.text_column)
    else:  # no validation split: hold out 5% of the training documents
        rng = np.random.default_rng(args.seed)
        held = set(rng.choice(len(docs), max(1, len(docs) // 20), replace=False).tolist())
        eval_docs = docs.subset(sorted(held))
        docs = docs.subset([i for i in range(len(docs)) if i not in held])
    train_set = pack(docs, tokenizer, objective, pargs.block_size)
    eval_sets = pack_eval_sets(eval_docs, tokenizer, objective, pargs)
    config = (paper_config(f"{pargs.arch}-{pargs.size.split('-', 1)[1]}", len(tokenizer), pargs.block_size, tokenizer)
              if pargs.size.startswith("paper-") else
              make_config(pargs.arch, pargs.size, len(tokenizer), max(pargs.block_size, 128), tokenizer))
    model = build_model(config, seed=args.seed)
    return trainer_cls(model=model, args=args, train_dataset=train_set,
                       eval_dataset=eval_sets if len(eval_sets) > 1 else next(iter(eval_sets.values())),
                       data_collator=make_collator(objective, tokenizer, args.seed), processing_class=tokenizer, **trainer_kwargs)


def pretrain(pargs: PretrainArguments, args: CurriculumConfig, resume_from_checkpoint=None, trainer_cls=CurriculumTrainer,
             **kwargs) -> dict:
    """Train, save the model, tokenizer, metrics and a loss-curve PNG into ``args.output_dir``; returns a summary."""
    t0 = time.time()
    trainer = build_pretraining(pargs, args, trainer_cls=trainer_cls, **kwargs)
    result = trainer.train(resume_from_checkpoint=resume_from_checkpoint)
    metrics = trainer.evaluate()
    trainer.save_model()
    out = Path(args.output_dir)
    params = count_parameters(trainer.model)
    summary = {"arch": pargs.arch, "size": pargs.size, "non_embedding_parameters": params["non_embedding"],
               "steps": trainer.state.global_step, "train_loss": result.training_loss,
               "eval": {k: v for k, v in metrics.items() if k.endswith(("_loss", "_perplexity"))},
               "curriculum": trainer.curriculum.history, "data_use": trainer.curriculum_usage(),
               "seconds": round(time.time() - t0, 1),
               "tokens_seen": trainer.state.global_step * trainer.samples_per_step * pargs.block_size}
    if trainer.is_world_process_zero():
        (out / "hf_leaner_summary.json").write_text(json.dumps(summary, indent=1, default=float))
        (out / "pretrain_args.json").write_text(json.dumps(asdict(pargs), indent=1))
        from hf_leaner.train.plots import plot_run

        plot_run(trainer.state.log_history, out / "loss_curve.png", title=f"{pargs.arch} {pargs.size} - "
                 f"{args.difficulty}/{args.pacing}")
    summary["trainer"] = trainer
    return summary

