"""Tokenizers trained here vs the release's own 2K tokenizers, on the same LEANER text."""

import pytest
from transformers import AutoTokenizer

from hf_leaner.data.release import iter_records
from hf_leaner.models.tokenizer import compare_tokenizers, load_tokenizer, train_tokenizer


@pytest.mark.parametrize("family,reference", [("clm", "gpt-2K"), ("mlm", "bert-2K"), ("plm", "xlnet-2K")])
def test_our_2k_tokenizer_matches_the_release_tokenizers(tmp_path, shared_dir, family, reference):
    train = [r["text"] for f in ("wiki", "textbook", "book", "conversation")
             for _, r in iter_records(shared_dir / f"data/leaner/10M/train/{f}0000.jsonl")]
    valid = [r["text"] for _, r in iter_records(shared_dir / "data/leaner/10M/validation/web0000.jsonl")]
    ours = train_tokenizer(iter(train), family, vocab_size=2000)
    ours.save_pretrained(tmp_path / "ours")
    reloaded = AutoTokenizer.from_pretrained(tmp_path / "ours")
    ref = load_tokenizer(shared_dir / "tokenizer" / reference)
    assert len(reloaded) == ref.vocab_size == 2000
    # the same special tokens as the release's tokenizer of this family
    for role in ("mask_token", "cls_token", "sep_token", "pad_token"):
        if getattr(ref, role) is not None and family != "clm":
            assert str(getattr(reloaded, role)) == str(getattr(ref, role)), role
    assert reloaded.eos_token == ref.eos_token or family != "clm"
    rows = {r["tokenizer"]: r for r in compare_tokenizers({"ours": reloaded, "release": ref}, valid)}
    # same size and kind of tokenizer, trained on a similar LEANER sample: similar fertility on unseen web text
    assert rows["ours"]["tokens_per_word"] == pytest.approx(rows["release"]["tokens_per_word"], rel=0.15)
    text = "The kind doctor helped the small boy."
    assert reloaded.decode(reloaded(text, add_special_tokens=False)["input_ids"]) == text
