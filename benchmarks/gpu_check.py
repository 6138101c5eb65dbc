"""GPU check: every model family at ~14M non-embedding parameters trains under CurriculumTrainer in bf16,
next to a plain Trainer, on the embedded sample text. Prints tokens/s for both and which Mamba2 path ran.

    python benchmarks/gpu_check.py [--steps 60] [--size 14M]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from transformers import Trainer, TrainingArguments

from hf_leaner.curriculum import CurriculumConfig, CurriculumTrainer, Documents
from hf_leaner.models import ARCHITECTURES, OBJECTIVE, build_model, count_parameters, make_config
from hf_leaner.models.tokenizer import train_tokenizer
from hf_leaner.train.packing import PackedDocuments, make_collator


def sample_texts() -> list[str]:
    root = Path(__file__).resolve().parents[1] / "src/hf_leaner/sample_data/data/leaner/10M/train"
    return [json.loads(line)["text"] for f in sorted(root.glob("*.jsonl")) for line in f.open() if '"text"' in line]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--size", default="14M")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--block", type=int, default=256)
    a = p.parse_args()
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name(0)}")
    texts = sample_texts() * 4
    for arch in ARCHITECTURES:
        fam = OBJECTIVE[arch]
        tok = train_tokenizer(iter(texts), fam, vocab_size=2000)
        ids = [np.asarray(e.ids, np.int32) for e in tok.backend_tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
        docs = Documents(ids, texts)
        sep = tok.eos_token_id if fam == "clm" else tok.sep_token_id
        data = PackedDocuments(docs, a.block, sep, prefix_id=tok.cls_token_id if fam == "mlm" else None)
        collator = make_collator(fam, tok)
        config = make_config(arch, a.size, len(tok), a.block, tok)
        common = dict(max_steps=a.steps, per_device_train_batch_size=a.batch, learning_rate=1e-3, bf16=True,
                      report_to=[], save_strategy="no", logging_steps=a.steps, disable_tqdm=True, seed=0)
        results = {}
        for name in ("Trainer", "CurriculumTrainer"):
            model = build_model(config, seed=0)
            if name == "Trainer":
                t = Trainer(model=model, args=TrainingArguments(output_dir="/tmp/gpu_plain", **common), train_dataset=data,
                            data_collator=collator, processing_class=tok)
            else:
                t = CurriculumTrainer(model=model, args=CurriculumConfig(output_dir="/tmp/gpu_cur", difficulty="sentence_length",
                                                                         pacing="linear", **common),
                                      train_dataset=data, data_collator=collator, processing_class=tok)
            torch.cuda.synchronize()
            out = t.train()
            results[name] = (out.metrics["train_runtime"], out.training_loss)
        extra = ""
        if arch == "mamba2":
            from transformers.models.mamba2 import modeling_mamba2 as mm

            fast = all(getattr(mm, n, None) is not None for n in ("mamba_chunk_scan_combined", "causal_conv1d_fn"))
            extra = f"  mamba2 kernels: {'CUDA (mamba_ssm)' if fast else 'torch fallback (mamba_ssm not installed)'}"
        n = count_parameters(build_model(config))["non_embedding"]
        tokens = a.steps * a.batch * a.block
        (tp, lp), (tc, lc) = results["Trainer"], results["CurriculumTrainer"]
        print(f"{arch:7} {n / 1e6:5.1f}M  Trainer {tokens / tp:9,.0f} tok/s (loss {lp:.2f})  "
              f"CurriculumTrainer {tokens / tc:9,.0f} tok/s (loss {lc:.2f})  ratio {tc / tp:.3f}{extra}")


if __name__ == "__main__":
    main()
