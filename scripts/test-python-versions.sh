#!/usr/bin/env bash
# Run the test suite on the other supported Python versions, each in its own virtual environment:
# the oldest Python (3.10) with the oldest dependencies pyproject.toml allows, and the newest (3.13)
# with the newest. The default interpreter (3.11) is what .ci/run tests.
#
# Usage: scripts/test-python-versions.sh [VENV_ROOT] [-- PYTEST_ARGS...]
#
#   VENV_ROOT     where the venvs are made (default: /tmp/symdiff-venvs); one per run, reused on
#                 later runs (delete it to start afresh).
#   PYTEST_ARGS   passed to pytest (default: -q).
#
# The interpreters are pyenv's (override with SYMDIFF_PYTHON_OLDEST and SYMDIFF_PYTHON_NEWEST).
# Each venv gets the project with `pip install -e '.[test]'` (PyPI must be reachable); torch, an
# optional test oracle, is not installed there, so the torch comparisons are skipped.
# Exits non-zero if any run fails.
set -uo pipefail
cd "$(dirname "$0")/.."

venv_root=/tmp/symdiff-venvs
if [[ $# -gt 0 && $1 != "--" ]]; then
    venv_root=$1
    shift
fi
[[ ${1:-} == "--" ]] && shift
pytest_args=("$@")
[[ ${#pytest_args[@]} -eq 0 ]] && pytest_args=(-q)

# label, interpreter, pinned packages (the lower bounds of pyproject.toml's dependencies)
runs=(
    "3.10-oldest-deps ${SYMDIFF_PYTHON_OLDEST:-$HOME/.pyenv/versions/3.10.13/bin/python} sympy==1.12 numpy==2.0.2 astor==0.8.1"
    "3.13-newest-deps ${SYMDIFF_PYTHON_NEWEST:-$HOME/.pyenv/versions/3.13.0/bin/python}"
)
status=0
summary=()
for run in "${runs[@]}"; do
    read -r label python pins <<< "$run"
    venv=$venv_root/$label
    echo "== $label: $python in $venv"
    if [[ ! -x $python ]]; then
        summary+=("$label: $python not found")
        status=1
        continue
    fi
    if [[ ! -x $venv/bin/python ]] && ! "$python" -m venv "$venv"; then
        summary+=("$label: venv failed")
        status=1
        continue
    fi
    # shellcheck disable=SC2086  # $pins is a list of requirements
    if ! "$venv/bin/python" -m pip install -q --upgrade pip \
        || ! "$venv/bin/python" -m pip install -q -e '.[test]' \
        || { [[ -n $pins ]] && ! "$venv/bin/python" -m pip install -q $pins; }; then
        summary+=("$label: install failed")
        status=1
        continue
    fi
    versions=$("$venv/bin/python" -c 'import sys, sympy, numpy, astor; print(sys.version.split()[0], "sympy", sympy.__version__, "numpy", numpy.__version__, "astor", astor.__version__)' 2>/dev/null)
    if "$venv/bin/python" -m pytest "${pytest_args[@]}"; then
        summary+=("$label ($versions): passed")
    else
        summary+=("$label ($versions): FAILED")
        status=1
    fi
done
echo "== summary"
printf '   %s\n' "${summary[@]}"
exit $status
