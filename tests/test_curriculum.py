"""CurriculumTrainer: every model family, a user subclass, exact resume, pacing and vocabulary curricula."""

import json

import numpy as np
import pytest

from hf_leaner.curriculum import CompetencePacing, CurriculumConfig, CurriculumTrainer, Documents
from hf_leaner.curriculum.sampler import CurriculumSampler, CurriculumState
from hf_leaner.models import count_parameters, make_config
from hf_leaner.train.packing import PackedDocuments
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining


def _args(tmp_path, **kw):
    base = dict(output_dir=str(tmp_path / "run"), max_steps=24, per_device_train_batch_size=4, eval_strategy="steps",
                eval_steps=4, logging_steps=4, save_strategy="no", learning_rate=3e-3, report_to=[], disable_tqdm=True,
                use_cpu=True, seed=7, difficulty="sentence_length", pacing="iterative", patience=1)
    base.update(kw)
    return CurriculumConfig(**base)


class LongWordsFirst(CurriculumTrainer):
    """A user's trainer: one scorer replaced (documents with short words are easy)."""

    calls = 0

    def score_sentence_length(self, docs: Documents) -> np.ndarray:
        type(self).calls += 1
        return np.array([np.mean([len(w) for w in t.split()] or [0]) for t in docs.texts])


@pytest.mark.parametrize("arch,size", [("llama", "300K"), ("bert", "300K"), ("xlnet", "300K"), ("mamba2", "300K")])
def test_user_subclass_trains_every_family_on_leaner_data(tmp_path, arch, size, shared_dir):
    pargs = PretrainArguments(arch=arch, size=size, data=str(shared_dir), data_config="leaner-10M-wiki", block_size=64,
                              max_train_documents=300, max_eval_documents=40, vocab_size=600)
    LongWordsFirst.calls = 0
    trainer = build_pretraining(pargs, _args(tmp_path, max_steps=12), trainer_cls=LongWordsFirst)
    n = count_parameters(trainer.model)["non_embedding"]
    assert abs(n - 300_000) <= 0.05 * 300_000
    out = trainer.train()
    assert np.isfinite(out.training_loss) and LongWordsFirst.calls == 1
    logged = [h for h in trainer.state.log_history if "curriculum/fraction" in h]
    assert logged and all({"curriculum/stage", "curriculum/threshold"} <= set(h) for h in logged)
    assert trainer.state.log_history[-1]["train_loss"] > 0


def test_resume_reproduces_the_uninterrupted_stage_sequence(tmp_path, sample_dir):
    pargs = PretrainArguments(arch="llama", size="100K", data=str(sample_dir), block_size=32, vocab_size=400)
    # threshold 1.0: any smaller improvement counts as none, so the data grows every second evaluation
    kw = dict(save_strategy="steps", save_steps=12, difficulty="self_loss", learning_rate=5e-3, threshold=1.0)
    full = build_pretraining(pargs, _args(tmp_path / "a", **kw))
    full.train()
    # the same run, stopped at its step-12 checkpoint and resumed from it in a fresh trainer
    resumed = build_pretraining(pargs, _args(tmp_path / "a", **kw))
    resumed.train(resume_from_checkpoint=str(tmp_path / "a" / "run" / "checkpoint-12"))
    assert len(full.curriculum_state.history) >= 3  # the schedule really moved (several stages, re-scored)
    assert resumed.curriculum_state.history == full.curriculum_state.history
    losses = lambda t: [round(h["loss"], 4) for h in t.state.log_history if "loss" in h and h["step"] > 12]
    evals = lambda t: [round(h["eval_loss"], 4) for h in t.state.log_history if "eval_loss" in h and h["step"] > 12]
    assert losses(resumed) == losses(full) and evals(resumed) == evals(full)
    saved = json.loads((tmp_path / "a" / "run" / "checkpoint-12" / "curriculum_state.json").read_text())
    assert saved["scorer"] == "self_loss" and saved["history"][0]["fraction"] == 0.05


def test_sampler_draws_only_from_the_easiest_active_documents():
    docs = Documents([np.full(10, i % 50, dtype=np.int32) for i in range(100)])
    packed = PackedDocuments(docs, block_size=11, separator_id=99)  # one document per block
    order = np.arange(100)[::-1]  # "easiest" = last documents
    v = packed.add_order(order)
    state = CurriculumState([{"position": 0, "fraction": 0.1, "version": v, "stage": 0},
                             {"position": 40, "fraction": 0.5, "version": v, "stage": 1}])
    drawn = list(CurriculumSampler(packed, state, 80, 4, seed=0))
    first_docs = {int(packed[i]["input_ids"][0]) for i in drawn[:40]}
    assert first_docs == {i % 50 for i in range(90, 100)}  # exactly the easiest 10%, each once per pass
    later = {packed.block(v, i - v * packed.stride)[0] for i in drawn[40:]}
    assert later <= {i % 50 for i in range(50, 100)} and len(later) > 10
    assert drawn == list(CurriculumSampler(packed, state, 80, 4, seed=0))  # a pure function of state and seed


def test_competence_pacing_shapes():
    for shape in ("linear", "quadratic", "root", "exponential", "logarithmic", "step"):
        p = CompetencePacing(shape, initial=0.1, maximum=1.0, start=0.0, end=0.5)
        values = [p.fraction(s, 100) for s in range(0, 101, 5)]
        assert values[0] == pytest.approx(0.1, abs=0.006) and values[-1] == 1.0
        assert all(b >= a for a, b in zip(values, values[1:])), shape
    lin, quad, root = (CompetencePacing(s, 0.0, 1.0, 0.0, 1.0) for s in ("linear", "quadratic", "root"))
    assert quad.fraction(50, 100) < lin.fraction(50, 100) < root.fraction(50, 100)


def test_vocabulary_curriculum_maps_inactive_tokens_to_unk(tmp_path, sample_dir):
    pargs = PretrainArguments(arch="llama", size="100K", data=str(sample_dir), block_size=32, vocab_size=400)
    trainer = build_pretraining(pargs, _args(tmp_path, pacing="linear", vocab_curriculum="linear",
                                             vocab_start_fraction=0.2, max_steps=10, eval_strategy="no"))
    trainer.train()
    tok = trainer.processing_class
    import torch

    ids = torch.arange(len(tok)).unsqueeze(0)
    early = trainer.apply_vocabulary({"input_ids": ids, "labels": ids.clone()}, step=0)
    kept = set(early["input_ids"][0].tolist())
    size0 = trainer._active_vocab_size(0)
    assert size0 < len(tok) and len(kept) == size0  # the active tokens (UNK, a special token, among them)
    assert set(tok.all_special_ids) <= kept  # special tokens are never removed
    assert trainer._active_vocab_size(10) == len(tok)
    assert any("curriculum/vocab_size" in h for h in trainer.state.log_history)


def test_iterative_needs_evaluation(tmp_path):
    with pytest.raises(ValueError, match="eval_strategy"):
        _args(tmp_path, eval_strategy="no")


def test_presets_hit_their_size():
    for arch in ("llama", "bert", "xlnet", "mamba2"):
        for size in ("1M", "14M"):
            n = make_config(arch, size).hf_leaner["non_embedding_parameters"]
            assert abs(n / {"1M": 1e6, "14M": 14e6}[size] - 1) <= 0.05, (arch, size, n)
