"""Run under `accelerate launch --cpu --num_processes 2`: trains briefly and records, per process, the
dataset indices it was given and the curriculum history it ended with."""

import json
import sys
from pathlib import Path

from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.train.packing import PackedDocuments
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining

out = Path(sys.argv[1])
seen = []
original_getitem = PackedDocuments.__getitem__


def recording_getitem(self, index):
    if self.stride > 1 and len(self.orders) > 1:  # the training set (eval sets keep one version)
        seen.append(int(index))
    return original_getitem(self, index)


PackedDocuments.__getitem__ = recording_getitem
pargs = PretrainArguments(arch="llama", size="100K", data="sample", block_size=32, vocab_size=400)
args = CurriculumConfig(output_dir=str(out / "run"), max_steps=16, per_device_train_batch_size=3, eval_strategy="steps",
                        eval_steps=4, logging_steps=4, save_strategy="no", learning_rate=5e-3, report_to=[],
                        disable_tqdm=True, use_cpu=True, seed=3, difficulty="self_loss", threshold=1.0,
                        dataloader_drop_last=True)
trainer = build_pretraining(pargs, args)
trainer.train()
rank = trainer.args.process_index
sampler = trainer._get_train_sampler()  # the global sequence the finished schedule defines
(out / f"rank{rank}.json").write_text(json.dumps({
    "seen": seen, "history": trainer.curriculum_state.history, "world": trainer.args.world_size,
    "orders": [o.tolist() for o in trainer.curriculum_units.orders], "stride": trainer.train_dataset.stride,
    "num_documents": trainer.train_dataset.num_documents, "global": list(sampler)}))
trainer.accelerator.wait_for_everyone()
trainer.accelerator.end_training()  # tear the process group down before exit (no teardown race)
