//! Strict lockstep scoreboard: after every edge, every output of the DUT must equal the timed
//! model's prediction. The first difference stops the test with the cycle, the signal, both
//! values and the rule the expected behaviour comes from. The rule is read off the model's
//! events: which admission row the message at this edge took, where the response in the
//! egress came from, which register was read.

use models::pcie::{MsgClass, PageRequest};
use models::rules::RuleId;
use models::smmuv3::arch::{CmdEffect, Row};
use models::smmuv3::regs;
use models::smmuv3::timing::{EdgeEvents, PriqOutputs, PriqTiming, RegAccess, RespSource};
pub use crate::lockstep::Mismatch;

/// Reads one output signal (as a number) from an output record.
type Getter = fn(&PriqOutputs) -> u64;

/// Where the automatic response in a FIFO slot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AutoOrigin {
    Row(Row),
    WriteAbort,
}

/// Context the blame needs, kept up to date from the model's events (no allocation).
pub struct Scoreboard {
    /// Origins of the automatic responses waiting in the model's FIFO, oldest first.
    auto_origins: [AutoOrigin; 16],
    auto_head: usize,
    auto_len: usize,
    /// Origin of the response in the egress register.
    egress: Option<Result<AutoOrigin, ()>>,
    last_cmd: Option<(u8, CmdEffect)>,
    last_class: Option<MsgClass>,
    /// The last messages decided, newest last, to explain a response nobody expected.
    recent_decided: [Option<(Row, PageRequest)>; 8],
}

impl Default for Scoreboard {
    fn default() -> Self {
        Scoreboard { auto_origins: [AutoOrigin::WriteAbort; 16], auto_head: 0, auto_len: 0, egress: None, last_cmd: None, last_class: None, recent_decided: [None; 8] }
    }
}

impl Scoreboard {
    /// Follow the model through one edge.
    pub fn note(&mut self, ev: &EdgeEvents) {
        if ev.sent.is_some() {
            self.egress = None;
        }
        if let Some((row, m)) = ev.decided {
            self.last_class = Some(m.class());
            self.recent_decided.rotate_left(1);
            self.recent_decided[7] = Some((row, m));
            if ev.auto_pushed.is_some() {
                self.push_auto(AutoOrigin::Row(row));
            }
        } else if ev.auto_pushed.is_some() {
            self.push_auto(AutoOrigin::WriteAbort);
        }
        if let Some((_, src)) = ev.committed {
            self.egress = Some(match src {
                RespSource::Auto => Ok(self.pop_auto()),
                RespSource::Software => Err(()),
            });
        }
        if let Some(c) = ev.cmd {
            self.last_cmd = Some((c.opcode, c.effect));
        }
    }

    fn push_auto(&mut self, o: AutoOrigin) {
        let n = self.auto_origins.len();
        self.auto_origins[(self.auto_head + self.auto_len) % n] = o;
        self.auto_len = (self.auto_len + 1).min(n);
    }

    fn pop_auto(&mut self) -> AutoOrigin {
        let o = self.auto_origins[self.auto_head];
        if self.auto_len > 0 {
            self.auto_head = (self.auto_head + 1) % self.auto_origins.len();
            self.auto_len -= 1;
        }
        o
    }

