//! Scenario tests for the timing-free SMMUv3 event-queue checkers: a correct stream (no
//! violation, every rule evaluated) and, per rule, a stream with one specific bug, asserting the
//! exact rule reported.

#[path = "common/evaluations.rs"]
mod evaluations;

use evaluations::{counts, evaluations_of};
use models::smmuv3::cmd::Command;
use models::smmuv3::event::{EventInput, EventRecord};
use models::smmuv3::regs as r;
use tb::checkers::{Checker, Evaluations, Violation};
use tb::smmuv3::checkers::{
    checkers as smmuv3_checkers, EvtqDeliveryChecker, EvtqIrqChecker, EvtqRecordChecker, EvtqSyncChecker, ProdCoverageChecker,
    QueueAddressChecker, StallChecker, EVTQ,
};
use tb::txn::{IrqLine, Stamped, Txn};

const BASE: u64 = 0x9000_0000;
const EVENTQS: u32 = 7;
const STALL_MAX: u32 = 4;
const SMMUEN: u64 = 1;
const EVENTQEN: u64 = 4;

/// A non-stall record (C_BAD_STREAMID) of `sid`.
fn plain(sid: u32) -> EventInput {
    EventInput { id: 0x02, sid, iaddr: 0x1000 * u64::from(sid), rnw: true, ..Default::default() }
}

/// A stall record (F_TRANSLATION) of `sid`.
fn stall(sid: u32) -> EventInput {
    EventInput { id: 0x10, sid, stall: true, ssv: true, ssid: 0x42, rnw: true, iaddr: 0x8000 + u64::from(sid), ..Default::default() }
}

/// Builds a transaction stream; every call advances time by one cycle.
struct Stream {
    t: Vec<Stamped>,
    cycle: u64,
    log2size: u32,
    slot: u32,
}

impl Stream {
    /// A queue of 2^`log2size` records, enabled with SMMUEN, acknowledged as Linux waits for it.
    fn enabled(log2size: u32) -> Self {
        let mut s = Stream { t: Vec::new(), cycle: 1, log2size, slot: 0 };
        s.reg_w(r::EVENTQ_BASE, BASE | u64::from(log2size)).reg_w(r::EVENTQ_PROD, 0).reg_w(r::EVENTQ_CONS, 0);
        s.reg_w(r::CR0, SMMUEN | EVENTQEN).reg_r(r::CR0ACK, 0).reg_r(r::CR0ACK, SMMUEN | EVENTQEN);
        s
    }

    fn push(&mut self, txn: Txn) -> &mut Self {
        self.t.push(Stamped { cycle: self.cycle, txn });
        self.cycle += 1;
        self
    }

    fn same_cycle(&mut self) -> &mut Self {
        self.cycle -= 1;
        self
    }

    fn reg_w(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegWrite { addr, data })
    }

    fn reg_r(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegRead { addr, data })
    }

    fn accept(&mut self, e: EventInput) -> &mut Self {
        self.push(Txn::EventAccepted { rec: e })
    }

    /// Write `words` at the next slot (no ack yet).
    fn write_words(&mut self, words: [u64; 4]) -> &mut Self {
        let addr = BASE + 32 * u64::from(self.slot & ((1 << self.log2size) - 1));
        self.push(Txn::EventWrite { addr, data: words })
    }

    fn write(&mut self, e: &EventInput, stag: u16) -> &mut Self {
        self.write_words(EventRecord::encode_input(e, stag))
    }

    fn ack(&mut self) -> &mut Self {
        self.slot += 1;
        self.push(Txn::EventAck { err: false })
    }

    fn ack_err(&mut self) -> &mut Self {
        self.push(Txn::EventAck { err: true })
    }

    /// Accept, write and acknowledge `e` with `stag`.
    fn queued(&mut self, e: EventInput, stag: u16) -> &mut Self {
        self.accept(e).write(&e, stag).ack()
    }

    fn cmd(&mut self, c: Command) -> &mut Self {
        let [dw0, dw1] = c.encode();
        self.push(Txn::Command { words: [dw0, dw1, 0, 0], n: 2 })
    }

    fn resume(&mut self, sid: u32, stag: u16, ac: bool, ab: bool) -> &mut Self {
        self.cmd(Command::Resume { stream_id: sid, stag, ac, ab })
    }

    fn sync(&mut self) -> &mut Self {
        self.cmd(Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 })
    }

    fn sync_done(&mut self) -> &mut Self {
        self.push(Txn::SyncDone)
    }

    fn resolved(&mut self, sid: u32, stag: u16, action: u8) -> &mut Self {
        self.push(Txn::StallResolution { sid, stag, action })
    }

    fn irq(&mut self) -> &mut Self {
        self.push(Txn::Irq { line: IrqLine::Evtq })
    }
}

