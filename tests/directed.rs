//! Every directed test of both flavors on the embedded RTL: strict lockstep with the timed model, the
//! protocol checkers and the test's own rule assertions must all pass.

mod common;

macro_rules! directed {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { common::expect_pass(stringify!($name), 1); } )*

        /// The list above is the registry: a new directed test must get its #[test] here.
        #[test]
        fn every_directed_test_is_listed() {
            let listed = [$(stringify!($name)),*];
            for flavor in tb::flavors::ALL {
                for t in flavor.tests().iter().filter(|t| !t.random) {
                    assert!(listed.contains(&t.name), "directed test {} has no #[test] in tests/directed.rs", t.name);
                }
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
    cmd_sync_held_egress,
    cmd_opcodes,
    auto_order,
    gerror_irq,
    irq,
    id_registers,
    irq_lo1_overflow,
    write_gating,
    register_negative_space,
    irq_sources_alone,
    queue_base_bits,
    cmd_noop_bits,
    cr0ack_hold,
    stop_pasid_a,
    stop_pasid_b,
    overflow_mid_groups,
    response_failure_reset,
    bogus_response_uprgi,
    device_credit_overrun,
    grpid_hazard,
    soak,
    evtq_soak,
    evtq_host_stalls,
    iommufd_detach,
    fuzz,
    // SMMUv3 event queue
    evtq_basic_write,
    evtq_overflow_no_inhibit,
    evtq_stall_held_when_full,
    evtq_resume,
    evtq_stall_term,
    evtq_stall_max,
    evtq_disable_mid_traffic,
    evtq_register_gating,
    evtq_write_error,
    evtq_sync,
    evtq_with_priq,
    // VT-d
    vtd_basic_write,
    vtd_exactly_full,
    vtd_wrap,
    vtd_pro_sticky,
    vtd_auto_success_full_and_pro,
    vtd_nothing_for_lpig0,
    vtd_stop_marker_on_full,
    vtd_pre_disabled_fault,
    vtd_fault_overflow,
    vtd_event_gating,
    vtd_fault_event,
    vtd_wait_interrupt,
    vtd_read_pushes_event_msis,
    vtd_reserved_code_forwarding,
    vtd_iqe_reserved_bits,
    vtd_pd_wait_drains,
    vtd_wait_fences,
    vtd_response_order,
    vtd_row_by_class,
    vtd_queue_sizes,
    vtd_host_thread_protocol,
    vtd_host_clears_pro_when_empty,
    vtd_drain_waits_for_thread,
    vtd_id_registers,
    vtd_register_negative_space,
    vtd_w1c_zero_writes,
    vtd_event_sources_alone,
    vtd_queue_base_bits,
    vtd_noop_descriptor_bits,
    vtd_fault_record_bits,
    vtd_drain_after_overflow,
    vtd_soak,
    vtd_iommufd_detach,
    vtd_fuzz,
    vtd_device_credit_overrun,
    vtd_grpid_hazard,
    vtd_bogus_response_uprgi,
);
