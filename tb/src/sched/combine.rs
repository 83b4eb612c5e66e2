//! [`first`] and [`combine`]: cocotb `First` and `Combine`.
//!
//! Both take either a tuple of futures of any mix of types (trigger futures,
//! [`JoinHandle`](super::JoinHandle)s, `Complete`, `EventWait`, `async`
//! blocks...), stored inline (no allocation), or a `Vec` of boxed/`Unpin`
//! futures of one type.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// A set of futures [`first`] can race. Implemented for tuples of 1 to 8
/// futures (output: index of the one that fired) and for `Vec<F>` with
/// `F: Future + Unpin`, e.g. `Vec<Pin<Box<dyn Future<Output = T>>>>`
/// (output: index and that future's value).
pub trait FirstSet {
    type Output;
    /// Where the futures live while they are raced (a tuple cannot be
    /// pin-projected, so its futures move into a struct that can).
    #[doc(hidden)]
    type State;
    #[doc(hidden)]
    fn start(self) -> Self::State;
    #[doc(hidden)]
    fn poll_first(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output>;
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

pin_project! {
    /// Future of [`first`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct First<S: FirstSet> {
        // `None` once resolved: the losers are dropped at that moment.
        #[pin]
        state: Option<S::State>,
    }
}

pin_project! {
    /// Future of [`combine`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Combine<S: CombineSet> {
        #[pin]
        state: Option<S::State>,
    }
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
    First { state: Some(set.start()) }
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
        let mut slot = self.project().state;
        let state = slot.as_mut().as_pin_mut().expect("First polled after completion");
        match S::poll_first(state, cx) {
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
        let mut slot = self.project().state;
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

pin_project! {
    /// A future, then its output once it completed.
    #[doc(hidden)]
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneOwn]
    pub enum MaybeDone<F: Future> {
        Pending { #[pin] fut: F },
        Done { out: F::Output },
        Gone,
    }
}

impl<F: Future> MaybeDone<F> {
    fn new(fut: F) -> Self {
        MaybeDone::Pending { fut }
    }

    /// Poll if still pending; true once done.
    fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        match self.as_mut().project() {
            MaybeDoneProj::Pending { fut } => match fut.poll(cx) {
                Poll::Ready(out) => {
                    // Drops the finished future in place.
                    self.set(MaybeDone::Done { out });
                    true
                }
                Poll::Pending => false,
            },
            MaybeDoneProj::Done { .. } => true,
            MaybeDoneProj::Gone => unreachable!("output already taken"),
        }
    }

    fn take(self: Pin<&mut Self>) -> F::Output {
        match self.project_replace(MaybeDone::Gone) {
            MaybeDoneOwn::Done { out } => out,
            _ => unreachable!("output not ready"),
        }
    }
}

/// One struct per tuple arity, holding the tuple's futures (for `first`) or
/// `MaybeDone`s (for `combine`) as pinned fields.
macro_rules! tuple_sets {
    ($Set:ident: $($F:ident $f:ident $i:tt),+) => {
        pin_project! {
            #[doc(hidden)]
            pub struct $Set<$($F),+> {
                $(#[pin] $f: $F,)+
            }
        }

        impl<$($F: Future),+> FirstSet for ($($F,)+) {
            type Output = usize;
            type State = $Set<$($F),+>;
            fn start(self) -> Self::State {
                $Set { $($f: self.$i),+ }
            }
            fn poll_first(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<usize> {
                let s = state.project();
                $(
                    if s.$f.poll(cx).is_ready() {
                        return Poll::Ready($i);
                    }
                )+
                Poll::Pending
            }
        }

        impl<$($F: Future),+> CombineSet for ($($F,)+) {
            type Output = ($($F::Output,)+);
            type State = $Set<$(MaybeDone<$F>),+>;
            fn start(self) -> Self::State {
                $Set { $($f: MaybeDone::new(self.$i)),+ }
            }
            fn poll_all(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut s = state.project();
                let mut all = true;
                $( all &= s.$f.as_mut().poll_done(cx); )+
                if !all {
                    return Poll::Pending;
                }
                Poll::Ready(($( s.$f.take(), )+))
            }
        }
    };
}

tuple_sets!(Set1: A a 0);
tuple_sets!(Set2: A a 0, B b 1);
tuple_sets!(Set3: A a 0, B b 1, C c 2);
tuple_sets!(Set4: A a 0, B b 1, C c 2, D d 3);
tuple_sets!(Set5: A a 0, B b 1, C c 2, D d 3, E e 4);
tuple_sets!(Set6: A a 0, B b 1, C c 2, D d 3, E e 4, G g 5);
tuple_sets!(Set7: A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6);
tuple_sets!(Set8: A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7);

// `Vec`s hold `Unpin` futures, so every pin here is a plain `Pin::new`.
impl<F: Future + Unpin> FirstSet for Vec<F> {
    type Output = (usize, F::Output);
    type State = Vec<F>;
    fn start(self) -> Self::State {
        self
    }
    fn poll_first(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for (i, f) in state.get_mut().iter_mut().enumerate() {
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
        self.into_iter().map(MaybeDone::new).collect()
    }
    fn poll_all(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let v = state.get_mut();
        let mut all = true;
        for m in v.iter_mut() {
            all &= Pin::new(m).poll_done(cx);
        }
        if !all {
            return Poll::Pending;
        }
        Poll::Ready(v.iter_mut().map(|m| Pin::new(m).take()).collect())
    }
}
