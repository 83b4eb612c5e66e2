//! The VT-d checks bite: each test copies the RTL, plants one deliberate bug in
//! `rtl/vtd/vtd_prq.sv`, runs the registered VT-d directed test that exercises it, and requires
//! the run to FAIL naming the rule the bug breaks (`../shared/spec/vtd.md`). Each bug is judged
//! twice: by the strict lockstep scoreboard (`tb/src/vtd/scoreboard.rs`, which blames the rule
//! of the timed model's event at the first differing output), and with `lockstep: false`, where
//! the timing-free VT-d checkers (`tb/src/checkers/vtd/`), the test's own assertions and its
//! bounded waits are the only judges; and under `--compare ordered`, where the VT-d ordered judge
//! (`tb/src/vtd/ordered.rs`) comes first and names the rule of every bug it sees before the
//! checkers and the test do. Each test states the rule and the judge of all three runs ("RULE by
//! JUDGE", or "not caught"); they may differ, and each test says why.

#[path = "common/mutants.rs"]
mod mutants;

use mutants::{judged, judged_from, mutant};
use tb::reset::ResetMode;

const PRQ: &str = "vtd/vtd_prq.sv";

#[test]
fn descriptor_rdr_and_wrr_swapped() {
    // page_req_dsc QW1 bits 0/1 are RDR/WRR (vtd.md §3); the bug writes R into WRR and W into
    // RDR. vtd_basic_write sends a read-only request first, so its descriptor differs.
    let rtl = mutant("vtd_rdr_wrr", PRQ, "qw1 = {m.addr, m.prgi, m.l, m.w, m.r};", "qw1 = {m.addr, m.prgi, m.l, m.r, m.w};");
    // Lockstep: mw_data of a kind-0 job differs -> the descriptor encoding rule.
    // Checkers: PrqEntryChecker decodes the written descriptor against the accepted message.
    judged(&rtl, "vtd_basic_write", "VTD-PRQ-4 by lockstep", "VTD-PRQ-4 by checker vtd-prq-entry", "VTD-PRQ-4 by ordered");
}

#[test]
fn tail_increment_not_wrapped() {
    // The tail increment forgets the modulo-N mask, so the full test `PQT+1 == PQH` never matches
    // across the wrap: with PQH = 0 the PRQ takes an N-th entry (VTD-PRQ-3 allows N-1).
    let rtl =
        mutant("vtd_tail_unmasked", PRQ, "wire [13:0] pqt_next  = (pqt_idx + 14'd1) & q_mask;", "wire [13:0] pqt_next  = pqt_idx + 14'd1;");
    // Lockstep: the model decides the N-th request in row c (full), the RTL issues a write;
    // the scoreboard blames the row the model took.
    // Checkers: PrqAdmissionChecker sees a descriptor written into the last free slot before PQH.
    // Ordered: the written request's window finds the PRQ full throughout: row c, as lockstep.
    judged(&rtl, "vtd_exactly_full", "VTD-PRQ-7 by lockstep", "VTD-PRQ-3 by checker vtd-prq-admission", "VTD-PRQ-7 by ordered");
}

#[test]
fn pro_not_sticky() {
    // Row b checks PRO only while the PRQ is still full, as if PRO mirrored fullness: once
    // software consumed the entries, requests are written although PRO is still 1.
    let rtl = mutant("vtd_pro_not_sticky", PRQ, "wire row_b = !row_a && pro_sw;", "wire row_b = !row_a && pro_sw && q_full;");
    // Lockstep: the model decides row b (discard), the RTL starts a descriptor write.
    // Checkers only: no checker knows when PRO was set relative to the accepted message; the
    // directed test's own check that the requests sent while PRO is set were discarded fails.
    // Ordered: the judge settled the row-c request that set PRO, so the written request's whole
    // admission window finds PRO set (row b).
    judged(&rtl, "vtd_pro_sticky", "VTD-PRQ-6 by lockstep", "VTD-PRQ-9 by test assertion", "VTD-PRQ-6 by ordered");
}

