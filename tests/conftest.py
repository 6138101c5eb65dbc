import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HF_LEANER_SHARED", REPO.parent / "shared" / "tinyhelen"))
sys.path.insert(0, str(REPO / "benchmarks"))  # the pure-Python reference implementations


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The real TinyHelen release files (read-only); tests that need them skip when absent."""
    if not (SHARED / "data").is_dir():
        pytest.skip(f"real data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    from hf_leaner.sample_data import SAMPLE_DIR

    return SAMPLE_DIR


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample_dir):
    """``tiny_model(arch)``: a folder like `hf-leaner pretrain` writes (a 100K-parameter preset with random weights
    and a 400-token tokenizer trained on the sample), built once per family."""
    made = {}

    def make(arch: str) -> Path:
        if arch not in made:
            from hf_leaner.data.corpora import load_leaner
            from hf_leaner.models import OBJECTIVE, build_model, make_config
            from hf_leaner.tokenizer import train_tokenizer

            texts = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=sample_dir, split="train")["text"]
            tok = train_tokenizer(iter(texts), OBJECTIVE[arch], vocab_size=400)
            folder = tmp_path_factory.mktemp(f"tiny-{arch}")
            build_model(make_config(arch, "100K", len(tok), 128, tok), seed=0).save_pretrained(folder)
            tok.save_pretrained(folder)
            made[arch] = folder
        return made[arch]

    return make
