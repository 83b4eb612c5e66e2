//! Rule IDs of `../shared/spec/`, shared by checkers, coverage, tests and messages.
//!
//! One constant per rule (`PRI-n`, `SMMU-PRIQ-n`, `SMMU-EVTQ-n`, `SMMU-CMD-n`, `VTD-PRQ-n`, `VTD-IQ-n`,
//! `VTD-FLT-n`, `HOST-n`), product decision (`DEC-n`) and open point (`OP-n`). `ALL` lists rules and
//! decisions with a one-line summary (the spec text wins); `OPEN_POINTS` lists the open points. A test
//! keeps both in sync with the spec files.

use serde::Serialize;
use std::fmt;

/// A rule or decision ID such as `SMMU-PRIQ-7`, `PRI-16` or `DEC-2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleId(pub &'static str);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl RuleId {
    /// The rule, decision or open point spelled `id` (`"PRI-7"`), if the spec has it.
    pub fn parse(id: &str) -> Option<RuleId> {
        ALL.iter().chain(OPEN_POINTS).map(|(r, _)| *r).find(|r| r.0 == id)
    }

    /// The one-line summary of a rule or decision from `ALL`, or of an open point.
    pub fn summary(self) -> Option<&'static str> {
        ALL.iter().chain(OPEN_POINTS).find(|(id, _)| *id == self).map(|(_, s)| *s)
    }
}

// PCIe PRI (pcie-pri.md)
pub const PRI_1: RuleId = RuleId("PRI-1");
pub const PRI_2: RuleId = RuleId("PRI-2");
pub const PRI_3: RuleId = RuleId("PRI-3");
pub const PRI_4: RuleId = RuleId("PRI-4");
pub const PRI_5: RuleId = RuleId("PRI-5");
pub const PRI_6: RuleId = RuleId("PRI-6");
pub const PRI_7: RuleId = RuleId("PRI-7");
pub const PRI_8: RuleId = RuleId("PRI-8");
pub const PRI_9: RuleId = RuleId("PRI-9");
pub const PRI_10: RuleId = RuleId("PRI-10");
pub const PRI_11: RuleId = RuleId("PRI-11");
pub const PRI_12: RuleId = RuleId("PRI-12");
pub const PRI_13: RuleId = RuleId("PRI-13");
pub const PRI_14: RuleId = RuleId("PRI-14");
pub const PRI_15: RuleId = RuleId("PRI-15");
pub const PRI_16: RuleId = RuleId("PRI-16");
pub const PRI_17: RuleId = RuleId("PRI-17");
pub const PRI_18: RuleId = RuleId("PRI-18");
pub const PRI_19: RuleId = RuleId("PRI-19");
pub const PRI_20: RuleId = RuleId("PRI-20");
pub const PRI_21: RuleId = RuleId("PRI-21");
pub const PRI_22: RuleId = RuleId("PRI-22");
pub const PRI_23: RuleId = RuleId("PRI-23");
pub const PRI_24: RuleId = RuleId("PRI-24");
pub const PRI_25: RuleId = RuleId("PRI-25");
pub const PRI_26: RuleId = RuleId("PRI-26");
pub const PRI_27: RuleId = RuleId("PRI-27");
pub const PRI_28: RuleId = RuleId("PRI-28");
pub const PRI_29: RuleId = RuleId("PRI-29");
pub const PRI_30: RuleId = RuleId("PRI-30");
pub const PRI_31: RuleId = RuleId("PRI-31");
pub const PRI_32: RuleId = RuleId("PRI-32");

// SMMUv3 PRI queue (smmuv3.md)
pub const SMMU_PRIQ_1: RuleId = RuleId("SMMU-PRIQ-1");
pub const SMMU_PRIQ_2: RuleId = RuleId("SMMU-PRIQ-2");
pub const SMMU_PRIQ_3: RuleId = RuleId("SMMU-PRIQ-3");
pub const SMMU_PRIQ_4: RuleId = RuleId("SMMU-PRIQ-4");
pub const SMMU_PRIQ_5: RuleId = RuleId("SMMU-PRIQ-5");
pub const SMMU_PRIQ_6: RuleId = RuleId("SMMU-PRIQ-6");
pub const SMMU_PRIQ_7: RuleId = RuleId("SMMU-PRIQ-7");
pub const SMMU_PRIQ_8: RuleId = RuleId("SMMU-PRIQ-8");
pub const SMMU_PRIQ_9: RuleId = RuleId("SMMU-PRIQ-9");
pub const SMMU_PRIQ_10: RuleId = RuleId("SMMU-PRIQ-10");
pub const SMMU_PRIQ_11: RuleId = RuleId("SMMU-PRIQ-11");
pub const SMMU_PRIQ_12: RuleId = RuleId("SMMU-PRIQ-12");
pub const SMMU_PRIQ_13: RuleId = RuleId("SMMU-PRIQ-13");
pub const SMMU_PRIQ_14: RuleId = RuleId("SMMU-PRIQ-14");
pub const SMMU_PRIQ_15: RuleId = RuleId("SMMU-PRIQ-15");
pub const SMMU_PRIQ_16: RuleId = RuleId("SMMU-PRIQ-16");

