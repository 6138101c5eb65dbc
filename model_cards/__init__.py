"""Templates of the model cards hf-leaner writes (installed as hf_leaner.model_cards)."""
