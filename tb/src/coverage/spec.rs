//! Coverage declared as data. A flavor writes its whole definition as one `const` [`Spec`]: groups,
//! points with one line per bin (event, value, range or value set, with the rules it evidences),
//! crosses, goals, weights and `at_least`. [`CoverDef::new`](super::CoverDef::new) builds it.
//!
//! Sampling code names what it hits in the same words, resolved at compile time to the index the
//! built definition gives it, so that a sample is an index increment, never a lookup:
//! `const { SPEC.bin("overflow.event.ovflg_toggled") }`, `const { SPEC.point("entry.prgi") }`,
//! `const { SPEC.cross("admission.row_x_msg") }`. A name that does not exist is a compile error.
//!
//! ```
//! use tb::coverage::spec::{cross, event, group, point, range, value, Spec};
//! use models::rules::{PRI_4, SMMU_PRIQ_1};
//! const SPEC: Spec = Spec::new("example", &[group("queue").goal(90.0).items(&[
//!     point("size").weight(0).bins(&[
//!         value("one", 0, &[SMMU_PRIQ_1]),
//!         range("more", 1, 19, &[SMMU_PRIQ_1]),
//!     ]),
//!     point("kind").bins(&[event("request", &[PRI_4]), event("stop_marker", &[PRI_4])]),
//!     cross("size_x_kind", &["size", "kind"]).ignore(&[&["one", "stop_marker"]]),
//! ])]);
//! let def = tb::coverage::CoverDef::new(&SPEC).unwrap();
//! assert_eq!(def.bins().len(), 7);
//! assert_eq!(def.bin(const { SPEC.bin("queue.kind.stop_marker") }).full_name, "queue.kind.stop_marker");
//! assert_eq!(def.bin(const { SPEC.point("queue.kind") }.bin(0)).full_name, "queue.kind.request");
//! ```

use super::ids::{BinId, CrossId, GroupId, Match, PointId};
use models::rules::RuleId;

/// A whole definition: its name (it names the serialized counters too) and its groups.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub(crate) name: &'static str,
    pub(crate) groups: &'static [GroupSpec],
}

/// A covergroup: a goal in percent (default 100), a weight in the total (default 1), its items.
#[derive(Clone, Copy, Debug)]
pub struct GroupSpec {
    pub(crate) name: &'static str,
    pub(crate) goal: f64,
    pub(crate) weight: u32,
    pub(crate) items: &'static [ItemSpec],
}