// SMMUv3 event queue (smmuv3.md)
pub const SMMU_EVTQ_1: RuleId = RuleId("SMMU-EVTQ-1");
pub const SMMU_EVTQ_2: RuleId = RuleId("SMMU-EVTQ-2");
pub const SMMU_EVTQ_3: RuleId = RuleId("SMMU-EVTQ-3");
pub const SMMU_EVTQ_4: RuleId = RuleId("SMMU-EVTQ-4");
pub const SMMU_EVTQ_5: RuleId = RuleId("SMMU-EVTQ-5");
pub const SMMU_EVTQ_6: RuleId = RuleId("SMMU-EVTQ-6");
pub const SMMU_EVTQ_7: RuleId = RuleId("SMMU-EVTQ-7");
pub const SMMU_EVTQ_8: RuleId = RuleId("SMMU-EVTQ-8");
pub const SMMU_EVTQ_9: RuleId = RuleId("SMMU-EVTQ-9");
pub const SMMU_EVTQ_10: RuleId = RuleId("SMMU-EVTQ-10");
pub const SMMU_EVTQ_11: RuleId = RuleId("SMMU-EVTQ-11");

// SMMUv3 commands (smmuv3.md)
pub const SMMU_CMD_1: RuleId = RuleId("SMMU-CMD-1");
pub const SMMU_CMD_2: RuleId = RuleId("SMMU-CMD-2");
pub const SMMU_CMD_3: RuleId = RuleId("SMMU-CMD-3");
pub const SMMU_CMD_4: RuleId = RuleId("SMMU-CMD-4");
pub const SMMU_CMD_5: RuleId = RuleId("SMMU-CMD-5");
pub const SMMU_CMD_6: RuleId = RuleId("SMMU-CMD-6");
pub const SMMU_CMD_7: RuleId = RuleId("SMMU-CMD-7");
pub const SMMU_CMD_8: RuleId = RuleId("SMMU-CMD-8");
pub const SMMU_CMD_9: RuleId = RuleId("SMMU-CMD-9");
pub const SMMU_CMD_10: RuleId = RuleId("SMMU-CMD-10");
pub const SMMU_CMD_11: RuleId = RuleId("SMMU-CMD-11");

// VT-d page request queue (vtd.md)
pub const VTD_PRQ_1: RuleId = RuleId("VTD-PRQ-1");
pub const VTD_PRQ_2: RuleId = RuleId("VTD-PRQ-2");
pub const VTD_PRQ_3: RuleId = RuleId("VTD-PRQ-3");
pub const VTD_PRQ_4: RuleId = RuleId("VTD-PRQ-4");
pub const VTD_PRQ_5: RuleId = RuleId("VTD-PRQ-5");
pub const VTD_PRQ_6: RuleId = RuleId("VTD-PRQ-6");
pub const VTD_PRQ_7: RuleId = RuleId("VTD-PRQ-7");
pub const VTD_PRQ_8: RuleId = RuleId("VTD-PRQ-8");
pub const VTD_PRQ_9: RuleId = RuleId("VTD-PRQ-9");
pub const VTD_PRQ_10: RuleId = RuleId("VTD-PRQ-10");
pub const VTD_PRQ_11: RuleId = RuleId("VTD-PRQ-11");
pub const VTD_PRQ_12: RuleId = RuleId("VTD-PRQ-12");
pub const VTD_PRQ_13: RuleId = RuleId("VTD-PRQ-13");
pub const VTD_PRQ_14: RuleId = RuleId("VTD-PRQ-14");
pub const VTD_PRQ_15: RuleId = RuleId("VTD-PRQ-15");
pub const VTD_PRQ_16: RuleId = RuleId("VTD-PRQ-16");
pub const VTD_PRQ_17: RuleId = RuleId("VTD-PRQ-17");
pub const VTD_PRQ_18: RuleId = RuleId("VTD-PRQ-18");
pub const VTD_PRQ_19: RuleId = RuleId("VTD-PRQ-19");
pub const VTD_PRQ_20: RuleId = RuleId("VTD-PRQ-20");

// VT-d invalidation queue (vtd.md)
pub const VTD_IQ_1: RuleId = RuleId("VTD-IQ-1");
pub const VTD_IQ_2: RuleId = RuleId("VTD-IQ-2");
pub const VTD_IQ_3: RuleId = RuleId("VTD-IQ-3");
pub const VTD_IQ_4: RuleId = RuleId("VTD-IQ-4");
pub const VTD_IQ_5: RuleId = RuleId("VTD-IQ-5");
pub const VTD_IQ_6: RuleId = RuleId("VTD-IQ-6");
pub const VTD_IQ_7: RuleId = RuleId("VTD-IQ-7");
pub const VTD_IQ_8: RuleId = RuleId("VTD-IQ-8");
pub const VTD_IQ_9: RuleId = RuleId("VTD-IQ-9");
pub const VTD_IQ_10: RuleId = RuleId("VTD-IQ-10");
pub const VTD_IQ_11: RuleId = RuleId("VTD-IQ-11");

// VT-d fault recording (vtd.md)
pub const VTD_FLT_1: RuleId = RuleId("VTD-FLT-1");
pub const VTD_FLT_2: RuleId = RuleId("VTD-FLT-2");
pub const VTD_FLT_3: RuleId = RuleId("VTD-FLT-3");
pub const VTD_FLT_4: RuleId = RuleId("VTD-FLT-4");
pub const VTD_FLT_5: RuleId = RuleId("VTD-FLT-5");
pub const VTD_FLT_6: RuleId = RuleId("VTD-FLT-6");
pub const VTD_FLT_7: RuleId = RuleId("VTD-FLT-7");
pub const VTD_FLT_8: RuleId = RuleId("VTD-FLT-8");

