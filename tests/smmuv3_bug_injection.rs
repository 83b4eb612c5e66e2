//! The checks bite: each test copies the RTL, plants one deliberate bug, runs the directed test
//! that exercises it, and requires the run to FAIL naming the rule the bug breaks. Each bug is
//! judged three times: by the strict lockstep scoreboard; without it (`--compare checkers`),
//! where the timing-free protocol checkers, the test's own assertions and its bounded waits
//! remain; and under `--compare ordered`, the judge for RTL with other latencies (the ordered
//! judge, then the same checkers). Each test states the rule and the judge of all three
//! ("RULE by JUDGE").

#[path = "common/mutants.rs"]
mod mutants;

use mutants::{judged, judged_from, judged_under, mutant, run_under};
use tb::compare::CompareMode;
use tb::reset::ResetMode;
use tb::run::Status;

const PRIQ: &str = "smmuv3/smmuv3_priq.sv";

#[test]
fn entry_r_and_w_swapped() {
    let rtl = mutant("entry_rw", PRIQ, "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,");
    judged(&rtl, "basic_write", "SMMU-PRIQ-4 by lockstep", "SMMU-PRIQ-4 by checker smmuv3-priq-entry", "SMMU-PRIQ-4 by ordered");
}

#[test]
fn full_queue_not_detected() {
    let rtl = mutant("no_full", PRIQ, "wire row_c = !row_a && !row_b && q_full;", "wire row_c = !row_a && !row_b && 1'b0;");
    // Checkers only: the third request is written instead of answered; the test's bounded wait
    // for its automatic response expires.
    judged(&rtl, "overflow_at_full", "SMMU-PRIQ-7 by lockstep", "SMMU-PRIQ-7 by condition wait", "SMMU-PRIQ-7 by ordered");
}

#[test]
fn overflow_does_not_inhibit() {
    let rtl = mutant(
        "no_inhibit",
        PRIQ,
        "wire row_b = !row_a && (prod_ovflg_q != cons_eff_ovack);",
        "wire row_b = 1'b0 && (prod_ovflg_q != cons_eff_ovack);",
    );
    // Without the model the checkers see the inhibited message written instead of answered:
    // its automatic response never comes.
    judged(&rtl, "overflow_inhibits", "SMMU-PRIQ-8 by lockstep", "SMMU-PRIQ-6 by condition wait", "SMMU-PRIQ-6 by ordered");
}

#[test]
fn overflow_response_drops_pasid() {
    let rtl =
        mutant("auto_no_pasid", PRIQ, "auto_in   = '{rid: ing_head.rid, pv: ing_head.pv,", "auto_in   = '{rid: ing_head.rid, pv: 1'b0,");
    judged(&rtl, "overflow_at_full", "SMMU-PRIQ-7 by lockstep", "DEC-3 by checker smmuv3-prg-responses", "SMMU-PRIQ-7 by ordered");
}

#[test]
fn resp3_not_illegal() {
    let rtl = mutant("resp3_legal", PRIQ, "if (cmd_resp == 2'b11)   cmd_illegal = 1'b1;", "if (1'b0)   cmd_illegal = 1'b1;");
    judged(&rtl, "cmd_resp3_illegal", "SMMU-CMD-4 by lockstep", "SMMU-CMD-4 by checker smmuv3-prg-responses", "SMMU-CMD-4 by ordered");
}

#[test]
fn sync_ignores_pending_responses() {
    // SMMU-CMD-9: CMD_SYNC completes with CMD_PRI_RESP responses still in the software FIFO
    // (not committed); seen only while the egress is held behind more than it holds committed.
    let rtl = mutant(
        "sync_early",
        PRIQ,
        "wire sync_complete = sync_waiting && sw_empty && evtq_sync_ok;",
        "wire sync_complete = sync_waiting && evtq_sync_ok;",
    );
    judged(&rtl, "cmd_sync_held_egress", "SMMU-CMD-9 by lockstep", "SMMU-CMD-9 by test assertion", "SMMU-CMD-9 by ordered");
}

