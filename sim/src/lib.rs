//! Verilator integration.