// Host software (host-sw.md)
pub const HOST_1: RuleId = RuleId("HOST-1");
pub const HOST_2: RuleId = RuleId("HOST-2");
pub const HOST_3: RuleId = RuleId("HOST-3");
pub const HOST_4: RuleId = RuleId("HOST-4");
pub const HOST_5: RuleId = RuleId("HOST-5");
pub const HOST_6: RuleId = RuleId("HOST-6");
pub const HOST_7: RuleId = RuleId("HOST-7");
pub const HOST_8: RuleId = RuleId("HOST-8");
pub const HOST_9: RuleId = RuleId("HOST-9");
pub const HOST_10: RuleId = RuleId("HOST-10");
pub const HOST_11: RuleId = RuleId("HOST-11");
pub const HOST_12: RuleId = RuleId("HOST-12");
pub const HOST_13: RuleId = RuleId("HOST-13");
pub const HOST_14: RuleId = RuleId("HOST-14");
pub const HOST_15: RuleId = RuleId("HOST-15");
pub const HOST_16: RuleId = RuleId("HOST-16");
pub const HOST_17: RuleId = RuleId("HOST-17");
pub const HOST_18: RuleId = RuleId("HOST-18");
pub const HOST_19: RuleId = RuleId("HOST-19");
pub const HOST_20: RuleId = RuleId("HOST-20");
pub const HOST_21: RuleId = RuleId("HOST-21");
pub const HOST_22: RuleId = RuleId("HOST-22");
pub const HOST_23: RuleId = RuleId("HOST-23");
pub const HOST_24: RuleId = RuleId("HOST-24");
pub const HOST_25: RuleId = RuleId("HOST-25");
pub const HOST_26: RuleId = RuleId("HOST-26");
pub const HOST_27: RuleId = RuleId("HOST-27");
pub const HOST_28: RuleId = RuleId("HOST-28");
pub const HOST_29: RuleId = RuleId("HOST-29");
pub const HOST_30: RuleId = RuleId("HOST-30");
pub const HOST_31: RuleId = RuleId("HOST-31");
pub const HOST_32: RuleId = RuleId("HOST-32");

// Product decisions (README.md §4)
pub const DEC_1: RuleId = RuleId("DEC-1");
pub const DEC_2: RuleId = RuleId("DEC-2");
pub const DEC_3: RuleId = RuleId("DEC-3");
pub const DEC_4: RuleId = RuleId("DEC-4");
pub const DEC_5: RuleId = RuleId("DEC-5");
pub const DEC_6: RuleId = RuleId("DEC-6");
pub const DEC_7: RuleId = RuleId("DEC-7");
pub const DEC_8: RuleId = RuleId("DEC-8");
pub const DEC_9: RuleId = RuleId("DEC-9");
pub const DEC_10: RuleId = RuleId("DEC-10");
pub const DEC_11: RuleId = RuleId("DEC-11");
pub const DEC_12: RuleId = RuleId("DEC-12");
pub const DEC_13: RuleId = RuleId("DEC-13");

// Open points (README.md §5): cited by rules and by rtl/README.md; not rules themselves
pub const OP_1: RuleId = RuleId("OP-1");
pub const OP_2: RuleId = RuleId("OP-2");
pub const OP_3: RuleId = RuleId("OP-3");
pub const OP_4: RuleId = RuleId("OP-4");
pub const OP_5: RuleId = RuleId("OP-5");
pub const OP_6: RuleId = RuleId("OP-6");
pub const OP_7: RuleId = RuleId("OP-7");
pub const OP_8: RuleId = RuleId("OP-8");
pub const OP_9: RuleId = RuleId("OP-9");
pub const OP_10: RuleId = RuleId("OP-10");
pub const OP_11: RuleId = RuleId("OP-11");
pub const OP_12: RuleId = RuleId("OP-12");
pub const OP_13: RuleId = RuleId("OP-13");
pub const OP_14: RuleId = RuleId("OP-14");
pub const OP_15: RuleId = RuleId("OP-15");
pub const OP_16: RuleId = RuleId("OP-16");
pub const OP_17: RuleId = RuleId("OP-17");
pub const OP_18: RuleId = RuleId("OP-18");
pub const OP_19: RuleId = RuleId("OP-19");
pub const OP_20: RuleId = RuleId("OP-20");
pub const OP_21: RuleId = RuleId("OP-21");

