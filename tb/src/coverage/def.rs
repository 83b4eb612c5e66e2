//! The static part of functional coverage, resolved: names, bins, crosses, rules, `at_least`,
//! weights and goals. Built once per process from a flavor's [`Spec`] by [`CoverDef::new`];
//! every bin gets a dense [`BinId`] at build time, so sampling needs no lookup by name.

pub use super::ids::{BinId, CrossId, GroupId, Match, PointId};
use super::spec::{self, BinSpec, GroupSpec, ItemKind, ItemSpec, Spec};
use super::CoverError;
use models::rules::RuleId;
use std::fmt::Write as _;

/// A resolved bin.
#[derive(Clone, Debug)]
pub struct BinInfo {
    /// `group.point.bin`.
    pub full_name: String,
    /// The bin's own name inside its point or cross.
    pub name: String,
    pub rules: Vec<RuleId>,
    pub at_least: u64,
    pub weight: u32,
    pub item: usize,
    pub(crate) matcher: Match,
}

/// A coverpoint or cross, resolved.
#[derive(Clone, Debug)]
pub struct ItemInfo {
    pub name: String,
    pub group: usize,
    pub weight: u32,
    /// Its bins: `first..first + len` in the definition's bin list.
    pub first: u32,
    pub len: u32,
    pub(crate) cross: Option<CrossInfo>,
}

