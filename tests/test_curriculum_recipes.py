"""Warm-up recipes, each trained with and checked for its defining property."""

import numpy as np
import pytest
import torch
from curriculum_runs import Recording, drawn_documents, pretraining
from transformers import TrainerCallback

from hf_leaner.curriculum.recipes import sequence_length_at


@pytest.mark.parametrize("pacing", ["linear", "iterative"])
def test_full_data_by_has_all_documents_in_use_at_the_promised_step(tmp_path, sample_corpus, tokenizers, pacing):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing=pacing, full_data_by=0.5, max_steps=16,
                          logging_steps=1, curriculum_eval_steps=4, patience=100)
    trainer.train()
    fractions = {h["step"]: h["curriculum/fraction"] for h in trainer.state.log_history if "curriculum/fraction" in h}
    # logged at step s: what the batch of step s (0-based) draws from; full data from step 8 = 0.5 x 16 on
    assert fractions[7] < 1.0 and all(fractions[s] == 1.0 for s in range(8, 17))
    sampler, state, sps = trainer._get_train_sampler(), trainer.curriculum, trainer.samples_per_step
    order = state.orders[state.entry_at(8 * sps)["version"]]
    every_block = sampler.view(state, state.entry_at(8 * sps)["version"]).num_units(len(order))
    pools = [sampler.pool_size(state, s * sps, state.entry_at(s * sps)) for s in range(16)]
    assert pools[7] < every_block and pools[8:] == [every_block] * 8  # then random over everything
    assert len(set().union(*drawn_documents(trainer)[8:])) > len(set().union(*drawn_documents(trainer)[:8]))


@pytest.mark.parametrize("arch", ["llama", "xlnet"])
def test_sequence_length_warmup_feeds_blocks_of_the_scheduled_length(tmp_path, sample_corpus, tokenizers, arch):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, arch=arch, trainer_cls=Recording, pacing="none",
                          difficulty="random",
                          seq_len_start=8, seq_len_end=0.5, max_steps=12)
    trainer.train()
    lengths = [batch["input_ids"].shape[1] for _, batch, _ in trainer.fed]
    assert lengths == [sequence_length_at(step, 12, 8, 0.5, 32) for step, _, _ in trainer.fed]
    assert lengths[0] == 8 and lengths[-1] == 32 and lengths == sorted(lengths)
    for _, batch, _ in trainer.fed:
        assert all(v.shape[1] == batch["input_ids"].shape[1] for v in batch.values() if v.dim() >= 2)
        if arch == "xlnet":  # the permutation masks were cut on both sequence dimensions
            assert batch["perm_mask"].shape[1:] == batch["target_mapping"].shape[1:] == (batch["input_ids"].shape[1],) * 2


def test_warmup_stable_decay_keeps_the_rate_until_the_last_share(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing="linear", full_data_by=0.3, max_steps=20,
                          lr_scheduler_type="warmup_stable_decay", warmup_steps=2, decay_fraction=0.25, logging_steps=1)
    trainer.train()
    rates = {h["step"]: h["learning_rate"] for h in trainer.state.log_history if "learning_rate" in h}
    peak = trainer.args.learning_rate
    assert all(rates[s] == pytest.approx(peak) for s in range(3, 16))  # flat while the curriculum runs and after
    assert all(rates[s + 1] < rates[s] for s in range(16, 20)) and rates[20] < 0.5 * peak


def test_weight_averaging_ends_with_the_mean_of_the_last_snapshots(tmp_path, sample_corpus, tokenizers):
    class Watch(TrainerCallback):
        weights = {}

        def on_step_end(self, args, state, control, model=None, **kwargs):
            self.weights[state.global_step] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing="linear", max_steps=12, average_last=3,
                          average_every=2)
    trainer.add_callback(Watch())
    trainer.train()
    final = trainer.model.state_dict()
    for key, value in final.items():
        expected = torch.stack([Watch.weights[s][key].float() for s in (8, 10, 12)]).mean(0)
        assert torch.allclose(value.float(), expected, atol=1e-6), key
    assert any(not torch.equal(final[k], Watch.weights[12][k]) for k in final)  # not just the last weights


def test_pacing_in_tokens_has_all_documents_in_use_after_the_promised_tokens(tmp_path, sample_corpus, tokenizers):
    # 4 blocks x 32 tokens = 128 tokens per step: 1,024 tokens are the first 8 of 16 steps
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing="linear", full_data_by_tokens=1024,
                          max_steps=16, logging_steps=1)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "curriculum/fraction" in h]
    assert all(h["curriculum/tokens"] == h["step"] * 128 for h in logs)
    fractions = {h["step"]: h["curriculum/fraction"] for h in logs}
    assert trainer.args.full_data_by == 0.5 and trainer.args.pacing_end == 0.5
    assert fractions[7] < 1.0 and all(fractions[s] == 1.0 for s in range(8, 17))


