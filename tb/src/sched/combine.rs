//! [`first`] and [`combine`]: cocotb `First` and `Combine`.
//!
//! Both take either a tuple of futures of any mix of types (trigger futures,
//! [`JoinHandle`](super::JoinHandle)s, `Complete`, `EventWait`, `async`
//! blocks...), stored inline (no allocation), or a `Vec` of boxed/`Unpin`
//! futures of one type.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A set of futures [`first`] can race. Implemented for tuples of 1 to 8
/// futures (output: index of the one that fired) and for `Vec<F>` with
/// `F: Future + Unpin`, e.g. `Vec<Pin<Box<dyn Future<Output = T>>>>`
/// (output: index and that future's value).
pub trait FirstSet {
    type Output;
    #[doc(hidden)]
    fn poll_first(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output>;
}

/// A set of futures [`combine`] can wait on. Implemented for tuples of 1 to 8
/// futures (output: tuple of their outputs) and for `Vec<F>` with
/// `F: Future + Unpin` (output: `Vec` of outputs, in order).
pub trait CombineSet {
    type Output;
    #[doc(hidden)]
    type State;
    #[doc(hidden)]
    fn start(self) -> Self::State;
    #[doc(hidden)]
    fn poll_all(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output>;
}

/// Future of [`first`].
#[must_use = "futures do nothing unless awaited"]
pub struct First<S> {
    set: Option<S>,
}

/// Future of [`combine`].
#[must_use = "futures do nothing unless awaited"]
pub struct Combine<S: CombineSet> {
    state: Option<S::State>,
}

/// cocotb `First`: resolves as soon as one of the futures does, with its
/// index (tuples) or its index and value (`Vec`). The others are dropped at
/// that moment, so they never wake the task later. When several are ready
/// in the same poll, the lowest index wins.
///
/// A timeout on an event:
/// ```
/// # use tb::sched::{first, Event, Scheduler};
/// # let mut sched = Scheduler::new(1000);
/// # let sim = sched.handle();
/// let done = Event::new();
/// let h = sched.start_soon({
///     let (sim, done) = (sim.clone(), done.clone());
///     async move {
///         match first((sim.clock_cycles(100), done.wait())).await {
///             0 => panic!("timed out"),
///             _ => sim.cycle(),
///         }
///     }
/// });
/// sched.start_soon(async move { sim.clock_cycles(7).await; done.set() });
/// while !h.is_finished() {
///     sched.falling_edge();
///     sched.set_time(sched.now_ps() + 1000);
///     sched.rising_edge();
///     sched.read_only();
/// }
/// ```
/// To keep a task's return value while racing it, race `handle.complete()`
/// and take the value from the handle afterwards.
pub fn first<S: FirstSet>(set: S) -> First<S> {
    First { set: Some(set) }
}

/// cocotb `Combine`: resolves when every future has, with all their outputs.
///
/// ```
/// # use tb::sched::{combine, Scheduler};
/// # let mut sched = Scheduler::new(1000);
/// # let sim = sched.handle();
/// let h = sched.start_soon({
///     let sim = sim.clone();
///     async move {
///         let a = sim.start_soon({ let sim = sim.clone(); async move { sim.clock_cycles(2).await; 'a' } });
///         let b = sim.start_soon({ let sim = sim.clone(); async move { sim.clock_cycles(5).await; 2u8 } });
///         let ((), x, y) = combine((sim.rising_edge(), a, b)).await;
///         (x, y, sim.cycle())
///     }
/// });
/// for _ in 0..5 { sched.falling_edge(); sched.rising_edge(); sched.read_only(); }
/// assert!(h.is_finished());
/// ```
pub fn combine<S: CombineSet>(set: S) -> Combine<S> {
    Combine { state: Some(set.start()) }
}

impl<S: FirstSet> Future for First<S> {
    type Output = S::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        // SAFETY: `set` is structurally pinned: never moved out, only dropped
        // in place through `Pin::set`.
        let mut slot = unsafe { self.map_unchecked_mut(|s| &mut s.set) };
        let set = slot.as_mut().as_pin_mut().expect("First polled after completion");
        match set.poll_first(cx) {
            Poll::Ready(o) => {
                slot.set(None); // deregister the losers now
                Poll::Ready(o)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: CombineSet> Future for Combine<S> {
    type Output = S::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        // SAFETY: as in `First`.
        let mut slot = unsafe { self.map_unchecked_mut(|s| &mut s.state) };
        let state = slot.as_mut().as_pin_mut().expect("Combine polled after completion");
        match S::poll_all(state, cx) {
            Poll::Ready(o) => {
                slot.set(None);
                Poll::Ready(o)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A future, then its output once it completed.
#[doc(hidden)]
pub enum MaybeDone<F: Future> {
    Pending(F),
    Done(F::Output),
    Gone,
}

impl<F: Future> MaybeDone<F> {
    /// Poll if still pending; true once done.
    fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: the inner future is never moved; replacing the enum drops it
        // in place.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Pending(f) => match unsafe { Pin::new_unchecked(f) }.poll(cx) {
                Poll::Ready(o) => {
                    *this = MaybeDone::Done(o);
                    true
                }
                Poll::Pending => false,
            },
            MaybeDone::Done(_) => true,
            MaybeDone::Gone => unreachable!("output already taken"),
        }
    }

    fn take(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only the `Done` variant (no pinned data) is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        match std::mem::replace(this, MaybeDone::Gone) {
            MaybeDone::Done(o) => o,
            _ => unreachable!("output not ready"),
        }
    }
}

macro_rules! tuple_sets {
    ($($F:ident $i:tt),+) => {
        impl<$($F: Future),+> FirstSet for ($($F,)+) {
            type Output = usize;
            fn poll_first(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
                // SAFETY: the fields are structurally pinned, never moved.
                let this = unsafe { self.get_unchecked_mut() };
                $(
                    if unsafe { Pin::new_unchecked(&mut this.$i) }.poll(cx).is_ready() {
                        return Poll::Ready($i);
                    }
                )+
                Poll::Pending
            }
        }

        impl<$($F: Future),+> CombineSet for ($($F,)+) {
            type Output = ($($F::Output,)+);
            type State = ($(MaybeDone<$F>,)+);
            fn start(self) -> Self::State {
                ($(MaybeDone::Pending(self.$i),)+)
            }
            fn poll_all(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                // SAFETY: the fields are structurally pinned, never moved.
                let this = unsafe { state.get_unchecked_mut() };
                let mut all = true;
                $( all &= unsafe { Pin::new_unchecked(&mut this.$i) }.poll_done(cx); )+
                if !all {
                    return Poll::Pending;
                }
                Poll::Ready(($( unsafe { Pin::new_unchecked(&mut this.$i) }.take(), )+))
            }
        }
    };
}

tuple_sets!(A 0);
tuple_sets!(A 0, B 1);
tuple_sets!(A 0, B 1, C 2);
tuple_sets!(A 0, B 1, C 2, D 3);
tuple_sets!(A 0, B 1, C 2, D 3, E 4);
tuple_sets!(A 0, B 1, C 2, D 3, E 4, G 5);
tuple_sets!(A 0, B 1, C 2, D 3, E 4, G 5, H 6);
tuple_sets!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7);

impl<F: Future + Unpin> FirstSet for Vec<F> {
    type Output = (usize, F::Output);
    fn poll_first(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for (i, f) in self.get_mut().iter_mut().enumerate() {
            if let Poll::Ready(v) = Pin::new(f).poll(cx) {
                return Poll::Ready((i, v));
            }
        }
        Poll::Pending
    }
}

impl<F: Future + Unpin> CombineSet for Vec<F> {
    type Output = Vec<F::Output>;
    type State = Vec<MaybeDone<F>>;
    fn start(self) -> Self::State {
        self.into_iter().map(MaybeDone::Pending).collect()
    }
    fn poll_all(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `F: Unpin`, outputs are never pinned, and the vector is
        // never resized while polled.
        let v = unsafe { state.get_unchecked_mut() };
        let mut all = true;
        for m in v.iter_mut() {
            all &= unsafe { Pin::new_unchecked(m) }.poll_done(cx);
        }
        if !all {
            return Poll::Pending;
        }
        Poll::Ready(v.iter_mut().map(|m| unsafe { Pin::new_unchecked(m) }.take()).collect())
    }
}
