//! The SMMUv3 side of the host-path classes (`crate::host_paths`): the PRIQ thread's fault core,
//! responses as CMD_PRI_RESP (HOST-15, HOST-18), the HOST-19 drain, a PRIQ of 2^n entries.

use super::env::Smmuv3Sequences;
use super::host::Smmuv3HostState;
use super::pri_scenarios::drain_priq;
use super::tests::Smmuv3Host;
use crate::env::Env;
use crate::host_paths::HostPaths;
use crate::scenario::Scenario;
use models::host::{quota, FaultCore, HostResponse};
use std::cell::RefCell;
use std::rc::Rc;

impl HostPaths for Smmuv3Host {
    fn core(state: &mut Smmuv3HostState) -> &mut FaultCore {
        &mut state.sw.as_mut().expect("the PRIQ thread started").core
    }
    async fn send(env: &Env, _state: &Rc<RefCell<Smmuv3HostState>>, responses: &[HostResponse]) {
        for r in responses {
            let [dw0, dw1] = r.smmu().command().encode();
            env.command(dw0, dw1).await;
        }
    }
    async fn drain(env: &Env, _state: &Rc<RefCell<Smmuv3HostState>>, sc: &Scenario, rid: u16, pasid: u32) {
        drain_priq(env, sc.log2size, rid, pasid).await;
    }
    async fn polled(_env: &Env) {
        // The PRIQ thread runs on its poll timer already: the host enables no PRIQ interrupt.
    }
    fn capacity(sc: &Scenario) -> u64 {
        quota::priq_capacity(sc.log2size)
    }
}