def test_folded_order_climbs_window_by_window_and_mixes_documents_in_each_batch(tmp_path, sample_corpus, tokenizers):
    # 40 steps x 8 blocks, two sweeps of 160; windows of max(160/20, 4 steps x 8) = 32 blocks: 5 per sweep
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing="none", folds=2, max_steps=40,
                          per_device_train_batch_size=8)
    trainer.train()
    state, sampler = trainer.curriculum, trainer._get_train_sampler()
    order = state.orders[state.current["version"]]
    rank = {int(d): i for i, d in enumerate(order)}
    scores = state.scores[state.current["version"]]
    assert len(order) == len(trainer.curriculum_train_ids) and np.all(np.diff(np.sort(scores)) >= 0)
    assert sampler.sweep_window == 32
    refs = list(sampler)  # what the run drew
    ranks = np.array([rank[r.docs[0]] for r in refs])
    for sweep in (ranks[:160], ranks[160:]):
        windows = sweep.reshape(5, 32)
        assert np.all(np.diff(windows.mean(1)) > 0)  # easier to harder, window by window
        assert np.all(windows.max(1)[:-1] <= windows.min(1)[1:])  # the windows are consecutive difficulty bands
        assert all(list(w) != sorted(w) for w in windows)  # ... each read in a random order
    assert ranks[160:192].mean() < ranks[128:160].mean()  # the second sweep starts easy again
    batches = [{d for r in refs[s:s + 8] for d in r.docs} for s in range(0, len(refs), 8)]
    # 8 blocks from at least 6 documents in every batch, 8.5 on average (sorted sweeps: as few as 4, 7.2)
    assert min(len(b) for b in batches) >= 6 and np.mean([len(b) for b in batches]) >= 8.5
    assert len({r.docs[0] for r in refs}) > 120  # each sweep is a fresh draw, not one block repeated


@pytest.mark.parametrize("schedule", ["constant_with_warmup", "decay_after_full_data"])
def test_lr_schedule_wired_to_the_pacing(tmp_path, sample_corpus, tokenizers, schedule):
    extra = ({"lr_scheduler_type": "constant_with_warmup"} if schedule == "constant_with_warmup" else
             {"lr_scheduler_type": "warmup_stable_decay", "decay_after_full_data": True})
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, pacing="linear", full_data_by=0.5, max_steps=20,
                          warmup_steps=2, logging_steps=1, **extra)
    trainer.train()
    rates = {h["step"]: h["learning_rate"] for h in trainer.state.log_history if "learning_rate" in h}
    fractions = {h["step"]: h["curriculum/fraction"] for h in trainer.state.log_history if "curriculum/fraction" in h}
    peak = trainer.args.learning_rate
    growing = [s for s in range(3, 21) if fractions[s] < 1.0]
    assert growing and all(rates[s] == pytest.approx(peak) for s in growing)  # full rate while the data grows
    if schedule == "constant_with_warmup":
        assert all(rates[s] == pytest.approx(peak) for s in range(3, 21))
    else:  # the decay starts where all the data is in use (step 10 of 20) and runs to the end
        assert trainer.args.lr_scheduler_kwargs["num_decay_steps"] == 10 and fractions[10] == 1.0
        assert all(rates[s + 1] < rates[s] for s in range(11, 20)) and rates[20] < 0.2 * peak


def test_source_curriculum_feeds_leaner_text_before_the_original(tmp_path, sample_dir, tokenizers):
    from hf_leaner.train.pretrain import PretrainArguments, load_corpus

    corpus = load_corpus(PretrainArguments(data=str(sample_dir), data_config="leaner+original-10M-all"))
    train = corpus["train"]
    assert set(train["source"]) == {"leaner", "original"}
    pairs = {}
    for h, src in zip(train["hash"], train["source"]):
        pairs.setdefault(h, set()).add(src)
    assert all(v == {"leaner", "original"} for v in pairs.values())  # joined by hash: both texts of each document
    trainer = pretraining(tmp_path, corpus, tokenizers, documents=None, difficulty="source", pacing="linear",
                          start_fraction=0.5, pacing_start=0.25, full_data_by=0.5, max_steps=12)
    trainer.train()
    sources = trainer.curriculum_documents.columns["source"]
    drawn = drawn_documents(trainer)
    assert all(sources[d] == "leaner" for step in drawn[:4] for d in step)  # LEANER only for the first quarter
    assert any(sources[d] == "original" for step in drawn[6:] for d in step)  # ORIGINAL phased in
