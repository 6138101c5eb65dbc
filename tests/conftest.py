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
