"""The Mamba2 sequence-classification head: pooling, loss, Auto registration, save/load."""

import torch
from transformers import AutoModelForSequenceClassification

import hf_leaner.models.mamba2_classifier as mc
from hf_leaner.models import build_model, make_config


def _lm_folder(tmp_path, pad=0):
    config = make_config("mamba2", "100K", vocab_size=300)
    config.pad_token_id = pad
    build_model(config, seed=0).save_pretrained(tmp_path / "lm")
    return tmp_path / "lm"


def test_last_token_index_ignores_padding_on_either_side():
    ids = torch.tensor([[5, 6, 7, 0, 0], [0, 0, 5, 6, 7], [5, 6, 7, 8, 9]])
    mask = (ids != 0).long()
    assert mc.last_token_index(ids, mask, 0).tolist() == [2, 4, 4]
    assert mc.last_token_index(ids, None, 0).tolist() == [2, 4, 4]


def test_head_loads_a_causal_lm_checkpoint_and_pools_the_last_real_token(tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(_lm_folder(tmp_path), num_labels=3).eval()
    assert isinstance(model, mc.Mamba2ForSequenceClassification)
    ids = torch.tensor([[5, 6, 7, 8, 0, 0], [0, 0, 5, 6, 7, 8]])
    with torch.no_grad():
        alone = model(input_ids=ids[:1, :4]).logits
        padded = model(input_ids=ids, attention_mask=(ids != 0).long()).logits
    # right padding cannot reach the last real token of a causal model; left padding is masked out
    torch.testing.assert_close(padded[0], alone[0])
    torch.testing.assert_close(padded[1], alone[0], atol=1e-5, rtol=1e-5)


def test_losses_and_save_reload_give_identical_logits(tmp_path):
    lm = _lm_folder(tmp_path)
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    mask = (ids != 0).long()
    reg = AutoModelForSequenceClassification.from_pretrained(lm, num_labels=1, problem_type="regression")
    out = reg(input_ids=ids, attention_mask=mask, labels=torch.tensor([1.5, 4.0]))
    torch.testing.assert_close(out.loss, torch.nn.functional.mse_loss(out.logits.squeeze(-1), torch.tensor([1.5, 4.0])))
    cls = AutoModelForSequenceClassification.from_pretrained(lm, num_labels=2)
    out = cls(input_ids=ids, attention_mask=mask, labels=torch.tensor([1, 0]))
    torch.testing.assert_close(out.loss, torch.nn.functional.cross_entropy(out.logits, torch.tensor([1, 0])))
    out.loss.backward()
    assert cls.score.weight.grad is not None and cls.backbone.embeddings.weight.grad is not None
    cls.save_pretrained(tmp_path / "clf")
    back = AutoModelForSequenceClassification.from_pretrained(tmp_path / "clf").eval()
    assert back.config.architectures == ["Mamba2ForSequenceClassification"]
    with torch.no_grad():
        assert torch.equal(back(input_ids=ids, attention_mask=mask).logits, cls.eval()(input_ids=ids, attention_mask=mask).logits)