#[test]
fn stop_marker_answered_on_full() {
    // The "LPIG=1 request" predicate forgets to exclude Stop Markers, so a Stop Marker that finds
    // the PRQ full gets an automatic Success response.
    let rtl = mutant("vtd_sm_answered", PRQ, "return l && !(pv && !r && !w);", "return l;");
    // Lockstep: rsp_valid rises where the model sends nothing; the scoreboard finds the recent
    // message it answers, a Stop Marker, and names VTD-PRQ-10.
    // Checkers: VtdResponseChecker finds a response that matches only a Stop Marker and names
    // VTD-PRQ-10, the rule that a Stop Marker never causes a response in any row (DEC-6).
    judged(&rtl, "vtd_stop_marker_on_full", "VTD-PRQ-10 by lockstep", "VTD-PRQ-10 by checker vtd-prg-responses", "VTD-PRQ-10 by ordered");
}

#[test]
fn full_prq_answered_invalid() {
    // The automatic response of a request that finds the PRQ full carries Invalid Request
    // instead of Success (DEC-7: only row a answers Invalid).
    let rtl = mutant(
        "vtd_full_invalid",
        PRQ,
        "code: row_a ? CODE_INVALID : CODE_SUCCESS};",
        "code: (row_a || row_c) ? CODE_INVALID : CODE_SUCCESS};",
    );
    // Lockstep: rsp_code of an automatic response from row c differs.
    // Checkers: the response checker knows the code of an overflow response.
    judged(&rtl, "vtd_auto_success_full_and_pro", "VTD-PRQ-7 by lockstep", "DEC-7 by checker vtd-prg-responses", "VTD-PRQ-7 by ordered");
}

#[test]
fn pre_enable_bit_ignored() {
    // The PRE table lookup matches on the RID alone, ignoring the entry's PRE bit: a requester
    // named by an entry with PRE=0 is treated as enabled (DEC-5 says it is not).
    let rtl = mutant(
        "vtd_pre_ignored",
        PRQ,
        "if (pre_en_sw[j] && pre_rid_sw[j] == ing_head.rid) rid_enabled = 1'b1;",
        "if (pre_rid_sw[j] == ing_head.rid) rid_enabled = 1'b1;",
    );
    // Lockstep: the model decides row a, the RTL starts a descriptor write.
    // Checkers only: no checker knows that a descriptor was written for a disabled RID (the
    // response checker tracks the PRE table but judges responses only); the directed test's
    // own assertion catches it, waiting in vain for row a's Invalid Request response.
    judged(&rtl, "vtd_pre_disabled_fault", "VTD-PRQ-5 by lockstep", "VTD-PRQ-5 by condition wait", "VTD-PRQ-5 by ordered");
}

#[test]
fn reserved_response_code_rewritten() {
    // page_grp_resp_dsc codes other than Success/Invalid/Failure are turned into Invalid
    // Request instead of being forwarded verbatim (DEC-8).
    let rtl = mutant(
        "vtd_code_rewritten",
        PRQ,
        "prgi: iq_qw1[11:3], code: iq_qw0[15:12]};",
        "prgi: iq_qw1[11:3],\n                     code: (iq_qw0[15:12] inside {4'h0, 4'h1, 4'hF}) ? iq_qw0[15:12] : CODE_INVALID};",
    );
    // Lockstep: rsp_code of a software response differs.
    // Checkers: the response checker compares the response with the descriptor it answers.
    // Both name VTD-IQ-3, the rule that says RC is copied verbatim whatever its value (DEC-8).
    judged(&rtl, "vtd_reserved_code_forwarding", "VTD-IQ-3 by lockstep", "VTD-IQ-3 by checker vtd-prg-responses", "VTD-IQ-3 by ordered");
}

