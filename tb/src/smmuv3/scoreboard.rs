//! What the lockstep scoreboard (`crate::scoreboard`) needs of the SMMUv3 PRIQ: its signal table
//! and which rule each difference breaks. The rule is read off the model's events: which
//! admission row the message at this edge took, where the response in the egress came from,
//! which register was read, the last command's effect.

pub use crate::lockstep::Mismatch;
use crate::scoreboard::{signals, Blame, Recent, Signal, Unexpected};
use models::pcie::{MsgClass, PageRequest};
use models::rules::RuleId;
use models::smmuv3::arch::{CmdEffect, Row};
use models::smmuv3::event::EventRecord;
use models::smmuv3::evtq_arch::Unwritable;
use models::smmuv3::evtq_timing::EvRow;
use models::smmuv3::regs;
use models::smmuv3::timing::{PriqOutputs, PriqTiming, RegAccess, RespSource};

/// The strict lockstep scoreboard of `smmuv3_priq`.
pub type Scoreboard = crate::scoreboard::Scoreboard<PriqBlame>;

/// Where the automatic response in a FIFO slot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AutoOrigin {
    Row(Row),
    WriteAbort,
}

/// What made a stall resolution (the rule a wrong one breaks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResolutionOrigin {
    /// CMD_RESUME (SMMU-CMD-7).
    Resume,
    /// CMD_STALL_TERM (SMMU-CMD-8).
    StallTerm,
    /// CR0ACK.SMMUEN=0 (SMMU-EVTQ-8).
    Disable,
}

impl ResolutionOrigin {
    fn rule(self) -> RuleId {
        match self {
            ResolutionOrigin::Resume => RuleId("SMMU-CMD-7"),
            ResolutionOrigin::StallTerm => RuleId("SMMU-CMD-8"),
            ResolutionOrigin::Disable => RuleId("SMMU-EVTQ-8"),
        }
    }
}

/// Context the blame needs, kept up to date from the model's events (no allocation).
pub struct PriqBlame {
    /// Origins of the automatic responses waiting in the model's FIFO, oldest first.
    auto_origins: [AutoOrigin; 16],
    auto_head: usize,
    auto_len: usize,
    /// Origin of the response in the egress register.
    egress: Option<Result<AutoOrigin, ()>>,
    last_cmd: Option<(u8, CmdEffect)>,
    last_class: Option<MsgClass>,
    /// Why each stall-table slot is RESOLVING, and the origins of the resolutions in the
    /// stall-resolution FIFO, oldest first.
    slot_origins: [ResolutionOrigin; 16],
    sr_origins: [ResolutionOrigin; 16],
    sr_head: usize,
    sr_len: usize,
    /// The record words of the model's latest write decision, and of the one before it (a DUT
    /// writing one of them again merged nothing new: a duplicate, SMMU-EVTQ-7).
    latest_record: Option<[u64; 4]>,
    prior_record: Option<[u64; 4]>,
}

impl Default for PriqBlame {
    fn default() -> Self {
        PriqBlame {
            auto_origins: [AutoOrigin::WriteAbort; 16],
            auto_head: 0,
            auto_len: 0,
            egress: None,
            last_cmd: None,
            last_class: None,
            slot_origins: [ResolutionOrigin::Disable; 16],
            sr_origins: [ResolutionOrigin::Disable; 16],
            sr_head: 0,
            sr_len: 0,
            latest_record: None,
            prior_record: None,
        }
    }
}

