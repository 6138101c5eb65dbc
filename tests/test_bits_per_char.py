"""Bits per character: the validation text cut the same way for every model, and the number equal to the model's
own next-token loss summed over the text (for a causal model), per character, in bits."""

import math

import torch

from hf_leaner.evaluation.bits_per_char import bits_per_char, fit_pieces, split_text, text_pieces
from hf_leaner.evaluation.sentence_scores import SentenceScorer
from hf_leaner.models import build_model, make_config
from hf_leaner.models.tokenizer import train_tokenizer
from hf_leaner.data.corpora import load_leaner
from hf_leaner.sample_data import SAMPLE_DIR


def test_text_is_cut_at_sentence_ends_into_pieces_no_longer_than_asked():
    text = "The cat sat. It was warm! Was it? " * 20 + "\n" + "word " * 200
    pieces = split_text(text, max_chars=60)
    assert all(0 < len(p) <= 60 for p in pieces)
    assert pieces[0] == "The cat sat. It was warm! Was it? The cat sat. It was warm!"
    assert " ".join(pieces).split() == text.split()  # nothing lost, nothing added
    assert split_text("x" * 130, max_chars=60) == ["x" * 60, "x" * 60, "x" * 10]


def test_bits_per_char_is_the_causal_loss_per_character_in_bits():
    validation = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=SAMPLE_DIR)["validation"]
    pieces = text_pieces(validation, chars_per_genre=500)
    genres = sorted(set(validation["genre"]))
    assert len(genres) > 1 and 500 * len(genres) <= sum(map(len, pieces)) < (500 + 300) * len(genres)
    tokenizer = train_tokenizer(iter(validation["text"]), "clm", vocab_size=300)
    model = build_model(make_config("llama", "100K", len(tokenizer), 128, tokenizer), seed=0)
    scorer = SentenceScorer(model, tokenizer, device="cpu")
    measured = bits_per_char(scorer, pieces)
    fitted = fit_pieces(pieces, tokenizer, model.config.max_position_embeddings - 2)
    assert len(fitted) > len(pieces)  # a 300-character piece is over 126 tokens of a 300-token vocabulary
    nats = 0.0
    with torch.no_grad():  # by hand: the start token, then every token's loss given the ones before it
        for piece in fitted:
            ids = torch.tensor([[tokenizer.eos_token_id] + tokenizer(piece, add_special_tokens=False)["input_ids"]])
            nats += model(input_ids=ids, labels=ids).loss.item() * (ids.shape[1] - 1)
    chars = sum(map(len, fitted))
    assert measured["chars"] == chars and measured["pieces"] == len(fitted) and not measured["pseudo"]
    assert math.isclose(measured["bits_per_char"], nats / math.log(2) / chars, rel_tol=1e-4)


def test_families_without_a_position_limit_keep_every_piece_whole():
    """XLNet's config answers max_position_embeddings with -1 and Mamba2 has no positions: their pieces are scored
    as cut, not split down to single characters (which once made a 1M XLNet look like 9 bits per character)."""
    validation = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=SAMPLE_DIR)["validation"]
    pieces = text_pieces(validation, chars_per_genre=300)
    for arch, family in (("xlnet", "plm"), ("mamba2", "clm")):
        tokenizer = train_tokenizer(iter(validation["text"]), family, vocab_size=300)
        model = build_model(make_config(arch, "100K", len(tokenizer), 128, tokenizer), seed=0)
        measured = bits_per_char(SentenceScorer(model, tokenizer, device="cpu"), pieces)
        assert measured["pieces"] == len(pieces) and measured["chars"] == sum(map(len, pieces)), arch
        assert measured["tokens"] < measured["chars"] / 1.5, arch  # tokens of text, not one per character
        assert not measured["pseudo"] and measured["reading"] in ("permutation-left_to_right", "causal"), arch