#[test]
fn stop_marker_answered() {
    let rtl = mutant("sm_answered", PRIQ, "return l && !(pv && !r && !w);", "return l;");
    judged(&rtl, "overflow_silent", "PRI-17 by lockstep", "PRI-17 by checker smmuv3-prg-responses", "SMMU-PRIQ-11 by ordered");
}

#[test]
fn prod_advances_before_ack() {
    let rtl = mutant(
        "prod_early",
        PRIQ,
        "if (mw_fire) eng_state_q <= ENG_WAIT_ACK;",
        "if (mw_fire) begin eng_state_q <= ENG_WAIT_ACK; prod_wr_q <= prod_wr_incr; end",
    );
    judged(&rtl, "mem_backpressure", "SMMU-PRIQ-3 by lockstep", "SMMU-PRIQ-3 by test assertion", "SMMU-PRIQ-3 by ordered");
}

#[test]
fn disabled_response_carries_pasid() {
    let rtl = mutant(
        "rowa_pasid",
        PRIQ,
        "auto_in   = '{rid: ing_head.rid, pv: 1'b0, pasid: 20'h0, prgi: ing_head.prgi,",
        "auto_in   = '{rid: ing_head.rid, pv: ing_head.pv, pasid: ing_head.pasid, prgi: ing_head.prgi,",
    );
    judged(&rtl, "disabled_auto_rf", "SMMU-PRIQ-5 by lockstep", "DEC-2 by checker smmuv3-prg-responses", "SMMU-PRIQ-5 by ordered");
}

// ---- reset assignments removed --------------------------------------------------------------------
// A flop whose reset assignment is deleted keeps its initial value through reset. The runs start
// every unreset flop at all ones: deterministic, and the opposite of the all-zero state that hid
// such bugs before (under the default random reset a 1-bit flop starts at 1 for about half the
// seeds, which a seed range catches but a single run would only catch by luck).

#[test]
fn write_engine_state_not_reset() {
    // The queue-write engine leaves reset in an undefined state (all ones, no state of the FSM)
    // and never writes an entry.
    let rtl = mutant("eng_unreset", PRIQ, "            eng_state_q        <= ENG_IDLE;\n", "");
    // Lockstep: the model writes the first request's entry (row d), the DUT drives no mw_valid:
    // the rule of the entry write and PROD (SMMU-PRIQ-3). Checkers only: the test's bounded
    // wait for the acknowledged queue writes expires, naming the same rule.
    judged_from(
        ResetMode::Ones,
        &rtl,
        "basic_write",
        "SMMU-PRIQ-3 by lockstep",
        "SMMU-PRIQ-3 by condition wait",
        "SMMU-PRIQ-3 by condition wait",
    );
}

#[test]
fn response_register_valid_not_reset() {
    // rtl/common/rsp_arbiter.sv (both flavors' response egress): out_valid leaves reset set, so
    // a response nobody asked for (all-zero data) goes out on the first cycle.
    let rtl = mutant("rsp_valid_unreset", "common/rsp_arbiter.sv", "            out_valid_q <= 1'b0;\n", "");
    // Both runs: the PRG response checker sees a response that answers no request (PRI-16)
    // at cycle 1, before the scoreboard's compare of that edge.
    judged_from(
        ResetMode::Ones,
        &rtl,
        "basic_write",
        "PRI-16 by checker smmuv3-prg-responses",
        "PRI-16 by checker smmuv3-prg-responses",
        "SMMU-PRIQ-10 by ordered",
    );
}

/// A parameter not passed down: the ring pointer's own MAX_LOG2 default (8) equals the default
/// IDR1.PRIQS, so the default build is right and every default-configuration run passes; only a
/// corner shows the missing cap. With PRIQS=0 (`max`) the queue must have one slot whatever
/// LOG2SIZE says (SMMU-PRIQ-1), and wrap_sizes finds PROD counting a larger ring (SMMU-PRIQ-2).
#[test]
fn priqs_cap_not_passed_to_the_ring() {
    let rtl = mutant("priqs_not_passed", PRIQ, ", .MAX_LOG2(PRIQS)) u_ring", ") u_ring");
    for compare in [CompareMode::Lockstep, CompareMode::Checkers, CompareMode::Ordered] {
        let r = run_under(&rtl, "wrap_sizes", tb::config::DEFAULT, compare, ResetMode::default());
        assert_eq!(r.status, Status::Pass, "the default configuration cannot see this bug: {:?}", r.failure);
    }
    judged_under(
        "max",
        &rtl,
        "wrap_sizes",
        "SMMU-PRIQ-1 by lockstep",
        "SMMU-PRIQ-1 by checker smmuv3-priq-address",
        "SMMU-PRIQ-1 by ordered",
    );
}

#[test]
fn base_write_at_its_upper_dword_accepted() {
    // The PRIQ_BASE write decode ignores address bit 2, so a write to the register's upper dword
    // (0xC4, which reads 0 and ignores writes) overwrites the base. register_negative_space
    // writes 0 there while PRIQ_BASE holds all its stored bits.
    let rtl = mutant(
        "base_upper_dword",
        PRIQ,
        "wire wr_priq_base = reg_wr && (reg_addr == A_PRIQ_BASE);",
        "wire wr_priq_base = reg_wr && (reg_addr[19:3] == A_PRIQ_BASE[19:3]);",
    );
    // Lockstep: the read of PRIQ_BASE differs (a register write taken where it must be ignored);
    // checkers only: the test's read-back names the same rule.
    judged(&rtl, "register_negative_space", "SMMU-PRIQ-14 by lockstep", "SMMU-PRIQ-14 by test assertion", "SMMU-PRIQ-14 by ordered");
}

#[test]
fn gerror_irq_gated_by_either_enable() {
    // The GERROR pulse is gated by GERROR_IRQEN or PRIQ_IRQEN: an ILLEGAL command with only
    // PRIQ_IRQEN set pulses irq_gerror (irq_sources_alone).
    let rtl =
        mutant("gerror_any_irqen", PRIQ, "&& irq_ctrlack[IRQ_GERROR_EN];", "&& (irq_ctrlack[IRQ_GERROR_EN] || irq_ctrlack[IRQ_PRIQ_EN]);");
    judged(&rtl, "irq_sources_alone", "SMMU-CMD-11 by lockstep", "SMMU-CMD-11 by test assertion", "SMMU-CMD-11 by ordered");
}

// ---- the event queue (rtl/smmuv3/smmuv3_evtq.sv) ---------------------------------------------------
// The checkers-only verdicts are the tests' own assertions and bounded waits until the
// event-queue protocol checkers judge these runs too.

const EVTQ: &str = "smmuv3/smmuv3_evtq.sv";

#[test]
fn evtq_ind_kept_without_rnw() {
    // SMMU-EVTQ-2: InD must be written 0 when RnW=0; the record keeps it.
    let rtl = mutant("evtq_ind", EVTQ, "r.rnw, r.ind & r.rnw, r.pnu,", "r.rnw, r.ind, r.pnu,");
    judged(
        &rtl,
        "evtq_basic_write",
        "SMMU-EVTQ-2 by lockstep",
        "SMMU-EVTQ-2 by checker smmuv3-evtq-record",
        "SMMU-EVTQ-2 by checker smmuv3-evtq-record",
    );
}

#[test]
fn evtq_irq_for_every_write() {
    // SMMU-EVTQ-9: the interrupt is for a write into an empty queue only.
    let rtl = mutant("evtq_irq_always", EVTQ, "emwack_fire && !emwack_err && q_empty;", "emwack_fire && !emwack_err;");
    judged(
        &rtl,
        "evtq_basic_write",
        "SMMU-EVTQ-9 by lockstep",
        "SMMU-EVTQ-9 by checker smmuv3-evtq-irq",
        "SMMU-EVTQ-9 by checker smmuv3-evtq-irq",
    );
}

#[test]
fn evtq_full_queue_not_detected() {
    // SMMU-EVTQ-3: the queue counts as writable when full; records overwrite unconsumed ones.
    let rtl =
        mutant("evtq_no_full", EVTQ, "wire writable = eventqen && !q_full && !abt_active;", "wire writable = eventqen && !abt_active;");
    judged(
        &rtl,
        "evtq_overflow_no_inhibit",
        "SMMU-EVTQ-3 by lockstep",
        "SMMU-EVTQ-3 by checker smmuv3-evtq-delivery",
        "SMMU-EVTQ-3 by checker smmuv3-evtq-delivery",
    );
}

#[test]
fn evtq_overflow_inhibits() {
    // SMMU-EVTQ-5: an active overflow stops writes, as on the PRIQ (the opposite of the EVTQ rule).
    let rtl = mutant(
        "evtq_inhibit",
        EVTQ,
        "wire writable = eventqen && !q_full && !abt_active;",
        "wire writable = eventqen && !q_full && !abt_active && (prod_ovflg_q == cons_eff_ovack);",
    );
    judged(&rtl, "evtq_overflow_no_inhibit", "SMMU-EVTQ-5 by lockstep", "SMMU-EVTQ-5 by condition wait", "SMMU-EVTQ-5 by condition wait");
}

#[test]
fn evtq_ovflg_toggles_at_every_full_discard() {
    // SMMU-EVTQ-4: OVFLG toggles only when no overflow is active.
    let rtl = mutant(
        "evtq_toggle_always",
        EVTQ,
        "wire toggle   = decide && row_f && (prod_ovflg_q == cons_eff_ovack);",
        "wire toggle   = decide && row_f;",
    );
    judged(&rtl, "evtq_overflow_no_inhibit", "SMMU-EVTQ-4 by lockstep", "SMMU-EVTQ-4 by test assertion", "SMMU-EVTQ-4 by test assertion");
}

#[test]
fn evtq_stall_record_discarded_when_full() {
    // SMMU-EVTQ-6: a stall record meeting a full queue is dropped (row S taken with SMMUEN=1)
    // instead of held.
    let rtl = mutant("evtq_no_hold", EVTQ, "wire row_h    = !writable && ing_head.stall && smmuen;", "wire row_h    = 1'b0;");
    judged(&rtl, "evtq_stall_held_when_full", "SMMU-EVTQ-6 by lockstep", "SMMU-EVTQ-6 by test assertion", "SMMU-EVTQ-6 by test assertion");
}

#[test]
fn evtq_resume_ignores_the_streamid() {
    // SMMU-CMD-7: a RESUME matches on STAG alone.
    let rtl = mutant(
        "evtq_resume_stag_only",
        EVTQ,
        "end else if (resume && cmd_stag == 16'(k) && cmd_sid == slot_sid_q[k]) begin",
        "end else if (resume && cmd_stag == 16'(k)) begin",
    );
    judged(
        &rtl,
        "evtq_resume",
        "SMMU-CMD-7 by lockstep",
        "SMMU-CMD-7 by checker smmuv3-evtq-stalls",
        "SMMU-CMD-7 by checker smmuv3-evtq-stalls",
    );
}

#[test]
fn evtq_stall_term_ignored() {
    // SMMU-CMD-8: CMD_STALL_TERM resolves nothing.
    let rtl = mutant("evtq_no_term", EVTQ, "end else if (term && cmd_sid == slot_sid_q[k]) begin", "end else if (1'b0) begin");
    judged(&rtl, "evtq_stall_term", "SMMU-CMD-8 by lockstep", "SMMU-CMD-8 by condition wait", "SMMU-CMD-8 by condition wait");
}

#[test]
fn evtq_stall_max_not_enforced() {
    // SMMU-EVTQ-8, OP-3: the input is not back-pressured at STALL_MAX outstanding stalls.
    let rtl = mutant("evtq_no_stall_max", EVTQ, "assign ev_ready = !ing_full && (used < STALL_LIMIT);", "assign ev_ready = !ing_full;");
    judged(
        &rtl,
        "evtq_stall_max",
        "SMMU-EVTQ-8 by lockstep",
        "SMMU-EVTQ-8 by checker smmuv3-evtq-stalls",
        "SMMU-EVTQ-8 by checker smmuv3-evtq-stalls",
    );
}

#[test]
fn evtq_eventqen_ack_falls_with_a_write_in_flight() {
    // SMMU-EVTQ-10: CR0ACK.EVENTQEN is not held while the EVTQ write engine is busy.
    let rtl = mutant(
        "evtq_ack_no_hold",
        PRIQ,
        ".hold_high ({1'b0, evtq_busy, eng_busy, eng_busy}),",
        ".hold_high ({1'b0, 1'b0, eng_busy, eng_busy}),",
    );
    judged(
        &rtl,
        "evtq_disable_mid_traffic",
        "SMMU-EVTQ-10 by lockstep",
        "SMMU-EVTQ-10 by checker smmuv3-evtq-delivery",
        "SMMU-EVTQ-10 by checker smmuv3-evtq-delivery",
    );
}

#[test]
fn evtq_write_error_not_reported() {
    // SMMU-EVTQ-11: a failed record write does not activate EVENTQ_ABT_ERR.
    let rtl =
        mutant("evtq_abt_lost", PRIQ, "wire evtq_abt_activate = evtq_write_err && !evtq_abt_active;", "wire evtq_abt_activate = 1'b0;");
    judged(&rtl, "evtq_write_error", "SMMU-EVTQ-11 by lockstep", "SMMU-EVTQ-11 by test assertion", "SMMU-EVTQ-11 by test assertion");
}

#[test]
fn evtq_sync_ignores_records() {
    // SMMU-CMD-9: CMD_SYNC completes without waiting for the records accepted before it.
    let rtl = mutant("evtq_sync_early", EVTQ, "assign sync_ok = !issue_any && (sync_cnt_d == '0);", "assign sync_ok = !issue_any;");
    judged(&rtl, "evtq_sync", "SMMU-CMD-9 by lockstep", "SMMU-CMD-9 by checker smmuv3-evtq-sync", "SMMU-CMD-9 by checker smmuv3-evtq-sync");
}

#[test]
fn evtq_written_record_not_popped() {
    // SMMU-EVTQ-7: a written record stays at the head of the event ingress and is decided (and
    // written) again: one input, two records.
    let rtl = mutant("evtq_write_twice", EVTQ, "assign ing_pop = decide && !row_h;", "assign ing_pop = decide && !row_h && !row_w;");
    judged(
        &rtl,
        "evtq_overflow_no_inhibit",
        "SMMU-EVTQ-7 by lockstep",
        "SMMU-EVTQ-7 by checker smmuv3-evtq-record",
        "SMMU-EVTQ-7 by checker smmuv3-evtq-record",
    );
}

#[test]
fn evtq_stall_slot_not_reset() {
    // The stall table leaves reset with every slot in an undefined state (all ones), counted as
    // in use: the event input is back-pressured forever.
    let rtl = mutant("evtq_slot_unreset", EVTQ, "                slot_state_q[k] <= SLOT_FREE;\n", "");
    judged_from(
        ResetMode::Ones,
        &rtl,
        "evtq_basic_write",
        "SMMU-EVTQ-8 by lockstep",
        "SMMU-EVTQ-1 by condition wait",
        "SMMU-EVTQ-1 by condition wait",
    );
}