/// Memory-port payloads count while valid first; idle, after every other signal.
const MW_VALID: [Signal<PriqOutputs>; 4] = [
    Signal { name: "mw_valid", get: |o| o.mw_valid as u64 },
    Signal { name: "mw_addr", get: |o| if o.mw_valid { o.mw_addr } else { 0 } },
    Signal { name: "mw_data[63:0]", get: |o| if o.mw_valid { o.mw_data[0] } else { 0 } },
    Signal { name: "mw_data[127:64]", get: |o| if o.mw_valid { o.mw_data[1] } else { 0 } },
];
const MW_IDLE: [Signal<PriqOutputs>; 3] = [
    Signal { name: "mw_addr(idle)", get: |o| o.mw_addr },
    Signal { name: "mw_data[63:0](idle)", get: |o| o.mw_data[0] },
    Signal { name: "mw_data[127:64](idle)", get: |o| o.mw_data[1] },
];
/// The event-record port, likewise.
const EMW_VALID: [Signal<PriqOutputs>; 6] = [
    Signal { name: "emw_valid", get: |o| o.emw_valid as u64 },
    Signal { name: "emw_addr", get: |o| if o.emw_valid { o.emw_addr } else { 0 } },
    Signal { name: "emw_data[63:0]", get: |o| if o.emw_valid { o.emw_data[0] } else { 0 } },
    Signal { name: "emw_data[127:64]", get: |o| if o.emw_valid { o.emw_data[1] } else { 0 } },
    Signal { name: "emw_data[191:128]", get: |o| if o.emw_valid { o.emw_data[2] } else { 0 } },
    Signal { name: "emw_data[255:192]", get: |o| if o.emw_valid { o.emw_data[3] } else { 0 } },
];
const EMW_IDLE: [Signal<PriqOutputs>; 5] = [
    Signal { name: "emw_addr(idle)", get: |o| o.emw_addr },
    Signal { name: "emw_data[63:0](idle)", get: |o| o.emw_data[0] },
    Signal { name: "emw_data[127:64](idle)", get: |o| o.emw_data[1] },
    Signal { name: "emw_data[191:128](idle)", get: |o| o.emw_data[2] },
    Signal { name: "emw_data[255:192](idle)", get: |o| o.emw_data[3] },
];
/// Stall resolutions: payloads while valid first, the idle FIFO slot last.
const SR_VALID: [Signal<PriqOutputs>; 4] = [
    Signal { name: "sr_valid", get: |o| o.sr_valid as u64 },
    Signal { name: "sr_sid", get: |o| if o.sr_valid { u64::from(o.sr_sid) } else { 0 } },
    Signal { name: "sr_stag", get: |o| if o.sr_valid { u64::from(o.sr_stag) } else { 0 } },
    Signal { name: "sr_action", get: |o| if o.sr_valid { u64::from(o.sr_action) } else { 0 } },
];
const SR_IDLE: [Signal<PriqOutputs>; 3] = [
    Signal { name: "sr_sid(idle)", get: |o| u64::from(o.sr_sid) },
    Signal { name: "sr_stag(idle)", get: |o| u64::from(o.sr_stag) },
    Signal { name: "sr_action(idle)", get: |o| u64::from(o.sr_action) },
];

/// The rule a record's decision row applies (rtl/README.md rows W, H, S, F, X).
fn ev_row_rule(row: EvRow, stall: bool, overflow_active: bool) -> RuleId {
    match row {
        EvRow::Write if stall => RuleId("SMMU-EVTQ-6"),
        EvRow::Write if overflow_active => RuleId("SMMU-EVTQ-5"),
        EvRow::Write => RuleId("SMMU-EVTQ-3"),
        EvRow::Hold(_) => RuleId("SMMU-EVTQ-6"),
        EvRow::StallAborted(_) => RuleId("SMMU-EVTQ-8"),
        EvRow::Discard { why: Unwritable::Full, .. } => RuleId("SMMU-EVTQ-3"),
        EvRow::Discard { why: Unwritable::Disabled, .. } => RuleId("SMMU-EVTQ-10"),
        EvRow::Discard { why: Unwritable::AbortError, .. } => RuleId("SMMU-EVTQ-11"),
    }
}

fn row_rule(row: Row) -> RuleId {
    match row {
        Row::A_Disabled => RuleId("SMMU-PRIQ-5"),
        Row::B_OverflowActive => RuleId("SMMU-PRIQ-8"),
        Row::C_Full => RuleId("SMMU-PRIQ-7"),
        Row::D_Write => RuleId("SMMU-PRIQ-3"),
    }
}

impl PriqBlame {
    /// Follow the stall resolutions through the model's edge: why slots became RESOLVING, which
    /// origin was issued into the FIFO and which one left it.
    fn note_resolutions(&mut self, model: &PriqTiming) {
        let ev = model.events();
        let e = &ev.evtq;
        if e.taken.is_some() && self.sr_len > 0 {
            self.sr_head = (self.sr_head + 1) % self.sr_origins.len();
            self.sr_len -= 1;
        }
        if let Some(r) = e.issued {
            let n = self.sr_origins.len();
            self.sr_origins[(self.sr_head + self.sr_len) % n] = self.slot_origins[usize::from(r.stag) % n];
            self.sr_len = (self.sr_len + 1).min(n);
        }
        if e.resolving != 0 {
            let origin = match ev.cmd.map(|c| c.effect) {
                _ if model.cr0ack() & regs::CR0_SMMUEN == 0 => ResolutionOrigin::Disable,
                Some(CmdEffect::Resume { .. }) => ResolutionOrigin::Resume,
                Some(CmdEffect::StallTerm { .. }) => ResolutionOrigin::StallTerm,
                _ => ResolutionOrigin::Disable,
            };
            for k in 0..self.slot_origins.len() {
                if e.resolving & (1 << k) != 0 {
                    self.slot_origins[k] = origin;
                }
            }
        }
    }