fn run(mut c: impl Checker, s: &Stream) -> Vec<Violation> {
    let mut out = Vec::new();
    for t in &s.t {
        c.observe(t, &mut out);
    }
    c.finish(s.cycle, &mut out);
    out
}

/// The whole standard SMMUv3 set on `s`: no violation allowed; each checker's evaluations.
fn evaluations(s: &Stream) -> Vec<(&'static str, Evaluations)> {
    evaluations_of(smmuv3_checkers(&Default::default()), &s.t, s.cycle)
}

#[track_caller]
fn assert_clean(v: &[Violation]) {
    assert!(v.is_empty(), "unexpected violations:\n{}", v.iter().map(|v| format!("{v}\n")).collect::<String>());
}

#[track_caller]
fn assert_rules(v: &[Violation], rules: &[&str]) {
    let got: Vec<&str> = v.iter().map(|v| v.rule.0).collect();
    assert_eq!(got, rules, "violations:\n{}", v.iter().map(|v| format!("{v}\n")).collect::<String>());
}

/// A correct stream: records written with an interrupt, a stall resumed (retry) and one aborted
/// by CMD_STALL_TERM, a full queue discarding a record with its OVFLG toggle seen and
/// acknowledged, records written again during the overflow, a CMD_SYNC.
fn correct_stream() -> Stream {
    let mut s = Stream::enabled(1);
    s.reg_w(r::IRQ_CTRL, 4).reg_r(r::IRQ_CTRLACK, 0).reg_r(r::IRQ_CTRLACK, 4);
    s.queued(plain(1), 0).irq();
    s.queued(stall(2), 0);
    // Full: a non-stall record is discarded and toggles OVFLG (SMMU-EVTQ-4).
    s.accept(plain(3)).sync().sync_done();
    s.reg_r(r::EVENTQ_PROD, (1 << 31) | 2);
    s.resume(2, 0, true, false).resolved(2, 0, 0);
    // CONS frees both slots, keeping OVACKFLG: the overflow stays active but never inhibits.
    s.reg_w(r::EVENTQ_CONS, 2);
    s.queued(stall(4), 1).irq();
    s.cmd(Command::StallTerm { stream_id: 4 }).resolved(4, 1, 1);
    s.reg_w(r::EVENTQ_CONS, (1 << 31) | 3);
    s.reg_r(r::EVENTQ_PROD, (1 << 31) | 3);
    s
}

#[test]
fn a_correct_stream_passes_and_every_rule_is_evaluated() {
    let e = evaluations(&correct_stream());
    assert_eq!(counts(&e, "smmuv3-evtq-record", &["SMMU-EVTQ-2", "SMMU-EVTQ-7"]), [3, 3]);
    assert_eq!(counts(&e, "smmuv3-evtq-address", &["SMMU-EVTQ-1"]), [3]);
    assert_eq!(counts(&e, "smmuv3-evtq-prod", &["SMMU-EVTQ-1"]), [2]);
    let d = counts(&e, "smmuv3-evtq-delivery", &["SMMU-EVTQ-3", "SMMU-EVTQ-4", "SMMU-EVTQ-10", "SMMU-EVTQ-11"]);
    assert_eq!(d, [4, 3, 3, 3], "one discard (toggling) and three writes, two PROD reads, three writes");
    assert_eq!(counts(&e, "smmuv3-evtq-delivery", &["SMMU-EVTQ-6"]), [2], "two stall records written");
    let st = counts(&e, "smmuv3-evtq-stalls", &["SMMU-EVTQ-8", "SMMU-CMD-7", "SMMU-CMD-8"]);
    assert!(st.iter().all(|&n| n > 0), "{st:?}");
    assert_eq!(counts(&e, "smmuv3-evtq-sync", &["SMMU-CMD-9"]), [1]);
    assert_eq!(counts(&e, "smmuv3-evtq-irq", &["SMMU-EVTQ-9"]), [2]);
}

