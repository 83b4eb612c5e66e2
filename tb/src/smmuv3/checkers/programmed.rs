//! What software has programmed, as far as it can be known without timing: CR0 enable bits
//! versus CR0ACK (which lags by an implementation-defined time, OP-9), and a queue's geometry
//! (its BASE and PROD registers), whose writes are ignored while the queue is enabled
//! (SMMU-PRIQ-14, and likewise EVENTQ_BASE/EVENTQ_PROD). One tracker serves both SMMU queues:
//! [`Queue`] says which registers, enable bit, entry size and transactions are the queue's.

use super::reg;
use crate::txn::Txn;
use models::rules::RuleId;

/// A queue's own part of a transaction stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueueTxn {
    /// An entry write accepted by memory: address and size in bytes.
    Write { addr: u64, bytes: u8 },
    /// The acknowledgement of the queue's oldest unacknowledged entry write.
    Ack { err: bool },
}

/// One SMMU queue as the geometry checkers see it.
#[derive(Clone, Copy, Debug)]
pub struct Queue {
    /// Short name in messages: "PRIQ", "EVTQ".
    pub label: &'static str,
    pub base_reg: u32,
    pub prod_reg: u32,
    /// Its CR0 enable bit (PRIQEN, EVENTQEN).
    pub enable: u64,
    pub entry_bytes: u64,
    /// The rule of entry size and place (SMMU-PRIQ-1, SMMU-EVTQ-1).
    pub geometry_rule: RuleId,
    /// The rule of PROD's advance (SMMU-PRIQ-3, SMMU-EVTQ-1).
    pub advance_rule: RuleId,
    /// The rules the address checker counts, and the PROD checker's.
    pub address_rules: &'static [RuleId],
    pub prod_rules: &'static [RuleId],
    /// Checker names.
    pub address_checker: &'static str,
    pub prod_checker: &'static str,
    /// Picks the queue's entry writes and acks out of all transactions.
    pub(crate) classify: fn(&Txn) -> Option<QueueTxn>,
}

/// The PRI queue: 16-byte entries on the `mw_*` port.
pub const PRIQ: Queue = Queue {
    label: "PRIQ",
    base_reg: reg::PRIQ_BASE,
    prod_reg: reg::PRIQ_PROD,
    enable: reg::CR0_PRIQEN,
    entry_bytes: 16,
    geometry_rule: models::rules::SMMU_PRIQ_1,
    advance_rule: models::rules::SMMU_PRIQ_3,
    address_rules: &[models::rules::SMMU_PRIQ_1, models::rules::SMMU_PRIQ_3],
    prod_rules: &[models::rules::SMMU_PRIQ_3],
    address_checker: "smmuv3-priq-address",
    prod_checker: "smmuv3-priq-prod",
    classify: |t| match *t {
        Txn::MemWrite { addr, bytes, .. } => Some(QueueTxn::Write { addr, bytes }),
        Txn::MemAck { err } => Some(QueueTxn::Ack { err }),
        _ => None,
    },
};

/// One CR0 enable bit and what is known of its CR0ACK copy.
///
/// CR0ACK follows CR0 after a delay the checker does not know, so after a change of the written
/// value the acknowledged value is only *known* again once a CR0ACK read shows the new value,
/// and, if an earlier change had not been seen acknowledged yet, after a read showed the old
/// value first (a read of the new value could otherwise be a leftover of an older era).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AckBit {
    mask: u64,
    written: bool,
    settled: Option<bool>,
    /// Values CR0ACK reads must still show, in order, before the bit is settled.
    need: [Option<bool>; 2],
}

impl AckBit {
    pub fn new(mask: u64) -> Self {
        // Reset: CR0 = CR0ACK = 0.
        AckBit { mask, written: false, settled: Some(false), need: [None, None] }
    }

    /// The acknowledged value if it is known to be stable, else None.
    pub fn settled(&self) -> Option<bool> {
        self.settled
    }

    pub fn written(&self) -> bool {
        self.written
    }

    pub fn on_cr0_write(&mut self, data: u64) {
        let v = data & self.mask != 0;
        if v == self.written {
            return;
        }
        self.need = if self.settled == Some(!v) { [Some(v), None] } else { [Some(!v), Some(v)] };
        self.written = v;
        self.settled = None;
    }

    pub fn on_cr0ack_read(&mut self, data: u64) {
        let v = data & self.mask != 0;
        if self.settled.is_none() && self.need[0] == Some(v) {
            self.need = [self.need[1], None];
            if self.need[0].is_none() {
                self.settled = Some(self.written);
            }
        }
    }
}