impl ItemInfo {
    /// For a cross: the items (coverpoints) it crosses.
    pub fn crossed(&self) -> Option<&[usize]> {
        self.cross.as_ref().map(|c| c.points.as_slice())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CrossInfo {
    /// Crossed items, their bin counts and mixed-radix strides.
    pub(crate) points: Vec<usize>,
    pub(crate) strides: Vec<usize>,
    /// Combination index -> bin offset in the cross, `u32::MAX` when ignored.
    pub(crate) map: Box<[u32]>,
}

#[derive(Clone, Debug)]
pub struct GroupInfo {
    pub name: String,
    pub goal: f64,
    pub weight: u32,
    /// Indices of its items (points and crosses) in definition order.
    pub items: Vec<usize>,
}

/// A complete definition. Immutable; its fingerprint identifies it in serialized data.
#[derive(Clone, Debug)]
pub struct CoverDef {
    pub(crate) name: String,
    pub(crate) fingerprint: String,
    pub(crate) groups: Vec<GroupInfo>,
    pub(crate) items: Vec<ItemInfo>,
    pub(crate) bins: Vec<BinInfo>,
}

const IGNORED: u32 = u32::MAX;

impl CoverDef {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Hash of everything that gives a counter its meaning (names, matchers, rules, at_least,
    /// weights, goals).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
    pub fn groups(&self) -> &[GroupInfo] {
        &self.groups
    }
    pub fn items(&self) -> &[ItemInfo] {
        &self.items
    }
    pub fn bins(&self) -> &[BinInfo] {
        &self.bins
    }
    pub fn bin(&self, b: BinId) -> &BinInfo {
        &self.bins[b.index()]
    }
    /// The bin named `group.point.bin`.
    pub fn find(&self, full_name: &str) -> Option<BinId> {
        self.bins.iter().position(|b| b.full_name == full_name).map(|i| BinId(i as u32))
    }

    /// The place in its point of the first bin whose value, range or set contains `v` (a short
    /// linear scan; event bins never match). No allocation.
    #[inline]
    pub fn point_value_index(&self, p: PointId, v: u64) -> Option<usize> {
        let bins = &self.bins[p.first as usize..(p.first + p.len) as usize];
        bins.iter().position(|b| b.matcher.contains(v))
    }

    /// The first bin of a point whose value, range or set contains `v`.
    #[inline]
    pub fn point_value_bin(&self, p: PointId, v: u64) -> Option<BinId> {
        self.point_value_index(p, v).map(|k| p.bin(k))
    }

    /// The cross bin of one combination: `ks[i]` is the bin index inside the i-th crossed point.
    /// `None` for an ignored combination.
    #[inline]
    pub fn cross_bin(&self, x: CrossId, ks: &[usize]) -> Option<BinId> {
        let it = &self.items[x.0 as usize];
        let c = it.cross.as_ref().expect("CrossId names a cross");
        debug_assert_eq!(ks.len(), c.strides.len());
        let combo: usize = ks.iter().zip(c.strides.iter()).map(|(k, s)| k * s).sum();
        match c.map[combo] {
            IGNORED => None,
            off => Some(BinId(it.first + off)),
        }
    }
}

impl CoverDef {
    /// Sample a cross the SystemVerilog way: each crossed point counts its bin `ks[i]`, and the
    /// cross counts the combination unless it is ignored. No allocation.
    #[inline]
    pub fn sample_cross(&self, data: &mut super::CoverData, x: CrossId, ks: &[usize]) {
        let it = &self.items[x.0 as usize];
        let c = it.cross.as_ref().expect("CrossId names a cross");
        for (&p, &k) in c.points.iter().zip(ks) {
            let pi = &self.items[p];
            debug_assert!(k < pi.len as usize);
            data.hit(BinId(pi.first + k as u32));
        }
        data.hit_opt(self.cross_bin(x, ks));
    }
}

impl CoverDef {
    /// Builds a flavor's [`Spec`]: checks names, goals and `at_least`, expands crosses into their
    /// bins and gives every bin its dense [`BinId`], in declaration order (the order of the
    /// serialized counters). The first problem found is the error.
    pub fn new(spec: &Spec) -> Result<CoverDef, CoverError> {
        CoverDef::judged(spec, &super::Judges::default())
    }

    /// [`CoverDef::new`] plus the generated bins of a flavor's judges ([`super::judges`]).
    pub fn judged(spec: &Spec, judges: &super::Judges) -> Result<CoverDef, CoverError> {
        let mut b = Builder {
            def: CoverDef {
                name: spec.name.to_string(),
                fingerprint: String::new(),
                groups: Vec::new(),
                items: Vec::new(),
                bins: Vec::new(),
            },
            errors: Vec::new(),
        };
        for g in spec.groups {
            b.group(g);
        }
        if let Some(e) = b.errors.into_iter().next() {
            return Err(CoverError::Definition(e));
        }
        let mut def = b.def;
        def.add_judges(judges);
        def.fingerprint = fingerprint(&def);
        Ok(def)
    }
}

/// A bin of an item about to be added.
struct NewBin {
    name: String,
    matcher: Match,
    rules: Vec<RuleId>,
    at_least: u64,
    weight: u32,
}

struct Builder {
    def: CoverDef,
    errors: Vec<String>,
}

impl Builder {
    fn group(&mut self, g: &GroupSpec) {
        if !(0.0..=100.0).contains(&g.goal) {
            self.errors.push(format!("group {}: goal {} is not a percentage", g.name, g.goal));
        }
        self.check_name("group", g.name);
        if self.def.groups.iter().any(|x| x.name == g.name) {
            self.errors.push(format!("group {} twice", g.name));
        }
        self.def.groups.push(GroupInfo { name: g.name.to_string(), goal: g.goal, weight: g.weight, items: Vec::new() });
        let group = self.def.groups.len() - 1;
        for it in g.items {
            let (bins, cross) = match it.kind {
                ItemKind::Point(bins) => (self.point_bins(it, bins), None),
                ItemKind::Cross { points, ignore, rules } => self.cross_bins(g, group, it, points, ignore, rules),
            };
            self.add_item(group, it, bins, cross);
        }
    }

    fn point_bins(&mut self, p: &ItemSpec, bins: &[BinSpec]) -> Vec<NewBin> {
        if bins.is_empty() {
            self.errors.push(format!("point {}: no bins", p.name));
        }
        for (i, b) in bins.iter().enumerate() {
            self.check_name(&format!("bin of {}", p.name), b.name);
            if bins[..i].iter().any(|x| x.name == b.name) {
                self.errors.push(format!("point {}: bin {} twice", p.name, b.name));
            }
        }
        bins.iter()
            .map(|b| NewBin {
                name: b.name.to_string(),
                matcher: b.matcher,
                rules: b.rules.to_vec(),
                at_least: b.at_least.unwrap_or(p.at_least),
                weight: b.weight,
            })
            .collect()
    }

    /// The bins of a cross, one per combination of its points' bins (the last point varies
    /// fastest) minus the ignored ones, and the map a sample goes through.
    fn cross_bins(
        &mut self,
        spec: &GroupSpec,
        group: usize,
        c: &ItemSpec,
        names: &[&str],
        ignore: &[&[&str]],
        rules: &[RuleId],
    ) -> (Vec<NewBin>, Option<CrossInfo>) {
        if names.len() < 2 {
            self.errors.push(format!("cross {}: needs at least two points", c.name));
        }
        let mut points = Vec::new();
        for n in names {
            let items = &self.def.groups[group].items;
            match items.iter().copied().find(|&i| self.def.items[i].name == *n && self.def.items[i].cross.is_none()) {
                Some(p) => points.push(p),
                None => {
                    self.errors.push(format!("cross {}: no point {n} before it in its group", c.name));
                    return (Vec::new(), None);
                }
            }
        }
        let sizes: Vec<usize> = points.iter().map(|&p| self.def.items[p].len as usize).collect();
        let mut strides = vec![0; points.len()];
        let mut total = 1usize;
        for i in (0..points.len()).rev() {
            strides[i] = total;
            total *= sizes[i];
        }
        for pattern in ignore {
            let ok = pattern.len() == points.len()
                && pattern.iter().zip(&points).all(|(n, &p)| *n == "*" || self.item_bins(p).iter().any(|b| b.name == *n));
            if !ok {
                self.errors.push(format!("cross {}: ignore {:?} names no bins", c.name, pattern));
            }
        }
        let mut map = vec![IGNORED; total];
        let mut bins = Vec::new();
        for (combo, slot) in map.iter_mut().enumerate() {
            if spec::ignored(spec, names, ignore, combo) {
                continue;
            }
            let parts: Vec<&BinInfo> =
                points.iter().zip(&strides).zip(&sizes).map(|((&p, &s), &n)| &self.item_bins(p)[(combo / s) % n]).collect();
            *slot = bins.len() as u32;
            let name = parts.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join("&");
            let mut all_rules: Vec<RuleId> = parts.iter().flat_map(|b| b.rules.iter().copied()).collect();
            all_rules.extend_from_slice(rules);
            bins.push(NewBin { name, matcher: Match::Event, rules: all_rules, at_least: c.at_least, weight: 1 });
        }
        (bins, Some(CrossInfo { points, strides, map: map.into_boxed_slice() }))
    }

    fn item_bins(&self, item: usize) -> &[BinInfo] {
        let it = &self.def.items[item];
        &self.def.bins[it.first as usize..(it.first + it.len) as usize]
    }

    fn add_item(&mut self, group: usize, it: &ItemSpec, bins: Vec<NewBin>, cross: Option<CrossInfo>) {
        let (gname, name) = (self.def.groups[group].name.clone(), it.name);
        if self.def.groups[group].items.iter().any(|&i| self.def.items[i].name == name) {
            self.errors.push(format!("group {gname}: item {name} twice"));
        }
        self.check_name("point", name);
        let item = self.def.items.len();
        let first = self.def.bins.len() as u32;
        let len = bins.len() as u32;
        for mut b in bins {
            if b.at_least == 0 {
                self.errors.push(format!("{gname}.{name}.{}: at_least 0", b.name));
            }
            b.rules.sort();
            b.rules.dedup();
            self.def.bins.push(BinInfo {
                full_name: format!("{gname}.{name}.{}", b.name),
                name: b.name,
                rules: b.rules,
                at_least: b.at_least,
                weight: b.weight,
                item,
                matcher: b.matcher,
            });
        }
        self.def.items.push(ItemInfo { name: name.to_string(), group, weight: it.weight, first, len, cross });
        self.def.groups[group].items.push(item);
    }

    fn check_name(&mut self, what: &str, name: &str) {
        if name.is_empty() || name.contains('.') || name.contains(char::is_whitespace) {
            self.errors.push(format!("{what} name {name:?}: must be non-empty, without dots or spaces"));
        }
    }
}

/// FNV-1a (64 bit) over a canonical text of the definition: stable across processes and builds.
fn fingerprint(d: &CoverDef) -> String {
    let mut s = String::new();
    let _ = write!(s, "{}", d.name);
    for g in &d.groups {
        let _ = write!(s, "|g {} {} {}", g.name, g.goal, g.weight);
        for &i in &g.items {
            let it = &d.items[i];
            let _ = write!(s, "|i {} {} {}", it.name, it.weight, it.cross.is_some());
            for b in &d.bins[it.first as usize..(it.first + it.len) as usize] {
                let _ = write!(s, "|b {} {:?} {} {}", b.full_name, b.matcher, b.at_least, b.weight);
                for r in &b.rules {
                    let _ = write!(s, " {r}");
                }
            }
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in s.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}
