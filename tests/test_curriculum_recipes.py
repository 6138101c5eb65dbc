"""Warm-up recipes, each trained with and checked for its defining property."""

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
