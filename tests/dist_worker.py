"""Run under `accelerate launch --multi_gpu --num_processes 2` (CPU, gloo): trains briefly and records, per
process, the dataset items it was given, the curriculum it ended with, and self-loss scores of two models."""

import json
import sys
from pathlib import Path

from datasets import Dataset

from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.curriculum.model_scoring import document_losses
from hf_leaner.models import build_model, make_config
from hf_leaner.train.packing import PackedDocuments, make_collator
from hf_leaner.models.tokenizer import train_tokenizer
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining, tokenize_documents

out = Path(sys.argv[1])
seen = []
original_getitem = PackedDocuments.__getitem__


def recording_getitem(self, index):
    if not isinstance(index, int):  # a BlockRef: a training block (evaluation reads by integer)
        seen.append([list(index.docs), index.start])
    return original_getitem(self, index)


PackedDocuments.__getitem__ = recording_getitem
pargs = PretrainArguments(arch="llama", size="100K", data="sample", block_size=32, vocab_size=400, max_train_documents=200)
args = CurriculumConfig(output_dir=str(out / "run"), max_steps=16, per_device_train_batch_size=3, logging_steps=4,
                        save_strategy="no", learning_rate=5e-3, report_to=[], disable_tqdm=True, use_cpu=True, seed=3,
                        difficulty="self_loss", threshold=1.0, curriculum_eval_steps=4, dataloader_drop_last=True)
trainer = build_pretraining(pargs, args)
trainer.train()
rank = trainer.args.process_index
refs = list(trainer._get_train_sampler())  # the global sequence the finished schedule defines
docs = trainer.curriculum_train_documents
clm_scores = trainer.document_losses(docs, trainer.model)
# the same for a masked LM, whose masks must not depend on how chunks were shared out
mlm_tok = train_tokenizer(iter(docs.texts), "mlm", vocab_size=400)
bert = build_model(make_config("bert", "100K", vocab_size=len(mlm_tok), tokenizer=mlm_tok), seed=5)
mlm_docs = tokenize_documents(Dataset.from_dict({"text": docs.texts}), mlm_tok, "text")
mlm_scores = document_losses(mlm_docs, bert, "mlm", accelerator=trainer.accelerator,
                             collator=make_collator("mlm", mlm_tok), block_size=32, batch_size=8, seed=3)
if rank == 0:
    trainer.save_model(str(out / "model"))
    bert.save_pretrained(out / "bert")
    mlm_tok.save_pretrained(out / "bert")
(out / f"rank{rank}.json").write_text(json.dumps({
    "seen": seen, "history": trainer.curriculum.history, "world": trainer.args.world_size,
    "orders": [o.tolist() for o in trainer.curriculum.orders],
    "global": [[list(r.docs), r.start] for r in refs], "clm_scores": clm_scores.tolist(),
    "mlm_scores": mlm_scores.tolist()}))
trainer.accelerator.wait_for_everyone()
trainer.accelerator.end_training()  # tear the process group down before exit (no teardown race)
