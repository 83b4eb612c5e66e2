//! Planted bugs in the second SMMUv3 PRIQ block (`alt/smmuv3_priq`, RTL that is not ours, tied to
//! the smmuv3 contract by its `port-map.toml`): each is a one-line change a real implementer
//! could make, run with the directed test (or seeded class, seed 1) that exercises it, and must
//! fail naming the rule it breaks. The block's timing is not ours, so there is no strict
//! lockstep: each bug runs on the block bound by its port map under the checkers alone
//! (`verdict`) and under ordered compare (`ordered`, the default on a port map), where the
//! ordered judge comes before the checkers, the test's own assertions and its bounded waits.
//! Under ordered compare `egress_pops_both_fifos` loses an automatic response of a row-b
//! discard: the judge names it (SMMU-PRIQ-6) when a later message's entry shows the message was
//! not written.

#[path = "common/mutants.rs"]
mod mutants;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tb::compare::CompareMode;
use tb::port_map::{self, LoadOptions};
use tb::reset::ResetMode;
use tb::run::{self, RunOptions, Status};
use tb::scenario::Scenario;

const TREE: &str = "alt/smmuv3_priq";
const TOP: &str = "alt_priq.sv";
const EGRESS: &str = "alt_cpl_egress.sv";

/// One planted bug: its name, the file and the text it replaces, the test that runs it, the
/// reset values of unreset flops, and the verdict ("RULE by JUDGE", or "not caught").
struct Bug {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    test: &'static str,
    reset: ResetMode,
    verdict: &'static str,
    /// The verdict under ordered compare.
    ordered: &'static str,
}

const R: ResetMode = ResetMode::Random;

