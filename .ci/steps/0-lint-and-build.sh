#!/usr/bin/env bash
# 0. Lint and build: ruff, the wheel and sdist built and twine-checked (a typo fails here in under a
# minute).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
started=$(date +%s)
"$(python_of 3.13)" -m venv "$work/tools"
"$work/tools/bin/pip" install -q ruff build twine
"$work/tools/bin/ruff" check .
"$work/tools/bin/python" -m build --outdir "$work/dist" . >/dev/null
"$work/tools/bin/twine" check --strict "$work"/dist/*
rm -rf "$work/tools"
step_done "lint and build" "$started"
