//! Seeded random stimulus for `vtd_prq` lockstep runs: one `VtdInputs` per cycle.
//!
//! Aimed at reaching every admission row and every descriptor path, not at being a polite host:
//! PQH moves that empty, fill or nearly fill the queue (read off the timed model, which is in
//! lockstep with the DUT), PRE entries enabled and disabled, IM toggles, W1C writes of every
//! status register, FRCD F clears, Stop Markers and LPIG=0/1 requests from enabled and disabled
//! RIDs, valid and invalid `page_grp_resp_dsc` / `inv_wait_dsc`, other types, and random
//! back-pressure on every ready/valid input.

use models::pcie::PageRequest;
use models::vtd::desc::{InvWaitDsc, PageGrpRespDsc, Words};
use models::vtd::regs;
use models::vtd::timing::{EngineState, Job, Unit, VtdInputs, VtdTiming};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// RIDs the messages come from; the set-up enables the first two (PRE[0], PRE[1]).
const RIDS: [u16; 4] = [0x0100, 0x0101, 0x0200, 0x0300];
const PQ_BASE: u64 = 0x0000_00AB_C000;

/// Register writes made once after reset, in order: (offset, data).
const SETUP: [(u32, u64); 9] = [
    (regs::PQA, PQ_BASE),
    (regs::PRE_BASE, regs::PRE_EN | 0x0100),
    (regs::PRE_BASE + 8, regs::PRE_EN | 0x0101),
    (regs::PRE_BASE + 16, 0x0300), // an entry with PRE=0 matches nothing
    (regs::PEADDR, 0xFEE0_0000),
    (regs::FEADDR, 0xFEE0_1000),
    (regs::IEADDR, 0xFEE0_2000),
    (regs::PECTL, 0),
    (regs::FECTL, 0),
];

/// Every register offset a read may use (plus out-of-window and unaligned ones).
const READ_ADDRS: [u32; 24] = [
    regs::CAP,
    regs::ECAP,
    regs::FSTS,
    regs::FECTL,
    regs::FEDATA,
    regs::FEADDR,
    regs::FEUADDR,
    regs::ICS,
    regs::IECTL,
    regs::IEDATA,
    regs::IEADDR,
    regs::IEUADDR,
    regs::PQH,
    regs::PQT,
    regs::PQA,
    regs::PRS,
    regs::PECTL,
    regs::PEDATA,
    regs::PEADDR,
    regs::PEUADDR,
    regs::PRE_BASE,
    regs::PRE_BASE + 0x18,
    0x0C4,
    0x7FC,
];

pub struct Stimulus {
    rng: ChaCha8Rng,
    setup_done: usize,
    /// Per-run odds of the ready/valid inputs, so some seeds stall hard and others barely.
    mem_odds: f64,
    rsp_odds: f64,
}

impl Stimulus {
    pub fn new(seed: u64) -> Stimulus {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mem_odds = rng.gen_range(0.3..0.95);
        let rsp_odds = rng.gen_range(0.3..0.95);
        Stimulus { rng, setup_done: 0, mem_odds, rsp_odds }
    }

    /// The inputs of the next cycle. `model` is the timed model in lockstep with the DUT.
    pub fn next(&mut self, model: &VtdTiming) -> VtdInputs {
        let mem = self.mem_odds;
        let mut i = VtdInputs {
            rsp_ready: self.rng.gen_bool(self.rsp_odds),
            mw_ready: self.rng.gen_bool(mem),
            mwack_valid: self.rng.gen_bool(mem),
            ..Default::default()
        };
        if self.rng.gen_bool(0.45) {
            i.pr_valid = true;
            i.pr = self.message();
        }
        if self.setup_done < SETUP.len() {
            let (addr, data) = SETUP[self.setup_done];
            self.setup_done += 1;
            set_write(&mut i, addr, data);
        } else if self.rng.gen_bool(0.12) {
            if self.rng.gen_bool(0.4) {
                i.reg_valid = true;
                i.reg_addr = self.read_addr(model);
            } else {
                let (addr, data) = self.reg_write(model);
                set_write(&mut i, addr, data);
            }
        }
        if self.rng.gen_bool(0.08) {
            i.iq_valid = true;
            i.iq_qw = self.descriptor();
        }
        i
    }

    fn message(&mut self) -> PageRequest {
        let r = &mut self.rng;
        let rid = RIDS[r.gen_range(0..RIDS.len())];
        let pv = r.gen_bool(0.6);
        let mut m = PageRequest {
            rid,
            pv,
            pasid: r.gen(),
            exe: r.gen(),
            priv_: r.gen(),
            r: r.gen(),
            w: r.gen(),
            l: r.gen_bool(0.5),
            prgi: r.gen(),
            page: r.gen(),
        };
        if r.gen_bool(0.1) {
            // Stop Marker (DEC-1): PV=1, L=1, R=W=0.
            m.pv = true;
            m.l = true;
            m.r = false;
            m.w = false;
        }
        m
    }