/// Every rule and decision ID with a one-line summary, in spec order.
pub const ALL: &[(RuleId, &str)] = &[
    (PRI_1, "[SYS] Every page-request message at a testbench interface carries exactly the fields of §2; a message..."),
    (PRI_2, "[SYS] A message is a Stop Marker iff PV=1, L=1, R=0 and W=0 (DEC-1)"),
    (PRI_3, "[SYS] A message with PV=0, L=1, R=0, W=0 is the last page request of its PRG: it closes PRG (RID, PRGI)..."),
    (PRI_4, "[HW] An IOMMU classifies a message only from PV, L, R and W (table §3); Exe, Priv, PRGI and Address..."),
    (PRI_5, "[DEV] A page request with PV=1 and Exe=1 has R=1"),
    (PRI_6, "[SW] Host software never answers Success to a PRG containing a request with PV=1, Exe=1, R=0; it answers..."),
    (PRI_7, "[DEV] All requests of a PRG come from one RID, share one PRGI, and have the same PV and (when PV=1) the..."),
    (PRI_8, "[DEV] Default PRGI mode (DEC-11): a function never has two outstanding PRGs with the same PRGI, whatever..."),
    (PRI_9, "[DEV] Mode prgi_shared_across_pasids (DEC-11): two outstanding PRGs of a function may share a PRGI only..."),
    (PRI_10, "[DEV] A PRGI becomes free when the response for its PRG arrives (stale PRGs included, automatic responses..."),
    (PRI_11, "[DEV] Each page request consumes one credit and a Stop Marker none; the requests belonging to outstanding..."),
    (PRI_12, "[DEV] A PRG response returns the credits of all requests of its PRG, for stale PRGs and for PRGs answered..."),
    (PRI_13, "[SYS] A PRG response carries destination RID, PRGI, a 4-bit Response Code, PV and (when PV=1) a PASID..."),
    (PRI_14, "[SYS] A response carries a PASID iff the destination function's PRPR=1 and the request that closed the..."),
    (PRI_15, "[SYS] A scenario in which a function with PRPR=0 issues PV=1 requests is invalid: the scenario loader..."),
    (PRI_16, "[SYS] Except Response Failure, a response naming (RID, PRGI[, PASID]) is sent only after the IOMMU..."),
    (PRI_17, "[SYS] No component sends a PRG response caused by a Stop Marker, and a Stop Marker never occupies a PRGI"),
    (PRI_18, "[DEV] A Success or Invalid Request response that matches an outstanding PRG whose L=1 was sent closes..."),
    (PRI_19, "[DEV] A response with code 0xF or any reserved code 0x2–0xE (DEC-8) sets Status.RF whatever its PRGI or..."),
    (PRI_20, "[DEV] A Success or Invalid Request response that matches no outstanding PRG whose L=1 was sent (rule..."),
    (PRI_21, "[DEV] Enable 0→1 clears RF, UPRGI and Stopped and latches Allocation; later Allocation writes take effect..."),
    (PRI_22, "[DEV] While Enable=0 the function sends no page request and no Stop Marker"),
    (PRI_23, "[SW] Host software writes Allocation only while Enable=0, writes a value ≤ Capacity, and sets Enable..."),
    (PRI_24, "[DEV] On a stop request for (function, PASID P), the function starts no new PRG for P and sends the..."),
    (PRI_25, "[DEV] Variant A: after PRI-24 the function signals stop-complete only once every outstanding PRG of P has..."),
    (PRI_26, "[DEV] Variant B: after PRI-24 every outstanding PRG of P becomes stale; the function sends exactly one..."),
    (PRI_27, "[DEV] A Stop Marker for P is sent only when no PRG of (function, P) is open"),
    (PRI_28, "[SYS] Messages of one function reach the IOMMU ingress in the order the function sent them; in particular..."),
    (PRI_29, "[SYS] The function model signals stop-complete for P only after every message of P that it sent has been..."),
    (PRI_30, "[DEV] After stop-complete for P, the function sends requests with PASID P only after the host re-binds P..."),
    (PRI_31, "[HW] An IOMMU never makes the L=1 entry of a PRG visible in its queue before an earlier member of that..."),
    (PRI_32, "[DEV] The function accepts the responses to its outstanding PRGs in any order and never assumes that..."),
    (SMMU_PRIQ_1, "[HW] The PRIQ has 2^n entries of 16 bytes, n = min(PRIQ_BASE.LOG2SIZE, IDR1.PRIQS); entry k is written..."),
    (SMMU_PRIQ_2, "[HW] PROD and CONS are decoded as in §3; empty and full are computed from index and wrap only; bits..."),
    (SMMU_PRIQ_3, "[HW] Each row-d message writes exactly one entry at index PROD.WR, encoded per §4 with RES0 bits 0..."),
    (SMMU_PRIQ_4, "[HW] Entry fields copy the message: StreamID = RID, SSV = PV, SubstreamID/Priv/Exe = PASID/Priv/Exe when..."),
    (SMMU_PRIQ_5, "[HW] Row a (DEC-2): while CR0ACK.SMMUEN=0, CR0ACK.PRIQEN=0 or PRIQ_ABT_ERR is active, no entry is..."),
    (SMMU_PRIQ_6, "[HW] Row b: while an overflow is active, every message is discarded, OVFLG is unchanged, each L=1..."),
    (SMMU_PRIQ_7, "[HW] Row c: a message that finds the queue full (row a and b not matching) is discarded, OVFLG toggles..."),
    (SMMU_PRIQ_8, "[HW] Inhibition: while OVFLG ≠ OVACKFLG no PRIQ entry is written, whatever CONS says"),
    (SMMU_PRIQ_9, "[HW] A CONS write sets RD and wrap to the written values and OVACKFLG to the written bit 31 (a value..."),
    (SMMU_PRIQ_10, "[HW] An automatic response goes to the message's RID with the message's PRGIndex and the code and PASID..."),
    (SMMU_PRIQ_11, "[HW] A Stop Marker is written like any entry in row d (SSV=1, L=1, R=W=0, fields as received) and never..."),
    (SMMU_PRIQ_12, "[HW] Every ingress message is decided exactly once under exactly one row; automatic responses are..."),
    (SMMU_PRIQ_13, "[HW] Interrupt with IRQ_CTRLACK.PRIQ_IRQEN=1: if PRIQ_IRQ_CFG2.LO=0, a trigger is an entry written into..."),
    (SMMU_PRIQ_14, "[HW] PRIQ_BASE and PRIQ_PROD accept software writes only while CR0.PRIQEN=0 and CR0ACK.PRIQEN=0..."),
    (SMMU_PRIQ_15, "[HW] CR0ACK shows a CR0 change after the latency given in rtl/README.md (OP-9); admission follows..."),
    (SMMU_PRIQ_16, "[HW] If the memory port reports an error for an entry write (OP-5), PRIQ_ABT_ERR is activated (if..."),
    (SMMU_EVTQ_1, "[HW] The EVTQ has 2^n entries of 32 bytes, n = min(EVENTQ_BASE.LOG2SIZE, IDR1.EVENTQS), pointers as in..."),
    (SMMU_EVTQ_2, "[HW] Records are encoded per §6 with RES0 bits 0; a record whose ID is not 0x10–0x13 has Stall=0 and..."),
    (SMMU_EVTQ_3, "[HW] A non-stall record is written if the queue is writable (§6) when it is decided; otherwise it is..."),
    (SMMU_EVTQ_4, "[HW] A non-stall record discarded because the queue was full, with CR0ACK.EVENTQEN=1 and EVENTQ_ABT_ERR..."),
    (SMMU_EVTQ_5, "[HW] An active EVTQ overflow never inhibits: a record decided while OVFLG ≠ OVACKFLG and the queue..."),
    (SMMU_EVTQ_6, "[HW] A stall record (Stall=1) is never discarded for lack of room, never toggles OVFLG and is never..."),
    (SMMU_EVTQ_7, "[HW] Each input record produces at most one entry (no merging, OP-4), and entries appear in input order..."),
    (SMMU_EVTQ_8, "[HW] A STAG is outstanding from the acceptance of its stall record until a CMD_RESUME with the same..."),
    (SMMU_EVTQ_9, "[HW] Interrupt with IRQ_CTRLACK.EVENTQ_IRQEN=1: a trigger is an entry written into an empty EVTQ; pulses..."),
    (SMMU_EVTQ_10, "[HW] CR0ACK.EVENTQEN becomes 0 only when every record whose memory write was issued has been..."),
    (SMMU_EVTQ_11, "[HW] If the memory port reports an error for an entry write (OP-5), EVENTQ_ABT_ERR is activated (if..."),
    (SMMU_CMD_1, "[HW] Commands are consumed strictly in port order; supported opcodes are 0x41, 0x44, 0x45 and 0x46..."),
    (SMMU_CMD_2, "[HW] An ILLEGAL command has no effect and sends nothing; it activates GERROR.CMDQ_ERR (if inactive) with..."),
    (SMMU_CMD_3, "[HW] CMD_PRI_RESP with Resp 0b00/0b01/0b10 sends one PRG response with code 0xF/0x1/0x0 to RID =..."),
    (SMMU_CMD_4, "[HW] CMD_PRI_RESP with Resp = 0b11 is ILLEGAL (SMMU-CMD-2) and sends no response (DEC-4)"),
    (SMMU_CMD_5, "[HW] CMD_PRI_RESP consumed while CR0ACK.SMMUEN=0 is ignored: no response, no error"),
    (SMMU_CMD_6, "[HW] Responses from CMD_PRI_RESP are committed to the response egress in command order; their..."),
    (SMMU_CMD_7, "[HW] CMD_RESUME resolves only the outstanding stall matching both StreamID and STAG: Ac=1 → retry; Ac=0..."),
    (SMMU_CMD_8, "[HW] CMD_STALL_TERM resolves every outstanding stall of its StreamID as abort and frees their STAGs..."),
    (SMMU_CMD_9, "[HW] CMD_SYNC with CS=0b11 is ILLEGAL. Otherwise it completes only after every earlier command has..."),
    (SMMU_CMD_10, "[HW] Commands after a CMD_SYNC are not started before it completes, and CMD_SYNCs complete in order"),
    (SMMU_CMD_11, "[HW] Each activation of a GERROR bit (CMDQ_ERR, EVENTQ_ABT_ERR, PRIQ_ABT_ERR) is a trigger of the GERROR..."),
    (VTD_PRQ_1, "[HW] The PRQ has N = 2^(PQS+7) entries of 32 bytes starting at PQA[63:12]·4096; the entry at byte offset..."),
    (VTD_PRQ_2, "[HW] PQH and PQT hold byte offsets in bits [18:5]; all other bits read 0 and ignore writes; offsets wrap..."),
    (VTD_PRQ_3, "[HW] Empty ⇔ PQH = PQT; full ⇔ (PQT + 32) mod 32N = PQH; the PRQ never holds more than N−1 valid entries"),
    (VTD_PRQ_4, "[HW] A written descriptor is encoded per §3: Type 0x01, PP = PV, PDP = 0, RID, PASID/EXR/PMR copied when..."),
    (VTD_PRQ_5, "[HW] Row a (DEC-5): a message whose RID has PRE=0 is checked before PRO and fullness; it writes nothing..."),
    (VTD_PRQ_6, "[HW] Row b: while PRO=1 every message is discarded with no change to the PRQ, PQT, PPR, PRO or PECTL.IP..."),
    (VTD_PRQ_7, "[HW] Row c: a message that finds the PRQ full with PRO=0 sets PRO, is discarded without a fault, raises..."),
    (VTD_PRQ_8, "[HW] Row d, in this order: the 32-byte descriptor write is issued at base + PQT; PQT advances by 32 (mod..."),
    (VTD_PRQ_9, "[HW] PRO is sticky: once set, no descriptor is written until software clears PRO, whatever PQH shows"),
    (VTD_PRQ_10, "[HW] A Stop Marker decided in row d is written like any descriptor (PP=1, LPIG=1, RDR=WRR=0) and never..."),
    (VTD_PRQ_11, "[HW] Every written descriptor sets PPR, whatever its LPIG; LPIG=0 requests and Stop Markers are queued..."),
    (VTD_PRQ_12, "[HW] PRS_REG: writing 1 to PPR or PRO clears it, writing 0 has no effect, bits [31:2] read 0"),
    (VTD_PRQ_13, "[HW] Page request event: setting PPR (row d) or PRO (row c) when both were 0 just before sets PECTL.IP..."),
    (VTD_PRQ_14, "[HW] Clearing PECTL.IM while IP=1 sends the MSI and clears IP. When software clears PPR and PRO so that..."),
    (VTD_PRQ_15, "[HW] PECTL resets to IM=1, IP=0; IP is read-only; bits [29:0] are preserved as written"),
    (VTD_PRQ_16, "[HW] The page request event MSI is never issued before every descriptor write issued before it has been..."),
    (VTD_PRQ_17, "[HW] An automatic response goes to the request's RID with its PRGI, code per row, PASID presence = PP..."),
    (VTD_PRQ_18, "[HW] Hardware does not check PRG consistency (mixed PASIDs, duplicate PRGIs, Exe without R, privileged..."),
    (VTD_PRQ_19, "[HW] The PRE table is written through the register interface defined in rtl/README.md (OP-20); a table..."),
    (VTD_PRQ_20, "[HW] A read of PRS_REG, PQT_REG or PECTL_REG is answered only after every page request event MSI already..."),
    (VTD_IQ_1, "[HW] Descriptors are 256 bits and are processed in port order; the type is {bits 11:9, bits 3:0}; types..."),
    (VTD_IQ_2, "[HW] An invalid descriptor (unknown type per OP-10, any reserved bit set, PD=1 while ECAP.PDS=0) sets..."),
    (VTD_IQ_3, "[HW] A valid page_grp_resp_dsc sends one PRG response: RID = [31:16], PRGI = [75:67], code = RC [15:12]..."),
    (VTD_IQ_4, "[HW] A page_grp_resp_dsc with any of bits 8:5 (bit 5 = former PDP, DEC-9), 63:52, 65:64, 127:76 or..."),
    (VTD_IQ_5, "[HW] Responses from descriptors are committed to the response egress in descriptor order; their..."),
    (VTD_IQ_6, "[HW] An inv_wait_dsc with a reserved bit set (8, 31:12, 65:64, 255:128) is invalid (VTD-IQ-2)"),
    (VTD_IQ_7, "[HW] A wait completes only after every earlier descriptor has completed; a page_grp_resp_dsc is complete..."),
    (VTD_IQ_8, "[HW] On completion, SW=1 issues one 32-bit write of Status Data to Status Address; IF=1 sets ICS.IWC..."),
    (VTD_IQ_9, "[HW] With FN=1 no later descriptor starts before the wait completes"),
    (VTD_IQ_10, "[HW] With PD=1 (DEC-10) the wait completes, and its status write is issued and its IWC set, only after..."),
    (VTD_IQ_11, "[SYS] Drain: if the host issues a FN=1 wait and then a PD=1, SW=1 wait after the device model signalled..."),
    (VTD_FLT_1, "[HW] FSTS: PFO and IQE are RW1CS; PPF is read-only and equals the OR of all FRCD F bits at every cycle..."),
    (VTD_FLT_2, "[HW] There are NR = CAP.NFR+1 records at CAP.FRO·16; fields as in §6; the F bit becomes visible no..."),
    (VTD_FLT_3, "[HW] A DEC-5 fault records FR=0x47, SID=RID, T1=0, T2 per OP-14, AT=0, PP=PV, PV=PASID, EXE=Exe and..."),
    (VTD_FLT_4, "[HW] If PFO=1 the fault is dropped with no state change; else if F[idx]=1, PFO is set and the fault..."),
    (VTD_FLT_5, "[HW] Software clears a record by writing 1 to its F bit and PFO by writing 1 to it; recording then..."),
    (VTD_FLT_6, "[HW] Fault event: PPF becoming 1 or IQE becoming 1 sets FECTL.IP only if none of PPF, PFO, IQE, ICE, ITE..."),
    (VTD_FLT_7, "[HW] A DEC-5 failure of an LPIG=1 request produces both the fault record and the Invalid Request..."),
    (VTD_FLT_8, "[HW] A read of FSTS_REG or FECTL_REG is answered only after every fault event MSI already issued on the..."),
    (HOST_1, "[SW] The driver turns each queue entry it does not drop into a fault record {RID, PASID valid and value..."),
    (HOST_2, "[SW] A record with last=0 joins its device's partial list and produces no response"),
    (HOST_3, "[SW] A record with last=1 joins the device's pending list and forms a group with every partial of the..."),
    (HOST_4, "[SYS] (hazard) A group built by HOST-3 that mixes PASID presence or PASID values is reported as HOST-4"),
    (HOST_5, "[SW] Kernel consumer: pages of a group are handled in order; the first failing page ends the group with..."),
    (HOST_6, "[SW] A response is emitted only if a pending last record matches it by grpid, and by PASID too when that..."),
    (HOST_7, "[SW] Groups finish in a seeded order that may differ from arrival order; each group is answered once"),
    (HOST_8, "[SW] When the driver detects a hardware-queue overflow (SMMUv3: PROD.OVFLG changed; VT-d: PRO set and..."),
    (HOST_9, "[SW] Device removal: the device's partials are freed and every pending last record is answered INVALID..."),
    (HOST_10, "[SW] Before a PASID is freed the driver drains its hardware queue (HOST-19 or HOST-25) and the core then..."),
    (HOST_11, "[SYS] At quiescence every last record that reached the core has been answered exactly once (handler..."),
    (HOST_12, "[SW] A read returns whole groups only: one record per request, the last request last, all records of a..."),
    (HOST_13, "[SW] Cookies are unique among unanswered groups"),
    (HOST_14, "[SW] On detach, domain replace or destruction of the fault object, every group queued or read but not..."),
    (HOST_15, "[SW] Generic codes SUCCESS=0, INVALID=1, FAILURE=2 become SMMUv3 CMD_PRI_RESP Resp 0b10, 0b01, 0b00 and..."),
    (HOST_16, "[SW] Queue consumption (PRIQ and EVTQ): while CONS ≠ the cached PROD, read the entry at CONS and write..."),
    (HOST_17, "[SW] smmu_driver=mainline: every L=1 entry, Stop Markers and PASID-less requests included, is answered..."),
    (HOST_18, "[SW] smmu_driver=iopf: Stop Markers (per stop_marker_test) are dropped; other entries go to the core..."),
    (HOST_19, "[SW] PRIQ flush: read PROD once; consume until CONS has passed that PROD value or the queue is empty; if..."),
    (HOST_20, "[SW] EVTQ: non-stall events are only logged"),
    (HOST_21, "[SW] Stall quota: with stall_quota=Q, a stall event whose StreamID already has Q unanswered stall groups..."),
    (HOST_22, "[SW] PRQ thread, in order: (1) write PRS with PPR=1; (2) read PQT, then PQH; (3) for each entry from PQH..."),
    (HOST_23, "[SW] A VT-d response is one page_grp_resp_dsc (PP=1 and PASID iff the request had a PASID; RID; PRGI..."),
    (HOST_24, "[SYS] (hazard) With stop_marker_test=lrw_only (Linux VT-d since the Jensen patch, and the Brucker SMMUv3..."),
    (HOST_25, "[SW] Drain of (RID, P), after the function stopped P: (1) until no entry between PQH and PQT matches..."),
    (HOST_26, "[SW] PASIDs are allocated from 1 to the configured maximum (at most 2^20−1); 0 is never allocated"),
    (HOST_27, "[SW] Releasing P: (1) ask the function to stop P (variant A or B per scenario) and wait for..."),
    (HOST_28, "[SYS] P is never reallocated, and no request of a new incarnation of P is handled with state of the old..."),
    (HOST_29, "[SW] The host enables PRI with Allocation = min(Capacity, requested) per function (PRI-23)"),
    (HOST_30, "[SW] With provisioned=true the host frees a request's queue slot (CONS or PQH write) before sending the..."),
    (HOST_31, "[SYS] With provisioned=true, functions obeying PRI-11 and a host obeying HOST-29 and HOST-30, the queue..."),
    (HOST_32, "[SW] The kernel-to-user fault queue of a function is sized to its Allocation (in groups); when a..."),
    (DEC_1, "A Stop Marker is L=1, R=W=0 with a PASID. Without a PASID the same bits are an ordinary page..."),
    (DEC_2, "SMMUv3 with PRIQEN=0 or SMMUEN=0: nothing is written; an L=1 page request gets an automatic..."),
    (DEC_3, "SMMUv3 overflow automatic response: Success, carrying the PASID iff the request carried one..."),
    (DEC_4, "SMMUv3 CMD_PRI_RESP with Resp=0b11 is ILLEGAL: rejected with CERROR_ILL (GERROR.CMDQ_ERR), and no..."),
    (DEC_5, "VT-d: the remapping check (is page request enabled for this RID: a PRE bit per RID in a small..."),
    (DEC_6, "VT-d Stop Markers are written to the PRQ like any descriptor when there is room"),
    (DEC_7, "VT-d automatic responses for LPIG=1 requests on PRO=1 or a full PRQ: Success, with PP and PASID..."),
    (DEC_8, "VT-d page_grp_resp_dsc: hardware forwards the 4-bit response code verbatim and does not interpret..."),
    (DEC_9, "VT-d semantics of Rev"),
    (DEC_10, "VT-d inv_wait_dsc with PD=1 completes (status write, IWC) only after every page request accepted at..."),
    (DEC_11, "PRG index namespace: per function (RID)"),
    (DEC_12, "All automatic and software-originated PRG responses leave through one response egress"),
    (DEC_13, "A PRG response carries a PASID iff the function's \"PRG Response PASID Required\" (PRPR) bit is set..."),
];

