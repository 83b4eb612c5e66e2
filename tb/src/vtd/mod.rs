//! The VT-d bench (`../shared/spec/vtd.md`): the Linux-like host that services the page request
//! queue and drains PASIDs (`host`, HOST-22..HOST-25).

pub mod host;