#[test]
fn reserved_pdp_bit_accepted() {
    // The reserved-bit check of page_grp_resp_dsc starts at bit 6, still treating bit 5 (the
    // former PDP, DEC-9) as defined: such a descriptor is answered instead of setting IQE.
    let rtl = mutant("vtd_pdp_accepted", PRQ, "&& ~|iq_qw0[8:5] &&", "&& ~|iq_qw0[8:6] &&");
    // Checkers: the test then offers the same response without bit 5; the one response sent is
    // matched to that later descriptor, processed while IQE should still be set (VTD-IQ-2).
    judged(&rtl, "vtd_iqe_reserved_bits", "VTD-IQ-2 by lockstep", "VTD-IQ-2 by checker vtd-prg-responses", "VTD-IQ-2 by ordered");
}

#[test]
fn fault_record_wrong_reason() {
    // The primary fault record of a PRE-disabled request carries the wrong fault reason
    // (0x46 instead of Table 30 SCT.8's 0x47).
    let rtl =
        mutant("vtd_fr_code", PRQ, "localparam logic [7:0] FR_PRQ_DISABLED = 8'h47;", "localparam logic [7:0] FR_PRQ_DISABLED = 8'h46;");
    // Lockstep: the FRCD read data differs -> the record-contents rule.
    // Checkers only: the fault-read checker decodes the FRCD read against the faulting request
    // and names the same rule.
    judged(&rtl, "vtd_pre_disabled_fault", "VTD-FLT-3 by lockstep", "VTD-FLT-3 by checker vtd-fault-read", "VTD-FLT-3 by ordered");
}

#[test]
fn pqt_read_not_held_until_ack() {
    // A register read is held only while the descriptor write is being issued, not until it
    // is acknowledged: a PQT read can miss a write issued before it (VTD-PRQ-16).
    let rtl = mutant(
        "vtd_read_early",
        PRQ,
        "wire eng_hold_desc = !eng_idle && (eng_kind_q == KIND_DESC);",
        "wire eng_hold_desc = (eng_state_q == ENG_WRITE) && (eng_kind_q == KIND_DESC);",
    );
    // Lockstep: reg_rvalid rises while the model still holds the read.
    // Checkers only the run fails too, but not on the exact rule: PqtReadChecker cannot see
    // when the read was received (only its completion is in the stream) and vtd_basic_write
    // makes no register access between the writes and the read, so it demands nothing of the
    // value. The directed test's own check "PQT reads 0x40 after three descriptors" fails,
    // labelled VTD-PRQ-8 (the tail rule), the nearest rule the test knows.
    judged(&rtl, "vtd_basic_write", "VTD-PRQ-16 by lockstep", "VTD-PRQ-8 by test assertion", "VTD-PRQ-8 by test assertion");
}

// ---- extra memory writes: the scoreboard blames the job the DUT started ----------------------------
// (`blame_write` in tb/src/vtd/scoreboard.rs: a status write or an MSI the model did not start is
// blamed on the rule that says when it may happen; an MSI's unit is told by its address.)

#[test]
fn page_event_while_ppr_set() {
    // The page request event ignores PPR: every written descriptor raises an MSI, also when
    // PPR was already 1 (VTD-PRQ-13: nothing happens then).
    let rtl = mutant(
        "vtd_pe_ppr",
        PRQ,
        "wire pe_cond = (desc_ack || (decide && row_c)) && !ppr_sw && !pro_sw;",
        "wire pe_cond = (desc_ack || (decide && row_c)) && !pro_sw;",
    );
    // Checkers only: the directed test counts the MSIs (PeMsiChecker checks only their order).
    judged(&rtl, "vtd_event_gating", "VTD-PRQ-13 by lockstep", "VTD-PRQ-13 by test assertion", "VTD-PRQ-13 by ordered");
}

#[test]
fn pd_wait_ignores_drain_count() {
    // The PD=1 drain condition forgets the count of messages accepted before the wait: the
    // wait completes as soon as no descriptor write is in flight, before the messages still
    // in the ingress FIFO are written.
    let rtl = mutant(
        "vtd_pd_no_drain",
        PRQ,
        "wire drain_done = ~|drain_q && !eng_hold_desc && auto_empty;",
        "wire drain_done = !eng_hold_desc && auto_empty;",
    );
    judged(&rtl, "vtd_pd_wait_drains", "VTD-IQ-10 by lockstep", "VTD-IQ-10 by test assertion", "VTD-IQ-10 by ordered");
}

