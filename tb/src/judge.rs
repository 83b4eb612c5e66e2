//! Which judge failed a run: the lockstep scoreboard, a named protocol checker, a named bounded
//! wait or watchdog, an assertion of the test sequence, or the scenario's cycle limit. Stored in
//! results.json (`judge`) so a failure says what caught it, not only which rule it broke.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The bounded waits and watchdogs of the harness. A wait that expires fails the run with
/// "[RULE] <name>: message" (`expired!`), which is how the runner tells it from a test's own
/// assertion ("[RULE] message", `ensure!`).
pub mod waits {
    /// A register access never completed (the register agent's watchdog, OP-15).
    pub const REGISTER: &str = "register watchdog";
    /// A command or descriptor was never taken by the command port (the command agent's watchdog).
    pub const COMMAND: &str = "command watchdog";
    /// The PCIe ingress stopped accepting messages (`Env::send_all`).
    pub const INGRESS: &str = "ingress wait";
    /// An operation's completion never came (`Env::wait_done`).
    pub const COMPLETION: &str = "completion wait";
    /// Generated traffic made no progress (`Env::run_traffic` and friends, PRI-16).
    pub const TRAFFIC: &str = "traffic watch";
    /// The bench never went quiet (`Env::settle`).
    pub const SETTLE: &str = "settle wait";
    /// A condition of a test sequence never held (`seq::wait_until`, and tests' own deadlines).
    pub const CONDITION: &str = "condition wait";
    /// A register never showed the value a sequence waits for (enable/ack handshakes, status).
    pub const REGISTER_VALUE: &str = "register value wait";
    /// The host model's thread never did what a sequence waits for (VT-d PRQ thread, QI lock).
    pub const HOST: &str = "host wait";
    /// Every bounded wait, for reading a failure back.
    pub const ALL: &[&str] = &[REGISTER, COMMAND, INGRESS, COMPLETION, TRAFFIC, SETTLE, CONDITION, REGISTER_VALUE, HOST];
}

/// What failed a run (absent when it passed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Judge {
    /// The strict lockstep scoreboard: an output differed from the timed model's.
    Lockstep,
    /// The ordered judge: content and order of the DUT's transactions against the architectural
    /// model, within latency bounds (`crate::ordered`).
    Ordered,
    /// A timing-free protocol checker, by name.
    Checker(String),
    /// A bounded wait or watchdog that expired, by name (one of [`waits::ALL`]).
    Wait(String),
    /// An assertion of the test sequence about the outcome it saw.
    Assertion,
    /// The scenario's `max_cycles` ended the run (no rule promised what was missing).
    Timeout,
}

impl Judge {
    /// The judge of a failure raised in the test sequence, from its message: a bounded wait
    /// when the text after "[RULE] " names one ("<wait>: ..."), otherwise an assertion.
    pub fn of_sequence_failure(msg: &str) -> Judge {
        let text = msg.split_once("] ").map_or(msg, |(_, t)| t);
        match waits::ALL.iter().find(|w| text.strip_prefix(**w).is_some_and(|r| r.starts_with(": "))) {
            Some(w) => Judge::Wait((*w).to_string()),
            None => Judge::Assertion,
        }
    }
}

impl fmt::Display for Judge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Judge::Lockstep => f.write_str("lockstep"),
            Judge::Ordered => f.write_str("ordered"),
            Judge::Checker(n) => write!(f, "checker {n}"),
            Judge::Wait(n) => write!(f, "{n}"),
            Judge::Assertion => f.write_str("test assertion"),
            Judge::Timeout => f.write_str("timeout"),
        }
    }
}

/// A judge spelling [`Judge`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown judge `{0}`")]
pub struct UnknownJudge(pub String);

impl FromStr for Judge {
    type Err = UnknownJudge;
    fn from_str(s: &str) -> Result<Judge, UnknownJudge> {
        match s {
            "lockstep" => Ok(Judge::Lockstep),
            "ordered" => Ok(Judge::Ordered),
            "test assertion" => Ok(Judge::Assertion),
            "timeout" => Ok(Judge::Timeout),
            _ if waits::ALL.contains(&s) => Ok(Judge::Wait(s.to_string())),
            _ => match s.strip_prefix("checker ") {
                Some(n) if !n.is_empty() => Ok(Judge::Checker(n.to_string())),
                _ => Err(UnknownJudge(s.to_string())),
            },
        }
    }
}

impl From<Judge> for String {
    fn from(j: Judge) -> String {
        j.to_string()
    }
}

impl TryFrom<String> for Judge {
    type Error = UnknownJudge;
    fn try_from(s: String) -> Result<Judge, UnknownJudge> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_failures_name_the_wait_or_the_assertion() {
        assert_eq!(Judge::of_sequence_failure("[OP-15] register watchdog: waited 2000 cycles"), Judge::Wait(waits::REGISTER.into()));
        assert_eq!(Judge::of_sequence_failure("[PRI-16] condition wait: waited 9 cycles for x"), Judge::Wait(waits::CONDITION.into()));
        assert_eq!(Judge::of_sequence_failure("[SMMU-PRIQ-7] the small queue never overflowed"), Judge::Assertion);
        // A wait's name inside the message is not a wait that expired.
        assert_eq!(Judge::of_sequence_failure("[X-1] no settle wait: happened"), Judge::Assertion);
        assert_eq!(Judge::of_sequence_failure("[X-1] settle wait expired"), Judge::Assertion);
    }

    #[test]
    fn spellings_round_trip() {
        let all = [Judge::Lockstep, Judge::Ordered, Judge::Checker("PrqEntryChecker".into()), Judge::Assertion, Judge::Timeout]
            .into_iter()
            .chain(waits::ALL.iter().map(|w| Judge::Wait((*w).into())));
        for j in all {
            assert_eq!(j.to_string().parse::<Judge>(), Ok(j));
        }
        assert_eq!("checker ".parse::<Judge>(), Err(UnknownJudge("checker ".into())));
        assert_eq!("somebody".parse::<Judge>().unwrap_err().to_string(), "unknown judge `somebody`");
    }
}
