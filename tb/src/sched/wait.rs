//! Storage for suspended waiters: a slab of slots threaded into intrusive
//! doubly linked lists (one per trigger kind), plus deadline heaps.
//!
//! Every structure here keeps its capacity: after warm-up, registering,
//! firing and cancelling waiters never allocates.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// "No slot" marker for the intrusive links.
const NIL: u32 = u32::MAX;

/// Handle to one registration: slot index plus the slot's generation, so a
/// key that outlived its registration never matches a reused slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    idx: u32,
    gen: u32,
}

enum State<W> {
    Free,
    Waiting(W),
    Fired,
}

struct Slot<W> {
    gen: u32,
    /// `< L`: the list it is linked into; `>= L`: detached (held by a heap).
    place: u8,
    prev: u32,
    next: u32,
    state: State<W>,
}

#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
    len: u32,
}

impl List {
    const EMPTY: List = List { head: NIL, tail: NIL, len: 0 };
}

/// Slab of waiter slots with `L` FIFO lists. A slot is `Waiting` from
/// registration until it is fired (the trigger happened) or released (the
/// waiting future was dropped or has observed the firing).
pub(crate) struct Slots<W, const L: usize> {
    slots: Vec<Slot<W>>,
    free: u32,
    lists: [List; L],
    waiting: usize,
}

impl<W, const L: usize> Default for Slots<W, L> {
    fn default() -> Self {
        Slots { slots: Vec::new(), free: NIL, lists: [List::EMPTY; L], waiting: 0 }
    }
}

impl<W, const L: usize> Slots<W, L> {
    /// Number of registrations not yet fired.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    #[inline]
    pub(crate) fn list_len(&self, list: usize) -> u32 {
        self.lists[list].len
    }

    /// Register a waiter. `place < L` appends it to that list; any other
    /// value leaves it detached (the caller keeps the key in a heap).
    #[inline]
    pub(crate) fn push(&mut self, place: u8, w: W) -> Key {
        let idx = if self.free != NIL {
            let i = self.free;
            self.free = self.slots[i as usize].next;
            i
        } else {
            assert!(self.slots.len() < NIL as usize, "too many waiters");
            self.slots.push(Slot { gen: 0, place: 0, prev: NIL, next: NIL, state: State::Free });
            (self.slots.len() - 1) as u32
        };
        let gen = {
            let s = &mut self.slots[idx as usize];
            s.place = place;
            s.prev = NIL;
            s.next = NIL;
            s.state = State::Waiting(w);
            s.gen
        };
        self.waiting += 1;
        if (place as usize) < L {
            let tail = self.lists[place as usize].tail;
            self.slots[idx as usize].prev = tail;
            if tail == NIL {
                self.lists[place as usize].head = idx;
            } else {
                self.slots[tail as usize].next = idx;
            }
            let l = &mut self.lists[place as usize];
            l.tail = idx;
            l.len += 1;
        }
        Key { idx, gen }
    }

    fn slot(&self, key: Key) -> Option<&Slot<W>> {
        self.slots.get(key.idx as usize).filter(|s| s.gen == key.gen)
    }

    /// Still registered and not fired?
    pub(crate) fn is_waiting(&self, key: Key) -> bool {
        matches!(self.slot(key), Some(Slot { state: State::Waiting(_), .. }))
    }

    /// Fire every waiter of `list` in registration order, appending them to `out`.
    #[inline]
    pub(crate) fn fire_list(&mut self, list: usize, out: &mut Vec<W>) {
        let mut i = self.lists[list].head;
        self.lists[list] = List::EMPTY;
        while i != NIL {
            let s = &mut self.slots[i as usize];
            let next = s.next;
            s.prev = NIL;
            s.next = NIL;
            if let State::Waiting(w) = std::mem::replace(&mut s.state, State::Fired) {
                self.waiting -= 1;
                out.push(w);
            }
            i = next;
        }
    }

    /// Fire one detached registration; `None` if the key is stale.
    pub(crate) fn fire_key(&mut self, key: Key) -> Option<W> {
        let s = self.slots.get_mut(key.idx as usize).filter(|s| s.gen == key.gen)?;
        match std::mem::replace(&mut s.state, State::Fired) {
            State::Waiting(w) => {
                self.waiting -= 1;
                Some(w)
            }
            other => {
                s.state = other;
                None
            }
        }
    }

    /// Called from a waiting future's `poll`: `true` once the registration
    /// fired (the slot is then released). While still waiting, `refresh` may
    /// replace the stored waiter (the future may be polled with a new waker).
    #[inline]
    pub(crate) fn check(&mut self, key: Key, refresh: impl FnOnce(&mut W)) -> bool {
        let Some(s) = self.slots.get_mut(key.idx as usize).filter(|s| s.gen == key.gen) else {
            return true;
        };
        match &mut s.state {
            State::Waiting(w) => {
                refresh(w);
                false
            }
            _ => {
                self.free_slot(key.idx);
                true
            }
        }
    }