/// A coverpoint or a cross, with its weight in the group's percent and its default `at_least`.
#[derive(Clone, Copy, Debug)]
pub struct ItemSpec {
    pub(crate) name: &'static str,
    pub(crate) weight: u32,
    pub(crate) at_least: u64,
    pub(crate) kind: ItemKind,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum ItemKind {
    Point(&'static [BinSpec]),
    /// Crossed points (by name, in the same group), ignored combinations, the cross's own rules.
    Cross {
        points: &'static [&'static str],
        ignore: &'static [&'static [&'static str]],
        rules: &'static [RuleId],
    },
}

/// A bin of a point: what it matches, the rules it evidences, `at_least` (default: the point's)
/// and weight in its point (default 1; 0 = listed, not counted in the percent).
#[derive(Clone, Copy, Debug)]
pub struct BinSpec {
    pub(crate) name: &'static str,
    pub(crate) matcher: Match,
    pub(crate) rules: &'static [RuleId],
    pub(crate) at_least: Option<u64>,
    pub(crate) weight: u32,
}

pub const fn group(name: &'static str) -> GroupSpec {
    GroupSpec { name, goal: 100.0, weight: 1, items: &[] }
}

// Trivial option setters, one line each.
impl GroupSpec {
    /// Goal in percent, 0-100.
    pub const fn goal(self, percent: f64) -> GroupSpec {
        GroupSpec { goal: percent, ..self }
    }
    pub const fn weight(self, w: u32) -> GroupSpec {
        GroupSpec { weight: w, ..self }
    }
    pub const fn items(self, items: &'static [ItemSpec]) -> GroupSpec {
        GroupSpec { items, ..self }
    }
}

/// A point; its bins follow with `.bins(..)`, after its options.
pub const fn point(name: &'static str) -> ItemSpec {
    ItemSpec { name, weight: 1, at_least: 1, kind: ItemKind::Point(&[]) }
}

/// A cross of points of its group: one bin per combination of their bins, minus the ignored
/// ones. A cross bin evidences the rules of its component bins plus the cross's own.
pub const fn cross(name: &'static str, points: &'static [&'static str]) -> ItemSpec {
    ItemSpec { name, weight: 1, at_least: 1, kind: ItemKind::Cross { points, ignore: &[], rules: &[] } }
}

impl ItemSpec {
    /// Weight in the group's percent (0 = feeds crosses and rules only).
    pub const fn weight(self, w: u32) -> ItemSpec {
        ItemSpec { weight: w, ..self }
    }
    /// Default `at_least` of its bins.
    pub const fn at_least(self, n: u64) -> ItemSpec {
        ItemSpec { at_least: n, ..self }
    }
    /// Point only: its bins.
    pub const fn bins(self, bins: &'static [BinSpec]) -> ItemSpec {
        match self.kind {
            ItemKind::Point(_) => ItemSpec { kind: ItemKind::Point(bins), ..self },
            ItemKind::Cross { .. } => panic!("a cross has no bins of its own"),
        }
    }
    /// Cross only: drop the combinations matching these bin names, one per crossed point; `*`
    /// matches any bin (SystemVerilog `ignore_bins`: combinations the design cannot produce).
    pub const fn ignore(self, patterns: &'static [&'static [&'static str]]) -> ItemSpec {
        match self.kind {
            ItemKind::Cross { points, rules, .. } => ItemSpec { kind: ItemKind::Cross { points, ignore: patterns, rules }, ..self },
            ItemKind::Point(_) => panic!("ignore() is for crosses"),
        }
    }
    /// Cross only: rules of every cross bin, besides those of its component bins.
    pub const fn rules(self, rules: &'static [RuleId]) -> ItemSpec {
        match self.kind {
            ItemKind::Cross { points, ignore, .. } => ItemSpec { kind: ItemKind::Cross { points, ignore, rules }, ..self },
            ItemKind::Point(_) => panic!("rules() of a point go on its bins"),
        }
    }
}

const fn bin(name: &'static str, matcher: Match, rules: &'static [RuleId]) -> BinSpec {
    BinSpec { name, matcher, rules, at_least: None, weight: 1 }
}

/// A bin hit only by name (`Sampler::hit`).
pub const fn event(name: &'static str, rules: &'static [RuleId]) -> BinSpec {
    bin(name, Match::Event, rules)
}

pub const fn value(name: &'static str, v: u64, rules: &'static [RuleId]) -> BinSpec {
    bin(name, Match::Value(v), rules)
}

/// Values `lo..=hi`.
pub const fn range(name: &'static str, lo: u64, hi: u64, rules: &'static [RuleId]) -> BinSpec {
    bin(name, Match::Range(lo, hi), rules)
}

/// A named set of values.
pub const fn set(name: &'static str, values: &'static [u64], rules: &'static [RuleId]) -> BinSpec {
    bin(name, Match::Set(values), rules)
}

impl BinSpec {
    pub const fn at_least(self, n: u64) -> BinSpec {
        BinSpec { at_least: Some(n), ..self }
    }
    pub const fn weight(self, w: u32) -> BinSpec {
        BinSpec { weight: w, ..self }
    }
}

impl Spec {
    pub const fn new(name: &'static str, groups: &'static [GroupSpec]) -> Spec {
        Spec { name, groups }
    }

    /// The same groups under another definition name.
    pub const fn renamed(self, name: &'static str) -> Spec {
        Spec { name, ..self }
    }

    /// The group named `name`.
    pub const fn group(&self, name: &str) -> GroupId {
        let mut g = 0;
        while g < self.groups.len() {
            if eq(self.groups[g].name, name) {
                return GroupId(g as u32);
            }
            g += 1;
        }
        panic!("coverage spec: no such group")
    }

    /// The point `group.point`.
    pub const fn point(&self, path: &str) -> PointId {
        let (item, rest) = self.item(path.as_bytes());
        let (_, spec) = self.locate(item);
        match (spec.kind, rest) {
            (ItemKind::Point(bins), None) => PointId { item, first: self.first_bin(item), len: bins.len() as u32 },
            _ => panic!("coverage spec: `group.point` names no point"),
        }
    }

    /// The cross `group.cross`.
    pub const fn cross(&self, path: &str) -> CrossId {
        let (item, rest) = self.item(path.as_bytes());
        match (self.locate(item).1.kind, rest) {
            (ItemKind::Cross { .. }, None) => CrossId(item),
            _ => panic!("coverage spec: `group.cross` names no cross"),
        }
    }

    /// The bin `group.point.bin` (cross bins are counted through their cross).
    pub const fn bin(&self, path: &str) -> BinId {
        let (item, rest) = self.item(path.as_bytes());
        if let (ItemKind::Point(bins), Some(name)) = (self.locate(item).1.kind, rest) {
            let mut k = 0;
            while k < bins.len() {
                if eq_bytes(bins[k].name.as_bytes(), name) {
                    return BinId(self.first_bin(item) + k as u32);
                }
                k += 1;
            }
        }
        panic!("coverage spec: `group.point.bin` names no bin")
    }

    /// The item `group.item` at the start of `path`: its index over all groups, and what
    /// follows its name after a dot.
    const fn item<'p>(&self, path: &'p [u8]) -> (u32, Option<&'p [u8]>) {
        let mut index = 0;
        let mut g = 0;
        while g < self.groups.len() {
            let group = &self.groups[g];
            if let Some(rest) = strip(path, group.name.as_bytes()) {
                let mut i = 0;
                while i < group.items.len() {
                    if let Some(after) = strip(rest, group.items[i].name.as_bytes()) {
                        return (index + i as u32, Some(after));
                    }
                    if eq_bytes(rest, group.items[i].name.as_bytes()) {
                        return (index + i as u32, None);
                    }
                    i += 1;
                }
            }
            index += group.items.len() as u32;
            g += 1;
        }
        panic!("coverage spec: no such group and item")
    }

    /// Item `index` (over all groups) and the group it is in.
    const fn locate(&self, mut index: u32) -> (&GroupSpec, &ItemSpec) {
        let mut g = 0;
        while index as usize >= self.groups[g].items.len() {
            index -= self.groups[g].items.len() as u32;
            g += 1;
        }
        (&self.groups[g], &self.groups[g].items[index as usize])
    }

    /// The index of item `index`'s first bin: all bins of the items before it, as
    /// [`CoverDef::new`](super::CoverDef::new) lays them out.
    const fn first_bin(&self, index: u32) -> u32 {
        let mut first = 0;
        let mut i = 0;
        while i < index {
            let (group, item) = self.locate(i);
            first += match item.kind {
                ItemKind::Point(bins) => bins.len() as u32,
                ItemKind::Cross { points, ignore, .. } => {
                    let mut kept = 0;
                    let mut combo = 0;
                    while combo < combinations(group, points) {
                        if !ignored(group, points, ignore, combo) {
                            kept += 1;
                        }
                        combo += 1;
                    }
                    kept
                }
            };
            i += 1;
        }
        first
    }
}

/// The bins of the point `name` of a group (the points a cross names).
const fn point_bins(group: &GroupSpec, name: &str) -> &'static [BinSpec] {
    let mut i = 0;
    while i < group.items.len() {
        if let ItemKind::Point(bins) = group.items[i].kind {
            if eq(group.items[i].name, name) {
                return bins;
            }
        }
        i += 1;
    }
    panic!("coverage spec: a cross names no point of its group")
}

/// How many combinations of their bins the points of a cross have.
const fn combinations(group: &GroupSpec, points: &[&str]) -> usize {
    let mut n = 1;
    let mut p = 0;
    while p < points.len() {
        n *= point_bins(group, points[p]).len();
        p += 1;
    }
    n
}

/// Is combination `combo` of a cross's points one it ignores? A combination counts in mixed
/// radix, the last point's bin fastest. The builder and the compile-time indices both use this.
pub(crate) const fn ignored(group: &GroupSpec, points: &[&str], ignore: &[&[&str]], combo: usize) -> bool {
    let mut i = 0;
    while i < ignore.len() {
        let pattern = ignore[i];
        let mut matches = pattern.len() == points.len();
        let mut rest = combo;
        let mut p = points.len();
        while matches && p > 0 {
            p -= 1;
            let bins = point_bins(group, points[p]);
            let name = bins[rest % bins.len()].name;
            rest /= bins.len();
            matches = eq(pattern[p], "*") || eq(pattern[p], name);
        }
        if matches {
            return true;
        }
        i += 1;
    }
    false
}

const fn eq(a: &str, b: &str) -> bool {
    eq_bytes(a.as_bytes(), b.as_bytes())
}

const fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `path` without its leading `name.`, if it starts so.
const fn strip<'a>(path: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    if path.len() <= name.len() || path[name.len()] != b'.' {
        return None;
    }
    let (head, tail) = path.split_at(name.len());
    if eq_bytes(head, name) {
        Some(tail.split_at(1).1)
    } else {
        None
    }
}
