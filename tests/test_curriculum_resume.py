"""Checkpoints carry the curriculum: exact resume, refusal of a different run, no token written, no stray state."""

import json
import shutil

import numpy as np
import pytest
import torch
from curriculum_runs import pretraining

from hf_leaner.models import build_model, make_config

FAKE_TOKEN = "hf_FAKEfakeFAKEfakeFAKEfakeFAKEfake123"


def _losses_after(trainer, step):
    train = [round(h["loss"], 5) for h in trainer.state.log_history if "loss" in h and h["step"] > step]
    held = [round(h["curriculum_eval_loss"], 5) for h in trainer.state.log_history
            if "curriculum_eval_loss" in h and h["step"] > step]
    return train, held


@pytest.fixture(scope="module")
def iterative_run(tmp_path_factory, sample_corpus, tokenizers):
    """Iterative self-loss run, re-scored at every stage, checkpointed at step 8 and 16 (and a fake Hub token)."""
    out = tmp_path_factory.mktemp("iterative")
    kw = dict(documents=150, difficulty="self_loss", threshold=1.0, save_strategy="steps", save_steps=8, max_steps=20,
              curriculum_eval_steps=4, hub_token=FAKE_TOKEN)
    trainer = pretraining(out, sample_corpus, tokenizers, **kw)
    trainer.train()
    return {"out": out, "trainer": trainer, "kw": kw}


def test_iterative_self_loss_resume_reproduces_the_uninterrupted_run(iterative_run, sample_corpus, tokenizers):
    full, out = iterative_run["trainer"], iterative_run["out"]
    assert len(full.curriculum.history) >= 3
    resumed = pretraining(out, sample_corpus, tokenizers, **iterative_run["kw"])
    resumed.train(resume_from_checkpoint=str(out / "checkpoint-8"))
    assert resumed.curriculum.history == full.curriculum.history
    assert all(np.array_equal(a, b) for a, b in zip(resumed.curriculum.orders, full.curriculum.orders))
    assert _losses_after(resumed, 8) == _losses_after(full, 8) and _losses_after(full, 8)[1]
    state = json.loads((out / "checkpoint-8" / "trainer_state.json").read_text())["stateful_callbacks"]
    saved = state["CurriculumCallback"]["attributes"]
    assert saved["scorer"] == "self_loss" and saved["history"][0]["fraction"] == 0.05
    assert (out / "checkpoint-8" / "curriculum_orders.npz").is_file()


def test_competence_pacing_resumes_with_resume_true(tmp_path, sample_corpus, tokenizers):
    kw = dict(pacing="linear", difficulty="self_loss", increment=0.2, pacing_end=0.6, save_strategy="steps",
              save_steps=8, max_steps=16)
    full = pretraining(tmp_path, sample_corpus, tokenizers, **kw)
    full.train()
    assert len(full.curriculum.history) >= 3  # re-scored as each competence stage began
    for later in tmp_path.glob("checkpoint-*"):
        if later.name != "checkpoint-8":  # the last checkpoint left is step 8
            shutil.rmtree(later)
    resumed = pretraining(tmp_path, sample_corpus, tokenizers, **kw)
    resumed.train(resume_from_checkpoint=True)
    assert resumed.curriculum.history == full.curriculum.history
    assert _losses_after(resumed, 8)[0] == _losses_after(full, 8)[0] and _losses_after(full, 8)[0]


@pytest.mark.parametrize("change,named", [
    (dict(documents=120), "data"),
    (dict(difficulty="sentence_length"), "curriculum"),
    (dict(per_device_train_batch_size=2), "samples per step"),
])
def test_resume_refuses_a_checkpoint_of_a_different_run(iterative_run, sample_corpus, tokenizers, tmp_path, change, named):
    shutil.copytree(iterative_run["out"] / "checkpoint-8", tmp_path / "checkpoint-8")
    kw = {**iterative_run["kw"], **change}
    other = pretraining(tmp_path, sample_corpus, tokenizers, **kw)
    with pytest.raises(ValueError, match=f"its {named} differs"):
        other.train(resume_from_checkpoint=str(tmp_path / "checkpoint-8"))


def test_resume_checks_the_orderings_sidecar(iterative_run, sample_corpus, tokenizers, tmp_path):
    checkpoint = tmp_path / "checkpoint-8"
    shutil.copytree(iterative_run["out"] / "checkpoint-8", checkpoint)
    npz = checkpoint / "curriculum_orders.npz"
    arrays = dict(np.load(npz))
    arrays["order_0"] = arrays["order_0"][::-1].copy()  # a sidecar from another save
    np.savez(npz, **arrays)
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, **iterative_run["kw"])
    with pytest.raises(ValueError, match="digest differs"):
        trainer.train(resume_from_checkpoint=str(checkpoint))
    npz.unlink()
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, **iterative_run["kw"])
    with pytest.raises(FileNotFoundError, match="curriculum_orders.npz"):
        trainer.train(resume_from_checkpoint=str(checkpoint))


def test_no_token_is_written_into_the_run(iterative_run):
    out = iterative_run["out"]
    assert iterative_run["trainer"].args.hub_token == FAKE_TOKEN  # the live run still has it
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "training_args.bin" for p in files)
    assert not [p for p in files if FAKE_TOKEN.encode() in p.read_bytes()]
    args = torch.load(out / "checkpoint-8" / "training_args.bin", weights_only=False)
    assert args.hub_token is None and args.difficulty == "self_loss"


def test_lm_loss_reference_must_share_the_tokenizer(tmp_path, sample_corpus, tokenizers):
    from hf_leaner.models.tokenizer import train_tokenizer

    ours = tokenizers["clm"]
    same = build_model(make_config("llama", "100K", vocab_size=len(ours), tokenizer=ours), seed=1)
    same.save_pretrained(tmp_path / "same")
    ours.save_pretrained(tmp_path / "same")
    trainer = pretraining(tmp_path / "ok", sample_corpus, tokenizers, difficulty="lm_loss",
                          reference_model=str(tmp_path / "same"), max_steps=4)
    trainer.train()  # scored by the reference model
    assert trainer.curriculum.scores[0].std() > 0
    theirs = train_tokenizer(iter(sample_corpus["train"]["text"][:200]), "clm", vocab_size=300)
    other = build_model(make_config("llama", "100K", vocab_size=len(theirs), tokenizer=theirs), seed=1)
    other.save_pretrained(tmp_path / "other")
    theirs.save_pretrained(tmp_path / "other")
    trainer = pretraining(tmp_path / "bad", sample_corpus, tokenizers, difficulty="lm_loss",
                          reference_model=str(tmp_path / "other"), max_steps=4)
    with pytest.raises(ValueError, match="same tokenizer"):
        trainer.train()
