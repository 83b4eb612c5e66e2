//! On-demand paging handler: the VFIO IOPF case (seed thread "vfio/type1: Add a page fault
//! handler", 2021). The consumer keeps a per-domain mapping table; a fault on a page inside one
//! of the domain's DMA ranges is served by mapping that page, and only then is the group answered
//! SUCCESS; a page outside every range fails the group INVALID (HOST-5: the first failing page
//! ends the group). On PASID release the PASID's pages are unmapped, after its outstanding groups
//! were answered (HOST-10).
//!
//! A domain here is one (RID, PASID) address space; pages are 4 KiB page numbers.

use super::planted::PlantedHostBug;
use super::record::Group;
use super::response::GenericCode;
use std::collections::BTreeSet;

/// A DMA range of a domain: `pages` pages from page number `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaRange {
    pub first: u64,
    pub pages: u64,
}

impl DmaRange {
    pub fn contains(&self, page: u64) -> bool {
        page >= self.first && page - self.first < self.pages
    }
}

/// What the handler did with one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagingOutcome {
    pub code: GenericCode,
    /// Pages this group mapped, in page order of the group (a page mapped before is not repeated).
    pub mapped: Vec<u64>,
}

/// The handler and its mapping table.
#[derive(Clone, Debug, Default)]
pub struct PagingHandler {
    ranges: Vec<DmaRange>,
    /// Mapped pages: (RID, PASID, page).
    mapped: BTreeSet<(u16, Option<u32>, u64)>,
    /// Planted bug `SuccessWithoutMap` (tests only).
    success_without_map: bool,
}

impl PagingHandler {
    /// A handler whose domains all have the DMA `ranges`.
    pub fn new(ranges: Vec<DmaRange>, planted: Option<PlantedHostBug>) -> Self {
        PagingHandler { ranges, mapped: BTreeSet::new(), success_without_map: planted == Some(PlantedHostBug::SuccessWithoutMap) }
    }

    pub fn in_dma_range(&self, page: u64) -> bool {
        self.ranges.iter().any(|r| r.contains(page))
    }

    pub fn is_mapped(&self, rid: u16, pasid: Option<u32>, page: u64) -> bool {
        self.mapped.contains(&(rid, pasid, page))
    }

    /// Pages mapped in all domains.
    pub fn mapped_pages(&self) -> usize {
        self.mapped.len()
    }

    /// HOST-5 for a paging consumer: pages in order; a PASID page with Exe and no R fails (PRI-6),
    /// a page outside every DMA range fails, any other page is mapped (if it was not); the first
    /// failure ends the group INVALID, else SUCCESS.
    pub fn handle(&mut self, g: &Group) -> PagingOutcome {
        let mut mapped = Vec::new();
        for rec in &g.records {
            let page = rec.addr >> 12;
            if rec.exe_without_read() {
                return PagingOutcome { code: GenericCode::Invalid, mapped };
            }
            if !self.in_dma_range(page) {
                if self.success_without_map {
                    continue;
                }
                return PagingOutcome { code: GenericCode::Invalid, mapped };
            }
            if self.mapped.insert((rec.rid, rec.pasid, page)) {
                mapped.push(page);
            }
        }
        PagingOutcome { code: GenericCode::Success, mapped }
    }

    /// PASID release (or detach of the PASID's domain): unmap every page of (RID, PASID); the
    /// pages unmapped, ascending.
    pub fn unmap_pasid(&mut self, rid: u16, pasid: Option<u32>) -> Vec<u64> {
        let gone: Vec<u64> = self.mapped.iter().filter(|(r, p, _)| *r == rid && *p == pasid).map(|k| k.2).collect();
        self.mapped.retain(|(r, p, _)| !(*r == rid && *p == pasid));
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::record::{FaultRecord, GroupId, Perm};

    fn group(pages: &[u64], pasid: Option<u32>) -> Group {
        let n = pages.len();
        let records = pages
            .iter()
            .enumerate()
            .map(|(i, &p)| FaultRecord {
                rid: 1,
                pasid,
                grpid: 3,
                last: i + 1 == n,
                perm: Perm { r: true, ..Perm::default() },
                addr: p << 12,
            })
            .collect();
        Group { id: GroupId(0), rid: 1, records }
    }

    fn handler(planted: Option<PlantedHostBug>) -> PagingHandler {
        PagingHandler::new(vec![DmaRange { first: 0x100, pages: 16 }], planted)
    }

    #[test]
    fn host_5_maps_before_success_and_fails_outside() {
        let mut h = handler(None);
        let out = h.handle(&group(&[0x100, 0x101, 0x100], Some(4)));
        assert_eq!(out, PagingOutcome { code: GenericCode::Success, mapped: vec![0x100, 0x101] });
        assert!(h.is_mapped(1, Some(4), 0x101) && !h.is_mapped(1, None, 0x101));
        // The first failing page ends the group: 0x102 after it is not mapped.
        let out = h.handle(&group(&[0x10f, 0x200, 0x102], Some(4)));
        assert_eq!(out, PagingOutcome { code: GenericCode::Invalid, mapped: vec![0x10f] });
        assert!(!h.is_mapped(1, Some(4), 0x102));
    }

    #[test]
    fn pri_6_exe_without_read_fails() {
        let mut h = handler(None);
        let mut g = group(&[0x100], Some(4));
        g.records[0].perm = Perm { exe: true, ..Perm::default() };
        assert_eq!(h.handle(&g).code, GenericCode::Invalid);
        assert_eq!(h.mapped_pages(), 0);
    }

    #[test]
    fn host_10_unmap_takes_only_that_pasid() {
        let mut h = handler(None);
        h.handle(&group(&[0x100, 0x101], Some(4)));
        h.handle(&group(&[0x100], Some(5)));
        assert_eq!(h.unmap_pasid(1, Some(4)), vec![0x100, 0x101]);
        assert!(h.is_mapped(1, Some(5), 0x100));
        assert_eq!(h.mapped_pages(), 1);
    }

    #[test]
    fn planted_success_without_map_answers_outside_pages() {
        let mut h = handler(Some(PlantedHostBug::SuccessWithoutMap));
        let out = h.handle(&group(&[0x200], None));
        assert_eq!(out, PagingOutcome { code: GenericCode::Success, mapped: vec![] });
    }
}