const BUGS: &[Bug] = &[
    // Overflow: OVFLG toggles at every row-b discard too, so the next discard ends the overflow
    // and the queue is written again without a CONS acknowledgement.
    Bug {
        name: "ovflg_toggles_on_every_discard",
        file: TOP,
        from: "if (in_take && row_c) ovflg_q <= !ovflg_q;",
        to: "if (in_take && (row_b || row_c)) ovflg_q <= !ovflg_q;",
        test: "overflow_inhibits",
        reset: R,
        verdict: "SMMU-PRIQ-6 by test assertion",
        ordered: "SMMU-PRIQ-6 by test assertion",
    },
    Bug {
        name: "overflow_response_drops_pasid",
        file: TOP,
        from: "{m_sid, m_pv, m_pv ? m_pasid : 20'h0, m_prgi, 4'h0}; // DEC-3",
        to: "{m_sid, 1'b0, 20'h0, m_prgi, 4'h0}; // DEC-3",
        test: "overflow_at_full",
        reset: R,
        verdict: "DEC-3 by checker smmuv3-prg-responses",
        ordered: "SMMU-PRIQ-7 by ordered",
    },
    Bug {
        name: "stop_marker_answered",
        file: TOP,
        from: "wire        m_wants_answer = m_l && !m_stop;",
        to: "wire        m_wants_answer = m_l;",
        test: "overflow_silent",
        reset: R,
        verdict: "PRI-17 by checker smmuv3-prg-responses",
        ordered: "SMMU-PRIQ-11 by ordered",
    },
    // The advance keeps the wrap bit: a one-slot queue never moves PROD, larger ones never look full.
    Bug {
        name: "wrap_bit_never_toggles",
        file: TOP,
        from: "wire [19:0] prod_next = (prod_q & ~live_bits) | ((prod_q + 20'h1) & live_bits);",
        to: "wire [19:0] prod_next = (prod_q & ~(wrap_bit - 20'h1)) | ((prod_q + 20'h1) & (wrap_bit - 20'h1));",
        test: "wrap_sizes",
        reset: R,
        verdict: "SMMU-PRIQ-2 by test assertion",
        ordered: "SMMU-PRIQ-2 by test assertion",
    },
    Bug {
        name: "write_error_advances_prod",
        file: TOP,
        from: "wire ack_ok   = ack_fire && !wr_fault;",
        to: "wire ack_ok   = ack_fire;",
        test: "mem_write_error",
        reset: R,
        verdict: "SMMU-PRIQ-16 by test assertion",
        ordered: "SMMU-PRIQ-16 by ordered",
    },
    Bug {
        name: "abort_does_not_block_admission",
        file: TOP,
        from: "wire row_a = !cr0ack_q[0] || !cr0ack_q[1] || abt_active;",
        to: "wire row_a = !cr0ack_q[0] || !cr0ack_q[1];",
        test: "mem_write_error",
        reset: R,
        verdict: "SMMU-PRIQ-5 by test assertion",
        ordered: "SMMU-PRIQ-5 by ordered",
    },
    // CONS gated like BASE and PROD: the host can never free a slot while the queue runs.
    Bug {
        name: "cons_write_gated_by_priqen",
        file: TOP,
        from: "wire w_cons  = wr_fire_reg && csr_addr == A_QCONS;",
        to: "wire w_cons  = wr_fire_reg && csr_addr == A_QCONS && q_off;",
        test: "write_gating",
        reset: R,
        verdict: "SMMU-PRIQ-14 by test assertion",
        ordered: "SMMU-PRIQ-14 by test assertion",
    },
    Bug {
        name: "base_write_not_gated",
        file: TOP,
        from: "wire w_base  = wr_fire_reg && csr_addr == A_QBASE && q_off;",
        to: "wire w_base  = wr_fire_reg && csr_addr == A_QBASE;",
        test: "write_gating",
        reset: R,
        verdict: "SMMU-PRIQ-14 by test assertion",
        ordered: "SMMU-PRIQ-14 by ordered",
    },
    Bug {
        name: "irq_for_every_entry",
        file: TOP,
        from: "(ack_ok && (lo_q ? ent_l_q : queue_was_empty))",
        to: "(ack_ok && (lo_q ? ent_l_q : 1'b1))",
        test: "irq",
        reset: R,
        verdict: "SMMU-PRIQ-13 by test assertion",
        ordered: "SMMU-PRIQ-13 by ordered",
    },
    Bug {
        name: "cr0ack_falls_with_write_in_flight",
        file: TOP,
        from: "wire [3:0] cr0ack_next = eng_busy ? (cr0_line_out | (cr0ack_q & 4'b0011)) : cr0_line_out;",
        to: "wire [3:0] cr0ack_next = cr0_line_out;",
        test: "cr0ack_hold",
        reset: R,
        verdict: "SMMU-PRIQ-15 by test assertion",
        ordered: "SMMU-PRIQ-15 by test assertion",
    },
    // The arbiter pops both FIFOs when both have a response: the automatic one is lost.
    Bug {
        name: "egress_pops_both_fifos",
        file: EGRESS,
        from: "assign auto_take = stage_free && !sw_has && auto_has;",
        to: "assign auto_take = stage_free && auto_has;",
        test: "random",
        reset: R,
        verdict: "PRI-16 by traffic watch",
        ordered: "SMMU-PRIQ-6 by ordered",
    },
    // CMD_SYNC completes with CMD_PRI_RESP responses still in the software FIFO (not committed).
    // Seen with the egress held behind more responses than it holds committed (the port map's
    // EGRESS_SLOTS = 2): the test's own check, and the ordered judge's count of unsent ones.
    Bug {
        name: "sync_ignores_pending_responses",
        file: TOP,
        from: "wire sync_done_now = (cmd_sync || sync_wait_q) && !sw_has;",
        to: "wire sync_done_now = (cmd_sync || sync_wait_q);",
        test: "cmd_sync_held_egress",
        reset: R,
        verdict: "SMMU-CMD-9 by test assertion",
        ordered: "SMMU-CMD-9 by ordered",
    },
    // Deleted reset assignments, run with every unreset flop at one: PRIQ_ABT_ERR reads active
    // from the start (every message goes to row a), and PRIQ_IRQ_CFG2.LO starts at 1.
    Bug {
        name: "gerrn_abt_not_reset",
        file: TOP,
        from: "            gerrn_abt_q <= 1'b0;\n",
        to: "",
        test: "basic_write",
        reset: ResetMode::Ones,
        verdict: "SMMU-PRIQ-3 by condition wait",
        ordered: "SMMU-PRIQ-10 by ordered",
    },
    Bug {
        name: "irq_cfg2_lo_not_reset",
        file: TOP,
        from: "            lo_q <= 1'b0;\n",
        to: "",
        test: "irq",
        reset: ResetMode::Ones,
        verdict: "SMMU-PRIQ-13 by test assertion",
        ordered: "SMMU-PRIQ-13 by ordered",
    },
];