#[test]
fn nothing_is_counted_without_event_traffic() {
    for (name, ev) in evaluations(&Stream::enabled(3)) {
        assert!(ev.iter().all(|(_, n)| n == 0), "{name} counted without traffic: {ev:?}");
    }
}

// ---- SMMU-EVTQ-1 -------------------------------------------------------------------------------

#[test]
fn evtq_1_record_at_the_wrong_slot() {
    let mut s = Stream::enabled(3);
    s.queued(plain(1), 0);
    s.slot += 1; // skips a slot
    s.queued(plain(2), 0);
    assert_rules(&run(QueueAddressChecker::for_queue(EVTQ, EVENTQS, 48), &s), &["SMMU-EVTQ-1"]);
}

#[test]
fn evtq_1_and_11_prod_covers_a_failed_write() {
    let mut s = Stream::enabled(3);
    s.queued(plain(1), 0).accept(plain(2)).write(&plain(2), 0).ack_err().reg_r(r::EVENTQ_PROD, 2);
    assert_rules(&run(ProdCoverageChecker::for_queue(EVTQ, EVENTQS), &s), &["SMMU-EVTQ-1"]);
}

// ---- SMMU-EVTQ-2, -7 ---------------------------------------------------------------------------

#[test]
fn evtq_2_field_rules() {
    // InD written with RnW=0.
    let e = EventInput { ind: true, rnw: false, ..plain(1) };
    let mut w = EventRecord::encode_input(&e, 0);
    w[1] |= 1 << 34;
    let mut s = Stream::enabled(3);
    s.accept(e).write_words(w).ack();
    assert_rules(&run(EvtqRecordChecker::new(EVENTQS), &s), &["SMMU-EVTQ-2"]);
    // Stall and STAG on an event that cannot stall.
    let e = EventInput { stall: true, ..plain(1) };
    let mut w = EventRecord::encode_input(&e, 0);
    w[1] |= (1 << 31) | 3;
    let mut s = Stream::enabled(3);
    s.accept(e).write_words(w).ack();
    assert_rules(&run(EvtqRecordChecker::new(EVENTQS), &s), &["SMMU-EVTQ-2"]);
    // A RES0 bit.
    let mut w = EventRecord::encode_input(&plain(1), 0);
    w[3] |= 1 << 60;
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).write_words(w).ack();
    let v = run(EvtqRecordChecker::new(EVENTQS), &s);
    assert_rules(&v, &["SMMU-EVTQ-2"]);
    assert!(v[0].message.contains("RES0"), "{}", v[0].message);
}

#[test]
fn evtq_7_duplicate_and_out_of_order() {
    let mut s = Stream::enabled(3);
    s.queued(plain(1), 0).write(&plain(1), 0).ack();
    assert_rules(&run(EvtqRecordChecker::new(EVENTQS), &s), &["SMMU-EVTQ-7"]);
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).accept(plain(2)).write(&plain(2), 0).ack().write(&plain(1), 0).ack();
    assert_rules(&run(EvtqRecordChecker::new(EVENTQS), &s), &["SMMU-EVTQ-7"]);
}

// ---- SMMU-EVTQ-3, -4, -5, -6, -10, -11 ---------------------------------------------------------

#[test]
fn evtq_3_discard_while_writable() {
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).queued(plain(2), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-3"]);
    // A record written into a full queue.
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).queued(plain(2), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-3"]);
    // The same skip while the queue was full is a legitimate discard.
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(plain(2)).reg_w(r::EVENTQ_CONS, 1).queued(plain(3), 0);
    assert_clean(&run(EvtqDeliveryChecker::new(EVENTQS), &s));
}

