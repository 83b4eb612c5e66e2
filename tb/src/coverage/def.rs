//! The static part of functional coverage: names, bins, crosses, rules, `at_least`, weights and
//! goals. Built once (usually into a `OnceLock`) with [`DefBuilder`]; every bin gets a dense
//! [`BinId`] at build time, so sampling needs no lookup by name.

use super::CoverError;
use models::rules::RuleId;
use std::fmt::Write as _;

/// Index of a bin in the counters of its definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BinId(pub(crate) u32);

impl BinId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupId(pub(crate) u32);

/// A coverpoint (not a cross).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PointId(pub(crate) u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CrossId(pub(crate) u32);

/// Which sampled values a bin counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// Hit only through its id (an event bin).
    Event,
    Value(u64),
    /// Inclusive range.
    Range(u64, u64),
    /// A named set of values.
    Set(Vec<u64>),
}

impl Match {
    #[inline]
    fn contains(&self, v: u64) -> bool {
        match self {
            Match::Event => false,
            Match::Value(x) => *x == v,
            Match::Range(lo, hi) => *lo <= v && v <= *hi,
            Match::Set(s) => s.contains(&v),
        }
    }
}

/// A bin of a coverpoint.
#[derive(Clone, Debug)]
pub struct Bin {
    name: String,
    matcher: Match,
    rules: Vec<RuleId>,
    at_least: Option<u64>,
    weight: u32,
}

impl Bin {
    fn new(name: &str, matcher: Match) -> Bin {
        Bin {
            name: name.to_string(),
            matcher,
            rules: Vec::new(),
            at_least: None,
            weight: 1,
        }
    }
    /// A bin hit only by id (`CoverData::hit`).
    pub fn event(name: &str) -> Bin {
        Bin::new(name, Match::Event)
    }
    pub fn value(name: &str, v: u64) -> Bin {
        Bin::new(name, Match::Value(v))
    }
    /// Values `lo..=hi`.
    pub fn range(name: &str, lo: u64, hi: u64) -> Bin {
        Bin::new(name, Match::Range(lo, hi))
    }
    pub fn set(name: &str, values: &[u64]) -> Bin {
        Bin::new(name, Match::Set(values.to_vec()))
    }
    /// The rules this bin evidences.
    pub fn rules(mut self, rules: &[RuleId]) -> Bin {
        self.rules.extend_from_slice(rules);
        self
    }
    /// Hits needed to count as covered (default: the point's, else 1).
    pub fn at_least(mut self, n: u64) -> Bin {
        self.at_least = Some(n);
        self
    }
    /// Weight inside its point (default 1; 0 = listed but not counted in the percent).
    pub fn weight(mut self, w: u32) -> Bin {
        self.weight = w;
        self
    }
}

/// A coverpoint: a list of bins, a weight in its group and a default `at_least`.
#[derive(Clone, Debug)]
pub struct Point {
    name: String,
    bins: Vec<Bin>,
    weight: u32,
    at_least: u64,
}

impl Point {
    pub fn new(name: &str) -> Point {
        Point {
            name: name.to_string(),
            bins: Vec::new(),
            weight: 1,
            at_least: 1,
        }
    }
    pub fn bin(mut self, b: Bin) -> Point {
        self.bins.push(b);
        self
    }
    pub fn bins(mut self, bins: impl IntoIterator<Item = Bin>) -> Point {
        self.bins.extend(bins);
        self
    }
    /// Weight in the group's percent (default 1; 0 = feeds crosses and rules only).
    pub fn weight(mut self, w: u32) -> Point {
        self.weight = w;
        self
    }
    pub fn at_least(mut self, n: u64) -> Point {
        self.at_least = n;
        self
    }
}

/// A cross of coverpoints: one bin per combination of their bins, minus the ignored ones. A
/// cross bin evidences the rules of its component bins plus the cross's own rules.
#[derive(Clone, Debug)]
pub struct Cross {
    name: String,
    points: Vec<PointId>,
    ignore: Vec<Vec<String>>,
    rules: Vec<RuleId>,
    weight: u32,
    at_least: u64,
}

