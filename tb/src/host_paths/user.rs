//! The user-space fault handler on the iommufd fault FD (host-sw.md §3; seed "IOMMUFD: Deliver
//! IO page faults to user space", 2023): a thread that polls the FD, reads whole groups (HOST-12)
//! into a buffer of varying size, or through a batch of pre-posted reads as io_uring would
//! complete them, handles each group after a user-space latency and writes `{cookie, code}`
//! entries (HOST-13), in seeded order (HOST-7), a few at a time. Now and then a write carries a
//! bad entry, an unknown cookie or a code out of range, which must fail with -EINVAL and send
//! nothing while the entries before it stay done; the thread then writes the rest again. A cookie
//! the kernel auto-answered meanwhile (HOST-14) fails as unknown and is forgotten.
//!
//! The handler is seeded (SUCCESS or INVALID, the only codes user space may write) or the
//! on-demand paging handler (`models::host::paging`), which maps a page before it answers SUCCESS.
//! Every read, record, write entry and mapping is reported (`HostPathEvent`).

use super::events::HostPathEvent;
use super::{report, HostPaths};
use crate::env::Env;
use models::host::iommufd::{PageResponseEntry, PgFaultRecord, FLAG_PASID_VALID, RECORD_SIZE};
use models::host::paging::PagingHandler;
use models::host::{FaultRecord, GenericCode, Group, GroupId, Perm};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Records of the buffer a read falls back to when its posted buffers held no whole group
/// (larger than any group the classes make).
const LARGE_BUFFER: usize = 256;

/// A cookie no group ever gets in a run (cookies count up from 0).
pub const UNKNOWN_COOKIE: u32 = u32::MAX;

/// How the user thread behaves; drawn from the seed by the classes.
#[derive(Clone, Copy, Debug)]
pub struct UserPlan {
    /// Cycles between polls of an empty FD.
    pub poll_cycles: u64,
    /// User-space latency between a read and the writes answering it, in cycles.
    pub latency: (u64, u64),
    /// Largest read buffer, in records (a few odd bytes are added: the read returns a multiple of
    /// the record size all the same).
    pub max_buf_records: u32,
    /// Chance (of 255) that a round posts a batch of 2..=4 reads (the io_uring case).
    pub batch_odds: u8,
    /// Chance (of 255) that a write carries one bad entry.
    pub bad_odds: u8,
    /// Seeded handler: chance (of 255) of answering a group INVALID.
    pub invalid_odds: u8,
    /// Answer the groups of a round in seeded order rather than read order (HOST-7).
    pub reorder: bool,
}

/// Who decides each group's answer.
pub enum Handler {
    Seeded,
    Paging(PagingHandler),
}

/// What the user thread counts, for the classes' assertions.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserStats {
    pub reads: u64,
    pub batches: u64,
    pub groups_read: u64,
    pub answered: u64,
    pub bad_entries: u64,
    /// Entries of groups auto-answered before the thread wrote them (HOST-14).
    pub forgotten: u64,
}

/// The user process: its plan, handler and counters, shared with the class.
pub struct UserSide {
    pub plan: UserPlan,
    pub handler: Handler,
    pub stats: UserStats,
}

impl UserSide {
    pub fn new(plan: UserPlan, handler: Handler) -> Rc<RefCell<UserSide>> {
        Rc::new(RefCell::new(UserSide { plan, handler, stats: UserStats::default() }))
    }
}

/// A group as user space sees it: its cookie and records, in buffer order.
struct ReadGroup {
    cookie: u32,
    records: Vec<PgFaultRecord>,
}

impl ReadGroup {
    /// The group rebuilt from its records for the paging handler (the fault core's id is not
    /// visible to user space).
    fn group(&self) -> Group {
        let records = self
            .records
            .iter()
            .map(|r| FaultRecord {
                rid: r.dev_id as u16,
                pasid: (r.flags & FLAG_PASID_VALID != 0).then_some(r.pasid),
                grpid: r.grpid as u16,
                last: r.last(),
                perm: Perm { r: r.perm & 1 != 0, w: r.perm & 2 != 0, exe: r.perm & 4 != 0, priv_: r.perm & 8 != 0 },
                addr: r.addr,
            })
            .collect();
        Group { id: GroupId(0), rid: self.records[0].dev_id as u16, records }
    }
}

/// The thread. Runs until the test ends.
pub async fn fault_fd_thread<H: HostPaths>(env: Env, host: Rc<RefCell<H::State>>, user: Rc<RefCell<UserSide>>, mut rng: ChaCha8Rng) {
    let plan = user.borrow().plan;
    loop {
        // poll(): readable once a group is queued.
        while H::core(&mut host.borrow_mut()).fd().queued() == 0 {
            env.cycles(plan.poll_cycles).await;
        }
        let groups = read_round::<H>(&env, &host, &user, &plan, &mut rng);
        env.cycles(rng.gen_range(plan.latency.0..=plan.latency.1)).await;
        answer_round::<H>(&env, &host, &user, &plan, &mut rng, groups).await;
    }
}

