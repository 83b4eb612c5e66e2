//! Cycle-accurate model of `rtl/smmuv3/smmuv3_evtq.sv`, the event queue inside `smmuv3_priq`
//! (rtl/README.md "SMMUv3 event queue"). `PriqTiming` owns one and calls `step` once per edge
//! with the top's state before the edge; the rules themselves are `evtq_arch`'s. Nothing here
//! allocates after `new`.

use super::event::{EventInput, EventRecord, RECORD_BYTES};
use super::evtq_arch::{self, Decision, EvtqState, Resolution, StallAction, Unwritable};
use super::regs;
use super::timing::{EngineState, Fifo, PriqInputs, PriqOutputs};
use crate::ring::{Ring, FLAG_BIT};

/// How the head record was decided at an edge (rtl/README.md, rows W, H, S, F, X).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvRow {
    /// W: writable; the record goes to the write engine (SMMU-EVTQ-3, -5).
    Write,
    /// H: a stall record kept at the head while unwritable (SMMU-EVTQ-6, OP-1, OP-2).
    Hold(Unwritable),
    /// S: a stall record discarded because CR0ACK.SMMUEN=0 aborted its stall (SMMU-EVTQ-8).
    StallAborted(Unwritable),
    /// F or X: a non-stall record discarded; `toggle` is the SMMU-EVTQ-4 OVFLG toggle.
    Discard { why: Unwritable, toggle: bool },
}

/// A stall-table slot (slot k holds STAG k).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Free,
    Stalled { sid: u32 },
    Resolving(Resolution),
}

/// A stall command taken at this edge (from the command unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StallCmd {
    Resume { sid: u32, stag: u16, action: StallAction },
    Term { sid: u32 },
}

/// The top's state before the edge that the event queue reads.
#[derive(Clone, Copy, Debug)]
pub struct EvCtx {
    pub smmuen: bool,
    pub eventqen: bool,
    /// EVENTQ_ABT_ERR active.
    pub abt_active: bool,
    pub cr0ack_changed: bool,
    pub cmd: Option<StallCmd>,
}

/// What the event queue did at one edge (part of `EdgeEvents`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvEvents {
    /// Event input handshake: the record (masked) and its STAG if it is a stall record.
    pub accepted: Option<(EventInput, Option<u16>)>,
    /// Decision of the head record: its row, the record and its STAG.
    pub decided: Option<(EvRow, EventInput, u16)>,
    /// `emw` handshake: the record address.
    pub mem_write: Option<u64>,
    /// Successful ack: the index EVENTQ_PROD now covers (SMMU-EVTQ-1).
    pub written: Option<u32>,
    /// Failed ack: the index not written (SMMU-EVTQ-11).
    pub write_aborted: Option<u32>,
    /// Slots that became RESOLVING at this edge (bit k = STAG k).
    pub resolving: u32,
    /// A resolution pushed into the stall-resolution FIFO ("issued"; its STAG is free).
    pub issued: Option<Resolution>,
    /// `sr` handshake: the resolution taken.
    pub taken: Option<Resolution>,
    /// EVTQ interrupt trigger (SMMU-EVTQ-9).
    pub irq_trigger: bool,
    /// Records finished at this edge (discarded, or their write acknowledged).
    pub finished: u32,
}

const NO_RESOLUTION: Resolution = Resolution { sid: 0, stag: 0, action: StallAction::Retry };

/// Timed model of `smmuv3_evtq`.
#[derive(Clone, Debug)]
pub struct EvtqTiming {
    eventqs: u32,
    stall_max: usize,
    // Registers (OP-18: reset 0).
    pub(super) base: u64,
    pub(super) prod: u32,
    pub(super) cons: u32,
    ingress: Fifo<(EventInput, u16)>,
    engine: EngineState,
    slots: Box<[Slot]>,
    sr: Fifo<Resolution>,
    /// The last decision held a stall record (row H): it is still at the head.
    held: bool,
}

