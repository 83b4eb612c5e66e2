//! Every directed SMMUv3 test on the embedded RTL: strict lockstep with the timed model, the
//! protocol checkers and the test's own rule assertions must all pass.

mod common;

macro_rules! directed {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { common::expect_pass(stringify!($name), 1); } )*

        /// The list above is the registry: a new directed test must get its #[test] here.
        #[test]
        fn every_directed_test_is_listed() {
            let listed = [$(stringify!($name)),*];
            for t in tb::smmuv3::tests::registry().iter().filter(|t| !t.random) {
                assert!(listed.contains(&t.name), "directed test {} has no #[test] in tests/smmuv3_directed.rs", t.name);
            }
        }
    };
}

directed!(
    basic_write,
    wrap_sizes,
    mem_backpressure,
    mem_write_error,
    overflow_at_full,
    overflow_inhibits,
    overflow_partial_group,
    overflow_silent,
    pasidless_last,
    stop_marker_queued,
    disabled_auto_rf,
    linux_cons_keeps_overflow,
    ack_then_resume,
    cmd_pri_resp_codes,
    cmd_resp3_illegal,
    cmd_smmuen0_ignored,
    cmd_sync,
    cmd_opcodes,
    auto_order,
    gerror_irq,
    irq,
    id_registers,
    irq_lo1_overflow,
    write_gating,
    cr0ack_hold,
    stop_pasid_a,
    stop_pasid_b,
    overflow_mid_groups,
    response_failure_reset,
    bogus_response_uprgi,
    device_credit_overrun,
    grpid_hazard,
    soak,
);
