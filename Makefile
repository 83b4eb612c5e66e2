# Thin wrappers; the tool is `iommu-tb` (cargo run --release -- --help).
# `make setup` installs everything a fresh machine needs and is safe to run again;
# the other targets run it themselves.

CARGO ?= cargo
SEEDS ?= 200
# Sign-off gates of the main job (docs/report.md): all pass, every applicable rule covered, line and
# toggle coverage (toggle counts the bits waived in waivers.json, constant by construction, as covered),
# and no stale waiver (each still matches a hole of some configuration).
GATES ?= pass-rate=100,rules=100,line=90,toggle=95,no-stale-waivers
# Reviewed holes of the default regression, each with its reason (docs/report.md).
WAIVERS ?= waivers.json

.PHONY: setup test regress bench fuzz fuzz-bench lint wheel clean

setup:
	@scripts/setup.sh

lint: setup
	@rtl/lint.sh

# Lint the RTL, check formatting (rustfmt.toml) and clippy with warnings as errors, then every
# unit, property, directed, bug-injection and CLI test, then the Python package's tests
# (tests/python: models, checkers, the wheel in a fresh virtualenv, the cocotb example).
test: setup lint
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --release --quiet -- -D warnings
	$(CARGO) test --workspace --release
	.venv/bin/python -m pytest tests/python -q

# The Python package iommu_tb as a wheel in build/wheels/ (make setup installs it into .venv).
wheel: setup
	@ls build/wheels/iommu_tb-*.whl

# Blocks that are not ours, run beside the embedded tops through their port maps (ordered compare;
# docs/bring-your-own-rtl.md).
PORT_MAPS ?= alt/smmuv3_priq/port-map.toml

# The main job: every directed test plus $(SEEDS) random seeds on the embedded RTL and on the
# blocks of $(PORT_MAPS), with functional and code coverage, the sign-off report and gates
# (build/regress/report.html).
regress: setup
	$(CARGO) run --release --quiet -- regress --seeds $(SEEDS) --gate $(GATES) --waivers $(WAIVERS) $(addprefix --port-map ,$(PORT_MAPS))

bench: setup
	$(CARGO) run --release --quiet -- bench
	.venv/bin/python bench/python/run.py

# A short fuzz session of each flavor (the corpus first); a failure is shrunk, saved in
# build/fuzz/<flavor>/ and printed with its replay command.
FUZZ_TIME ?= 30s
fuzz: setup
	$(CARGO) run --release --quiet -- fuzz --time $(FUZZ_TIME)

# Fuzzing against every planted bug, next to the seeded random classes (several minutes;
# writes build/fuzz/bench.md).
fuzz-bench: setup
	$(CARGO) test --release --test fuzz_bench -- --ignored --nocapture

clean:
	rm -rf build target
