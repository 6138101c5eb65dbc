"""hf-leaner's own small sample corpus, in the TinyHelen release layout (see dataset_scripts/write_sample_corpus.py)."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent
