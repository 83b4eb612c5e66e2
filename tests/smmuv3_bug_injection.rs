//! The checks bite: each test copies the RTL, plants one deliberate bug, runs the directed test
//! that exercises it, and requires the run to FAIL naming the rule the bug breaks. Each bug is
//! judged twice: by the strict lockstep scoreboard, and by the timing-free protocol checkers
//! alone (the judge used for RTL with other latencies), where they can see it.

#[path = "common/mutants.rs"]
mod mutants;

use mutants::{failing_rule, mutant};

const PRIQ: &str = "smmuv3/smmuv3_priq.sv";

#[test]
fn entry_r_and_w_swapped() {
    let rtl = mutant("entry_rw", PRIQ, "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,");
    assert_eq!(failing_rule(&rtl, "basic_write", true), "SMMU-PRIQ-4");
    assert_eq!(failing_rule(&rtl, "basic_write", false), "SMMU-PRIQ-4");
}

#[test]
fn full_queue_not_detected() {
    let rtl = mutant("no_full", PRIQ, "wire row_c = !row_a && !row_b && q_full;", "wire row_c = !row_a && !row_b && 1'b0;");
    assert_eq!(failing_rule(&rtl, "overflow_at_full", true), "SMMU-PRIQ-7");
}

#[test]
fn overflow_does_not_inhibit() {
    let rtl = mutant(
        "no_inhibit",
        PRIQ,
        "wire row_b = !row_a && (prod_ovflg_q != cons_eff_ovack);",
        "wire row_b = 1'b0 && (prod_ovflg_q != cons_eff_ovack);",
    );
    assert_eq!(failing_rule(&rtl, "overflow_inhibits", true), "SMMU-PRIQ-8");
    // Without the model the checkers see the inhibited message written instead of answered:
    // its automatic response never comes.
    assert_eq!(failing_rule(&rtl, "overflow_inhibits", false), "SMMU-PRIQ-6");
}

#[test]
fn overflow_response_drops_pasid() {
    let rtl =
        mutant("auto_no_pasid", PRIQ, "auto_in   = '{rid: ing_head.rid, pv: ing_head.pv,", "auto_in   = '{rid: ing_head.rid, pv: 1'b0,");
    assert_eq!(failing_rule(&rtl, "overflow_at_full", true), "SMMU-PRIQ-7");
    assert_eq!(failing_rule(&rtl, "overflow_at_full", false), "DEC-3");
}

#[test]
fn resp3_not_illegal() {
    let rtl = mutant("resp3_legal", PRIQ, "if (cmd_resp == 2'b11)   cmd_illegal = 1'b1;", "if (1'b0)   cmd_illegal = 1'b1;");
    assert_eq!(failing_rule(&rtl, "cmd_resp3_illegal", true), "SMMU-CMD-4");
    assert_eq!(failing_rule(&rtl, "cmd_resp3_illegal", false), "SMMU-CMD-4");
}

#[test]
fn stop_marker_answered() {
    let rtl = mutant("sm_answered", PRIQ, "return l && !(pv && !r && !w);", "return l;");
    assert_eq!(failing_rule(&rtl, "overflow_silent", true), "PRI-17");
    assert_eq!(failing_rule(&rtl, "overflow_silent", false), "PRI-17");
}

#[test]
fn prod_advances_before_ack() {
    let rtl = mutant(
        "prod_early",
        PRIQ,
        "if (mw_fire) eng_state_q <= ENG_WAIT_ACK;",
        "if (mw_fire) begin eng_state_q <= ENG_WAIT_ACK; prod_wr_q <= prod_wr_incr; end",
    );
    assert_eq!(failing_rule(&rtl, "mem_backpressure", true), "SMMU-PRIQ-3");
    assert_eq!(failing_rule(&rtl, "mem_backpressure", false), "SMMU-PRIQ-3");
}

#[test]
fn disabled_response_carries_pasid() {
    let rtl = mutant(
        "rowa_pasid",
        PRIQ,
        "auto_in   = '{rid: ing_head.rid, pv: 1'b0, pasid: 20'h0, prgi: ing_head.prgi,",
        "auto_in   = '{rid: ing_head.rid, pv: ing_head.pv, pasid: ing_head.pasid, prgi: ing_head.prgi,",
    );
    assert_eq!(failing_rule(&rtl, "disabled_auto_rf", true), "SMMU-PRIQ-5");
    assert_eq!(failing_rule(&rtl, "disabled_auto_rf", false), "DEC-2");
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
    assert_eq!(failing_rule(&rtl, "register_negative_space", true), "SMMU-PRIQ-14");
    assert_eq!(failing_rule(&rtl, "register_negative_space", false), "SMMU-PRIQ-14");
}

#[test]
fn gerror_irq_gated_by_either_enable() {
    // The GERROR pulse is gated by GERROR_IRQEN or PRIQ_IRQEN: an ILLEGAL command with only
    // PRIQ_IRQEN set pulses irq_gerror (irq_sources_alone).
    let rtl =
        mutant("gerror_any_irqen", PRIQ, "&& irq_ctrlack[IRQ_GERROR_EN];", "&& (irq_ctrlack[IRQ_GERROR_EN] || irq_ctrlack[IRQ_PRIQ_EN]);");
    assert_eq!(failing_rule(&rtl, "irq_sources_alone", true), "SMMU-CMD-11");
    assert_eq!(failing_rule(&rtl, "irq_sources_alone", false), "SMMU-CMD-11");
}
