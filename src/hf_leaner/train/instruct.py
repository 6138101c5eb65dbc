"""Instruction tuning: trl's ``SFTTrainer`` on prompt/completion records, loss on the response only.

Defaults are for a 1M–20M-parameter model on a CPU, not trl's (bf16, gradient checkpointing, lr 2e-5):
fp32 on a CPU (``use_cpu`` when there is no GPU), no gradient checkpointing (the activations of a tiny model
are small; recomputing them only costs time), and a learning rate of 1e-3: tiny models pretrain at 3e-3
here (as in TinyStories/TinyHelen-scale recipes), and fine-tuning at about a third of the pretraining peak
moves them within a few hundred steps, where 2e-5 barely changes the loss at this scale.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path

from hf_leaner.data.instructions import load_instruction_records, prompt_completion_rows, render_text
from hf_leaner.train.instruct_config import InstructArguments  # noqa: F401  (its home before)
from hf_leaner.models.loading import load_model_and_tokenizer  # noqa: F401  (moved to models/; its old home)

CAUSAL_TYPES = ("llama", "mamba2", "gpt2", "qwen2", "mistral", "smollm3", "phi3", "gemma", "gemma2", "gemma3_text")


def resolve_source(data: str) -> str:
    from hf_leaner.sample_data import SAMPLE_DIR

    if data == "sample":
        return str(SAMPLE_DIR)
    if data == "sample-original":  # our alpaca-shaped twin of the sample's instructions
        return str(SAMPLE_DIR / "original_instruct" / "alpaca_sample.jsonl")
    return data


def sft_config(a: InstructArguments, n_train: int, curriculum: bool):
    import torch

    from hf_leaner.curriculum import CurriculumSFTConfig
    from trl import SFTConfig

    gpu = torch.cuda.is_available()
    steps = a.max_steps or max(1, math.ceil(a.num_train_epochs * n_train / a.batch_size))
    common = dict(output_dir=a.output_dir, max_steps=steps, per_device_train_batch_size=a.batch_size,
                  per_device_eval_batch_size=a.batch_size, learning_rate=a.learning_rate, lr_scheduler_type="cosine",
                  warmup_steps=max(1, steps // 20), weight_decay=0.0, max_length=a.max_length, packing=False,
                  completion_only_loss=True, use_cpu=not gpu, bf16=gpu and torch.cuda.is_bf16_supported(),
                  activation_checkpointing=False, report_to=[], save_strategy="no", logging_steps=max(1, steps // 10),
                  seed=a.seed, disable_tqdm=not a.progress, dataset_num_proc=None)
    if curriculum:
        return CurriculumSFTConfig(**common, difficulty=a.curriculum, pacing=a.pacing)
    return SFTConfig(**common)


def build_trainer(a: InstructArguments):
    """The model, its tokenizer and a (Curriculum)SFTTrainer on the train split (validation split for eval)."""
    import numpy as np
    from datasets import Dataset
    from peft import LoraConfig

    source = resolve_source(a.data)  # the records first: a bad one is reported before the model loads
    train = load_instruction_records(source, "train", limit=a.max_train_examples)
    valid = load_instruction_records(source, "validation")
    model, tokenizer = load_model_and_tokenizer(a.model)
    train_rows = Dataset.from_list(prompt_completion_rows(train, tokenizer.eos_token))
    valid_rows = Dataset.from_list(prompt_completion_rows(valid, tokenizer.eos_token))
    args = sft_config(a, len(train_rows), curriculum=bool(a.curriculum))
    peft_config = (LoraConfig(r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout,
                              target_modules="all-linear", task_type="CAUSAL_LM") if a.lora_r else None)
    kwargs = dict(model=model, args=args, train_dataset=train_rows, eval_dataset=valid_rows, processing_class=tokenizer,
                  peft_config=peft_config)
    if a.curriculum:
        from hf_leaner.curriculum import CurriculumSFTTrainer
        from hf_leaner.curriculum.scoring import Documents

        texts = [render_text(r["instruction"], r["input"], r["output"]) for r in train]
        ids = [np.asarray(x) for x in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        return CurriculumSFTTrainer(**kwargs, documents=Documents(ids, texts)), tokenizer, len(train)
    from trl import SFTTrainer

    return SFTTrainer(**kwargs), tokenizer, len(train)


def instruct(a: InstructArguments) -> dict:
    """Tune, then save a plain (LoRA merged) model + tokenizer into ``a.output_dir``; returns a summary."""
    t0 = time.time()
    trainer, tokenizer, n_train = build_trainer(a)
    if a.quiet:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    result = trainer.train()
    metrics = trainer.evaluate()
    model = trainer.model
    if a.lora_r:
        model = model.merge_and_unload()  # a plain model: generate and the Hub need no peft
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out = Path(a.output_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    summary = {"model": a.model, "data": a.data, "train_examples": n_train, "steps": trainer.state.global_step,
               "train_loss": result.training_loss, "eval_loss": metrics.get("eval_loss"),
               "lora_r": a.lora_r, "curriculum": a.curriculum, "seconds": time.time() - t0,
               "template": "### TASK INPUT:\\n{instruction}[\\n{input}]\\n\\n### RESPONSE:\\n{output}",
               "arguments": asdict(a)}
    (out / "hf_leaner_instruct.json").write_text(json.dumps(summary, indent=1))
    return summary