#[test]
fn evtq_5_overflow_does_not_inhibit() {
    let mut s = Stream::enabled(0);
    // Full, a discard toggles OVFLG; CONS frees the slot keeping OVACKFLG (overflow still active).
    s.queued(plain(1), 0).accept(plain(2)).sync().sync_done().reg_r(r::EVENTQ_PROD, (1 << 31) | 1);
    s.reg_w(r::EVENTQ_CONS, 1);
    // A record discarded now, although writable: the overflow inhibited it.
    s.accept(plain(3)).queued(plain(4), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-5"]);
}

#[test]
fn evtq_4_toggle_missing_or_spurious() {
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(plain(2)).sync().sync_done().reg_r(r::EVENTQ_PROD, 1);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-4"]);
    let mut s = Stream::enabled(3);
    s.queued(plain(1), 0).reg_r(r::EVENTQ_PROD, (1 << 31) | 1);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-4"]);
    // A second discard while the overflow is active does not toggle again.
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(plain(2)).accept(plain(3)).sync().sync_done().reg_r(r::EVENTQ_PROD, (1 << 31) | 1);
    assert_clean(&run(EvtqDeliveryChecker::new(EVENTQS), &s));
}

#[test]
fn evtq_6_stall_record_discarded() {
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(stall(2)).reg_w(r::EVENTQ_CONS, 1).queued(plain(3), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-6"]);
    // With SMMUEN cleared meanwhile, its stall was aborted and the record may go (row S).
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(stall(2)).reg_w(r::CR0, EVENTQEN).reg_w(r::EVENTQ_CONS, 1).queued(plain(3), 0);
    assert_clean(&run(EvtqDeliveryChecker::new(EVENTQS), &s));
}

#[test]
fn evtq_10_written_while_disabled_or_acknowledged_disabled_too_early() {
    let mut s = Stream::enabled(3);
    s.reg_w(r::CR0, SMMUEN).reg_r(r::CR0ACK, SMMUEN).queued(plain(1), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-10"]);
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).write(&plain(1), 0).reg_w(r::CR0, SMMUEN);
    s.cycle += 3;
    s.reg_r(r::CR0ACK, SMMUEN).ack();
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-10"]);
}

#[test]
fn evtq_11_written_while_abort_error_active() {
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).write(&plain(1), 0).ack_err().queued(plain(2), 0);
    assert_rules(&run(EvtqDeliveryChecker::new(EVENTQS), &s), &["SMMU-EVTQ-11"]);
    // Once GERRORN acknowledges the error, writing resumes.
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).write(&plain(1), 0).ack_err().reg_r(r::GERROR, 4).reg_w(r::GERRORN, 4).queued(plain(2), 0);
    assert_clean(&run(EvtqDeliveryChecker::new(EVENTQS), &s));
}

// ---- SMMU-EVTQ-8, SMMU-CMD-7, SMMU-CMD-8 -------------------------------------------------------

#[test]
fn evtq_8_stag_shared_or_too_many_outstanding() {
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 2).queued(stall(2), 2);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-EVTQ-8"]);
    let mut s = Stream::enabled(3);
    for k in 0..=STALL_MAX {
        s.accept(stall(k));
    }
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-EVTQ-8"]);
    // Resolved STAGs may be reused at once.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 2).resume(1, 2, true, false).queued(stall(2), 2).resolved(1, 2, 0);
    assert_clean(&run(StallChecker::new(EVENTQS, STALL_MAX), &s));
}

#[test]
fn evtq_8_resolution_without_cause_or_twice() {
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).resolved(1, 0, 0);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-EVTQ-8"]);
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).resume(1, 0, true, false).resolved(1, 0, 0).resolved(1, 0, 0);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-EVTQ-8"]);
    // SMMUEN=0 aborts every outstanding stall.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).queued(stall(2), 1).reg_w(r::CR0, EVENTQEN).resolved(1, 0, 1).resolved(2, 1, 1);
    assert_clean(&run(StallChecker::new(EVENTQS, STALL_MAX), &s));
}

#[test]
fn cmd_7_resume_actions_and_matching() {
    for (ac, ab, action) in [(true, true, 0), (false, true, 1), (false, false, 2)] {
        let mut s = Stream::enabled(3);
        s.queued(stall(1), 0).resume(1, 0, ac, ab).resolved(1, 0, action);
        assert_clean(&run(StallChecker::new(EVENTQS, STALL_MAX), &s));
        let mut s = Stream::enabled(3);
        s.queued(stall(1), 0).resume(1, 0, ac, ab).resolved(1, 0, (action + 1) % 3);
        assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-7"]);
    }
    // A RESUME with another StreamID resolves nothing; a resolution it caused breaks SMMU-CMD-7.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).resume(9, 0, true, false).resolved(1, 0, 0);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-7"]);
    // A matching RESUME whose resolution never comes.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).resume(1, 0, true, false);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-7"]);
    // Action code 3 is none.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).resume(1, 0, true, false).resolved(1, 0, 3);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-7", "SMMU-CMD-7"]);
}

