//! Intel VT-d page request queue, page group responses, drain and primary fault recording
//! (`../shared/spec/vtd.md`; rules VTD-PRQ-n, VTD-IQ-n, VTD-FLT-n; DEC-5..DEC-10, DEC-12, DEC-13):
//! descriptor layouts (`desc`), registers and PRQ pointer arithmetic (`regs`) and the timing-free
//! protocol semantics (`arch`). The cycle-accurate schedule of the RTL (`timing`) follows once the
//! VT-d contract in `rtl/README.md` exists.

pub mod arch;
pub mod desc;
pub mod regs;