/// Open points with their question, in spec order.
pub const OPEN_POINTS: &[(RuleId, &str)] = &[
    (OP_1, "SMMUv3 stall record while the EVTQ is full: hold and later write the original record, or retry the..."),
    (OP_2, "SMMUv3 stall record while EVENTQEN=0 or EVENTQ_ABT_ERR is active: hold it, or terminate the..."),
    (OP_3, "STAG assignment (by the SMMU block or supplied on the event input) and behaviour when..."),
    (OP_4, "EVTQ record merging (optional in §7.3)"),
    (OP_5, "Can the memory agent return a write error? If so: the SMMUv3 synchronous-abort model (SMMU-PRIQ-16..."),
    (OP_6, "SMMUv3 opcodes other than 0x41/0x44/0x45/0x46, and non-zero RES0 bits in supported commands"),
    (OP_7, "How interrupts and CMD_SYNC completion are signalled: wired pulses, completion outputs, or MSI..."),
    (OP_8, "SMMUv3 PROD/CONS registers: Page 1 only, or also aliased at Page 0 offsets"),
    (OP_9, "CR0→CR0ACK latency and the treatment of messages decided while an enable changes"),
    (OP_10, "VT-d descriptor types other than 0x05 and 0x09"),
    (OP_11, "VT-d misprogramming: PQH/PQT beyond 32·N, PQA/PQS changed or PQT written while requests arrive"),
    (OP_12, "VT-d optional fault compression; number of fault records (CAP.NFR) and CAP.FRO"),
    (OP_13, "VT-d order of the fault record (F visible) and the Invalid Request auto-response for a DEC-5 failure"),
    (OP_14, "VT-d FRCD.T2 value for page-request faults: confirm against the Rev"),
    (OP_15, "Decision point and back-pressure: where admission is decided, whether the ingress stalls when the..."),
    (OP_16, "Interleaving of automatic and software responses at the egress (DEC-12)"),
    (OP_17, "Interrupt pulses: one per trigger or coalesced (SMMU-PRIQ-13, SMMU-EVTQ-9)"),
    (OP_18, "Reset values of registers left UNKNOWN by the architectures (SMMUv3 BASE/PROD/CONS/IRQ_CFG*, CR2..."),
    (OP_19, "Address widths: SMMU_IDR5.OAS and the stored width of BASE.ADDR, IPA and FetchAddr (spec [55:x]..."),
    (OP_20, "VT-d PRE table: number of entries and register window (VTD-PRQ-19)"),
    (OP_21, "ID register values: IDR1.PRIQS/EVENTQS/CMDQS, IDR5.STALL_MAX, IDR0.TERM_MODEL and MSI"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec");

    /// `FAMILY-n` with FAMILY made of upper-case words joined by `-` (bold prose is not an ID).
    fn is_rule_id(s: &str) -> bool {
        let Some((family, n)) = s.rsplit_once('-') else {
            return false;
        };
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && family.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_uppercase()))
    }

    /// `- **ID** ...` rule bullets and `| DEC-n |` / `| OP-n |` table rows of one spec file.
    fn ids_in(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let (mut rules, mut open) = (BTreeSet::new(), BTreeSet::new());
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("- **") {
                if let Some(id) = rest.split("**").next().filter(|id| is_rule_id(id)) {
                    rules.insert(id.to_string());
                }
            } else if let Some(rest) = line.strip_prefix("| ") {
                let id = rest.split(" |").next().unwrap_or("");
                let numbered = |p: &str| id.strip_prefix(p).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if numbered("DEC-") {
                    rules.insert(id.to_string());
                } else if numbered("OP-") {
                    open.insert(id.to_string());
                }
            }
        }
        (rules, open)
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let all: Vec<_> = ALL.iter().chain(OPEN_POINTS).map(|(id, _)| id.0).collect();
        let set: BTreeSet<_> = all.iter().collect();
        assert_eq!(set.len(), all.len(), "duplicate rule ID");
        for (id, summary) in ALL.iter().chain(OPEN_POINTS) {
            assert!(!summary.is_empty(), "{id} has no summary");
        }
        assert_eq!(SMMU_PRIQ_7.summary().map(|s| s.contains("Row c")), Some(true));
    }

    #[test]
    fn all_matches_spec() {
        let dir = std::path::Path::new(SPEC_DIR);
        // The spec sits beside the checkout (../shared/spec): without it this test cannot say the
        // rule list is complete, so it fails rather than pass unchecked.
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read the specification at {SPEC_DIR}: {e}"));
        let (mut spec_rules, mut spec_open) = (BTreeSet::new(), BTreeSet::new());
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "md") {
                let (r, o) = ids_in(&std::fs::read_to_string(&p).unwrap());
                spec_rules.extend(r);
                spec_open.extend(o);
            }
        }
        let ours: BTreeSet<String> = ALL.iter().map(|(id, _)| id.0.to_string()).collect();
        let ours_open: BTreeSet<String> = OPEN_POINTS.iter().map(|(id, _)| id.0.to_string()).collect();
        assert!(spec_rules.len() > 100, "spec parse found only {} rules", spec_rules.len());
        assert_eq!(spec_rules.difference(&ours).collect::<Vec<_>>(), Vec::<&String>::new(), "in the spec, missing from ALL");
        assert_eq!(ours.difference(&spec_rules).collect::<Vec<_>>(), Vec::<&String>::new(), "in ALL, not in the spec");
        assert_eq!(spec_open, ours_open, "open points differ from README.md §5");
    }
}
