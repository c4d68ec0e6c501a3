#!/usr/bin/env bash
# 3. Every lab alone on an empty cache, quick profile, on Keras' JAX backend: two at a time, each in
# its own pytest and its own empty cache (a quick lab leaves much of a 2-core CPU idle); each lab's
# output is printed whole when it ends. xargs fails if any lab failed.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
started=$(date +%s)
newest_environment
alone_on_jax() {
  local lab="$1" cache
  cache="$work/cache-jax-alone-$(basename "$lab" .ipynb)"
  local status=0
  KERAS_BACKEND=jax DLKIT_CACHE_DIR="$cache" pytest -q "$lab" >"$cache.log" 2>&1 || status=$?
  cat "$cache.log"
  rm -rf "$cache" "$cache.log"
  return "$status"
}
export -f alone_on_jax
export work
printf '%s\n' labs/[0-9][0-9]_*.ipynb | xargs -P 2 -I LAB bash -c 'alone_on_jax LAB'
KERAS_BACKEND=jax pytest -q "tests/test_pretrained.py::test_preprocess_input_runs_inside_tf_data_on_every_backend"
no_leftovers
step_done "each quick lab alone on JAX (jax $(python -c 'import jax; print(jax.__version__)'))" "$started"
deactivate
rm -rf "$work/newest" "$work/cache-newest" "$work/full-profile"