    /// The rule a difference on `sr_*` breaks: what made the resolution at the FIFO head, or
    /// (none expected) what the last command was.
    fn blame_resolution(&self, exp: &PriqOutputs) -> (RuleId, String) {
        if exp.sr_valid && self.sr_len > 0 {
            let o = self.sr_origins[self.sr_head];
            return (o.rule(), format!("stall resolution made by {o:?}"));
        }
        match self.last_cmd {
            Some((_, CmdEffect::Resume { .. })) => (RuleId("SMMU-CMD-7"), "resolution after a CMD_RESUME".into()),
            Some((_, CmdEffect::StallTerm { .. })) => (RuleId("SMMU-CMD-8"), "resolution after a CMD_STALL_TERM".into()),
            _ => (RuleId("SMMU-EVTQ-8"), "stall resolution".into()),
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

    /// The DUT sent a response the model did not: a command that must send none, else what the
    /// response answers.
    fn blame_unexpected_response(&self, act: &PriqOutputs, recent: &Recent<Row>) -> (RuleId, String) {
        match self.last_cmd {
            Some((models::smmuv3::cmd::OP_PRI_RESP, CmdEffect::Illegal)) => {
                (RuleId("SMMU-CMD-4"), "response to a CMD_PRI_RESP with Resp=0b11 (DEC-4)".into())
            }
            Some((_, CmdEffect::Ignored)) => (RuleId("SMMU-CMD-5"), "response to a CMD_PRI_RESP taken with SMMUEN=0".into()),
            _ => recent.blame_response(act.rsp_rid, act.rsp_prgi, &Self::UNEXPECTED),
        }
    }
}

impl Blame for PriqBlame {
    type Outputs = PriqOutputs;
    type Model = PriqTiming;
    type Row = Row;

    const SIGNALS: &'static [&'static [Signal<PriqOutputs>]] = &[
        &MW_VALID,
        &signals!(PriqOutputs; rsp_valid, rsp_rid, rsp_prgi, rsp_code, rsp_pv, rsp_pasid, reg_rvalid, reg_rdata),
        &signals!(PriqOutputs; irq_priq, irq_gerror, sync_done, cmd_ready, pr_ready, mwack_ready, reg_ready),
        &EMW_VALID,
        &SR_VALID,
        &signals!(PriqOutputs; irq_evtq, ev_ready, emwack_ready),
        &MW_IDLE,
        &EMW_IDLE,
        &SR_IDLE,
    ];

    const UNEXPECTED: Unexpected<Row> = Unexpected {
        stop_marker: RuleId("PRI-17"),
        request: |row| if row == Row::A_Disabled { RuleId("SMMU-PRIQ-5") } else { RuleId("SMMU-PRIQ-6") },
        queued: (Row::D_Write, RuleId("SMMU-PRIQ-10")),
        unknown: RuleId("PRI-16"),
    };

    fn note(&mut self, model: &PriqTiming) -> Option<(Row, PageRequest)> {
        let ev = model.events();
        if ev.sent.is_some() {
            self.egress = None;
        }
        if let Some((row, m)) = ev.decided {
            self.last_class = Some(m.class());
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
        self.note_resolutions(model);
        if let Some((EvRow::Write, rec, stag)) = ev.evtq.decided {
            self.prior_record = self.latest_record;
            self.latest_record = Some(EventRecord::encode_input(&rec, stag));
        }
        ev.decided
    }

    fn blame(&self, signal: &str, exp: &PriqOutputs, act: &PriqOutputs, model: &PriqTiming, recent: &Recent<Row>) -> (RuleId, String) {
        let ev = model.events();
        match signal {
            "mw_valid" => match ev.decided {
                Some((row, m)) => (row_rule(row), format!("message decided at this edge took row {row:?}: {m:?}")),
                None if act.mw_valid => (RuleId("SMMU-PRIQ-3"), "write with no message decided".into()),
                None => (RuleId("SMMU-PRIQ-3"), "expected write not issued".into()),
            },
            "mw_addr" | "mw_addr(idle)" => (RuleId("SMMU-PRIQ-1"), format!("PRIQ_BASE {:#x}, PROD {:#x}", model.priq_base(), model.prod())),
            "mw_data[63:0]" | "mw_data[127:64]" | "mw_data[63:0](idle)" | "mw_data[127:64](idle)" => {
                let rule = if self.last_class == Some(MsgClass::StopMarker) { "SMMU-PRIQ-11" } else { "SMMU-PRIQ-4" };
                (RuleId(rule), format!("entry of {:?}", ev.decided.map(|d| d.1)))
            }
            "rsp_valid" | "rsp_rid" | "rsp_prgi" | "rsp_code" | "rsp_pv" | "rsp_pasid" => match (exp.rsp_valid, self.egress) {
                (true, Some(Ok(AutoOrigin::Row(Row::B_OverflowActive)))) => {
                    (RuleId("SMMU-PRIQ-6"), "automatic response, row b (DEC-3)".into())
                }
                (true, Some(Ok(AutoOrigin::Row(row)))) => (row_rule(row), format!("automatic response, row {row:?}")),
                (true, Some(Ok(AutoOrigin::WriteAbort))) => (RuleId("SMMU-PRIQ-16"), "automatic response after a write abort".into()),
                (true, _) => (RuleId("SMMU-CMD-3"), "software response (CMD_PRI_RESP)".into()),
                (false, _) => self.blame_unexpected_response(act, recent),
            },
            "reg_rdata" | "reg_rvalid" => {
                let addr = match ev.reg {
                    Some(RegAccess::Read { addr, .. }) => addr,
                    _ => u32::MAX,
                };
                let rule = match addr {
                    regs::PRIQ_PROD if (exp.reg_rdata ^ act.reg_rdata) >> 31 & 1 == 1 => "SMMU-PRIQ-7",
                    regs::PRIQ_PROD => "SMMU-PRIQ-3",
                    regs::PRIQ_CONS => "SMMU-PRIQ-9",
                    regs::EVENTQ_PROD if model.evtq().holding() => "SMMU-EVTQ-6",
                    regs::EVENTQ_PROD if (exp.reg_rdata ^ act.reg_rdata) >> 31 & 1 == 1 => "SMMU-EVTQ-4",
                    regs::EVENTQ_PROD | regs::EVENTQ_CONS | regs::EVENTQ_BASE => "SMMU-EVTQ-1",
                    regs::CR0ACK if (exp.reg_rdata ^ act.reg_rdata) & regs::CR0_EVENTQEN as u64 != 0 => "SMMU-EVTQ-10",
                    regs::CR0ACK | regs::CR0 => "SMMU-PRIQ-15",
                    regs::GERROR if (exp.reg_rdata ^ act.reg_rdata) & regs::GERROR_PRIQ_ABT_ERR as u64 != 0 => "SMMU-PRIQ-16",
                    regs::GERROR if (exp.reg_rdata ^ act.reg_rdata) & regs::GERROR_EVENTQ_ABT_ERR as u64 != 0 => "SMMU-EVTQ-11",
                    regs::IDR5 => "SMMU-EVTQ-8",
                    regs::GERROR | regs::GERRORN | regs::CMDQ_CONS => "SMMU-CMD-2",
                    regs::IRQ_CTRLACK | regs::IRQ_CTRL | regs::PRIQ_IRQ_CFG2 => "SMMU-PRIQ-13",
                    regs::IDR0 | regs::IDR1 | regs::IDR3 => "SMMU-PRIQ-1",
                    _ => "SMMU-PRIQ-14",
                };
                (RuleId(rule), format!("read of register {addr:#x}"))
            }
            "emw_valid" => match ev.evtq.decided {
                Some((row, rec, _)) => (
                    ev_row_rule(row, rec.is_stall(), model.evtq().overflow_active()),
                    format!("record decided at this edge took {row:?}: {rec:?}"),
                ),
                None if act.emw_valid => (RuleId("SMMU-EVTQ-7"), "record write with no record decided".into()),
                None => (RuleId("SMMU-EVTQ-3"), "expected record write not issued".into()),
            },
            "emw_addr" | "emw_addr(idle)" => {
                let q = model.evtq();
                (RuleId("SMMU-EVTQ-1"), format!("EVENTQ_BASE {:#x}, EVENTQ_PROD {:#x}", q.base(), q.prod()))
            }
            s if s.starts_with("emw_data") => {
                // A record written before, written again: one input, two records.
                let this_edge = matches!(ev.evtq.decided, Some((EvRow::Write, ..)));
                let before = if this_edge { self.prior_record } else { self.latest_record };
                if before == Some(act.emw_data) {
                    (RuleId("SMMU-EVTQ-7"), "the DUT writes the record it wrote before again".into())
                } else {
                    (RuleId("SMMU-EVTQ-2"), format!("record of {:?}", ev.evtq.decided.map(|d| (d.1, d.2))))
                }
            }
            "emwack_ready" => (RuleId("SMMU-EVTQ-1"), format!("EVTQ write engine {:?}", model.evtq().engine())),
            "ev_ready" => {
                // Back-pressure is the full ingress FIFO or STALL_MAX outstanding stalls (OP-3).
                let out = model.evtq().outstanding();
                let rule = if model.evtq().ingress_len() == model.params().ev_depth { "SMMU-EVTQ-7" } else { "SMMU-EVTQ-8" };
                (RuleId(rule), format!("{out} stalls outstanding, event ingress FIFO holds {}", model.evtq().ingress_len()))
            }
            s if s.starts_with("sr_") => self.blame_resolution(exp),
            "irq_evtq" => (RuleId("SMMU-EVTQ-9"), format!("IRQ_CTRLACK {:#x}", model.irq_ctrlack())),
            "irq_priq" => (RuleId("SMMU-PRIQ-13"), format!("IRQ_CTRLACK {:#x}", model.irq_ctrlack())),
            "irq_gerror" if ev.gerror_activated & regs::GERROR_EVENTQ_ABT_ERR != 0 => {
                (RuleId("SMMU-EVTQ-11"), format!("EVENTQ_ABT_ERR activated at this edge, GERROR {:#x}", model.gerror()))
            }
            "irq_gerror" => (RuleId("SMMU-CMD-11"), format!("GERROR {:#x}", model.gerror())),
            "sync_done" => (RuleId("SMMU-CMD-9"), "CMD_SYNC completion".into()),
            _ if matches!(ev.cmd, Some(c) if c.opcode == models::smmuv3::cmd::OP_PRI_RESP && c.effect == CmdEffect::Illegal) => {
                (RuleId("SMMU-CMD-4"), "CMD_PRI_RESP with Resp=0b11 taken at this edge is ILLEGAL (DEC-4)".into())
            }
            "cmd_ready" if model.cmdq_err_active() => (RuleId("SMMU-CMD-2"), "command port must stall while CMDQ_ERR is active".into()),
            "cmd_ready" => {
                (RuleId("SMMU-CMD-10"), format!("software FIFO {} entries, sync pending {}", model.sw_len(), model.sync_pending()))
            }
            "pr_ready" => (RuleId("SMMU-PRIQ-12"), format!("ingress FIFO holds {}", model.ingress_len())),
            "mwack_ready" => (RuleId("SMMU-PRIQ-3"), format!("write engine {:?}", model.engine())),
            _ => (RuleId("SMMU-PRIQ-14"), "register interface".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoreboard::OUTPUTS;
    use models::smmuv3::timing::PriqParams;

    /// The signal a corruption of the model's outputs is reported on.
    fn reported(corrupt: impl FnOnce(&mut PriqOutputs)) -> &'static str {
        let m = PriqTiming::new(PriqParams::default());
        let exp = *m.outputs();
        let mut act = exp;
        corrupt(&mut act);
        Scoreboard::default().compare(1, &exp, &act, &m).expect("a difference must be reported").signal
    }

    #[test]
    fn every_field_is_a_signal() {
        let flips: [fn(&mut PriqOutputs); 18] = [
            |o| o.pr_ready ^= true,
            |o| o.rsp_valid ^= true,
            |o| o.rsp_rid ^= 1,
            |o| o.rsp_pv ^= true,
            |o| o.rsp_pasid ^= 1,
            |o| o.rsp_prgi ^= 1,
            |o| o.rsp_code ^= 1,
            |o| o.mw_valid ^= true,
            |o| o.mw_addr ^= 1,
            |o| o.mw_data[1] ^= 1 << 63,
            |o| o.mwack_ready ^= true,
            |o| o.reg_ready ^= true,
            |o| o.reg_rvalid ^= true,
            |o| o.reg_rdata ^= 1,
            |o| o.cmd_ready ^= true,
            |o| o.sync_done ^= true,
            |o| o.irq_priq ^= true,
            |o| o.irq_gerror ^= true,
        ];
        for f in flips {
            assert_ne!(reported(f), OUTPUTS);
        }
    }

    #[test]
    fn idle_write_data_is_compared_exactly() {
        // Two idle words changed so that a fold d0 ^ rotl(d1, 1) would not see it.
        let x = 0x8000_0000_0000_0001u64;
        assert_eq!(
            reported(|o| {
                o.mw_data[0] ^= x;
                o.mw_data[1] ^= x.rotate_right(1)
            }),
            "mw_data[63:0](idle)"
        );
        assert_eq!(reported(|o| o.mw_data[1] ^= 2), "mw_data[127:64](idle)");
    }
}
