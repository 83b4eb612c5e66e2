//! Sign-off report: the data it is made of (`input`), and its renderings.

pub mod input;
