//! What a block family (a flavor: the SMMUv3 PRIQ, the VT-d PRQ...) gives the shared harness.
//! Everything flavor-specific sits behind this trait, implemented in the flavor's own folder;
//! shared code asks the flavor and never names one. The flavors are registered in
//! [`crate::flavors`], the one list that names them all.

use crate::checkers::Checker;
use crate::config::{self, ConfigError, RtlConfig};
use crate::coverage::CoverDef;
use crate::env::Agents;
use crate::observe::Observers;
use crate::registry::TestDef;
use crate::testbench::Harness;
use std::ops::RangeInclusive;
use std::path::Path;

pub trait Flavor: Sync {
    /// The name used on the command line, in scenarios, results and reports (`smmuv3`).
    fn name(&self) -> &'static str;
    /// The RTL top module; its sources are the `.sv` files of the RTL folder [`Flavor::name`]
    /// beside `common/`.
    fn top(&self) -> &'static str;
    /// log2 of the queue sizes (in entries) a scenario may program.
    fn queue_sizes(&self) -> RangeInclusive<u32>;
    /// The registered tests: directed sequences, seeded classes and negative tests.
    fn tests(&self) -> &'static [TestDef];
    /// The named RTL configurations of [`Flavor::top`] (`rtl/configs.txt`, `default` first).
    fn configs(&self) -> Result<Vec<RtlConfig>, ConfigError> {
        config::of_top(self.top())
    }
    /// Every parameter of the top with its value under `config` (the defaults are the timed
    /// model's); an override the top does not have is an error.
    fn parameters(&self, config: &RtlConfig) -> Result<Vec<(&'static str, u32)>, ConfigError>;
    /// The timing-free protocol checkers of this block under a configuration (the PCIe PRI ones
    /// are added by `run`).
    fn checkers(&self, config: &RtlConfig) -> Vec<Box<dyn Checker>>;
    /// The ordered judge of this block (`--compare ordered`), if it has one; without one the
    /// protocol checkers judge alone.
    fn ordered_judge(&self, _config: &RtlConfig, _bounds: &crate::compare::LatencyBounds) -> Option<Box<dyn Checker>> {
        None
    }
    /// Where software sees this block's queue overflow (HOST-31, `crate::host_paths`).
    fn queue_overflow(&self) -> crate::host_paths::OverflowFlag;
    /// The functional coverage definition (bins and the rules they evidence).
    fn coverage(&self) -> &'static CoverDef;
    /// The workloads `make bench` times, each against its plain C++ loop.
    fn bench_workloads(&self) -> &'static [BenchWorkload];
    /// What the fuzzer may do on this flavor: its fuzz test, functions and registers.
    fn fuzz(&self) -> &'static crate::fuzz::Surface;
    /// The contract features a DUT bound by a port map may leave out (its `absent` list,
    /// `crate::port_map`): their ports are tied off and the tests that need them do not run.
    fn optional_features(&self) -> &'static [OptionalFeature] {
        &[]
    }
    /// A testbench on a loaded build of [`Flavor::top`] under `config` (checked by
    /// [`Flavor::parameters`]), reset, waves dumped to `waves` if given.
    fn testbench(
        &self,
        model: sim::Model,
        config: &RtlConfig,
        waves: Option<&Path>,
        agents: Agents,
        obs: Observers,
    ) -> Result<Box<dyn Harness>, sim::SimError>;
}

/// A part of a flavor's contract that a foreign DUT may not implement (e.g. the SMMUv3 event
/// queue). With it absent, its contract inputs are ignored and its outputs read 0, and the tests
/// that need it are not run on that DUT.
#[derive(Debug, PartialEq, Eq)]
pub struct OptionalFeature {
    /// The name a port map's `absent` list uses (`evtq`).
    pub name: &'static str,
    /// Its contract ports: every port whose name starts with one of these (`ev_`)...
    pub port_prefixes: &'static [&'static str],
    /// ...and these whole names (`irq_evtq`).
    pub ports: &'static [&'static str],
    /// Its tests: those named with this prefix (`evtq_`) or asserting a rule ID with
    /// `rule_prefix` (`SMMU-EVTQ-`).
    pub test_prefix: &'static str,
    pub rule_prefix: &'static str,
}

impl OptionalFeature {
    /// Whether a contract port belongs to this feature.
    pub fn owns_port(&self, port: &str) -> bool {
        self.ports.contains(&port) || self.port_prefixes.iter().any(|p| port.starts_with(p))
    }
    /// Whether a registered test needs this feature.
    pub fn needed_by(&self, test: &TestDef) -> bool {
        self.needed_by_named(test.name, test.rules)
    }
    /// [`OptionalFeature::needed_by`] for a test outside the registry (a Python engine test).
    pub fn needed_by_named<R: AsRef<str>>(&self, name: &str, rules: &[R]) -> bool {
        name.starts_with(self.test_prefix) || rules.iter().any(|r| r.as_ref().starts_with(self.rule_prefix))
    }
}

/// One workload of `make bench`: a registered test with continuous traffic through the host model
/// (run up to the bench's cycle count), and the plain C++ loop `bench/plain_loop_<plain_loop>.cpp`
/// that drives the same build with the same kind of stimulus and checks nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchWorkload {
    /// Column name in the report and `workload` in bench.json.
    pub name: &'static str,
    pub test: &'static str,
    pub plain_loop: &'static str,
}

impl std::fmt::Debug for dyn Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