impl EvtqTiming {
    pub fn new(eventqs: u32, stall_max: u32, ev_depth: usize, sr_depth: usize) -> EvtqTiming {
        assert!(eventqs <= Ring::MAX_N, "EVENTQS must be at most 19");
        // 0: no stall slots, as a PRIQ-only block without the event queue reports (alt/smmuv3_priq).
        assert!(stall_max <= 16, "STALL_MAX must be in 0..16");
        EvtqTiming {
            eventqs,
            stall_max: stall_max as usize,
            base: 0,
            prod: 0,
            cons: 0,
            ingress: Fifo::new(ev_depth, (EventInput::default(), 0)),
            engine: EngineState::Idle,
            slots: vec![Slot::Free; stall_max as usize].into_boxed_slice(),
            sr: Fifo::new(sr_depth, NO_RESOLUTION),
            held: false,
        }
    }

    /// Queue geometry from EVENTQ_BASE.LOG2SIZE and EVENTQS (SMMU-EVTQ-1).
    pub fn ring(&self) -> Ring {
        Ring::new(regs::base_log2size(self.base), self.eventqs)
    }

    /// Records in flight: in the ingress FIFO or in the write engine (the CMD_SYNC count).
    pub fn in_flight(&self) -> u32 {
        self.ingress.len() as u32 + u32::from(self.engine != EngineState::Idle)
    }

    /// Some slot is RESOLVING: a resolution is not yet issued (SMMU-CMD-9).
    pub fn resolving_any(&self) -> bool {
        self.slots.iter().any(|s| matches!(s, Slot::Resolving(_)))
    }

    /// Slots in use (STALLED or RESOLVING): the stalls outstanding (SMMU-EVTQ-8).
    pub fn outstanding(&self) -> usize {
        self.slots.iter().filter(|s| **s != Slot::Free).count()
    }

    pub fn base(&self) -> u64 {
        self.base
    }

    pub fn prod(&self) -> u32 {
        self.prod
    }