// ---- reads that must push in-flight event MSIs ------------------------------------------------------

#[test]
fn pe_reads_do_not_push_pe_msi() {
    // Reads of PRS, PQT and PECTL no longer wait for a page request event MSI issued before them:
    // software can see PPR set before the interrupt's write has landed (VTD-PRQ-20).
    let rtl = mutant(
        "vtd_pe_read_no_push",
        PRQ,
        "wire        rd_push_pe     = pe_msi_in_flight && rd_pe_class;   // VTD-PRQ-20",
        "wire        rd_push_pe     = 1'b0;",
    );
    // Lockstep: reg_rvalid rises while the model holds the PRS read behind the PE MSI.
    // Checkers: ReadPushChecker sees the PRS read return while the MSI issued before the PQH
    // read that preceded it is unacknowledged.
    judged(
        &rtl,
        "vtd_read_pushes_event_msis",
        "VTD-PRQ-20 by lockstep",
        "VTD-PRQ-20 by checker vtd-read-push",
        "VTD-PRQ-20 by checker vtd-read-push",
    );
}

#[test]
fn fe_reads_do_not_push_fe_msi() {
    // Reads of FSTS and FECTL no longer wait for a fault event MSI issued before them (VTD-FLT-8).
    let rtl = mutant(
        "vtd_fe_read_no_push",
        PRQ,
        "wire        rd_push_fe     = fe_msi_in_flight && rd_fe_class;   // VTD-FLT-8",
        "wire        rd_push_fe     = 1'b0;",
    );
    // Lockstep: reg_rvalid rises while the model holds the FSTS read behind the FE MSI.
    // Checkers: ReadPushChecker, as above, for the fault event MSI.
    judged(
        &rtl,
        "vtd_read_pushes_event_msis",
        "VTD-FLT-8 by lockstep",
        "VTD-FLT-8 by checker vtd-read-push",
        "VTD-FLT-8 by checker vtd-read-push",
    );
}

// ---- reset assignments removed --------------------------------------------------------------------
// As in tests/smmuv3_bug_injection.rs: unreset flops start at all ones, deterministically (a
// random reset state catches a 1-bit flop only for about half the seeds).

#[test]
fn pro_not_reset() {
    // PRS.PRO leaves reset set: the PRQ looks overflowed, and every request is discarded
    // (row b) from the start instead of written.
    let rtl = mutant("vtd_pro_unreset", PRQ, "ppr_q <= 1'b0; pro_q <= 1'b0;", "ppr_q <= 1'b0;");
    // Lockstep: the model writes the first descriptor (row d), the DUT drives no mw_valid; the
    // scoreboard blames the write the model started (VTD-PRQ-8). Checkers only: the test's
    // bounded wait for the descriptor writes expires, naming the same rule.
    judged_from(ResetMode::Ones, &rtl, "vtd_basic_write", "VTD-PRQ-8 by lockstep", "VTD-PRQ-8 by condition wait", "VTD-PRQ-8 by ordered");
}

#[test]
fn page_event_msi_pending_not_reset() {
    // The page request event's MSI-pending flop leaves reset set: an MSI to address 0 goes out
    // on the first cycle, with no event behind it.
    let rtl = mutant("vtd_pe_msi_unreset", PRQ, "pe_msi_q <= 1'b0; fe_msi_q", "fe_msi_q");
    // Lockstep: mw_valid rises where the model starts no job; the scoreboard blames the MSI on
    // the page request event rule (VTD-PRQ-13). Checkers only it goes unseen: PeMsiChecker
    // judges the order of MSIs against reads, and vtd_basic_write reads nothing the spurious
    // MSI would have to precede. Ordered: the judge's PE unit has no event condition before the
    // MSI, and no decision it has yet to settle could be one: of the timing-free judges only
    // the ordered one catches this bug.
    judged_from(ResetMode::Ones, &rtl, "vtd_basic_write", "VTD-PRQ-13 by lockstep", "not caught", "VTD-PRQ-13 by ordered");
}