#[test]
fn cmd_8_stall_term_aborts_all_of_its_stream() {
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).queued(stall(1), 1).queued(stall(2), 2).cmd(Command::StallTerm { stream_id: 1 });
    s.resolved(1, 0, 1).resolved(1, 1, 1).resume(2, 2, true, false).resolved(2, 2, 0);
    assert_clean(&run(StallChecker::new(EVENTQS, STALL_MAX), &s));
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).cmd(Command::StallTerm { stream_id: 1 }).resolved(1, 0, 0);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-8"]);
    // A STALL_TERM of another StreamID resolves nothing of this one.
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).cmd(Command::StallTerm { stream_id: 2 }).resolved(1, 0, 1);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-8"]);
    let mut s = Stream::enabled(3);
    s.queued(stall(1), 0).queued(stall(1), 1).cmd(Command::StallTerm { stream_id: 1 }).resolved(1, 0, 1);
    assert_rules(&run(StallChecker::new(EVENTQS, STALL_MAX), &s), &["SMMU-CMD-8"]);
}

// ---- SMMU-CMD-9 --------------------------------------------------------------------------------

#[test]
fn cmd_9_sync_waits_for_records() {
    // Completed with a write not acknowledged.
    let mut s = Stream::enabled(3);
    s.accept(plain(1)).sync().write(&plain(1), 0).sync_done().ack();
    assert_rules(&run(EvtqSyncChecker::new(EVENTQS), &s), &["SMMU-CMD-9"]);
    // Completed before a record accepted in its own cycle was written.
    let mut s = Stream::enabled(3);
    s.sync().same_cycle().accept(plain(1)).sync_done().write(&plain(1), 0).ack();
    assert_rules(&run(EvtqSyncChecker::new(EVENTQS), &s), &["SMMU-CMD-9"]);
    // Completed while a stall record was held (queue full, SMMUEN 1): the sync checker's, and no
    // discard for the delivery checker (records behind a held one are not decided either).
    let mut s = Stream::enabled(0);
    s.queued(plain(1), 0).accept(stall(2)).accept(plain(3)).sync().sync_done();
    assert_rules(&run(EvtqSyncChecker::new(EVENTQS), &s), &["SMMU-CMD-9"]);
    assert_clean(&run(EvtqDeliveryChecker::new(EVENTQS), &s));
    // A record accepted after the CMD_SYNC need not be waited for.
    let mut s = Stream::enabled(3);
    s.queued(plain(1), 0).sync().accept(plain(2)).sync_done().write(&plain(2), 0).ack();
    assert_clean(&run(EvtqSyncChecker::new(EVENTQS), &s));
}

// ---- SMMU-EVTQ-9 -------------------------------------------------------------------------------

#[test]
fn evtq_9_one_pulse_per_write_into_an_empty_queue() {
    let irq_on = |s: &mut Stream| {
        s.reg_w(r::IRQ_CTRL, 4).reg_r(r::IRQ_CTRLACK, 0).reg_r(r::IRQ_CTRLACK, 4);
    };
    // Second write into a non-empty queue: no trigger for a second pulse.
    let mut s = Stream::enabled(3);
    irq_on(&mut s);
    s.queued(plain(1), 0).irq().queued(plain(2), 0).irq();
    assert_rules(&run(EvtqIrqChecker::new(EVENTQS), &s), &["SMMU-EVTQ-9"]);
    // A trigger with EVENTQ_IRQEN surely 1 and no pulse.
    let mut s = Stream::enabled(3);
    irq_on(&mut s);
    s.queued(plain(1), 0);
    assert_rules(&run(EvtqIrqChecker::new(EVENTQS), &s), &["SMMU-EVTQ-9"]);
    // The monitor stamps the pulse with its trigger's edge, after the ack.
    let mut s = Stream::enabled(3);
    irq_on(&mut s);
    s.queued(plain(1), 0).same_cycle().irq();
    assert_clean(&run(EvtqIrqChecker::new(EVENTQS), &s));
    // A CONS write in the ack's own cycle empties the queue first (OP-15): a trigger.
    let mut s = Stream::enabled(3);
    irq_on(&mut s);
    s.queued(plain(1), 0).irq().accept(plain(2)).write(&plain(2), 0).ack().same_cycle().reg_w(r::EVENTQ_CONS, 1).irq();
    assert_clean(&run(EvtqIrqChecker::new(EVENTQS), &s));
}
