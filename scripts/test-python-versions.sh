#!/usr/bin/env bash
# Run the test suite on the other supported Python versions, each in its own virtual environment.
#
# Usage: scripts/test-python-versions.sh [VENV_ROOT] [-- PYTEST_ARGS...]
#
#   VENV_ROOT     where the venvs are made (default: /tmp/symdiff-venvs); one per version,
#                 reused on later runs (delete it to start afresh).
#   PYTEST_ARGS   passed to pytest (default: -q).
#
# The interpreters are pyenv's 3.10 and 3.13 (override with SYMDIFF_PYTHONS="/path/to/python3.10 ...").
# Each venv gets the project installed with `pip install -e '.[test]'` (PyPI must be reachable);
# torch, an optional test oracle, is not installed, so the torch comparisons are skipped there.
# The default interpreter is tested by .ci/run. Exits non-zero if any version fails.
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

pythons=${SYMDIFF_PYTHONS:-"$HOME/.pyenv/versions/3.10.13/bin/python $HOME/.pyenv/versions/3.13.0/bin/python"}
status=0
summary=()
for python in $pythons; do
    if [[ ! -x $python ]]; then
        echo "!! $python not found" >&2
        summary+=("$python: not found")
        status=1
        continue
    fi
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv=$venv_root/py$version
    echo "== Python $version ($python) in $venv"
    if [[ ! -x $venv/bin/python ]]; then
        "$python" -m venv "$venv" || { summary+=("$version: venv failed"); status=1; continue; }
    fi
    if ! "$venv/bin/python" -m pip install -q --upgrade pip \
        || ! "$venv/bin/python" -m pip install -q -e '.[test]'; then
        summary+=("$version: install failed")
        status=1
        continue
    fi
    if "$venv/bin/python" -m pytest "${pytest_args[@]}"; then
        summary+=("$version: passed")
    else
        summary+=("$version: FAILED")
        status=1
    fi
done
echo "== summary"
printf '   %s\n' "${summary[@]}"
exit $status
