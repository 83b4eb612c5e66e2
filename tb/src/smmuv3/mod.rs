//! The SMMUv3 PRIQ bench: DUT binding, environment, Linux-like host, scoreboard, tests.

pub mod block;
pub mod checkers;
pub mod coverage;
pub mod dut;
pub mod env;
pub mod evtq_random;
pub mod evtq_tests;
pub mod fuzz;
pub mod host;
pub mod host_paths;
pub mod ordered;
pub mod params;
pub mod pri_scenarios;
pub mod scoreboard;
pub mod tests;

use crate::checkers::Checker;
use crate::config::{ConfigError, RtlConfig};
use crate::coverage::CoverDef;
use crate::env::Agents;
use crate::flavor::{BenchWorkload, Flavor, OptionalFeature};
use crate::observe::Observers;
use crate::registry::TestDef;
use crate::testbench::{Harness, Testbench};
use std::ops::RangeInclusive;
use std::path::Path;

/// The SMMUv3 PRIQ flavor (RTL top `smmuv3_priq`).
pub struct Smmuv3;

impl Flavor for Smmuv3 {
    fn name(&self) -> &'static str {
        "smmuv3"
    }
    fn top(&self) -> &'static str {
        "smmuv3_priq"
    }
    fn queue_sizes(&self) -> RangeInclusive<u32> {
        0..=19 // PRIQ_BASE.LOG2SIZE up to IDR1.PRIQS (SMMU-PRIQ-1)
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
        Some(Box::new(ordered::PriqOrdered::new(p.priqs, *bounds).with_egress_slots(p.egress_slots as u64)))
    }
    fn queue_overflow(&self) -> crate::host_paths::OverflowFlag {
        // PRIQ_PROD.OVFLG toggles at each overflow (SMMU-PRIQ-6).
        crate::host_paths::OverflowFlag { reg: models::smmuv3::regs::PRIQ_PROD, mask: models::ring::FLAG_BIT.into(), toggles: true }
    }
    fn coverage(&self) -> &'static CoverDef {
        coverage::Smmuv3Coverage::definition()
    }
    fn bench_workloads(&self) -> &'static [BenchWorkload] {
        &[
            BenchWorkload { name: "smmuv3", test: "soak", plain_loop: "smmuv3" },
            // The event queue (issue 11): event records with stalls through the EVTQ thread.
            BenchWorkload { name: "smmuv3-evtq", test: "evtq_soak", plain_loop: "smmuv3_evtq" },
        ]
    }
    fn optional_features(&self) -> &'static [OptionalFeature] {
        // The event queue (rtl/README.md, "SMMUv3 event queue"): a PRIQ-only block has none of it.
        &[OptionalFeature {
            name: "evtq",
            port_prefixes: &["ev_", "sr_", "emw_", "emwack_"],
            ports: &["irq_evtq"],
            test_prefix: "evtq_",
            rule_prefix: "SMMU-EVTQ-",
        }]
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
        Ok(Box::new(Testbench::<block::Priq>::load(model, config, waves, agents, obs)?))
    }
}
