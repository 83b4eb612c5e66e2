#!/usr/bin/env bash
# Run one regression on a Slurm cluster: a job array of N shards (`iommu-tb regress --shard
# K/N`, K = the array task id) and a merge job that starts when every shard has ended
# (`iommu-tb merge`: the results, the functional and the code coverage of all shards, the
# sign-off report and gates). Prints the two job ids ("ARRAY_ID MERGE_ID").
#
#   scripts/slurm/submit.sh SHARDS OUT [regress arguments...]
#
# OUT (absolute, on storage every node sees) receives shard-K/ per shard, merged/ and logs/.
# The regress arguments go to every shard, except --gate and --waivers: the merge applies
# them to the whole regression. The
# binary is $IOMMU_TB (default: target/release/iommu-tb of this checkout); extra sbatch
# options (partition, account, time limit) come from $SBATCH_OPTS. Build the binary first
# (`cargo build --release`); each shard builds or finds the RTL in the shared build cache.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
die() { printf 'slurm submit: %s\n' "$*" >&2; exit 2; }

[[ $# -ge 2 ]] || die "usage: $0 SHARDS OUT [regress arguments...]"
shards="$1"; out="$2"; shift 2
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a positive number, got '$shards'"
[[ "$out" == /* ]] || die "OUT must be an absolute path (the jobs may run elsewhere), got '$out'"
tb="${IOMMU_TB:-$root/target/release/iommu-tb}"
[[ -x "$tb" ]] || die "no iommu-tb binary at $tb (cargo build --release, or set IOMMU_TB)"
command -v sbatch >/dev/null || die "sbatch not found: is this a Slurm submit host?"

# The sign-off options (--gate, --waivers) judge the whole regression: they go to the merge,
# the rest to every shard.
signoff=()
regress=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --gate|--waivers) signoff+=("${args[i]}" "${args[i+1]:-}"); i=$((i + 1)) ;;
    --gate=*|--waivers=*) signoff+=("${args[i]}") ;;
    *) regress+=("${args[i]}") ;;
  esac
done
# The shards do not see the gates, so they would collect lines and branches only: when a gate
# judges another code metric (toggle, expr, fsm, user, code), they collect every metric.
if [[ " ${regress[*]} " != *" --coverage-metrics"* ]] && printf '%s\n' "${signoff[@]}" \
   | grep -Eq '(^|[=,])(toggle|expr|fsm|user|code)='; then
  regress+=(--coverage-metrics all)
fi

mkdir -p "$out/logs"
# shellcheck disable=SC2086 # SBATCH_OPTS is a list of options
array=$(sbatch --parsable ${SBATCH_OPTS:-} --job-name=iommu-tb-shard --array="1-$shards" \
  --chdir="$root" --output="$out/logs/shard-%a.log" \
  "$here/shard.sbatch" "$tb" "$shards" "$out" "${regress[@]}")
array="${array%%;*}"
# afterany: merge also when shards found failures (their runs are in the report).
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTS:-} --job-name=iommu-tb-merge --dependency="afterany:$array" \
  --chdir="$root" --output="$out/logs/merge.log" \
  "$here/merge.sbatch" "$tb" "$shards" "$out" "${signoff[@]}")
echo "${array} ${merge%%;*}"
