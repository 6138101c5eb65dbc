"""Helpers of the curriculum tests: tiny runs on the embedded sample, and a trainer that records what it fed."""

import torch

from hf_leaner.curriculum import CurriculumConfig, CurriculumTrainer
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining


def config(out, **overrides) -> CurriculumConfig:
    base = dict(output_dir=str(out), max_steps=16, per_device_train_batch_size=4, logging_steps=4, save_strategy="no",
                learning_rate=5e-3, report_to=[], disable_tqdm=True, use_cpu=True, seed=7,
                difficulty="sentence_length", pacing="iterative", curriculum_eval_steps=4)
    base.update(overrides)
    return CurriculumConfig(**base)


def pretraining(out, corpus, tokenizers, arch="llama", documents=200, trainer_cls=CurriculumTrainer, block_size=32,
                **overrides):
    """A CurriculumTrainer over the first ``documents`` sample documents, as ``hf-leaner pretrain`` builds it."""
    pargs = PretrainArguments(arch=arch, size="100K", block_size=block_size, max_train_documents=documents,
                              max_eval_documents=20)
    tokenizer = tokenizers[{"bert": "mlm", "xlnet": "plm"}.get(arch, "clm")]
    return build_pretraining(pargs, config(out, **overrides), trainer_cls=trainer_cls, corpus=corpus, tokenizer=tokenizer)


class Recording(CurriculumTrainer):
    """Records each training micro-batch as the model receives it, with its step and target count."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fed = []

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if model.training:
            batch = {k: v.detach().clone() for k, v in inputs.items() if torch.is_tensor(v)}
            self.fed.append((self.state.global_step, batch, num_items_in_batch))
        return super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)


def drawn_documents(trainer) -> list[set[int]]:
    """For every optimizer step of the finished run, the documents its blocks were cut from."""
    sampler = trainer._get_train_sampler()
    refs = list(sampler)
    sps = sampler.samples_per_step
    return [set().union(*(set(r.docs) for r in refs[s:s + sps])) for s in range(0, len(refs), sps)]