impl Cross {
    pub fn new(name: &str, points: &[PointId]) -> Cross {
        Cross {
            name: name.to_string(),
            points: points.to_vec(),
            ignore: Vec::new(),
            rules: Vec::new(),
            weight: 1,
            at_least: 1,
        }
    }
    /// Drop the combinations matching these bin names, one per crossed point; `*` matches any
    /// bin (SystemVerilog `ignore_bins`: combinations the design cannot produce).
    pub fn ignore(mut self, names: &[&str]) -> Cross {
        self.ignore
            .push(names.iter().map(|s| s.to_string()).collect());
        self
    }
    pub fn rules(mut self, rules: &[RuleId]) -> Cross {
        self.rules.extend_from_slice(rules);
        self
    }
    pub fn weight(mut self, w: u32) -> Cross {
        self.weight = w;
        self
    }
    pub fn at_least(mut self, n: u64) -> Cross {
        self.at_least = n;
        self
    }
}

/// A covergroup: a goal in percent and a weight in the total.
#[derive(Clone, Debug)]
pub struct Group {
    name: String,
    goal: f64,
    weight: u32,
}

impl Group {
    pub fn new(name: &str) -> Group {
        Group {
            name: name.to_string(),
            goal: 100.0,
            weight: 1,
        }
    }
    /// Goal in percent, 0-100 (default 100).
    pub fn goal(mut self, percent: f64) -> Group {
        self.goal = percent;
        self
    }
    pub fn weight(mut self, w: u32) -> Group {
        self.weight = w;
        self
    }
}

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
        self.bins
            .iter()
            .position(|b| b.full_name == full_name)
            .map(|i| BinId(i as u32))
    }

    /// The `k`-th bin of a point, in definition order.
    #[inline]
    pub fn point_bin(&self, p: PointId, k: usize) -> BinId {
        let it = &self.items[p.0 as usize];
        debug_assert!(k < it.len as usize);
        BinId(it.first + k as u32)
    }

    /// The first bin of a point whose value, range or set contains `v` (a short linear scan;
    /// event bins never match). No allocation.
    #[inline]
    pub fn point_value_bin(&self, p: PointId, v: u64) -> Option<BinId> {
        let it = &self.items[p.0 as usize];
        let bins = &self.bins[it.first as usize..(it.first + it.len) as usize];
        bins.iter()
            .position(|b| b.matcher.contains(v))
            .map(|k| BinId(it.first + k as u32))
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

/// Builds a [`CoverDef`]. Ids returned while building stay valid in the built definition.
#[derive(Debug)]
pub struct DefBuilder {
    def: CoverDef,
    errors: Vec<String>,
}

impl DefBuilder {
    pub fn new(name: &str) -> DefBuilder {
        DefBuilder {
            def: CoverDef {
                name: name.to_string(),
                fingerprint: String::new(),
                groups: Vec::new(),
                items: Vec::new(),
                bins: Vec::new(),
            },
            errors: Vec::new(),
        }
    }

    pub fn group(&mut self, g: Group) -> GroupId {
        if !(0.0..=100.0).contains(&g.goal) {
            self.errors
                .push(format!("group {}: goal {} is not a percentage", g.name, g.goal));
        }
        self.check_name_str("group", &g.name);
        if self.def.groups.iter().any(|x| x.name == g.name) {
            self.errors.push(format!("group {} twice", g.name));
        }
        self.def.groups.push(GroupInfo {
            name: g.name,
            goal: g.goal,
            weight: g.weight,
            items: Vec::new(),
        });
        GroupId(self.def.groups.len() as u32 - 1)
    }

    pub fn point(&mut self, g: GroupId, p: Point) -> PointId {
        if p.bins.is_empty() {
            self.errors.push(format!("point {}: no bins", p.name));
        }
        let names: Vec<&String> = p.bins.iter().map(|b| &b.name).collect();
        for (i, n) in names.iter().enumerate() {
            self.check_name_str(&format!("bin of {}", p.name), n);
            if names[..i].contains(n) {
                self.errors.push(format!("point {}: bin {n} twice", p.name));
            }
        }
        let bins = p
            .bins
            .into_iter()
            .map(|b| {
                let at_least = b.at_least.unwrap_or(p.at_least);
                (b.name, b.matcher, b.rules, at_least, b.weight)
            })
            .collect();
        PointId(self.add_item(g, &p.name, p.weight, bins, None))
    }

    pub fn cross(&mut self, g: GroupId, c: Cross) -> CrossId {
        if c.points.len() < 2 {
            self.errors
                .push(format!("cross {}: needs at least two points", c.name));
        }
        let points: Vec<usize> = c.points.iter().map(|p| p.0 as usize).collect();
        let sizes: Vec<usize> = points.iter().map(|&p| self.def.items[p].len as usize).collect();
        let mut strides = vec![0; points.len()];
        let mut total = 1usize;
        for i in (0..points.len()).rev() {
            strides[i] = total;
            total *= sizes[i];
        }
        for pattern in &c.ignore {
            let ok = pattern.len() == points.len()
                && pattern.iter().zip(&points).all(|(n, &p)| {
                    n == "*" || self.item_bins(p).iter().any(|b| &b.name == n)
                });
            if !ok {
                self.errors
                    .push(format!("cross {}: ignore {:?} names no bins", c.name, pattern));
            }
        }
        let mut map = vec![IGNORED; total];
        let mut bins = Vec::new();
        for (combo, slot) in map.iter_mut().enumerate() {
            let parts: Vec<&BinInfo> = points
                .iter()
                .zip(&strides)
                .zip(&sizes)
                .map(|((&p, &s), &n)| &self.item_bins(p)[(combo / s) % n])
                .collect();
            let ignored = c.ignore.iter().any(|pat| {
                pat.len() == parts.len()
                    && pat.iter().zip(&parts).all(|(n, b)| n == "*" || *n == b.name)
            });
            if ignored {
                continue;
            }
            *slot = bins.len() as u32;
            let name = parts.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join("&");
            let mut rules: Vec<RuleId> = parts.iter().flat_map(|b| b.rules.iter().copied()).collect();
            rules.extend_from_slice(&c.rules);
            bins.push((name, Match::Event, rules, c.at_least, 1));
        }
        let info = CrossInfo {
            points,
            strides,
            map: map.into_boxed_slice(),
        };
        CrossId(self.add_item(g, &c.name, c.weight, bins, Some(info)))
    }

    /// The `k`-th bin of a point already added (ids are final: the built definition keeps them).
    pub fn point_bin(&self, p: PointId, k: usize) -> BinId {
        let it = &self.def.items[p.0 as usize];
        assert!(k < it.len as usize, "point {} has no bin {k}", it.name);
        BinId(it.first + k as u32)
    }

    /// An event point: one event bin per `(name, rules)`; returns the point and its bin ids in
    /// the same order.
    pub fn event_point<const N: usize>(&mut self, g: GroupId, name: &str, bins: [(&str, &[RuleId]); N]) -> (PointId, [BinId; N]) {
        let p = self.point(g, Point::new(name).bins(bins.iter().map(|(n, r)| Bin::event(n).rules(r))));
        (p, std::array::from_fn(|k| self.point_bin(p, k)))
    }

    /// The definition, or the first problem found while building it.
    pub fn build(mut self) -> Result<CoverDef, CoverError> {
        if let Some(e) = self.errors.first() {
            return Err(CoverError::Definition(e.clone()));
        }
        self.def.fingerprint = fingerprint(&self.def);
        Ok(self.def)
    }

    fn item_bins(&self, item: usize) -> &[BinInfo] {
        let it = &self.def.items[item];
        &self.def.bins[it.first as usize..(it.first + it.len) as usize]
    }

    #[allow(clippy::type_complexity)]
    fn add_item(
        &mut self,
        g: GroupId,
        name: &str,
        weight: u32,
        bins: Vec<(String, Match, Vec<RuleId>, u64, u32)>,
        cross: Option<CrossInfo>,
    ) -> u32 {
        let gi = g.0 as usize;
        let group = self.def.groups[gi].name.clone();
        let siblings: Vec<&String> = self.def.groups[gi]
            .items
            .iter()
            .map(|&i| &self.def.items[i].name)
            .collect();
        if siblings.contains(&&name.to_string()) {
            self.errors.push(format!("group {group}: item {name} twice"));
        }
        self.check_name_str("point", name);
        let item = self.def.items.len();
        let first = self.def.bins.len() as u32;
        let len = bins.len() as u32;
        for (bin, matcher, mut rules, at_least, w) in bins {
            if at_least == 0 {
                self.errors.push(format!("{group}.{name}.{bin}: at_least 0"));
            }
            rules.sort();
            rules.dedup();
            self.def.bins.push(BinInfo {
                full_name: format!("{group}.{name}.{bin}"),
                name: bin,
                rules,
                at_least,
                weight: w,
                item,
                matcher,
            });
        }
        self.def.items.push(ItemInfo {
            name: name.to_string(),
            group: gi,
            weight,
            first,
            len,
            cross,
        });
        self.def.groups[gi].items.push(item);
        item as u32
    }

    fn check_name_str(&mut self, what: &str, name: &str) {
        if name.is_empty() || name.contains('.') || name.contains(char::is_whitespace) {
            self.errors
                .push(format!("{what} name {name:?}: must be non-empty, without dots or spaces"));
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