fn bug(name: &str) -> &'static Bug {
    BUGS.iter().find(|b| b.name == name).unwrap_or_else(|| panic!("no planted bug {name}"))
}

/// The block with the bug planted, in its own folder (with its port map).
fn planted(b: &Bug) -> PathBuf {
    mutants::mutant_of(TREE, &format!("alt_{}", b.name), b.file, b.from, b.to)
}

/// The verdict of `test` (seed 1) on the block in `dir`, bound by its `port-map.toml`, under
/// `compare` ("RULE by JUDGE", or "not caught").
fn verdict_under(dir: &Path, test: &str, reset: ResetMode, compare: CompareMode) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (contract_rtl, cache_root) = (root.join("rtl"), root.join("build/cache"));
    let o = LoadOptions { rtl_dir: Some(dir), top: None, contract_rtl: &contract_rtl, cache_root: &cache_root };
    let dut = Arc::new(port_map::load(&dir.join("port-map.toml"), &o).unwrap_or_else(|e| panic!("{e}")));
    let opts = RunOptions { port_maps: vec![dut.clone()], compare: Some(compare), reset, ..RunOptions::for_repo(root) };
    let def = tb::flavors::find_test(Some("smmuv3"), test).unwrap().1;
    let r = run::run(&Scenario { config: dut.top.clone(), ..(def.scenario)(1) }, &opts).unwrap_or_else(|e| panic!("{test}: {e}"));
    if r.status == Status::Pass {
        return "not caught".into();
    }
    eprintln!("{test} ({compare}): {}", r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or(""));
    format!("{} by {}", r.rule.as_deref().unwrap_or("no rule"), r.judge.map(|j| j.to_string()).unwrap_or_default())
}

/// The verdicts of the checkers alone and of ordered compare (the default on a port map).
fn verdict(dir: &Path, test: &str, reset: ResetMode) -> [String; 2] {
    [CompareMode::Checkers, CompareMode::Ordered].map(|m| verdict_under(dir, test, reset, m))
}

fn judged(name: &str) {
    let b = bug(name);
    let dir = planted(b);
    assert_eq!(verdict(&dir, b.test, b.reset), [b.verdict, b.ordered], "planted bug {name} in {TREE}/{}: (checkers, ordered)", b.file);
}

#[test]
fn every_planted_bug_applies() {
    assert!(BUGS.len() >= 8, "at least eight planted bugs");
    let names: Vec<&str> = BUGS.iter().map(|b| b.name).collect();
    assert_eq!(names, RUN, "every planted bug has its test below, in the same order");
    for b in BUGS {
        // mutant_of requires the replaced text exactly once in the current source.
        let dir = planted(b);
        let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TREE).join(b.file)).unwrap();
        assert_ne!(std::fs::read_to_string(dir.join(b.file)).unwrap(), original, "{}: not planted", b.name);
        assert!(dir.join("port-map.toml").is_file(), "{}: the copy keeps the port map", b.name);
    }
}

macro_rules! planted_bug_tests {
    ($($name:ident),* $(,)?) => {
        const RUN: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                judged(stringify!($name));
            }
        )*
    };
}

planted_bug_tests!(
    ovflg_toggles_on_every_discard,
    overflow_response_drops_pasid,
    stop_marker_answered,
    wrap_bit_never_toggles,
    write_error_advances_prod,
    abort_does_not_block_admission,
    cons_write_gated_by_priqen,
    base_write_not_gated,
    irq_for_every_entry,
    cr0ack_falls_with_write_in_flight,
    egress_pops_both_fifos,
    sync_ignores_pending_responses,
    gerrn_abt_not_reset,
    irq_cfg2_lo_not_reset,
);