    fn read_addr(&mut self, model: &VtdTiming) -> u32 {
        let r = &mut self.rng;
        // While an event MSI awaits its ack, often read a register that pushes it (VTD-PRQ-20,
        // VTD-FLT-8): FE MSIs are rare, and a random read would seldom meet one in flight.
        if let (EngineState::WaitAck, Job::Msi(u)) = (model.engine(), model.job()) {
            if r.gen_bool(0.5) {
                let class: &[u32] = match u {
                    Unit::Pe => &[regs::PRS, regs::PQT, regs::PECTL],
                    Unit::Fe => &[regs::FSTS, regs::FECTL],
                    Unit::Ie => &[regs::ICS, regs::IECTL],
                };
                return class[r.gen_range(0..class.len())];
            }
        }
        match r.gen_range(0..4) {
            0 => regs::FRCD_BASE + 16 * r.gen_range(0..=model.params().nr) + 4 * r.gen_range(0..4),
            1 => regs::PRE_BASE + 8 * r.gen_range(0..=model.params().pre_entries as u32),
            _ => READ_ADDRS[r.gen_range(0..READ_ADDRS.len())],
        }
    }

    /// One register write, weighted towards the ones that steer the rows.
    fn reg_write(&mut self, model: &VtdTiming) -> (u32, u64) {
        let r = &mut self.rng;
        let garbage = |r: &mut ChaCha8Rng| if r.gen_bool(0.2) { r.gen::<u64>() & !regs::PQ_PTR_MASK } else { 0 };
        let ring = regs::PrqRing::from_pqa(model.pqa());
        match r.gen_range(0..20) {
            // PQH: empty, full, one slot free, or random (VTD-PRQ-2, -3).
            0..=1 => (regs::PQH, model.pqt() | garbage(r)),
            2 => (regs::PQH, ring.advance(model.pqt()) | garbage(r)),
            3 => (regs::PQH, ring.advance(ring.advance(model.pqt()))),
            4 => (regs::PQH, r.gen::<u64>()),
            5 => (regs::PQT, r.gen::<u64>() & 0xFFE0),
            6 => (regs::PQA, (PQ_BASE ^ (r.gen::<u64>() << 12)) | r.gen_range(0..2) | (r.gen::<u64>() & 0xFF8 & garbage(r))),
            7..=8 => (regs::PRS, r.gen_range(0..4)),
            9 => (regs::FSTS, r.gen::<u64>() & 0xFFFF),
            10 => (regs::ICS, r.gen_range(0..2)),
            11..=12 => {
                let ectl = [regs::PECTL, regs::FECTL, regs::IECTL][r.gen_range(0..3)];
                (ectl, u64::from(r.gen::<u32>()))
            }
            13 => {
                let group = [regs::PEDATA, regs::FEDATA, regs::IEDATA][r.gen_range(0..3)];
                (group + 4 * r.gen_range(0..3), r.gen::<u64>())
            }
            14..=15 => {
                let i = r.gen_range(0..=model.params().nr);
                let off = [0x0, 0x4, 0x8, 0xC, 0x2][r.gen_range(0..5)];
                let f = if r.gen_bool(0.7) { 1 << 63 | 1 << 31 } else { 0 };
                (regs::FRCD_BASE + 16 * i + off, f | (r.gen::<u64>() & !(1 << 63 | 1 << 31)))
            }
            16..=17 => {
                let i = r.gen_range(0..=model.params().pre_entries as u32);
                let en = if r.gen_bool(0.6) { regs::PRE_EN } else { 0 };
                (regs::PRE_BASE + 8 * i, en | u64::from(RIDS[r.gen_range(0..RIDS.len())]) | (r.gen::<u64>() << 17))
            }
            18 => (r.gen_range(0..0x1000), r.gen::<u64>()),
            _ => (regs::CAP, r.gen::<u64>()),
        }
    }

    fn descriptor(&mut self) -> Words {
        let r = &mut self.rng;
        let mut w = match r.gen_range(0..10) {
            0..=3 => PageGrpRespDsc {
                pp: r.gen(),
                rc: r.gen_range(0..16),
                rid: RIDS[r.gen_range(0..RIDS.len())],
                pasid: r.gen(),
                lpig: r.gen(),
                prgi: r.gen(),
            }
            .encode(),
            4..=6 => {
                InvWaitDsc { if_: r.gen(), sw: r.gen(), fn_: r.gen(), pd: r.gen(), status_data: r.gen(), status_addr: r.gen::<u64>() & !3 }
                    .encode()
            }
            7 => [r.gen_range(1..9) | r.gen::<u64>() & !0xE0F, r.gen(), r.gen(), r.gen()],
            _ => [r.gen::<u64>(), 0, 0, 0],
        };
        if r.gen_bool(0.15) {
            // One random bit flipped: mostly a reserved bit of the 0x05 / 0x09 formats (IQE).
            let b = r.gen_range(0..256);
            w[b / 64] ^= 1 << (b % 64);
        }
        w
    }
}

fn set_write(i: &mut VtdInputs, addr: u32, data: u64) {
    i.reg_valid = true;
    i.reg_write = true;
    i.reg_addr = addr;
    i.reg_wdata = data;
}
