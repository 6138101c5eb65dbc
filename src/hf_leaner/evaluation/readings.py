"""How each family reads a sentence, without torch: the objectives, the options of each reading, and the one name
per distinct reading that cached scores (zero-shot cells, EXP1's bits per character) are keyed by.

    >>> reading_of("masked", pll="word_l2r")
    'masked-pll-word_l2r'

:mod:`hf_leaner.evaluation.sentence_scores` scores them; the command line checks its choices here before torch is
imported.
"""

OBJECTIVES = ("causal", "masked", "permutation")
PLL_VARIANTS = ("original", "word_l2r")  # one mask per token; also mask the rest of its word (Kauf & Ivanova 2023)
PERMUTATION_READINGS = ("left_to_right", "pseudo")  # XLNet: a code length; a pseudo-log-likelihood


def objective_of(config) -> str:
    """The family's objective from a model's config: XLNet permutes, an encoder's ``...ForMaskedLM`` masks, and
    everything else reads left to right."""
    if config.model_type == "xlnet":
        return "permutation"
    architectures = getattr(config, "architectures", None) or []
    if any(a.endswith("ForMaskedLM") for a in architectures) or (
            not architectures and config.model_type in ("bert", "roberta", "distilbert", "deberta-v2", "electra")):
        return "masked"
    return "causal"


def reading_of(objective: str, pll: str = "original", permutation_reading: str = "left_to_right") -> str:
    """One name per distinct way of scoring a sentence: a causal model has one, a masked LM one per ``pll``, XLNet
    left to right or one per ``pll`` of its pseudo reading."""
    if objective == "causal":
        return "causal"
    if objective == "permutation" and permutation_reading == "left_to_right":
        return "permutation-left_to_right"
    return f"{objective}-pll-{pll}"