/// Queue geometry and the producer index as acks advance it (SMMU-PRIQ-1, -2, -3; SMMU-EVTQ-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geom {
    /// Base with the low log2(max(entry_bytes*2^n, 32)) bits cleared.
    pub base: u64,
    /// n = min(LOG2SIZE, IDR1 field).
    pub n: u32,
    /// log2 of the entry size.
    pub entry_log2: u32,
    /// PROD [19:0] (index + wrap + ignored bits).
    pub prod: u32,
    /// Good acks since PROD was last written (or reset).
    pub acked: u64,
    raw_base: u64,
}

impl Geom {
    fn reset(entry_bytes: u64) -> Self {
        Geom { base: 0, n: 0, entry_log2: entry_bytes.trailing_zeros(), prod: 0, acked: 0, raw_base: 0 }
    }

    pub fn index_mask(&self) -> u32 {
        (1u32 << self.n) - 1
    }

    /// Mask of index + wrap, bits [n:0].
    pub fn ptr_mask(&self) -> u32 {
        (1u32 << (self.n + 1)) - 1
    }

    /// Byte address of slot `k` (taken modulo the queue size).
    pub fn slot_addr(&self, k: u32) -> u64 {
        self.base + (u64::from(k & self.index_mask()) << self.entry_log2)
    }

    pub fn advance(&mut self) {
        let m = self.ptr_mask();
        self.prod = (self.prod & !m) | (self.prod.wrapping_add(1) & m);
        self.acked += 1;
    }

    fn set_base(&mut self, data: u64, cap: u32, addr_mask: u64) {
        self.raw_base = data & addr_mask & !0x1F;
        self.n = ((data & 0x1F) as u32).min(cap);
        let align = (self.entry_log2 + self.n).max(5);
        self.base = self.raw_base & !((1u64 << align) - 1);
    }

    fn set_prod(&mut self, data: u64) {
        self.prod = (data & 0xF_FFFF) as u32;
        self.acked = 0;
    }
}

/// Tracks `Geom` from register traffic. A BASE/PROD write made after the CR0 enable bit was
/// cleared but before its CR0ACK copy is known to be 0 may or may not have been ignored: then
/// `alt` keeps the geometry as if the doubtful writes had been ignored, and the first
/// observation that tells them apart picks one (`resolve`).
pub(crate) struct QueueRegs {
    pub queue: Queue,
    cap: u32,
    addr_mask: u64,
    pub enable: AckBit,
    pub main: Geom,
    pub alt: Option<Geom>,
    /// Queue writes issued and not yet acknowledged (acknowledgements come in order).
    pub in_flight: u32,
}

impl QueueRegs {
    /// `cap`: the IDR1 field (PRIQS, EVENTQS), the largest LOG2SIZE honoured.
    pub fn new(queue: Queue, cap: u32, addr_bits: u32) -> Self {
        QueueRegs {
            queue,
            cap: cap.min(19),
            addr_mask: if addr_bits >= 64 { u64::MAX } else { (1u64 << addr_bits) - 1 },
            enable: AckBit::new(queue.enable),
            main: Geom::reset(queue.entry_bytes),
            alt: None,
            in_flight: 0,
        }
    }

    /// The queue's own entry write or ack in `t`, if it is one.
    pub fn classify(&self, t: &Txn) -> Option<QueueTxn> {
        (self.queue.classify)(t)
    }

    pub fn observe(&mut self, t: &Txn) {
        match *t {
            Txn::RegWrite { addr: reg::CR0, data } => self.enable.on_cr0_write(data),
            Txn::RegRead { addr: reg::CR0ACK, data } => self.enable.on_cr0ack_read(data),
            Txn::RegWrite { addr, data } if addr == self.queue.base_reg => {
                let (p, a) = (self.cap, self.addr_mask);
                self.apply(|g| g.set_base(data, p, a));
            }
            Txn::RegWrite { addr, data } if addr == self.queue.prod_reg => self.apply(|g| g.set_prod(data)),
            ref x => match self.classify(x) {
                Some(QueueTxn::Write { .. }) => self.in_flight += 1,
                Some(QueueTxn::Ack { err }) if self.in_flight > 0 => {
                    self.in_flight -= 1;
                    if !err {
                        self.on_good_ack();
                    }
                }
                _ => {}
            },
        }
    }

    fn apply(&mut self, f: impl Fn(&mut Geom)) {
        if self.enable.written() {
            return; // the queue's CR0 enable is 1: the write is ignored (SMMU-PRIQ-14)
        }
        match self.enable.settled() {
            Some(false) => {
                f(&mut self.main);
                if let Some(a) = self.alt.as_mut() {
                    f(a);
                }
            }
            _ => {
                if self.alt.is_none() {
                    self.alt = Some(self.main);
                }
                f(&mut self.main);
            }
        }
    }

    pub fn on_good_ack(&mut self) {
        self.main.advance();
        if let Some(a) = self.alt.as_mut() {
            a.advance();
        }
    }

    /// Keep the alternative as the truth (the doubtful writes were ignored).
    pub fn choose_alt(&mut self) {
        if let Some(a) = self.alt.take() {
            self.main = a;
        }
    }
}
