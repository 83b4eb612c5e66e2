//! Fault recording as register reads show it, where that needs no timing: VTD-FLT-1 (FSTS bit 7
//! reads 0), VTD-FLT-3 (a record with F=1 carries FR=0x47, T1=0, AT=0 and the SID, PP, PASID,
//! EXE and PRIV of an accepted message, PASID/EXE/PRIV 0 without PP) and DEC-5 (faults come only
//! from row a: a record with F=1, or FSTS.PPF=1, needs a message whose RID may have had PRE=0
//! when it was decided).
//!
//! A message "may have had PRE=0" if its RID was disabled at its acceptance or the PRE table was
//! written since (the decision lies somewhere after the acceptance). Record reads are judged
//! from the dword at +0xC (F, T1, AT, PV, FR) and the qword at +8 (those plus PP, EXE, PRIV, SID);
//! the FI qword at +0 shows no F bit and is not judged.

use super::pre::PreTable;
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::PageRequest;
use models::vtd::regs;
use std::collections::HashMap;

/// What a record can name of a message: (SID, PP, PASID, EXE, PRIV), normalized.
type Key = (u16, bool, u32, bool, bool);

fn key(m: &PageRequest) -> Key {
    let m = m.at_interface();
    (m.rid, m.pv, m.pasid, m.exe, m.priv_)
}

/// Per key: disabled at some acceptance, and the earliest PRE-table generation it was accepted in.
#[derive(Clone, Copy)]
struct Seen {
    disabled: bool,
    first_gen: u64,
}

/// The upper 64 bits of a record (bits [127:64]), as far as a read shows them.
struct Upper {
    f: bool,
    t1: bool,
    at: u64,
    pv: u32,
    fr: u64,
    /// PP, EXE, PRIV, SID: only in the +8 qword.
    low: Option<(bool, bool, bool, u16)>,
}

/// Decode a read of FRCD +8 (qword, bits [127:64]) or +0xC (dword, bits [127:96]).
fn decode(off: u32, data: u64) -> Option<Upper> {
    let hi = match off {
        8 => data >> 32,
        0xC => data & 0xFFFF_FFFF,
        _ => return None,
    };
    let bit = |x: u64, i: u32| (x >> i) & 1 == 1;
    Some(Upper {
        f: bit(hi, 31),
        t1: bit(hi, 30),
        at: (hi >> 28) & 3,
        pv: ((hi >> 8) & 0xF_FFFF) as u32,
        fr: hi & 0xFF,
        low: (off == 8).then(|| (bit(data, 31), bit(data, 30), bit(data, 29), data as u16)),
    })
}

pub struct FaultReadChecker {
    pre: PreTable,
    seen: HashMap<Key, Seen>,
    evals: Evaluations,
}

/// What it judges: FSTS bit 7 on every FSTS read (VTD-FLT-1); the fields of every fault record
/// read with F=1 (VTD-FLT-3); the row of every such record and of every FSTS read with PPF=1
/// (DEC-5).
const RULES: &[models::rules::RuleId] = &[rule::VTD_FLT_1, rule::VTD_FLT_3, rule::DEC_5];

impl FaultReadChecker {
    pub fn new(pre_entries: u32) -> Self {
        FaultReadChecker { pre: PreTable::new(pre_entries), seen: HashMap::with_capacity(64), evals: Evaluations::new(RULES) }
    }

    fn may_have_faulted(&self, s: &Seen) -> bool {
        s.disabled || s.first_gen != self.pre.gen
    }

    fn on_record_read(&mut self, cycle: u64, addr: u32, u: &Upper, out: &mut Vec<Violation>) {
        self.evals.count(rule::VTD_FLT_3);
        self.evals.count(rule::DEC_5);
        let v = |rule, message| Violation { rule, cycle, message };
        if u.fr != u64::from(regs::FR_PRQ_NOT_ENABLED) || u.t1 || u.at != 0 {
            out.push(v(
                rule::VTD_FLT_3,
                format!(
                    "FRCD read at 0x{addr:x} shows F=1 with FR 0x{:x}, T1 {}, AT {}; a page request fault records FR=0x47, T1=0, AT=0",
                    u.fr, u.t1 as u8, u.at
                ),
            ));
        }
        let fits = |k: &Key| match u.low {
            Some((pp, exe, priv_, sid)) => *k == (sid, pp, u.pv, exe, priv_),
            None => k.2 == u.pv,
        };
        let (mut any, mut faultable) = (false, false);
        for (k, s) in &self.seen {
            if fits(k) {
                any = true;
                faultable |= self.may_have_faulted(s);
            }
        }
        if let Some((pp, exe, priv_, sid)) = u.low.filter(|&(pp, exe, priv_, _)| !pp && (u.pv != 0 || exe || priv_)) {
            out.push(v(
                rule::VTD_FLT_3,
                format!(
                    "FRCD read at 0x{addr:x}: SID 0x{sid:04x} with PP={} but PV 0x{:x}, EXE {}, PRIV {}; they are 0 without a PASID",
                    pp as u8, u.pv, exe as u8, priv_ as u8
                ),
            ));
        } else if !any {
            out.push(v(
                rule::VTD_FLT_3,
                format!(
                    "FRCD read at 0x{addr:x} shows a fault record (F=1, PV 0x{:x}{}) that matches no accepted message",
                    u.pv,
                    u.low.map_or(String::new(), |l| format!(", SID 0x{:04x}, PP {}", l.3, l.0 as u8))
                ),
            ));
        } else if !faultable {
            out.push(v(
                rule::DEC_5,
                format!("FRCD read at 0x{addr:x} shows a fault record, but every matching message was accepted with its RID enabled in the PRE table and the table was not written since: only row a (PRE=0) records a fault"),
            ));
        }
    }

    fn on_fsts_read(&mut self, cycle: u64, data: u64, out: &mut Vec<Violation>) {
        let fsts = data as u32;
        self.evals.count(rule::VTD_FLT_1);
        if fsts & regs::FSTS_PPF != 0 {
            self.evals.count(rule::DEC_5);
        }
        if fsts & (1 << 7) != 0 {
            out.push(Violation {
                rule: rule::VTD_FLT_1,
                cycle,
                message: format!("FSTS read 0x{fsts:x} has bit 7 set; it reads 0 (PRO moved to PRS_REG)"),
            });
        }
        if fsts & regs::FSTS_PPF != 0 && !self.seen.values().any(|s| self.may_have_faulted(s)) {
            out.push(Violation {
                rule: rule::DEC_5,
                cycle,
                message: format!("FSTS read 0x{fsts:x} shows PPF=1, but no accepted message can have found its RID disabled: only row a (PRE=0) records a fault"),
            });
        }
    }
}

impl Checker for FaultReadChecker {
    fn name(&self) -> &'static str {
        "vtd-fault-read"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { ref msg } => {
                let disabled = !self.pre.enabled(msg.rid);
                let gen = self.pre.gen;
                let s = self.seen.entry(key(msg)).or_insert(Seen { disabled, first_gen: gen });
                s.disabled |= disabled;
            }
            Txn::RegWrite { addr, data } => self.pre.write(addr, data),
            Txn::RegRead { addr: regs::FSTS, data } => self.on_fsts_read(t.cycle, data, out),
            Txn::RegRead { addr, data } if (regs::FRCD_BASE..regs::FRCD_BASE + 64 * 16).contains(&addr) => {
                if let Some(u) = decode((addr - regs::FRCD_BASE) % 16, data).filter(|u| u.f) {
                    self.on_record_read(t.cycle, addr, &u, out);
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
