//! Which judge compares the DUT with the reference (`--compare`), and the latency bounds of the
//! ordered judge (`--latency-bound`). The timing-free protocol checkers run in every mode.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a run compares the DUT with the models.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareMode {
    /// Every output on every cycle against the timed model of our RTL's schedule.
    #[default]
    Lockstep,
    /// Content and order of the DUT's transactions against the architectural model, within the
    /// timing freedom the spec gives and the latency bounds (`crate::ordered`); for RTL whose
    /// timing differs from ours.
    Ordered,
    /// The protocol checkers only.
    Checkers,
}

impl CompareMode {
    /// The default judge: ordered for foreign RTL bound through a port map, lockstep for ours.
    /// The one place that decides it.
    pub fn default_for(port_map: bool) -> CompareMode {
        if port_map {
            CompareMode::Ordered
        } else {
            CompareMode::Lockstep
        }
    }

    /// Is the timed model's every output enforced?
    pub fn lockstep(self) -> bool {
        self == CompareMode::Lockstep
    }
}

impl fmt::Display for CompareMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareMode::Lockstep => "lockstep",
            CompareMode::Ordered => "ordered",
            CompareMode::Checkers => "checkers",
        })
    }
}

/// A `--compare` value that names no mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compare mode '{0}' (lockstep, ordered or checkers)")]
pub struct UnknownCompare(pub String);

impl FromStr for CompareMode {
    type Err = UnknownCompare;
    fn from_str(s: &str) -> Result<CompareMode, UnknownCompare> {
        match s {
            "lockstep" => Ok(CompareMode::Lockstep),
            "ordered" => Ok(CompareMode::Ordered),
            "checkers" => Ok(CompareMode::Checkers),
            _ => Err(UnknownCompare(s.to_string())),
        }
    }
}

/// The ordered judge's latency bounds, in cycles. Each one fails the run with the rule of the
/// late effect when exceeded. The defaults are far above what our RTL needs under the harness's
/// heaviest back-pressure (they bound stuck pipelines, not performance); a team tightens them to
/// its own design's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyBounds {
    /// A PRG response after its cause: the message (automatic) or the command (software).
    pub response: u64,
    /// A queue entry's write after the message's acceptance.
    pub entry: u64,
    /// How old a value register read data may show: the read is judged against every value the
    /// register held in the `reg` cycles before the data (the request-to-data time itself is the
    /// register agent's watchdog).
    pub reg: u64,
    /// An interrupt pulse after its trigger. A VT-d interrupt is a memory write the memory may
    /// hold off unseen, so during the run it gets the larger of this and `entry`; at the end of
    /// the run (memory drained) it is held to this one.
    pub irq: u64,
    /// CR0ACK / IRQ_CTRLACK following a CR0 / IRQ_CTRL write.
    pub ack: u64,
}

impl Default for LatencyBounds {
    fn default() -> Self {
        LatencyBounds { response: 4000, entry: 4000, reg: 16, irq: 64, ack: 64 }
    }
}

/// A `--latency-bound` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad latency bound '{0}': expected KEY=CYCLES[,KEY=CYCLES...] with KEY one of response, entry, reg, irq, ack")]
pub struct BadBounds(pub String);

impl FromStr for LatencyBounds {
    type Err = BadBounds;
    /// `response=N,entry=M,reg=K,irq=J,ack=A`; keys not given keep their defaults.
    fn from_str(s: &str) -> Result<LatencyBounds, BadBounds> {
        let bad = || BadBounds(s.to_string());
        let mut b = LatencyBounds::default();
        for part in s.split(',') {
            let (k, v) = part.split_once('=').ok_or_else(bad)?;
            let v: u64 = v.trim().parse().map_err(|_| bad())?;
            if v == 0 {
                return Err(bad());
            }
            match k.trim() {
                "response" => b.response = v,
                "entry" => b.entry = v,
                "reg" => b.reg = v,
                "irq" => b.irq = v,
                "ack" => b.ack = v,
                _ => return Err(bad()),
            }
        }
        Ok(b)
    }
}

impl fmt::Display for LatencyBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response={},entry={},reg={},irq={},ack={}", self.response, self.entry, self.reg, self.irq, self.ack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_and_default() {
        for m in [CompareMode::Lockstep, CompareMode::Ordered, CompareMode::Checkers] {
            assert_eq!(m.to_string().parse::<CompareMode>(), Ok(m));
        }
        assert_eq!(
            "strict".parse::<CompareMode>().unwrap_err().to_string(),
            "unknown compare mode 'strict' (lockstep, ordered or checkers)"
        );
        assert_eq!(CompareMode::default_for(false), CompareMode::Lockstep);
        assert_eq!(CompareMode::default_for(true), CompareMode::Ordered);
    }

    #[test]
    fn bounds_parse_keys_and_keep_defaults() {
        let b: LatencyBounds = "response=10,irq=3".parse().unwrap();
        assert_eq!((b.response, b.irq, b.entry), (10, 3, LatencyBounds::default().entry));
        assert_eq!(b.to_string().parse::<LatencyBounds>(), Ok(b));
        for bad in ["", "response", "response=x", "speed=3", "reg=0"] {
            assert!(bad.parse::<LatencyBounds>().is_err(), "{bad}");
        }
    }
}
