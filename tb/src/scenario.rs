//! A scenario is data (ARCHITECTURE principle 8): everything a run needs besides the RTL build,
//! serialisable so that a failing run can be stored and replayed bit for bit.

use crate::agents::memory::MemoryBehaviour;
use crate::agents::pcie_fn::TrafficPlan;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The flavor (`crate::flavors`) whose RTL top and tests this scenario runs.
    pub flavor: String,
    /// Registered test (directed sequence or random class) this scenario belongs to.
    pub test: String,
    pub seed: u64,
    /// The flavor top's RTL configuration (`rtl/configs.txt`; `crate::config`).
    #[serde(default = "default_config")]
    pub config: String,
    /// PRIQ_BASE programmed by the sequence: address and LOG2SIZE.
    pub queue_base: u64,
    pub log2size: u32,
    pub memory: MemoryBehaviour,
    /// Chance (of 255) that the PCIe egress is ready in a cycle.
    pub rsp_ready_odds: u8,
    /// Generated traffic, if any (directed tests usually send explicit messages).
    pub traffic: Option<TrafficPlan>,
    pub host: HostPolicy,
    /// The run fails with a timeout past this many cycles.
    pub max_cycles: u64,
    /// A fuzz case's action program (`crate::fuzz`), interpreted by the flavor's fuzz test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<crate::fuzz::Program>,
}

/// A scenario the testbench cannot run; one line naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("malformed scenario: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("scenario memory.ack_latency ({min}, {max}) must be 1 <= min <= max")]
    AckLatency { min: u32, max: u32 },
    #[error("scenario traffic needs rids, pasids, allocation >= 1 and max_prg_len >= 1")]
    EmptyTraffic,
    #[error("scenario traffic PASIDs must be below 2^20")]
    PasidTooWide,
    #[error("scenario max_cycles must be at least 1")]
    NoCycles,
    #[error("scenario log2size {log2size} is outside {}..={} for flavor {flavor}", sizes.start(), sizes.end())]
    QueueSize { log2size: u32, sizes: std::ops::RangeInclusive<u32>, flavor: &'static str },
}

impl Scenario {
    /// Load a stored scenario; a malformed file gives a one-line error.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = serde_json::from_str(text)?;
        s.validate()?;
        Ok(s)
    }
    /// Reject scenarios the testbench cannot run meaningfully (the flavor's own limits are
    /// checked by `run`, which knows the flavor).
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let (min, max) = self.memory.ack_latency;
        if min == 0 || min > max {
            return Err(ScenarioError::AckLatency { min, max });
        }
        if let Some(t) = &self.traffic {
            if t.rids.is_empty() || t.pasids.is_empty() || t.allocation == 0 || t.max_prg_len == 0 {
                return Err(ScenarioError::EmptyTraffic);
            }
            if t.pasids.iter().any(|&p| p >= 1 << 20) {
                return Err(ScenarioError::PasidTooWide);
            }
        }
        if self.max_cycles == 0 {
            return Err(ScenarioError::NoCycles);
        }
        Ok(())
    }
}

fn default_config() -> String {
    crate::config::DEFAULT.into()
}

/// Host policy of a scenario: how the driver thread runs (either flavor), and the software
/// model's knobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostPolicy {
    /// Run the consumer thread at all (directed tests often play the host by hand).
    pub consume: bool,
    /// Cycles between polls when no interrupt arrives.
    pub poll_cycles: u64,
    /// Chance (of 255) that the handler fails a page (the group is answered Invalid Request).
    pub invalid_odds: u8,
    /// Acknowledge an overflow (final CONS write); a test of inhibition may turn this off.
    pub ack_overflow: bool,
    /// The software model's knobs (host-sw.md §1): driver flavour, Stop Marker test, consumer...
    #[serde(default)]
    pub sw: models::host::HostPolicy,
}

impl Default for HostPolicy {
    fn default() -> Self {
        HostPolicy { consume: true, poll_cycles: 64, invalid_odds: 0, ack_overflow: true, sw: Default::default() }
    }
}
