# What every CI step shares: the working folder, the Pythons, the clock and the checks between
# steps. Sourced by .ci/run (every step, in order) and by each step in .ci/steps/ (that step alone:
# `bash .ci/steps/2-full-profile.sh` from the checkout). A step run alone makes what it needs that an
# earlier step would have made (the newest environment, the wheel).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cleanup() {  # the run's folder goes when the run ends, if the run made it
  if [ "${ci_owns_work:-0}" = 1 ]; then rm -rf "$DLKIT_CI_WORK"; fi
}

if [ -z "${DLKIT_CI_WORK:-}" ]; then
  # Everything a run writes (five virtual environments, about 8 GB together; caches; pytest's and
  # TensorFlow's temporary files) goes under one folder that is removed when the run ends, pass or
  # fail. Runs share the machine's disk: a run that left its folder behind filled it within a day,
  # and the next run failed installing ("No space left on device"). Each environment is also
  # removed as soon as its step is done, so a run needs room for one at a time (two in steps 4-5).
  DLKIT_CI_WORK="$(mktemp -d)"
  export DLKIT_CI_WORK
  ci_owns_work=1
  trap cleanup EXIT
  mkdir "$DLKIT_CI_WORK/tmp"
  ci_started=$(date +%s)
  export ci_started
  echo "ci: working in $DLKIT_CI_WORK; $(df -h --output=avail "$DLKIT_CI_WORK" | tail -1 | tr -d ' ') free on its disk"
fi
work="$DLKIT_CI_WORK"
ci_started="${ci_started:-$(date +%s)}"
mkdir -p "$work/tmp"
export TMPDIR="$work/tmp"
BUDGET_SECONDS=5100  # 85 of CI's 90 minutes: a run that creeps past it fails here, naming the step
unset DLKIT_DATA_DIR  # a newcomer has none; the full-profile step sets it where the full MNIST is needed
full_mnist="$(cd .. && pwd)/shared/data"
colab_lists="$(cd .. && pwd)/shared/colab"
export MPLBACKEND=Agg
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The Python of a version, e.g. `python_of 3.10`: on PATH, else from pyenv. CI needs both ends of
# the range it claims; a machine without one fails here, by name.
python_of() {
  local candidate
  for candidate in "python$1" "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/"$1".*/bin/python"$1"; do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate" || echo "$candidate"
      return 0
    fi
  done
  echo "ci: no Python $1 on this machine (needed to test the versions dlkit claims)" >&2
  return 1
}

seconds_since() { echo $(( $(date +%s) - $1 )); }
step_done() {  # step_done NAME STARTED: print the step's time and the run's, and keep to the budget
  local total
  total=$(seconds_since "$ci_started")
  echo "ci: $1 took $(seconds_since "$2") s (the run so far: $total s of a $BUDGET_SECONDS-s budget)"
  if [ "$total" -gt "$BUDGET_SECONDS" ]; then
    echo "ci: over budget after $1: the run must stay well inside CI's 90 minutes" >&2
    exit 1
  fi
}

# No lab may leave a temporary folder behind (lab 04 once left a dlkit-photos-* folder per run).
no_leftovers() {
  local left
  left=$(find "$TMPDIR" -maxdepth 1 -name 'dlkit-photos-*' 2>/dev/null | head -5)
  if [ -n "$left" ]; then
    echo "ci: a lab left temporary folders behind: $left" >&2
    exit 1
  fi
}

# Debian's Chromium (the page tests) and bubblewrap (the grader's sandbox), installed where we can;
# with one present its tests must run (DLKIT_REQUIRE_BROWSER, DLKIT_REQUIRE_SANDBOX), without it
# they are skipped and pytest's summary says so.
system_packages() {
  local missing=""
  command -v chromium >/dev/null 2>&1 || missing="chromium"
  command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
  if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing" \
      >/dev/null || echo "ci: could not install $missing"
  fi
  if command -v chromium >/dev/null 2>&1; then
    export DLKIT_REQUIRE_BROWSER=1
  else
    echo "ci: WARNING: no chromium; the browser tests will be skipped"
  fi
  if command -v bwrap >/dev/null 2>&1; then
    export DLKIT_REQUIRE_SANDBOX=1
  else
    echo "ci: WARNING: no bubblewrap; the grader's sandbox tests will be skipped"
  fi
}

# Podman: the grader's container sandbox, and the image `dlkit container` writes (deck 002's Docker
# slide), built and run by the tests. No registry is reachable from CI, so the image's base is a
# Debian made here by debootstrap and imported (DLKIT_CONTAINER_BASE). With Podman working its tests
# must run (DLKIT_REQUIRE_CONTAINER); without it they are skipped and pytest's summary says so.
container_runtime() {
  local base="localhost/dlkit-debian:bookworm"
  if ! command -v podman >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      timeout 600 sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends podman debootstrap" \
        >/dev/null \
        || echo "ci: could not install podman"
    fi
  fi
  if ! command -v podman >/dev/null 2>&1; then
    echo "ci: WARNING: no podman; the container tests will be skipped"
    return 0
  fi
  # A machine whose cgroup v1 hierarchy lacks the hugetlb controller crun expects: mount it.
  if [ -d /sys/fs/cgroup/memory ] && [ ! -d /sys/fs/cgroup/hugetlb ] && [ "$(id -u)" = 0 ]; then
    mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb \
      || echo "ci: could not mount the hugetlb cgroup"
  fi
  if ! podman image exists "$base" && command -v debootstrap >/dev/null 2>&1; then
    local root="$work/debian-rootfs"
    timeout 900 debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm \
      "$root" http://deb.debian.org/debian >/dev/null 2>&1 \
      && tar -C "$root" -c . | podman import - "$base" >/dev/null \
      || echo "ci: could not make the base image $base"
    rm -rf "$root"
  fi
  if podman image exists "$base"; then
    export DLKIT_CONTAINER_BASE="$base" DLKIT_REQUIRE_CONTAINER=1
  else
    echo "ci: WARNING: no base image; the container tests will be skipped"
  fi
}

# The newest environment, as the README installs it (Python 3.13, the deploy extra, JAX beside
# TensorFlow as in Colab), on an empty cache; activated. Made once, by the first step that needs it.
newest_environment() {
  if [ ! -x "$work/newest/bin/python" ]; then
    "$(python_of 3.13)" -m venv "$work/newest"
    "$work/newest/bin/pip" install -q jax   # JAX beside TensorFlow, as in Colab: the JAX tests run too
    "$work/newest/bin/pip" install -e ".[test,deploy]" -q   # README.md, verbatim but -q
  fi
  # shellcheck disable=SC1091
  source "$work/newest/bin/activate"
  export DLKIT_CACHE_DIR="$work/cache-newest"   # start from an empty cache, leave the user's alone
}

# The wheel and sdist of this checkout, built once (step 0 builds them; a step run alone too).
built_wheel() {
  if ! ls "$work"/dist/dlkit-*.whl >/dev/null 2>&1; then
    "$(python_of 3.13)" -m venv "$work/tools"
    "$work/tools/bin/pip" install -q build
    "$work/tools/bin/python" -m build --outdir "$work/dist" . >/dev/null
    rm -rf "$work/tools"
  fi
  ls "$work"/dist/dlkit-*.whl
}
