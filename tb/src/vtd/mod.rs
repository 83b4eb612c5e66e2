//! The VT-d `vtd_prq` bench (`../shared/spec/vtd.md`): DUT binding (`dut`), the cycle loop
//! (`block`), its checkers (`checkers`), ordered judge (`ordered`) and coverage model (`coverage`), register and descriptor sequences (`env`), the Linux-like host that services the
//! page request queue and drains PASIDs (`host`, HOST-22..HOST-25), the strict lockstep
//! scoreboard with rule blame (`scoreboard`), seeded random stimulus for raw model-vs-RTL runs
//! (`stimulus`) and the registered tests (`tests`).

pub mod block;
pub mod checkers;
pub mod coverage;
pub mod dut;
pub mod env;
pub mod fuzz;
pub mod host;
pub mod host_paths;
pub mod ordered;
pub mod params;
pub mod scoreboard;
pub mod stimulus;
pub mod tests;

use crate::checkers::Checker;
use crate::config::{ConfigError, RtlConfig};
use crate::coverage::CoverDef;
use crate::env::Agents;
use crate::flavor::{BenchWorkload, Flavor};
use crate::observe::Observers;
use crate::registry::TestDef;
use crate::testbench::{Harness, Testbench};
use std::ops::RangeInclusive;
use std::path::Path;

/// The VT-d page request queue flavor (RTL top `vtd_prq`).
pub struct Vtd;

impl Flavor for Vtd {
    fn name(&self) -> &'static str {
        "vtd"
    }
    fn top(&self) -> &'static str {
        "vtd_prq"
    }
    fn queue_sizes(&self) -> RangeInclusive<u32> {
        7..=14 // N = 2^(PQS+7) with PQS in 0..=7 (VTD-PRQ-1)
    }
    fn tests(&self) -> &'static [TestDef] {
        tests::registry()
    }
    fn parameters(&self, config: &RtlConfig) -> Result<Vec<(&'static str, u32)>, ConfigError> {
        params::model_params(config).map(|p| params::named(&p))
    }
    fn checkers(&self, config: &RtlConfig) -> Vec<Box<dyn Checker>> {
        checkers::checkers(&params::model_params(config).expect("checked by run"))
    }
    fn ordered_judge(&self, config: &RtlConfig, bounds: &crate::compare::LatencyBounds) -> Option<Box<dyn Checker>> {
        let p = params::model_params(config).expect("checked by run");
        Some(Box::new(ordered::PrqOrdered::new(&p, *bounds)))
    }
    fn queue_overflow(&self) -> crate::host_paths::OverflowFlag {
        // PRS.PRO stays set while an overflow is pending (VTD-PRQ-6).
        crate::host_paths::OverflowFlag { reg: models::vtd::regs::PRS, mask: models::vtd::regs::PRS_PRO.into(), toggles: false }
    }
    fn coverage(&self) -> &'static CoverDef {
        coverage::VtdCoverage::definition()
    }
    fn bench_workloads(&self) -> &'static [BenchWorkload] {
        &[BenchWorkload { name: "vtd", test: "vtd_soak", plain_loop: "vtd" }]
    }
    fn fuzz(&self) -> &'static crate::fuzz::Surface {
        &fuzz::SURFACE
    }
    fn testbench(
        &self,
        model: sim::Model,
        config: &RtlConfig,
        waves: Option<&Path>,
        agents: Agents,
        obs: Observers,
    ) -> Result<Box<dyn Harness>, sim::SimError> {
        Ok(Box::new(Testbench::<block::Prq>::load(model, config, waves, agents, obs)?))
    }
}
