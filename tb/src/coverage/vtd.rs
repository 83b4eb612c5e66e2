//! VT-d PRQ coverage model (placeholder until the full model lands): admission rows.

use super::data::CoverData;
use super::def::{Bin, CoverDef, DefBuilder, Group, Point, PointId};
use crate::txn::Stamped;
use models::rules::*;
use models::vtd::arch::Row;
use models::vtd::timing::{EdgeEvents, VtdInputs, VtdTiming};
use std::sync::OnceLock;

pub const DEFINITION: &str = "vtd_prq";

struct Model {
    def: CoverDef,
    row: PointId,
}

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        let mut b = DefBuilder::new(DEFINITION);
        let g = b.group(Group::new("admission").goal(90.0));
        let row = b.point(
            g,
            Point::new("row").bins([
                Bin::event("a").rules(&[VTD_PRQ_5]),
                Bin::event("b").rules(&[VTD_PRQ_6]),
                Bin::event("c").rules(&[VTD_PRQ_7]),
                Bin::event("d").rules(&[VTD_PRQ_8]),
            ]),
        );
        Model { def: b.build().expect("VT-d coverage definition"), row }
    })
}

pub struct VtdCoverage {
    data: CoverData,
}

impl VtdCoverage {
    pub fn new() -> VtdCoverage {
        VtdCoverage { data: CoverData::new(&model().def) }
    }
    pub fn definition() -> &'static CoverDef {
        &model().def
    }
    pub fn into_data(self) -> CoverData {
        self.data
    }
    pub fn on_inputs(&mut self, _inp: &VtdInputs, _model: &VtdTiming) {}
    pub fn on_edge(&mut self, ev: &EdgeEvents, _model: &VtdTiming) {
        if let Some((row, _)) = ev.decided {
            let k = match row {
                Row::A_NotEnabled => 0,
                Row::B_Overflow => 1,
                Row::C_Full => 2,
                Row::D_Write => 3,
            };
            let m = model();
            self.data.hit(m.def.point_bin(m.row, k));
        }
    }
}

impl Default for VtdCoverage {
    fn default() -> Self {
        VtdCoverage::new()
    }
}

impl crate::observe::TxnCoverage for VtdCoverage {
    fn on_txn(&mut self, _t: &Stamped) {}
}
