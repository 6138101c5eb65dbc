"""CurriculumTrainer training modes, each exercised by training in that mode."""

import numpy as np
import pytest
import torch
from curriculum_runs import Recording, config, drawn_documents, pretraining

from hf_leaner.curriculum import CurriculumConfig, CurriculumTrainer, Documents, register_scorer
from hf_leaner.models import count_parameters
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining


def test_default_config_builds_and_trains(tmp_path, sample_corpus, tokenizers):
    """CurriculumConfig(output_dir=...) alone: the iterative pacing runs on its own held-out slice."""
    corpus = {"train": sample_corpus["train"].select(range(40))}
    pargs = PretrainArguments(arch="llama", size="100K", block_size=32)
    trainer = build_pretraining(pargs, CurriculumConfig(output_dir=str(tmp_path / "d")), corpus=corpus,
                                tokenizer=tokenizers["clm"])
    assert trainer.args.pacing == "iterative" and trainer.args.eval_strategy == "no"
    assert trainer.args.dataloader_pin_memory == torch.cuda.is_available()  # nothing to pin for on a CPU
    out = trainer.train()
    units = trainer.curriculum_units.view(trainer.curriculum_train_ids).num_units(len(trainer.curriculum_train_ids))
    assert trainer.state.global_step == trainer.args.max_steps == -(-3 * units // 8)  # 3 passes' worth, batch 8
    assert np.isfinite(out.training_loss)
    assert any("curriculum_eval_loss" in h for h in trainer.state.log_history)
    held = set(range(trainer.curriculum_units.num_documents)) - set(trainer.curriculum_train_ids.tolist())
    assert held and not held & set().union(*drawn_documents(trainer))


@pytest.mark.parametrize("flags,culprit", [
    (dict(train_sampling_strategy="group_by_length"), "train_sampling_strategy"),
    (dict(ignore_data_skip=True), "ignore_data_skip"),
    (dict(num_train_epochs=2.0, max_steps=-1), "num_train_epochs"),
    (dict(pacing="sideways"), "pacing"),
    (dict(vocab_label_mode="drop"), "vocab_label_mode"),
])
def test_flags_the_curriculum_cannot_honour_are_refused(tmp_path, flags, culprit):
    with pytest.raises(ValueError, match=culprit):
        config(tmp_path, **flags)


def test_self_loss_rescoring_with_two_dataloader_workers(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, documents=120, difficulty="self_loss", threshold=1.0,
                          dataloader_num_workers=2, max_steps=20)
    out = trainer.train()
    history = trainer.curriculum.history
    assert np.isfinite(out.training_loss) and len(history) >= 3
    assert len({h["version"] for h in history}) == len(history)  # re-scored at every stage
    # after each change the blocks come from the easiest documents of that stage's ordering only
    per_step, sps = drawn_documents(trainer), trainer.samples_per_step
    for h, following in zip(history, history[1:] + [{"position": 20 * sps}]):
        order = trainer.curriculum.orders[h["version"]]
        pool = set(order[:int(np.ceil(h["fraction"] * len(order)))].tolist())
        assert all(s <= pool for s in per_step[h["position"] // sps:following["position"] // sps])


@pytest.mark.parametrize("arch", ["llama", "bert"])
def test_vocabulary_curriculum_follows_the_data(tmp_path, sample_corpus, tokenizers, arch):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, arch=arch, trainer_cls=Recording, pacing="linear",
                          vocab_curriculum="data", vocab_start_fraction=0.2, pacing_end=0.75)
    trainer.train()
    vocab = trainer._vocabulary
    unk, special = trainer.processing_class.unk_token_id, set(trainer.processing_class.all_special_ids)
    sizes = []
    for step, batch, _ in trainer.fed:
        fraction = trainer.curriculum_status(step)["curriculum/fraction"]
        k = vocab.size_at(fraction)
        active = set(vocab.rank[:k].tolist())
        assert set(batch["input_ids"].unique().tolist()) <= active | special, step
        sizes.append(k)
    assert sizes == sorted(sizes) and sizes[0] < len(trainer.processing_class) == sizes[-1]
    assert unk in set(trainer.fed[0][1]["input_ids"].unique().tolist())  # rare tokens really became UNK
    logged = [h["curriculum/vocab_size"] for h in trainer.state.log_history if "curriculum/vocab_size" in h]
    assert logged and logged == sorted(logged)


def test_vocabulary_ignore_mode_drops_inactive_targets_from_the_loss(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, trainer_cls=Recording, pacing="linear", max_steps=6,
                          vocab_curriculum="linear", vocab_start_fraction=0.1, vocab_label_mode="ignore")
    trainer.train()
    vocab, unk = trainer._vocabulary, trainer.processing_class.unk_token_id
    step, batch, num_items = trainer.fed[0]
    active = set(vocab.rank[:vocab.size_at(0.1)].tolist())
    ids, labels = batch["input_ids"], batch["labels"]
    inactive_input = ids == unk
    assert inactive_input.any() and (labels[inactive_input] == -100).all()  # UNK in the input, ignored as target
    assert set(labels[labels != -100].unique().tolist()) <= active
    assert int(num_items) == int((labels[:, 1:] != -100).sum())  # the loss normaliser counts active targets only


def test_gradient_accumulation_feeds_what_a_double_batch_feeds(tmp_path, sample_corpus, tokenizers):
    common = dict(trainer_cls=Recording, pacing="linear", max_steps=10, pacing_end=0.5)
    accumulated = pretraining(tmp_path / "a", sample_corpus, tokenizers, per_device_train_batch_size=4,
                              gradient_accumulation_steps=2, **common)
    accumulated.train()
    double = pretraining(tmp_path / "b", sample_corpus, tokenizers, per_device_train_batch_size=8,
                         auto_find_batch_size=True, **common)
    double.train()
    assert double.samples_per_step == accumulated.samples_per_step == 8
    per_step = lambda t: [torch.cat([b["input_ids"] for s, b, _ in t.fed if s == k]) for k in range(10)]
    assert all(torch.equal(a, b) for a, b in zip(per_step(accumulated), per_step(double)))


def test_registered_scorer_and_dynamic_override(tmp_path, sample_corpus, tokenizers):
    @register_scorer("commas")
    def commas(docs: Documents, trainer):
        return [t.count(",") for t in docs.texts]

    trainer = pretraining(tmp_path / "r", sample_corpus, tokenizers, difficulty="commas", pacing="step", max_steps=8)
    trainer.train()
    texts = [trainer.curriculum_documents.texts[i] for i in range(trainer.curriculum_units.num_documents)]
    pool = trainer.curriculum.orders[0][:int(np.ceil(0.05 * len(texts)))]
    assert max(texts[i].count(",") for i in pool) <= np.quantile([t.count(",") for t in texts], 0.05)

    class Scored(CurriculumTrainer):
        calls = []

        def score_self_loss(self, docs):  # the user's own self-loss: still re-run at every stage
            self.calls.append(self.state.global_step)
            return np.asarray([len(t) for t in docs.token_ids], dtype=float) + self.state.global_step

    trainer = pretraining(tmp_path / "o", sample_corpus, tokenizers, trainer_cls=Scored, difficulty="self_loss",
                          threshold=1.0, max_steps=12)
    trainer.train()
    assert len(Scored.calls) == len(trainer.curriculum.history) >= 2


def _sentence_length(text: str) -> float:  # an independent definition: words per [.!?]-terminated sentence
    sentences = [s for s in text.replace("!", ".").replace("?", ".").split(".") if s.strip()]
    return len(text.split()) / max(len(sentences), 1)


def test_difficulty_reverse_starts_with_the_hardest(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, difficulty_reverse=True, max_steps=4)
    trainer.train()
    docs = trainer.curriculum_documents
    lengths = np.array([_sentence_length(docs.texts[i]) for i in trainer.curriculum_train_ids])
    first_pool = drawn_documents(trainer)[0]
    pool_lengths = [_sentence_length(docs.texts[i]) for i in first_pool]
    assert np.median(pool_lengths) >= np.quantile(lengths, 0.85)


def test_iterative_schedule_follows_its_own_held_out_loss(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, max_steps=24, curriculum_eval_steps=2, threshold=0.05,
                          threshold_mode="rel", patience=2, max_steps_per_stage=8, eval_strategy="steps", eval_steps=8)
    trainer.train()
    held = set(range(trainer.curriculum_units.num_documents)) - set(trainer.curriculum_train_ids.tolist())
    assert held and not held & set().union(*drawn_documents(trainer))
    # replay the rule on the logged held-out losses: it must give exactly the recorded stage changes
    losses = [(h["step"], h["curriculum_eval_loss"]) for h in trainer.state.log_history if "curriculum_eval_loss" in h]
    best, bad, stage_step, fraction, grown = None, 0, 0, 0.05, []
    for step, loss in losses:
        if best is None or loss < best * (1 - 0.05):
            best, bad = loss, 0
        else:
            bad += 1
        if bad >= 2 or step - stage_step >= 8:
            grown.append(step)
            best, bad, stage_step, fraction = None, 0, step, fraction + 0.05
    assert [h["step"] for h in trainer.curriculum.history[1:]] == grown and grown
    assert any("eval_loss" in h for h in trainer.state.log_history)  # the reported validation ran, separately


@pytest.mark.parametrize("arch,size", [("llama", "300K"), ("bert", "300K"), ("xlnet", "300K"), ("mamba2", "300K")])
def test_user_subclass_trains_every_family_on_leaner_data(tmp_path, arch, size, shared_dir):
    class LongWordsFirst(CurriculumTrainer):  # a user's trainer: one scorer replaced
        calls = 0

        def score_sentence_length(self, docs: Documents) -> np.ndarray:
            type(self).calls += 1
            return np.array([np.mean([len(w) for w in t.split()] or [0]) for t in docs.texts])

    pargs = PretrainArguments(arch=arch, size=size, data=str(shared_dir), data_config="leaner-10M-wiki", block_size=64,
                              max_train_documents=300, max_eval_documents=40, vocab_size=600)
    trainer = build_pretraining(pargs, config(tmp_path, max_steps=12), trainer_cls=LongWordsFirst)
    assert abs(count_parameters(trainer.model)["non_embedding"] - 300_000) <= 0.05 * 300_000
    out = trainer.train()
    assert np.isfinite(out.training_loss) and LongWordsFirst.calls == 1
    logged = [h for h in trainer.state.log_history if "curriculum/fraction" in h]
    assert logged and all({"curriculum/stage", "curriculum/threshold"} <= set(h) for h in logged)
