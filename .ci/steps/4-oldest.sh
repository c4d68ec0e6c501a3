#!/usr/bin/env bash
# 4. The oldest set (.ci/oldest.txt, every runtime floor): Python 3.10, installed from the BUILT WHEEL
# of step 0 (not the checkout), tests and quick labs against it.
# 5. The deploy extra's oldest set (.ci/oldest-deploy.txt, Python 3.11): lab 05 and its tests, run
# beside step 4, in its own environment and cache (the two leave each other's idle time to fill);
# its output is printed when step 4 ends, and the run fails if it failed.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
system_packages
wheel="$(built_wheel)"
steps_4_and_5_started=$(date +%s)

deploy_oldest_set() {
  set -euo pipefail
  local started
  started=$(date +%s)
  "$deploy_python" -m venv "$work/oldest-deploy"
  # shellcheck disable=SC1091
  source "$work/oldest-deploy/bin/activate"
  export DLKIT_CACHE_DIR="$work/cache-oldest-deploy"
  pip install -q -c .ci/oldest-deploy.txt -e ".[test,deploy]"
  python --version && { pip list 2>/dev/null | grep -i -E '^(tensorflow|keras|numpy|ai.edge.litert|onnxruntime|onnx|tf2onnx|fastapi|uvicorn) ' || true; }
  pytest tests/test_deploy.py tests/test_service.py tests/test_service_page.py tests/test_classroom.py \
    tests/test_classroom_pages.py tests/test_accessibility.py labs/05_deploy.ipynb
  deactivate
  echo "ci: the deploy extra's oldest set took $(seconds_since "$started") s, beside step 4"
  rm -rf "$work/oldest-deploy" "$work/cache-oldest-deploy"
}
deploy_python="$(python_of 3.11)"
deploy_oldest_set >"$work/deploy-oldest.log" 2>&1 &
deploy_pid=$!
trap 'kill "$deploy_pid" 2>/dev/null || true; wait 2>/dev/null; cleanup' EXIT

# Installed from the wheel of step 0, so what a release ships is what is tested. pytest's importlib
# mode puts no checkout folder on sys.path, and conftest.py refuses to run if `import dlkit` still
# finds the checkout (DLKIT_TEST_INSTALLED_PACKAGE).
"$(python_of 3.10)" -m venv "$work/oldest"
# shellcheck disable=SC1091
source "$work/oldest/bin/activate"
export DLKIT_CACHE_DIR="$work/cache-oldest"
pip install -q -c .ci/oldest.txt "dlkit[test] @ file://$wheel"
python --version && { pip list 2>/dev/null | grep -i -E '^(dlkit|tensorflow|keras|numpy|pillow|pillow.heif|matplotlib|pooch|filelock|platformdirs|tqdm|nbclient|nbformat|ipykernel) ' || true; }
# Left out here, each run on Python 3.13 in step 1: the packaging tier (it builds and installs wheels
# and Colab's 3.13 environments; this step's own install is the 3.10 packaging check) and the run of
# every student copy (the labs with their exercises blanked: the labs themselves run here, and the
# copies add 6 minutes that test the copying, not these versions).
DLKIT_TEST_INSTALLED_PACKAGE=1 DLKIT_LABS_DIR="$PWD/labs" pytest --import-mode=importlib -m "not packaging" \
  --deselect tests/test_student_copy.py::test_every_student_copy_runs_and_every_checker_says_not_yet
no_leftovers
step_done "the oldest set ($(python --version)) from the built wheel" "$steps_4_and_5_started"
deactivate
rm -rf "$work/oldest" "$work/cache-oldest"

echo "ci: step 5 (the deploy extra's oldest set, beside step 4):"
deploy_status=0
wait "$deploy_pid" || deploy_status=$?
cat "$work/deploy-oldest.log"
if [ "$deploy_status" -ne 0 ]; then
  echo "ci: the deploy extra's oldest set failed (exit $deploy_status)" >&2
  exit 1
fi
step_done "steps 4 and 5, side by side" "$steps_4_and_5_started"
