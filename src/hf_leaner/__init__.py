"""hf-leaner: tiny language models in a simpler language environment, on the Hugging Face stack."""

__version__ = "0.1.0"

from .data.corpora import load_leaner  # noqa: E402
from .data.release import LeanerDataError  # noqa: E402

__all__ = ["LeanerDataError", "__version__", "load_leaner"]