/// One read, or a batch of pre-posted reads completed in turn while groups are queued (HOST-12).
fn read_round<H: HostPaths>(
    env: &Env,
    host: &Rc<RefCell<H::State>>,
    user: &Rc<RefCell<UserSide>>,
    plan: &UserPlan,
    rng: &mut ChaCha8Rng,
) -> Vec<ReadGroup> {
    let posted = if rng.gen_range(0u32..255) < plan.batch_odds as u32 { rng.gen_range(2..=4) } else { 1 };
    let mut groups: Vec<ReadGroup> = Vec::new();
    for k in 0..=posted {
        let queued = H::core(&mut host.borrow_mut()).fd().queued();
        if queued == 0 || (k == posted && !groups.is_empty()) {
            break;
        }
        // The last try, when the posted buffers were all too small for the first group, uses a
        // buffer for any group: a program that got nothing reads again with a bigger one.
        let records = if k == posted { LARGE_BUFFER } else { rng.gen_range(1..=plan.max_buf_records) as usize };
        let buf = records * RECORD_SIZE + rng.gen_range(0..RECORD_SIZE);
        let (r, left) = {
            let mut s = host.borrow_mut();
            let core = H::core(&mut s);
            let r = core.fd_read(buf);
            (r, core.fd().queued() as u32)
        };
        report(env, HostPathEvent::FdRead { buf: buf as u32, bytes: r.bytes() as u32, left, batch: posted > 1 && k < posted });
        for rec in &r.records {
            report(env, HostPathEvent::FdRecord { cookie: rec.cookie, rid: rec.dev_id as u16, grpid: rec.grpid as u16, last: rec.last() });
            match groups.last_mut() {
                Some(g) if g.cookie == rec.cookie && !g.records.last().is_some_and(|p| p.last()) => g.records.push(*rec),
                _ => groups.push(ReadGroup { cookie: rec.cookie, records: vec![*rec] }),
            }
        }
        let mut u = user.borrow_mut();
        u.stats.reads += 1;
        u.stats.batches += (posted > 1 && k == 0) as u64;
    }
    user.borrow_mut().stats.groups_read += groups.len() as u64;
    groups
}

/// Handle the groups of a round and write their answers a few entries at a time.
async fn answer_round<H: HostPaths>(
    env: &Env,
    host: &Rc<RefCell<H::State>>,
    user: &Rc<RefCell<UserSide>>,
    plan: &UserPlan,
    rng: &mut ChaCha8Rng,
    groups: Vec<ReadGroup>,
) {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    if plan.reorder {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.gen_range(0..=i));
        }
    }
    // Handle in answer order: the paging handler maps before its SUCCESS is written.
    let mut todo: VecDeque<(usize, PageResponseEntry)> = VecDeque::new();
    for &i in &order {
        let g = &groups[i];
        let code = {
            let mut u = user.borrow_mut();
            match &mut u.handler {
                Handler::Seeded => {
                    // PRI-6: a PASID page with Exe and no R is never answered SUCCESS.
                    if g.group().records.iter().any(FaultRecord::exe_without_read) || rng.gen_range(0u32..255) < plan.invalid_odds as u32 {
                        GenericCode::Invalid
                    } else {
                        GenericCode::Success
                    }
                }
                Handler::Paging(p) => {
                    let out = p.handle(&g.group());
                    let last = g.records.last().expect("a read group has records");
                    let pasid = (last.flags & FLAG_PASID_VALID != 0).then_some(last.pasid);
                    for page in out.mapped {
                        report(env, HostPathEvent::PageMapped { rid: last.dev_id as u16, pasid, page });
                    }
                    out.code
                }
            }
        };
        todo.push_back((i, PageResponseEntry { cookie: g.cookie, code: code.value() }));
    }
    let mut answered = vec![false; groups.len()];
    while !todo.is_empty() {
        let n = rng.gen_range(1..=3).min(todo.len());
        let mut batch: Vec<PageResponseEntry> = todo.iter().take(n).map(|t| t.1).collect();
        if rng.gen_range(0u32..255) < plan.bad_odds as u32 {
            let pos = rng.gen_range(0..=batch.len());
            let bad = if rng.gen_bool(0.5) {
                PageResponseEntry { cookie: UNKNOWN_COOKIE, code: 0 }
            } else {
                PageResponseEntry { cookie: batch[pos.min(batch.len() - 1)].cookie, code: rng.gen_range(2..=255) }
            };
            batch.insert(pos, bad);
            user.borrow_mut().stats.bad_entries += 1;
        }
        let (w, rs) = H::core(&mut host.borrow_mut()).fd_write(&batch);
        for e in &batch[..w.done] {
            report(env, HostPathEvent::FdWrite { cookie: e.cookie, code: e.code, accepted: true });
        }
        let failed = w.error.map(|err| batch[err.index()]);
        if let Some(e) = failed {
            report(env, HostPathEvent::FdWrite { cookie: e.cookie, code: e.code, accepted: false });
        }
        H::send(env, host, &rs).await;
        // Done entries leave; so does an entry of ours refused as unknown: auto-answered (HOST-14).
        let mut k = 0;
        while k < todo.len() {
            let (i, e) = todo[k];
            let done = batch[..w.done].contains(&e);
            let forgotten = failed == Some(e) && e.code <= 1;
            if done || forgotten {
                todo.remove(k);
                if done {
                    let last = groups[i].records.last().expect("a read group has records");
                    let reordered = (0..i).any(|j| !answered[j]);
                    answered[i] = true;
                    let code = GenericCode::from_user(e.code).expect("accepted codes are 0 or 1");
                    report(env, HostPathEvent::Answered { rid: last.dev_id as u16, grpid: last.grpid as u16, code, reordered });
                    user.borrow_mut().stats.answered += 1;
                } else {
                    answered[i] = true;
                    user.borrow_mut().stats.forgotten += 1;
                }
            } else {
                k += 1;
            }
        }
    }
}
