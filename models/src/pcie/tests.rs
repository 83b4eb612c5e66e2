//! Tests of the PCIe function model.