    /// Called when a waiting future is dropped. Unlinks it from its list.
    /// Returns `Some(place)` if it was still waiting on a detached place (a
    /// heap), so the heap can account for the now stale entry.
    #[inline]
    pub(crate) fn release(&mut self, key: Key) -> Option<u8> {
        let s = self.slots.get_mut(key.idx as usize).filter(|s| s.gen == key.gen)?;
        let was_waiting = matches!(s.state, State::Waiting(_));
        let (place, prev, next) = (s.place, s.prev, s.next);
        let mut detached = None;
        if was_waiting {
            self.waiting -= 1;
            if (place as usize) < L {
                let l = place as usize;
                if prev == NIL {
                    self.lists[l].head = next;
                } else {
                    self.slots[prev as usize].next = next;
                }
                if next == NIL {
                    self.lists[l].tail = prev;
                } else {
                    self.slots[next as usize].prev = prev;
                }
                self.lists[l].len -= 1;
            } else {
                detached = Some(place);
            }
        }
        self.free_slot(key.idx);
        detached
    }

    #[inline]
    fn free_slot(&mut self, idx: u32) {
        let s = &mut self.slots[idx as usize];
        // Dropping the old waiter (a Waker) here cannot re-enter: waker drops
        // only adjust reference counts.
        s.state = State::Free;
        s.gen = s.gen.wrapping_add(1);
        s.prev = NIL;
        s.next = self.free;
        self.free = idx;
    }
}

/// A deadline (cycle number or time in ps) with a FIFO tiebreak.
#[derive(Clone, Copy)]
pub(crate) struct Deadline {
    at: u64,
    seq: u64,
    key: Key,
}

impl PartialEq for Deadline {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Deadline {}
impl PartialOrd for Deadline {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Deadline {
    // Reversed: BinaryHeap is a max-heap, we want the earliest on top.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// Min-heap of deadlines with lazy deletion of cancelled entries.
#[derive(Default)]
pub(crate) struct DeadlineHeap {
    heap: BinaryHeap<Deadline>,
    stale: usize,
    seq: u64,
}

impl DeadlineHeap {
    pub(crate) fn push(&mut self, at: u64, key: Key) {
        self.seq += 1;
        self.heap.push(Deadline { at, seq: self.seq, key });
    }

    /// Earliest deadline, possibly of a cancelled entry (`u64::MAX` if none).
    #[inline]
    pub(crate) fn next_at(&self) -> u64 {
        self.heap.peek().map_or(u64::MAX, |d| d.at)
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.len() == self.stale
    }

    /// Pop every entry due at `now`, firing live ones into `out`.
    pub(crate) fn fire_due<W, const L: usize>(&mut self, now: u64, slots: &mut Slots<W, L>, out: &mut Vec<W>) {
        while let Some(d) = self.heap.peek() {
            if d.at > now {
                break;
            }
            let key = d.key;
            self.heap.pop();
            match slots.fire_key(key) {
                Some(w) => out.push(w),
                None => self.stale -= 1,
            }
        }
    }

    /// An entry's registration was released while waiting. Compact once
    /// stale entries dominate (amortised O(1), no allocation).
    pub(crate) fn note_stale<W, const L: usize>(&mut self, slots: &Slots<W, L>) {
        self.stale += 1;
        if self.stale > 64 && self.stale * 2 > self.heap.len() {
            self.heap.retain(|d| slots.is_waiting(d.key));
            self.stale = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sched_slots_list_fifo_release_and_reuse() {
        let mut s: Slots<u32, 2> = Slots::default();
        let a = s.push(0, 1);
        let b = s.push(0, 2);
        let c = s.push(0, 3);
        let d = s.push(1, 4);
        assert_eq!(s.release(b), None);
        assert_eq!(s.list_len(0), 2);
        let mut out = Vec::new();
        s.fire_list(0, &mut out);
        assert_eq!(out, vec![1, 3]);
        assert_eq!(s.waiting(), 1);
        assert!(s.check(a, |_| {}));
        assert!(!s.check(d, |_| {}));
        // c fired but not yet observed; releasing it just frees it.
        assert_eq!(s.release(c), None);
        // Reused slot has a new generation: old keys are stale.
        let e = s.push(5, 9);
        assert!(!s.is_waiting(a) && !s.is_waiting(c));
        assert!(s.is_waiting(e));
        assert_eq!(s.release(e), Some(5));
    }

    #[test]
    fn sched_deadline_heap_orders_and_skips_stale() {
        let mut s: Slots<u32, 0> = Slots::default();
        let mut h = DeadlineHeap::default();
        let k1 = s.push(7, 1);
        h.push(10, k1);
        let k2 = s.push(7, 2);
        h.push(5, k2);
        let k3 = s.push(7, 3);
        h.push(5, k3);
        s.release(k3);
        h.note_stale(&s);
        let mut out = Vec::new();
        h.fire_due(4, &mut s, &mut out);
        assert!(out.is_empty());
        h.fire_due(9, &mut s, &mut out);
        assert_eq!(out, vec![2]);
        h.fire_due(10, &mut s, &mut out);
        assert_eq!(out, vec![2, 1]);
        assert!(h.is_empty());
        assert_eq!(h.next_at(), u64::MAX);
    }
}