// ---- register negative space ------------------------------------------------------------------

#[test]
fn pfo_cleared_by_writing_zero() {
    // PFO is cleared by any FSTS write instead of a write of 1 to it (W1C, VTD-FLT-1).
    let rtl =
        mutant("vtd_pfo_w0c", PRQ, "wire pfo_sw = pfo_q && !(wr_at(A_FSTS) && reg_wdata[0]);", "wire pfo_sw = pfo_q && !wr_at(A_FSTS);");
    // Lockstep: the next FSTS read differs; the test's read-back names the same rule.
    judged(&rtl, "vtd_w1c_zero_writes", "VTD-FLT-1 by lockstep", "VTD-FLT-1 by test assertion", "VTD-FLT-1 by ordered");
}

#[test]
fn fault_record_cleared_from_the_wrong_dword_bit() {
    // A write at record offset +8 clears F when bit 31 is set (F's position in the +C dword)
    // instead of bit 63 (VTD-FLT-5): vtd_register_negative_space writes all-ones but bit 63 there.
    let rtl = mutant("vtd_frcd_wrong_bit", PRQ, "((frcd_rel[3:2] == 2'd2 && reg_wdata[63])", "((frcd_rel[3:2] == 2'd2 && reg_wdata[31])");
    // Lockstep: the read of the record's upper half differs (the record's rule); checkers only:
    // the test's read-back after writes that must not clear F.
    judged(&rtl, "vtd_register_negative_space", "VTD-FLT-3 by lockstep", "VTD-FLT-5 by test assertion", "VTD-FLT-5 by ordered");
}

#[test]
fn read_past_the_last_fault_record_returns_a_record() {
    // The read decode takes one record too many: a read just past the last fault recording
    // register returns record 0 (the index wraps) instead of 0.
    let rtl = mutant(
        "vtd_frcd_past_end",
        PRQ,
        "&& (int'(rd_answer_addr) < FRCD_BASE + 16 * NR)",
        "&& (int'(rd_answer_addr) < FRCD_BASE + 16 * NR + 16)",
    );
    // Both judges name the rule of offsets outside every register (the scoreboard's register
    // rule for an unimplemented offset; the test's read of it).
    judged(&rtl, "vtd_register_negative_space", "VTD-PRQ-19 by lockstep", "VTD-PRQ-19 by test assertion", "VTD-PRQ-19 by ordered");
}

#[test]
fn pre_entry_written_through_its_upper_dword() {
    // The PRE write decode ignores address bit 2, so a write at entry + 4 (reads 0, ignores
    // writes) overwrites the entry (OP-20, VTD-PRQ-19).
    let rtl = mutant("vtd_pre_upper_dword", PRQ, "&& (reg_addr[2:0] == 3'b000);", "&& (reg_addr[1:0] == 2'b00);");
    judged(&rtl, "vtd_register_negative_space", "VTD-PRQ-19 by lockstep", "VTD-PRQ-19 by test assertion", "VTD-PRQ-19 by ordered");
}

#[test]
fn pe_ip_cleared_when_ppr_alone_is_zero() {
    // PECTL.IP is cleared when PPR is 0 although PRO is still 1 (VTD-PRQ-14: both must be 0):
    // PRO alone can no longer hold IP (vtd_event_sources_alone).
    let rtl = mutant("vtd_pe_ip_ppr_only", PRQ, ".srcs_clear(!ppr_d && !pro_d)", ".srcs_clear(!ppr_d)");
    // Lockstep: the PECTL read differs in IP; checkers only: the test's IP check.
    judged(&rtl, "vtd_event_sources_alone", "VTD-PRQ-14 by lockstep", "VTD-PRQ-13 by test assertion", "VTD-PRQ-13 by test assertion");
}
