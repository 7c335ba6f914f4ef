#!/usr/bin/env bash
# Runs the irctest conformance suite against natterd (see README.md beside this file).
#   scripts/irctest/run.sh [IRCTEST_DIR] [extra pytest arguments...]
# IRCTEST_DIR (default: $IRCTEST_DIR, else ./irctest) is a clone of
# https://github.com/progval/irctest with pytest installed for python3
# (or a venv in IRCTEST_DIR/../venv). natterd is $NATTERD_BIN, else
# target/release/natterd (built with `cargo build --release -p natterd`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
irctest="${1:-${IRCTEST_DIR:-$PWD/irctest}}"
[ $# -gt 0 ] && shift
export NATTERD_BIN="${NATTERD_BIN:-$repo/target/release/natterd}"
[ -x "$NATTERD_BIN" ] || { echo "run.sh: no natterd at $NATTERD_BIN (cargo build --release -p natterd)" >&2; exit 2; }
[ -d "$irctest/irctest/controllers" ] || { echo "run.sh: $irctest is not an irctest clone" >&2; exit 2; }
python=python3
[ -x "$irctest/../venv/bin/python" ] && python="$irctest/../venv/bin/python"
cp "$here/natterd.py" "$irctest/irctest/controllers/natterd.py"
cd "$irctest"
# What natterd does not claim (see README.md beside this file): tests
# specific to other servers, deprecated behaviour, and features natterd lacks.
pids="$(mktemp)"
export NATTERD_IRCTEST_PIDS="$pids"
stop_leftovers() {
    # natterd processes this run started and irctest did not stop, by pid.
    while read -r pid; do
        if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$NATTERD_BIN")" ]; then
            kill "$pid" 2>/dev/null || true
        fi
    done <"$pids"
    rm -f "$pids"
}
trap stop_leftovers EXIT
# Tests that assume an architecture natterd does not have (see README.md
# beside this file): services as a separate server linked to the IRC server.
not_applicable=(
    --deselect irctest/server_tests/links.py::ServicesLinksTestCase::testLinksWithServices
)
nice -n 19 "$python" -m pytest -p no:cacheprovider \
    --controller irctest.controllers.natterd \
    "${not_applicable[@]}" \
    -m 'not implementation-specific and not deprecated and not strict' \
    -k "${IRCTEST_SELECTORS:-not (foo)}" \
    "$@"