    pub fn cons(&self) -> u32 {
        self.cons
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn engine(&self) -> EngineState {
        self.engine
    }

    /// A stall record is held at the head (SMMU-EVTQ-6).
    pub fn holding(&self) -> bool {
        self.held
    }

    pub fn ingress_len(&self) -> usize {
        self.ingress.len()
    }

    pub fn sr_len(&self) -> usize {
        self.sr.len()
    }

    /// One edge. `cons_eff` is EVENTQ_CONS after this edge's register write (OP-15).
    pub fn step(&mut self, c: &EvCtx, inp: &PriqInputs, o: &PriqOutputs, cons_eff: u32, out: &mut PriqOutputs, ev: &mut EvEvents) {
        let ev_hs = inp.ev_valid && o.ev_ready;
        let sr_hs = o.sr_valid && inp.sr_ready;
        let emw_hs = o.emw_valid && inp.emw_ready;
        let emwack_hs = inp.emwack_valid && o.emwack_ready;
        let (engine_q, prod_q, sr_len_q) = (self.engine, self.prod, self.sr.len());
        let ring = self.ring();

        // Stall table: every step reads the slots before the edge and moves disjoint states
        // (FREE -> STALLED, STALLED -> RESOLVING, RESOLVING -> FREE), so applying them in turn is
        // the same as applying them at once.
        let issue = if sr_len_q < self.sr.capacity() { self.slots.iter().position(|s| matches!(s, Slot::Resolving(_))) } else { None };
        let alloc = self.slots.iter().position(|s| *s == Slot::Free);
        for (k, s) in self.slots.iter_mut().enumerate() {
            let Slot::Stalled { sid } = *s else { continue };
            let stag = k as u16;
            // SMMU-EVTQ-8: CR0ACK.SMMUEN=0 aborts every stall, over a RESUME at the same edge.
            let action = if !c.smmuen {
                Some(StallAction::Abort)
            } else {
                match c.cmd {
                    Some(StallCmd::Resume { sid: cs, stag: ct, action }) if cs == sid && ct == stag => Some(action), // SMMU-CMD-7
                    Some(StallCmd::Term { sid: cs }) if cs == sid => Some(StallAction::Abort),                       // SMMU-CMD-8
                    _ => None,
                }
            };
            if let Some(action) = action {
                *s = Slot::Resolving(Resolution { sid, stag, action });
                ev.resolving |= 1 << k;
            }
        }
        if sr_hs {
            ev.taken = Some(self.sr.pop());
        }
        if let Some(k) = issue {
            let Slot::Resolving(r) = self.slots[k] else { unreachable!("issue picks a RESOLVING slot") };
            self.sr.push(r);
            self.slots[k] = Slot::Free;
            ev.issued = Some(r);
        }

        // Decision and write engine (rows W, H, S, F, X).
        match engine_q {
            EngineState::Idle if self.ingress.len() > 0 && !c.cr0ack_changed => {
                let (rec, stag) = self.ingress.peek();
                let state = EvtqState { eventqen: c.eventqen, abt_active: c.abt_active, prod: prod_q, cons: cons_eff, ring };
                let row = match evtq_arch::decide(&state, rec.is_stall()) {
                    Decision::Write => EvRow::Write,
                    Decision::Hold { why } if c.smmuen => EvRow::Hold(why),
                    Decision::Hold { why } => EvRow::StallAborted(why),
                    Decision::Discard { why, toggle } => EvRow::Discard { why, toggle },
                };
                ev.decided = Some((row, rec, stag));
                self.held = matches!(row, EvRow::Hold(_));
                match row {
                    EvRow::Hold(_) => {}
                    EvRow::Write => {
                        self.ingress.pop();
                        out.emw_addr = ring.entry_addr(regs::base_addr(self.base), prod_q, RECORD_BYTES);
                        out.emw_data = EventRecord::encode_input(&rec, stag);
                        self.engine = EngineState::Write;
                    }
                    EvRow::StallAborted(_) | EvRow::Discard { .. } => {
                        self.ingress.pop();
                        ev.finished += 1;
                        if matches!(row, EvRow::Discard { toggle: true, .. }) {
                            self.prod = evtq_arch::toggle_ovflg(self.prod); // SMMU-EVTQ-4
                        }
                    }
                }
            }
            EngineState::Idle => {}
            EngineState::Write => {
                if emw_hs {
                    ev.mem_write = Some(o.emw_addr);
                    self.engine = EngineState::WaitAck;
                }
            }
            EngineState::WaitAck => {
                if emwack_hs {
                    self.engine = EngineState::Idle;
                    ev.finished += 1;
                    let index = ring.index(prod_q);
                    if inp.emwack_err {
                        ev.write_aborted = Some(index); // SMMU-EVTQ-11: PROD unchanged
                    } else {
                        ev.irq_trigger = ring.empty(prod_q, cons_eff); // SMMU-EVTQ-9
                        self.prod = ring.incr(self.prod);
                        ev.written = Some(index);
                    }
                }
            }
        }

        // Acceptance: the record is pushed after the pop; a stall record takes the lowest slot
        // that was free before the edge (OP-3: STAGs assigned by the block).
        if ev_hs {
            let rec = inp.ev.masked();
            let stag = if rec.is_stall() {
                let k = alloc.expect("ev_ready guarantees a free slot");
                self.slots[k] = Slot::Stalled { sid: rec.sid };
                Some(k as u16)
            } else {
                None
            };
            self.ingress.push((rec, stag.unwrap_or(0)));
            ev.accepted = Some((rec, stag));
        }
    }

    /// Outputs that are functions of the event queue's registers.
    pub fn derived_outputs(&self, o: &mut PriqOutputs) {
        o.ev_ready = !self.ingress.is_full() && self.outstanding() < self.stall_max;
        o.emw_valid = self.engine == EngineState::Write;
        o.emwack_ready = self.engine == EngineState::WaitAck;
        o.sr_valid = self.sr.len() > 0;
        let r = self.sr.head_slot();
        (o.sr_sid, o.sr_stag, o.sr_action) = (r.sid, r.stag, r.action.code());
    }

    /// An overflow is active (EVENTQ_PROD.OVFLG != EVENTQ_CONS.OVACKFLG).
    pub fn overflow_active(&self) -> bool {
        (self.prod ^ self.cons) & FLAG_BIT != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_stall_slots_never_ready_the_event_input() {
        // STALL_MAX=0 (alt/smmuv3_priq, no event queue): the event input stays closed (OP-3).
        let t = EvtqTiming::new(0, 0, 4, 2);
        let mut o = PriqOutputs { ev_ready: true, ..Default::default() };
        t.derived_outputs(&mut o);
        assert!(!o.ev_ready && !o.sr_valid && !o.emw_valid);
    }
}