    /// Compare all outputs; on the first difference, name it and its rule.
    pub fn compare(&self, cycle: u64, exp: &PriqOutputs, act: &PriqOutputs, model: &PriqTiming) -> Option<Mismatch> {
        if exp == act {
            return None;
        }
        let ev = model.events();
        let signals: [(&'static str, Getter); 22] = [
            ("mw_valid", |o| o.mw_valid as u64),
            ("mw_addr", |o| if o.mw_valid { o.mw_addr } else { 0 }),
            ("mw_data[63:0]", |o| if o.mw_valid { o.mw_data[0] } else { 0 }),
            ("mw_data[127:64]", |o| if o.mw_valid { o.mw_data[1] } else { 0 }),
            ("rsp_valid", |o| o.rsp_valid as u64),
            ("rsp_rid", |o| o.rsp_rid as u64),
            ("rsp_prgi", |o| o.rsp_prgi as u64),
            ("rsp_code", |o| o.rsp_code as u64),
            ("rsp_pv", |o| o.rsp_pv as u64),
            ("rsp_pasid", |o| o.rsp_pasid as u64),
            ("reg_rvalid", |o| o.reg_rvalid as u64),
            ("reg_rdata", |o| o.reg_rdata),
            ("irq_priq", |o| o.irq_priq as u64),
            ("irq_gerror", |o| o.irq_gerror as u64),
            ("sync_done", |o| o.sync_done as u64),
            ("cmd_ready", |o| o.cmd_ready as u64),
            ("pr_ready", |o| o.pr_ready as u64),
            ("mwack_ready", |o| o.mwack_ready as u64),
            ("reg_ready", |o| o.reg_ready as u64),
            // Payloads while invalid still count in strict mode: compare them last.
            ("mw_addr(idle)", |o| o.mw_addr),
            ("mw_data(idle)", |o| o.mw_data[0] ^ o.mw_data[1].rotate_left(1)),
            ("rsp(idle)", |o| o.rsp_rid as u64 ^ (o.rsp_prgi as u64) << 16 ^ (o.rsp_code as u64) << 25),
        ];
        let (signal, get) = signals.iter().find(|(_, get)| get(exp) != get(act))?;
        let (rule, context) = self.blame(signal, exp, act, ev, model);
        Some(Mismatch { cycle, signal, expected: get(exp), actual: get(act), rule, context })
    }

    /// The DUT sent a response the model did not: find what it answers.
    fn blame_unexpected_response(&self, act: &PriqOutputs) -> (RuleId, String) {
        if let Some((opcode, CmdEffect::Illegal)) = self.last_cmd {
            if opcode == models::smmuv3::cmd::OP_PRI_RESP {
                return (RuleId("SMMU-CMD-4"), "response to a CMD_PRI_RESP with Resp=0b11 (DEC-4)".into());
            }
        }
        if let Some((_, CmdEffect::Ignored)) = self.last_cmd {
            return (RuleId("SMMU-CMD-5"), "response to a CMD_PRI_RESP taken with SMMUEN=0".into());
        }
        let answered = self.recent_decided.iter().rev().flatten().find(|(_, m)| m.rid == act.rsp_rid && m.prgi == act.rsp_prgi);
        match answered {
            Some((_, m)) if m.class() == MsgClass::StopMarker => (RuleId("PRI-17"), format!("response to a Stop Marker {m:?}")),
            Some((row, m)) if m.class() == MsgClass::Request => {
                let rule = if *row == Row::A_Disabled { "SMMU-PRIQ-5" } else { "SMMU-PRIQ-6" };
                (RuleId(rule), format!("response to an L=0 request {m:?} (row {row:?})"))
            }
            Some((Row::D_Write, m)) => (RuleId("SMMU-PRIQ-10"), format!("automatic response to a queued request {m:?}")),
            _ => (RuleId("PRI-16"), "response that answers no closed group".into()),
        }
    }

    fn blame(&self, signal: &str, exp: &PriqOutputs, act: &PriqOutputs, ev: &EdgeEvents, model: &PriqTiming) -> (RuleId, String) {
        let row_rule = |row: Row| match row {
            Row::A_Disabled => RuleId("SMMU-PRIQ-5"),
            Row::B_OverflowActive => RuleId("SMMU-PRIQ-8"),
            Row::C_Full => RuleId("SMMU-PRIQ-7"),
            Row::D_Write => RuleId("SMMU-PRIQ-3"),
        };
        match signal {
            "mw_valid" => match ev.decided {
                Some((row, m)) => (row_rule(row), format!("message decided at this edge took row {row:?}: {m:?}")),
                None if act.mw_valid => (RuleId("SMMU-PRIQ-3"), "write with no message decided".into()),
                None => (RuleId("SMMU-PRIQ-3"), "expected write not issued".into()),
            },
            "mw_addr" | "mw_addr(idle)" => (RuleId("SMMU-PRIQ-1"), format!("PRIQ_BASE {:#x}, PROD {:#x}", model.priq_base(), model.prod())),
            "mw_data[63:0]" | "mw_data[127:64]" | "mw_data(idle)" => {
                let rule = if self.last_class == Some(MsgClass::StopMarker) { "SMMU-PRIQ-11" } else { "SMMU-PRIQ-4" };
                (RuleId(rule), format!("entry of {:?}", ev.decided.map(|d| d.1)))
            }
            "rsp_valid" | "rsp_rid" | "rsp_prgi" | "rsp_code" | "rsp_pv" | "rsp_pasid" | "rsp(idle)" => {
                match (exp.rsp_valid, self.egress) {
                    (true, Some(Ok(AutoOrigin::Row(Row::B_OverflowActive)))) => (RuleId("SMMU-PRIQ-6"), "automatic response, row b (DEC-3)".into()),
                    (true, Some(Ok(AutoOrigin::Row(row)))) => (row_rule(row), format!("automatic response, row {row:?}")),
                    (true, Some(Ok(AutoOrigin::WriteAbort))) => (RuleId("SMMU-PRIQ-16"), "automatic response after a write abort".into()),
                    (true, _) => (RuleId("SMMU-CMD-3"), "software response (CMD_PRI_RESP)".into()),
                    (false, _) => self.blame_unexpected_response(act),
                }
            }
            "reg_rdata" | "reg_rvalid" => {
                let addr = match ev.reg {
                    Some(RegAccess::Read { addr, .. }) => addr,
                    _ => u32::MAX,
                };
                let rule = match addr {
                    regs::PRIQ_PROD if (exp.reg_rdata ^ act.reg_rdata) >> 31 & 1 == 1 => "SMMU-PRIQ-7",
                    regs::PRIQ_PROD => "SMMU-PRIQ-3",
                    regs::PRIQ_CONS => "SMMU-PRIQ-9",
                    regs::CR0ACK | regs::CR0 => "SMMU-PRIQ-15",
                    regs::GERROR if (exp.reg_rdata ^ act.reg_rdata) & regs::GERROR_PRIQ_ABT_ERR as u64 != 0 => "SMMU-PRIQ-16",
                    regs::GERROR | regs::GERRORN | regs::CMDQ_CONS => "SMMU-CMD-2",
                    regs::IRQ_CTRLACK | regs::IRQ_CTRL | regs::PRIQ_IRQ_CFG2 => "SMMU-PRIQ-13",
                    regs::IDR0 | regs::IDR1 | regs::IDR3 | regs::IDR5 => "SMMU-PRIQ-1",
                    _ => "SMMU-PRIQ-14",
                };
                (RuleId(rule), format!("read of register {addr:#x}"))
            }
            "irq_priq" => (RuleId("SMMU-PRIQ-13"), format!("IRQ_CTRLACK {:#x}", model.irq_ctrlack())),
            "irq_gerror" => (RuleId("SMMU-CMD-11"), format!("GERROR {:#x}", model.gerror())),
            "sync_done" => (RuleId("SMMU-CMD-9"), "CMD_SYNC completion".into()),
            _ if matches!(ev.cmd, Some(c) if c.opcode == models::smmuv3::cmd::OP_PRI_RESP && c.effect == CmdEffect::Illegal) => {
                (RuleId("SMMU-CMD-4"), "CMD_PRI_RESP with Resp=0b11 taken at this edge is ILLEGAL (DEC-4)".into())
            }
            "cmd_ready" if model.cmdq_err_active() => (RuleId("SMMU-CMD-2"), "command port must stall while CMDQ_ERR is active".into()),
            "cmd_ready" => (RuleId("SMMU-CMD-10"), format!("software FIFO {} entries, sync pending {}", model.sw_len(), model.sync_pending())),
            "pr_ready" => (RuleId("SMMU-PRIQ-12"), format!("ingress FIFO holds {}", model.ingress_len())),
            "mwack_ready" => (RuleId("SMMU-PRIQ-3"), format!("write engine {:?}", model.engine())),
            _ => (RuleId("SMMU-PRIQ-14"), "register interface".into()),
        }
    }
}
