//! The VT-d side of the host-path classes (`crate::host_paths`): the PRQ thread's fault core,
//! responses as `page_grp_resp_dsc` (HOST-15, HOST-23), the HOST-25 drain, a PRQ of N−1 usable
//! entries.

use super::host::{drain_pasid, send_responses, VtdHostState};
use super::tests::VtdHost;
use crate::env::Env;
use crate::host_paths::HostPaths;
use crate::scenario::Scenario;
use models::host::{quota, FaultCore, HostResponse};
use models::vtd::regs;
use std::cell::RefCell;
use std::rc::Rc;

impl HostPaths for VtdHost {
    fn core(state: &mut VtdHostState) -> &mut FaultCore {
        &mut state.sw.core
    }
    async fn send(env: &Env, state: &Rc<RefCell<VtdHostState>>, responses: &[HostResponse]) {
        send_responses(env, state, responses).await;
    }
    async fn drain(env: &Env, state: &Rc<RefCell<VtdHostState>>, _sc: &Scenario, rid: u16, pasid: u32) {
        drain_pasid(env, state, rid, Some(pasid)).await;
    }
    async fn polled(env: &Env) {
        // Mask the page request event: the PRQ thread then wakes on its poll timer only.
        env.write_reg(regs::PECTL, u64::from(regs::ECTL_IM)).await;
    }
    fn capacity(sc: &Scenario) -> u64 {
        quota::prq_capacity(1 << sc.log2size)
    }
}
