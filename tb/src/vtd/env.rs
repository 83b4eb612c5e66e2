//! VT-d register and descriptor sequences on the shared test environment (`crate::env::Env`):
//! programming the PRQ and the event units, the page-request-enable table (DEC-5), the fault
//! recording registers, and
//! descriptors on the invalidation-queue port, including the synchronous wait Linux uses
//! after every submission (`qi_submit_sync`: an `inv_wait_dsc` with SW=1, then poll memory).

use crate::env::{Env, QueueConfig};
use models::host::vtd::{sync_wait, StatusWrite};
use models::pcie::PrgResponse;
use models::vtd::desc::{PageGrpRespDsc, Words};
use models::vtd::regs::{self, FaultRecord};

/// Interrupt message addresses and data the sequences program (PE, FE, IE units).
pub const PE_MSI: (u64, u32) = (0xFEE0_1000, 0x41);
pub const FE_MSI: (u64, u32) = (0xFEE0_2000, 0x42);
pub const IE_MSI: (u64, u32) = (0xFEE0_3000, 0x43);
/// Status Address region of the waits, away from the PRQ: wait k writes k to slot
/// k mod `STATUS_SLOTS`. Status data never repeats within 2^32 waits, so a slot's old value is
/// never taken for a new completion.
pub const STATUS_BASE: u64 = 0x9000_0000;
const STATUS_SLOTS: u64 = 512;
/// Cycles a status write may take once its wait was taken: the wait completes after the
/// responses before it were committed (VTD-IQ-7) and, with PD=1, the requests before it written
/// (VTD-IQ-10); no passing run of the regression took more than about 300. Linux spins until it
/// comes or IQE is reported; a bench that never writes it has lost a descriptor or its wait
/// (VTD-IQ-7, VTD-IQ-8).
pub const STATUS_PATIENCE: u64 = 10_000;

/// The VT-d register and descriptor sequences a test or host thread runs on the shared [`Env`].
#[allow(async_fn_in_trait)] // single-threaded executor: the futures need not be Send
pub trait VtdSequences {
    /// Program the PRQ: PQA (base, PQS), PQH = PQT = 0, and the three event units' MSI address
    /// and data. `log2size` = PQS + 7 (N = 2^log2size entries, VTD-PRQ-1). Interrupts stay
    /// masked (IM=1, their reset value) until `unmask` is called.
    async fn enable_prq(&self, base: u64, log2size: u32);
    /// Clear IM of an event unit's control register (PECTL, FECTL or IECTL).
    async fn unmask(&self, ectl: u32);
    /// Enable page requests of `rid` in PRE table entry `i` (DEC-5, OP-20).
    async fn pre_enable(&self, i: u32, rid: u16);
    /// Fault recording register `i` as software reads it: the qwords at +0 and +8 of
    /// CAP.FRO x 16 + 16i (VTD-FLT-2).
    async fn fault_record(&self, i: u32) -> FaultRecord;
    /// Clear fault record `i`: write 1 to its F bit [127] (VTD-FLT-5).
    async fn clear_fault_record(&self, i: u32);
    /// Submit one descriptor and wait until the port took it.
    async fn descriptor(&self, qw: Words);
    /// Answer a page request group with a `page_grp_resp_dsc` (HOST-23: bit 66 set like Linux).
    async fn page_grp_resp(&self, rsp: &PrgResponse);
    /// `qi_submit_sync`: submit `descs`, then the driver's `inv_wait_dsc` (SW=1, and PD=1 for a
    /// `drain`; `models::host::vtd::sync_wait`), and poll its status word until the status write
    /// landed (HOST-23). Returns the cycle the status was seen.
    async fn sync_submit(&self, descs: &[Words], drain: bool) -> u64;
    /// A synchronous wait alone (`sync_submit` of no descriptor).
    async fn sync_wait(&self, drain: bool) -> u64;
}

impl VtdSequences for Env {
    async fn enable_prq(&self, base: u64, log2size: u32) {
        assert!((7..=14).contains(&log2size), "PRQ log2size {log2size} is outside 7..=14 (PQS 0..=7)");
        *self.queue.borrow_mut() = QueueConfig { base, log2size };
        self.write_reg(regs::PQA, base | (log2size - 7) as u64).await;
        self.write_reg(regs::PQH, 0).await;
        self.write_reg(regs::PQT, 0).await;
        for ((addr, data), (eaddr, euaddr, edata)) in [PE_MSI, FE_MSI, IE_MSI].into_iter().zip([
            (regs::PEADDR, regs::PEUADDR, regs::PEDATA),
            (regs::FEADDR, regs::FEUADDR, regs::FEDATA),
            (regs::IEADDR, regs::IEUADDR, regs::IEDATA),
        ]) {
            self.write_reg(eaddr, addr & 0xFFFF_FFFF).await;
            self.write_reg(euaddr, addr >> 32).await;
            self.write_reg(edata, data as u64).await;
        }
    }
    async fn unmask(&self, ectl: u32) {
        self.write_reg(ectl, 0).await;
    }
    async fn pre_enable(&self, i: u32, rid: u16) {
        self.write_reg(regs::pre_offset(i), rid as u64 | regs::PRE_EN).await;
    }
    async fn fault_record(&self, i: u32) -> FaultRecord {
        let off = regs::frcd_offset(self.read_reg(regs::CAP).await, i);
        let lo = self.read_reg(off).await;
        let hi = self.read_reg(off + 8).await;
        FaultRecord::decode([lo, hi])
    }
    async fn clear_fault_record(&self, i: u32) {
        let off = regs::frcd_offset(self.read_reg(regs::CAP).await, i);
        self.write_reg(off + 8, 1 << 63).await;
    }
    async fn descriptor(&self, qw: Words) {
        // iq_ready is 0 while IQE is set, a wait is active or the software-response FIFO is full
        // behind the egress (rtl/README.md); otherwise descriptors are taken in order.
        self.submit(qw, "VTD-IQ-1").await
    }
    async fn page_grp_resp(&self, rsp: &PrgResponse) {
        let d = PageGrpRespDsc { pp: rsp.pv, rc: rsp.code.bits(), rid: rsp.rid, pasid: rsp.pasid, lpig: true, prgi: rsp.prgi };
        self.descriptor(d.encode()).await
    }
    async fn sync_submit(&self, descs: &[Words], drain: bool) -> u64 {
        let ticket = self.next_ticket();
        let status = StatusWrite { addr: STATUS_BASE + 8 * (u64::from(ticket) % STATUS_SLOTS), data: ticket };
        for d in descs {
            self.descriptor(*d).await;
        }
        self.descriptor(sync_wait(status, drain)).await;
        let deadline = self.sim.cycle() + STATUS_PATIENCE;
        while self.mem_read_u32(status.addr) != status.data {
            expired!(
                crate::judge::waits::COMPLETION,
                self.sim.cycle() < deadline,
                "VTD-IQ-8",
                "the status write of {:#x} to {:#x} never came in {STATUS_PATIENCE} cycles",
                status.data,
                status.addr
            );
            self.sim.rising_edge().await;
        }
        self.sim.cycle()
    }
    async fn sync_wait(&self, drain: bool) -> u64 {
        self.sync_submit(&[], drain).await
    }
}
