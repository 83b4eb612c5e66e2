//! Intel VT-d page request queue, page group responses, drain and primary fault recording
//! (`../shared/spec/vtd.md`; rules VTD-PRQ-n, VTD-IQ-n, VTD-FLT-n; DEC-5..DEC-10, DEC-12, DEC-13):
//! descriptor layouts (`desc`), registers and PRQ pointer arithmetic (`regs`) and the timing-free
//! protocol semantics (`arch`; `arch::RULE_MAP` says which rule has which function).
//!
//! The cycle-accurate schedule of `vtd_prq` (`timing`, from the VT-d section of `rtl/README.md`)
//! calls the pure pieces of `arch` at the RTL's phases:
//! `decide_row`/`auto_response`/`fault_record` at the decision edge, `page_req_write` when the
//! engine starts a kind-0 job, `PrqRing::advance` + PPR + `EventCtl::condition` at the kind-0
//! acknowledge, `desc::classify` at the descriptor take, `complete_wait` at the wait's
//! completion edge. The RTL holds every later descriptor behind any wait (FN behaviour for FN=0
//! too), which `arch::IqState` does not require but allows.

pub mod arch;
pub mod desc;
pub mod regs;
pub mod timing;
