//! Functional coverage: the covergroup library (bins, ranges, sets, crosses, at_least, weights,
//! goals, merge, serde, holes, rules) and the SMMUv3 PRIQ coverage model, driven by hand-built
//! edge events and by the real timed model. Sampling must not allocate (principle 6).

use std::collections::BTreeMap;
use std::time::Instant;

use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::ring::FLAG_BIT;
use models::rules::{self, RuleId};
use models::smmuv3::arch::{CmdEffect, Row};
use models::smmuv3::regs;
use models::smmuv3::timing::{CmdOutcome, EdgeEvents, PriqInputs, PriqParams, PriqTiming};
use proptest::prelude::*;
use tb::coverage::spec::{cross, event, group, point, range, set, value, Spec};
use tb::coverage::{functional_summary, CoverData, CoverDef, CoverError, CrossId, GroupId, PointId, Sampler, StaticDef};
use tb::observe::TxnCoverage;
use tb::smmuv3::coverage::Smmuv3Coverage;
use tb::testplan::TestPlan;
use tb::txn::{Stamped, Txn};

mod alloc_count;
use alloc_count::allocs;

// ---- the library ----------------------------------------------------------------------------------

const R1: RuleId = rules::SMMU_PRIQ_1;
const R2: RuleId = rules::SMMU_PRIQ_2;
const R3: RuleId = rules::PRI_31;

/// Group `g` (goal 75): point `size` (weight 2) with value/range/set bins, point `kind`
/// (weight 1) with event bins, cross `size_x_kind` (weight 0) ignoring (big, b).
const LIB: Spec = Spec::new(
    "t",
    &[group("g").goal(75.0).items(&[
        point("size").weight(2).bins(&[
            value("zero", 0, &[R1]),
            range("small", 1, 7, &[R1]),
            set("big", &[8, 16, 32], &[R1]).at_least(3),
            range("other", 9, 15, &[]).weight(0),
        ]),
        point("kind").bins(&[event("a", &[R2]), event("b", &[])]),
        cross("size_x_kind", &["size", "kind"]).ignore(&[&["big", "b"], &["other", "*"]]).rules(&[R3]).weight(0),
    ])],
);

struct Lib {
    def: CoverDef,
    size: PointId,
    kind: PointId,
    x: CrossId,
    g: GroupId,
}

fn lib(name: &'static str) -> Lib {
    Lib {
        def: CoverDef::new(&LIB.renamed(name)).unwrap(),
        size: const { LIB.point("g.size") },
        kind: const { LIB.point("g.kind") },
        x: const { LIB.cross("g.size_x_kind") },
        g: const { LIB.group("g") },
    }
}

/// Hits per bin name, of the bins hit at least once.
fn hits(def: &CoverDef, data: &CoverData) -> BTreeMap<String, u64> {
    def.bins().iter().zip(data.counts()).filter(|(_, &n)| n > 0).map(|(b, &n)| (b.full_name.clone(), n)).collect()
}

/// Every bin of a point sits where its name resolves at compile time (`Spec::bin`, `Spec::point`),
/// so sampling code that names bins hits exactly them.
fn assert_names_resolve_to_built_bins(spec: &Spec, def: &CoverDef) {
    for (i, b) in def.bins().iter().enumerate() {
        let item = &def.items()[b.item];
        if item.crossed().is_none() && !tb::coverage::judges::is_generated(&def.groups()[item.group].name) {
            assert_eq!(spec.bin(&b.full_name).index(), i, "{}", b.full_name);
            let group = &def.groups()[item.group].name;
            let p = spec.point(&format!("{group}.{}", item.name));
            assert_eq!(p.bin(i - item.first as usize).index(), i, "{}", b.full_name);
        }
    }
}

fn count(def: &CoverDef, d: &CoverData, name: &str) -> u64 {
    d.count(def.find(name).unwrap_or_else(|| panic!("no bin {name}")))
}

#[test]
fn coverage_lib_bins_values_ranges_sets_and_names() {
    let l = lib("t");
    let d = &l.def;
    let names: Vec<&str> = d.bins().iter().map(|b| b.full_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "g.size.zero",
            "g.size.small",
            "g.size.big",
            "g.size.other",
            "g.kind.a",
            "g.kind.b",
            "g.size_x_kind.zero&a",
            "g.size_x_kind.zero&b",
            "g.size_x_kind.small&a",
            "g.size_x_kind.small&b",
            "g.size_x_kind.big&a",
        ]
    );
    let at = |v| d.point_value_bin(l.size, v).map(|b| d.bin(b).name.clone());
    assert_eq!(at(0).as_deref(), Some("zero"));
    assert_eq!(at(1).as_deref(), Some("small"));
    assert_eq!(at(7).as_deref(), Some("small"));
    assert_eq!(at(16).as_deref(), Some("big"));
    assert_eq!(at(8).as_deref(), Some("big"), "first matching bin wins");
    assert_eq!(at(9).as_deref(), Some("other"));
    assert_eq!(at(17), None);
    assert_eq!(d.point_value_bin(l.kind, 0), None, "event bins never match a value");
    // Cross bins: ignored combinations have no bin; rules are the union of the parts' and the cross's.
    assert_eq!(d.cross_bin(l.x, &[2, 1]), None);
    assert_eq!(d.cross_bin(l.x, &[3, 0]), None);
    let za = d.cross_bin(l.x, &[0, 0]).unwrap();
    assert_eq!(d.bin(za).rules, vec![R3, R1, R2].into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>());
    assert_eq!(d.bin(d.cross_bin(l.x, &[1, 1]).unwrap()).full_name, "g.size_x_kind.small&b");
    assert_eq!(d.items()[l.x_index()].crossed(), Some(&[0usize, 1][..]));
}

impl Lib {
    fn x_index(&self) -> usize {
        self.def.items().iter().position(|i| i.name == "size_x_kind").unwrap()
    }
}

#[test]
fn coverage_lib_sampling_at_least_weights_and_goal() {
    let l = lib("t");
    let d = &l.def;
    let mut c = CoverData::new(d);
    assert_eq!(d.group_percent(&c, l.g).unwrap(), 0.0);
    // size: zero, small covered; big needs 3 hits.
    c.hit_opt(d.point_value_bin(l.size, 0));
    c.hit_opt(d.point_value_bin(l.size, 5));
    c.hit_opt(d.point_value_bin(l.size, 8));
    c.hit_opt(d.point_value_bin(l.size, 32));
    assert_eq!(count(d, &c, "g.size.big"), 2);
    // size: bin weights 1,1,1,0 -> 2/3; kind: nothing -> 0; cross weight 0.
    // group = (2 * 66.67 + 1 * 0) / 3
    let p = d.group_percent(&c, l.g).unwrap();
    assert!((p - 200.0 / 3.0 * 2.0 / 3.0).abs() < 1e-9, "{p}");
    c.hit_opt(d.point_value_bin(l.size, 16)); // big reaches at_least 3
    c.hit(l.kind.bin(0));
    let p = d.group_percent(&c, l.g).unwrap();
    assert!((p - (2.0 * 100.0 + 50.0) / 3.0).abs() < 1e-9, "{p}");
    let gc = d.group_coverage(&c).unwrap();
    assert_eq!(gc.len(), 1);
    assert_eq!(gc[0].name, "t.g");
    assert_eq!(gc[0].goal, 75.0);
    assert!(gc[0].percent > gc[0].goal);
    // sample_cross counts the parts and the combination; an ignored combination only the parts.
    d.sample_cross(&mut c, l.x, &[1, 1]);
    assert_eq!(count(d, &c, "g.size.small"), 2);
    assert_eq!(count(d, &c, "g.kind.b"), 1);
    assert_eq!(count(d, &c, "g.size_x_kind.small&b"), 1);
    let before: u64 = c.counts().iter().sum();
    d.sample_cross(&mut c, l.x, &[2, 1]);
    assert_eq!(c.counts().iter().sum::<u64>(), before + 2);
    assert_eq!(d.group_percent(&c, l.g).unwrap(), 100.0);
    assert_eq!(d.total_percent(&c).unwrap(), 100.0);
}

#[test]
fn coverage_lib_holes_and_rule_summary() {
    let l = lib("t");
    let d = &l.def;
    let mut c = CoverData::new(d);
    c.hit_opt(d.point_value_bin(l.size, 0));
    c.hit_opt(d.point_value_bin(l.size, 8));
    d.sample_cross(&mut c, l.x, &[0, 0]);
    let holes = d.holes(&c).unwrap();
    assert_eq!(
        holes,
        [
            "g.size.small",
            "g.size.big",
            "g.size.other",
            "g.kind.b",
            "g.size_x_kind.zero&b",
            "g.size_x_kind.small&a",
            "g.size_x_kind.small&b",
            "g.size_x_kind.big&a",
        ]
    );
    let plan = TestPlan::project();
    let s = functional_summary(&[(d, &c)], plan).unwrap();
    assert_eq!(s.rules.len(), rules::ALL.len() + rules::OPEN_POINTS.len(), "every ID of the spec is listed");
    let order: Vec<&str> = s.rules.iter().map(|r| r.rule.as_str()).collect();
    let spec: Vec<&str> = rules::ALL.iter().chain(rules::OPEN_POINTS).map(|(id, _)| id.0).collect();
    assert_eq!(order, spec, "in spec order");
    let r = |id: RuleId| s.rules.iter().find(|r| r.rule == id.0).unwrap();
    // SMMU-PRIQ-1: size.zero/small/big + 5 cross bins carrying size's rules.
    let r1 = r(R1);
    assert!(r1.applicable);
    assert_eq!((r1.bins_hit, r1.bins_total), (2, 8));
    assert_eq!(
        r1.holes,
        ["g.size.small", "g.size.big", "g.size_x_kind.zero&b", "g.size_x_kind.small&a", "g.size_x_kind.small&b", "g.size_x_kind.big&a"]
    );
    assert_eq!(r1.summary, R1.summary().unwrap());
    let r3 = r(R3);
    assert_eq!((r3.bins_hit, r3.bins_total), (1, 5));
    // Applicability comes from the test plan, with its reason: a rule the plan calls not
    // applicable is listed and never a hole; an applicable one without bins has bins_total 0,
    // which the report counts as a hole.
    let na_rule = r(rules::PRI_1);
    assert!(!na_rule.applicable);
    assert_eq!(na_rule.not_applicable.as_deref(), plan.not_applicable("PRI-1"));
    assert!(na_rule.not_applicable.as_deref().is_some_and(|w| w.contains("codecs")));
    assert_eq!((na_rule.bins_hit, na_rule.bins_total), (0, 0));
    assert!(na_rule.holes.is_empty());
    let pri7 = r(rules::PRI_7);
    assert!(pri7.applicable && pri7.not_applicable.is_none() && pri7.bins_total == 0);
    let na = plan.id.iter().filter(|e| e.not_applicable.is_some()).count();
    assert_eq!(s.rules.iter().filter(|r| r.applicable).count(), s.rules.len() - na);
    assert_eq!(s.groups.len(), 1);
}

#[test]
fn coverage_lib_merge_serde_and_mismatch() {
    let l = lib("t");
    let mut a = CoverData::new(&l.def);
    let mut b = CoverData::new(&l.def);
    a.hit(l.kind.bin(0));
    b.hit(l.kind.bin(0));
    b.hit(l.kind.bin(1));
    let json = serde_json::to_string(&b).unwrap();
    let back: CoverData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, b);
    back.check(&l.def).unwrap();
    a.merge(&back).unwrap();
    assert_eq!(count(&l.def, &a, "g.kind.a"), 2);
    assert_eq!(count(&l.def, &a, "g.kind.b"), 1);

    // Another definition (one more bin, or only a different rule) does not merge.
    const OTHER: Spec = Spec::new("t", &[group("g").goal(75.0).items(&[point("size").bins(&[value("zero", 0, &[R2])])])]);
    let other = CoverDef::new(&OTHER).unwrap();
    assert_ne!(other.fingerprint(), l.def.fingerprint());
    let o = CoverData::new(&other);
    let before = a.clone();
    let err = a.merge(&o).unwrap_err();
    assert!(matches!(err, CoverError::Mismatch { .. }));
    assert!(err.to_string().contains("cannot be used with definition t"), "{err}");
    assert_eq!(a, before, "a failed merge changes nothing");
    assert!(o.check(&l.def).is_err());
    assert!(l.def.holes(&o).is_err());
    assert!(functional_summary(&[(&l.def, &o)], TestPlan::project()).is_err());
    // The same definition built twice has the same fingerprint (data from other processes merges).
    assert_eq!(lib("t").def.fingerprint(), l.def.fingerprint());
    assert_ne!(lib("u").def.fingerprint(), l.def.fingerprint());
    let all = CoverData::merge_all([&a, &b, &back]).unwrap().unwrap();
    assert_eq!(count(&l.def, &all, "g.kind.b"), 3);
    assert_eq!(CoverData::merge_all([]).unwrap(), None);
}

#[test]
fn coverage_lib_malformed_definitions_are_errors() {
    // A const item: only there do the nested `&[..]` of a spec live for `'static`.
    const BAD: &[(Spec, &str)] = &[
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[event("x", &[]), event("x", &[])])])]), "bin x twice"),
        (Spec::new("t", &[group("g").items(&[]), group("g").items(&[])]), "group g twice"),
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[event("x", &[])]), point("p").bins(&[event("y", &[])])])]), "item p twice"),
        (Spec::new("t", &[group("g").goal(120.0).items(&[])]), "percentage"),
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[event("x", &[]).at_least(0)])])]), "at_least 0"),
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[])])]), "no bins"),
        (Spec::new("t", &[group("g").items(&[point("a.b").bins(&[event("x", &[])])])]), "dots"),
        (
            Spec::new(
                "t",
                &[group("g").items(&[
                    point("p").bins(&[event("x", &[])]),
                    point("q").bins(&[event("y", &[])]),
                    cross("c", &["p", "q"]).ignore(&[&["x", "nope"]]),
                ])],
            ),
            "names no bins",
        ),
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[event("x", &[])]), cross("c", &["p", "q"])])]), "no point q"),
        (Spec::new("t", &[group("g").items(&[point("p").bins(&[event("x", &[])]), cross("c", &["p"])])]), "at least two"),
    ];
    for (spec, want) in BAD {
        match CoverDef::new(spec) {
            Err(CoverError::Definition(m)) => assert!(m.contains(want), "{m}: expected {want}"),
            other => panic!("expected an error ({want}), got {other:?}"),
        }
    }
}

#[test]
fn coverage_lib_names_resolve_at_compile_time() {
    static DEF: StaticDef = StaticDef::new(&LIB);
    let def = DEF.get();
    assert_names_resolve_to_built_bins(&LIB, def);
    assert!(std::ptr::eq(def, DEF.get()), "built once");
    let mut s = Sampler::new(def);
    s.hit(const { LIB.bin("g.kind.b") });
    s.hit(const { LIB.point("g.size") }.bin(1));
    s.hit_value(const { LIB.point("g.size") }, 16);
    s.hit_value(const { LIB.point("g.size") }, 1000); // no bin: nothing counted
    s.cross(const { LIB.cross("g.size_x_kind") }, &[0, 0]);
    let want = [("g.size.zero", 1), ("g.size.small", 1), ("g.size.big", 1), ("g.kind.a", 1), ("g.kind.b", 1), ("g.size_x_kind.zero&a", 1)];
    assert_eq!(hits(def, s.data()), map(&want));
    assert_eq!(s.into_data().definition, "t");
}

fn counts_strategy() -> impl Strategy<Value = Vec<u64>> {
    proptest::collection::vec(0u64..1000, 11)
}

fn data_with(def: &CoverDef, counts: &[u64]) -> CoverData {
    let mut d = CoverData::new(def);
    for (i, &n) in counts.iter().enumerate() {
        let b = def.find(&def.bins()[i].full_name).unwrap();
        for _ in 0..n {
            d.hit(b);
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn coverage_lib_merge_is_associative_and_commutative(x in counts_strategy(), y in counts_strategy(), z in counts_strategy()) {
        let l = lib("t");
        let (a, b, c) = (data_with(&l.def, &x), data_with(&l.def, &y), data_with(&l.def, &z));
        let mut ab = a.clone();
        ab.merge(&b).unwrap();
        let mut ba = b.clone();
        ba.merge(&a).unwrap();
        prop_assert_eq!(&ab, &ba);
        let mut ab_c = ab.clone();
        ab_c.merge(&c).unwrap();
        let mut bc = b.clone();
        bc.merge(&c).unwrap();
        let mut a_bc = a.clone();
        a_bc.merge(&bc).unwrap();
        prop_assert_eq!(&ab_c, &a_bc);
        for i in 0..x.len() {
            prop_assert_eq!(ab_c.counts()[i], x[i] + y[i] + z[i]);
        }
    }
}

// ---- the SMMUv3 PRIQ model ---------------------------------------------------------------------------

/// The timed model with the coverage collector hooked as the bench hooks it.
struct Rig {
    model: PriqTiming,
    cov: Smmuv3Coverage,
    ack: bool,
    cycle: u64,
}

impl Rig {
    fn new() -> Rig {
        Rig { model: PriqTiming::new(PriqParams::default()), cov: Smmuv3Coverage::new(), ack: true, cycle: 0 }
    }
    fn idle(&self) -> PriqInputs {
        PriqInputs { rsp_ready: true, mw_ready: true, mwack_valid: self.ack && self.model.outputs().mwack_ready, ..Default::default() }
    }
    fn step(&mut self, inp: &PriqInputs) {
        self.cov.on_inputs(inp, &self.model);
        self.model.step(inp);
        self.cycle += 1;
        self.cov.on_edge(self.model.events(), &self.model);
        if let Some(rsp) = self.model.events().sent {
            self.cov.on_txn(&Stamped { cycle: self.cycle, txn: Txn::Response { rsp } });
        }
    }
    fn run(&mut self, n: usize) {
        for _ in 0..n {
            let i = self.idle();
            self.step(&i);
        }
    }
    fn write(&mut self, addr: u32, data: u64) {
        let i = PriqInputs { reg_valid: true, reg_write: true, reg_addr: addr, reg_wdata: data, ..self.idle() };
        self.step(&i);
        self.run(1);
    }
    fn send(&mut self, m: PageRequest) {
        loop {
            let ready = self.model.outputs().pr_ready;
            let i = PriqInputs { pr_valid: true, pr: m, ..self.idle() };
            self.step(&i);
            if ready {
                break;
            }
        }
        self.run(12);
    }
    fn enable(&mut self, log2size: u32) {
        self.write(regs::PRIQ_BASE, 0x8000_0000 | u64::from(log2size));
        self.write(regs::CR0, u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN));
        self.run(5);
    }
    fn hits(&self) -> BTreeMap<String, u64> {
        hits(Smmuv3Coverage::definition(), self.cov.data())
    }
}

fn req(prgi: u16, l: bool, pasid: Option<u32>) -> PageRequest {
    PageRequest { rid: 0x100, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), r: true, l, prgi, page: 0x1234, ..Default::default() }
}

fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn coverage_smmuv3_fill_and_overflow_hits_exactly_these_bins() {
    let mut r = Rig::new();
    r.enable(1); // two slots
    r.send(req(0, true, Some(5)));
    r.send(req(511, true, Some(5)));
    r.send(req(3, true, Some(5))); // full: row c
    r.run(10);
    let want = map(&[
        ("registers.write.base_while_disabled", 1),
        ("registers.cr0ack.enable_acknowledged", 1),
        ("admission.row.d", 2),
        ("admission.row.c", 1),
        ("admission.msg.l1_pasid", 3),
        ("admission.row_x_msg.d&l1_pasid", 2),
        ("admission.row_x_msg.c&l1_pasid", 1),
        ("queue.log2size.n1", 2),
        ("queue.wrap.kept", 1),
        ("queue.wrap.toggled", 1),
        ("queue.log2size_x_wrap.n1&kept", 1),
        ("queue.log2size_x_wrap.n1&toggled", 1),
        ("queue.fill.became_full", 1),
        ("entry.prgi.zero", 1),
        ("entry.prgi.max", 1),
        ("entry.pasid.below_max", 2),
        ("entry.perm.none", 2),
        ("entry.access.r", 2),
        ("entry.page.below_max", 2),
        ("prg.last_written.single_request", 2),
        ("overflow.event.ovflg_toggled", 1),
        ("auto_response.origin.row_c", 1),
        ("auto_response.code.success", 1),
        ("auto_response.pv.pasid", 1),
        ("auto_response.committed.success&pasid", 1),
        ("egress.commit.auto", 1),
        ("egress.sent.success", 1),
        ("interrupts.priq_trigger.lo0_write_into_empty", 1),
        ("interrupts.priq_irqen.masked", 1),
        ("interrupts.priq.lo0_write_into_empty&masked", 1),
    ]);
    assert_eq!(r.hits(), want);
}

#[test]
fn coverage_smmuv3_inhibition_acknowledgement_and_prg_order() {
    let mut r = Rig::new();
    r.enable(1);
    for k in 0..3 {
        r.send(req(k, true, None));
    }
    let prod = r.model.prod();
    assert_ne!(prod & FLAG_BIT, 0);
    // Free the queue, keep OVACKFLG: still inhibited (SMMU-PRIQ-8, SMMU-PRIQ-9).
    r.write(regs::PRIQ_CONS, u64::from(prod & 0xF_FFFF));
    r.send(req(4, true, Some(9)));
    // Acknowledge, then a two-request PRG is written in order (PRI-31).
    r.write(regs::PRIQ_CONS, u64::from(prod));
    r.send(req(6, false, Some(9)));
    r.send(req(6, true, Some(9)));
    // The queue is full again: a Stop Marker is discarded in row c, unanswered (PRI-17).
    r.send(PageRequest { rid: 0x100, pv: true, pasid: 9, l: true, ..Default::default() });
    let h = r.hits();
    let n = |k: &str| h.get(k).copied().unwrap_or(0);
    assert_eq!(n("overflow.event.cons_keeps_ovackflg"), 1);
    assert_eq!(n("queue.fill.drained_to_empty"), 1);
    assert_eq!(n("registers.write.cons_while_enabled"), 2);
    assert_eq!(n("overflow.event.inhibited_not_full"), 1);
    assert_eq!(n("overflow.event.inhibited_full"), 0);
    assert_eq!(n("auto_response.origin.row_b"), 1);
    assert_eq!(n("overflow.event.cons_acknowledges"), 1);
    assert_eq!(n("overflow.event.written_after_ack"), 1);
    assert_eq!(n("prg.last_written.after_its_members"), 1);
    assert_eq!(n("admission.row_x_msg.d&l0_pasid"), 1);
    assert_eq!(n("admission.row_x_msg.c&stop_marker"), 1);
    assert_eq!(n("auto_response.unanswered.stop_marker_discarded"), 1);
    assert_eq!(n("overflow.event.ovflg_toggled"), 2);
    assert_eq!(n("admission.row_x_msg.c&l1_nopasid"), 1);
    assert_eq!(n("auto_response.committed.success&nopasid"), 1);
    assert_eq!(n("entry.pasid.none"), 2);
    assert_eq!(n("admission.row.a"), 0);
}

#[test]
fn coverage_smmuv3_cr0ack_held_while_the_engine_waits() {
    let mut r = Rig::new();
    r.enable(3);
    r.ack = false;
    r.send(req(1, true, None)); // written, acknowledgement withheld
    r.write(regs::CR0, 0);
    r.run(10);
    let h = r.hits();
    assert!(h.contains_key("registers.cr0ack.held_while_engine_busy"), "{h:?}");
    assert!(h.contains_key("backpressure.stall.memory_ack"));
    assert!(!h.contains_key("registers.cr0ack.disable_acknowledged"));
    r.ack = true;
    r.run(10);
    assert!(r.hits().contains_key("registers.cr0ack.disable_acknowledged"));
}

#[test]
fn coverage_smmuv3_hand_built_events() {
    let model = PriqTiming::new(PriqParams::default());
    let mut cov = Smmuv3Coverage::new();
    let cmd = |opcode, effect| EdgeEvents { cmd: Some(CmdOutcome { opcode, effect }), ..Default::default() };
    let rsp = |code| PrgResponse { rid: 1, pv: false, pasid: 0, prgi: 2, code };
    cov.on_edge(&cmd(0x41, CmdEffect::Illegal), &model);
    cov.on_edge(&cmd(0x46, CmdEffect::Illegal), &model);
    cov.on_edge(&cmd(0x7F, CmdEffect::Illegal), &model);
    cov.on_edge(&cmd(0x44, CmdEffect::NoOp), &model);
    cov.on_edge(&cmd(0x41, CmdEffect::Ignored), &model);
    cov.on_edge(&cmd(0x41, CmdEffect::Respond(rsp(RespCode::InvalidRequest))), &model);
    cov.on_edge(&EdgeEvents { sync_completed: true, ..cmd(0x46, CmdEffect::Sync) }, &model);
    cov.on_edge(&EdgeEvents { sync_completed: true, ..Default::default() }, &model);
    // A Stop Marker decided in row a: no response (PRI-17); an L=0 request too.
    let sm = PageRequest { rid: 3, pv: true, pasid: 4, l: true, ..Default::default() };
    cov.on_edge(&EdgeEvents { decided: Some((Row::A_Disabled, sm)), ..Default::default() }, &model);
    let l0 = PageRequest { rid: 3, l: false, r: true, ..Default::default() };
    cov.on_edge(&EdgeEvents { decided: Some((Row::A_Disabled, l0)), ..Default::default() }, &model);
    cov.on_edge(&EdgeEvents { gerror_activated: regs::GERROR_PRIQ_ABT_ERR, write_aborted: Some(0), ..Default::default() }, &model);
    cov.on_txn(&Stamped { cycle: 1, txn: Txn::Response { rsp: rsp(RespCode::ResponseFailure) } });
    cov.on_txn(&Stamped { cycle: 2, txn: Txn::SyncDone });
    let got = hits(Smmuv3Coverage::definition(), cov.data());
    let want = map(&[
        ("commands.outcome.pri_resp_3_illegal", 1),
        ("commands.outcome.sync_cs3_illegal", 1),
        ("commands.outcome.undefined_opcode_illegal", 1),
        ("commands.outcome.noop_opcode", 1),
        ("commands.outcome.pri_resp_smmuen0_ignored", 1),
        ("commands.outcome.pri_resp_1_invalid", 1),
        ("commands.outcome.sync", 1),
        ("commands.flow.sync_completed", 2),
        ("commands.flow.sync_waited_for_responses", 1),
        ("admission.row.a", 2),
        ("admission.msg.stop_marker", 1),
        ("admission.msg.l0_nopasid", 1),
        ("admission.row_x_msg.a&stop_marker", 1),
        ("admission.row_x_msg.a&l0_nopasid", 1),
        ("auto_response.unanswered.stop_marker_discarded", 1),
        ("auto_response.unanswered.l0_discarded", 1),
        ("abort.event.write_aborted", 1),
        ("interrupts.gerror.priq_abt_err_masked", 1),
        ("egress.sent.response_failure", 1),
        ("pri_lifecycle.event.response_failure_sent", 1),
    ]);
    assert_eq!(got, want);
}

#[test]
fn coverage_smmuv3_rules_applicable_exactly_where_bins_exist() {
    let def = Smmuv3Coverage::definition();
    assert_names_resolve_to_built_bins(&tb::smmuv3::coverage::SPEC, def);
    let data = CoverData::new(def);
    let s = functional_summary(&[(def, &data)], TestPlan::project()).unwrap();
    let applicable: Vec<&str> = s.rules.iter().filter(|r| r.bins_total > 0).map(|r| r.rule.as_str()).collect();
    for id in [
        "SMMU-PRIQ-1",
        "SMMU-PRIQ-2",
        "SMMU-PRIQ-3",
        "SMMU-PRIQ-4",
        "SMMU-PRIQ-5",
        "SMMU-PRIQ-6",
        "SMMU-PRIQ-7",
        "SMMU-PRIQ-8",
        "SMMU-PRIQ-9",
        "SMMU-PRIQ-10",
        "SMMU-PRIQ-11",
        "SMMU-PRIQ-12",
        "SMMU-PRIQ-13",
        "SMMU-PRIQ-14",
        "SMMU-PRIQ-15",
        "SMMU-PRIQ-16",
        "SMMU-CMD-1",
        "SMMU-CMD-2",
        "SMMU-CMD-3",
        "SMMU-CMD-4",
        "SMMU-CMD-5",
        "SMMU-CMD-6",
        "SMMU-CMD-9",
        "SMMU-CMD-10",
        "SMMU-CMD-11",
        "DEC-1",
        "DEC-2",
        "DEC-3",
        "DEC-4",
        "DEC-12",
        "PRI-2",
        "PRI-3",
        "PRI-4",
        "PRI-16",
        "PRI-17",
        "PRI-31",
        "HOST-16",
        // PCIe PRI lifecycle around the queue (stop-PASID, release, reset).
        "PRI-19",
        "PRI-21",
        "PRI-24",
        "PRI-25",
        "PRI-26",
        "PRI-27",
        "PRI-28",
        "PRI-29",
        "PRI-30",
        "HOST-19",
        "HOST-27",
        "HOST-28",
    ] {
        assert!(applicable.contains(&id), "{id} has no bin");
    }
    // The event queue, its stalls and the commands that resolve them (issue 11).
    for id in (1..=11).map(|n| format!("SMMU-EVTQ-{n}")).chain(["SMMU-CMD-7".into(), "SMMU-CMD-8".into(), "SMMU-CMD-9".into()]) {
        assert!(applicable.contains(&id.as_str()), "{id} has no bin");
    }
    // Judged through the checkers' evaluation bins (checks.*) and passed tests (asserts.*).
    for id in ["PRI-7", "PRI-8", "PRI-9", "PRI-11", "PRI-14", "PRI-20", "DEC-11", "HOST-8"] {
        assert!(applicable.contains(&id), "{id} has no bin");
    }
    for r in &s.rules {
        assert!(r.applicable || r.bins_total == 0, "{} has bins but the plan calls it not applicable", r.rule);
        if r.rule.starts_with("VTD") {
            assert!(r.bins_total == 0 && r.holes.is_empty(), "{} has no SMMUv3 bin", r.rule);
        }
        if r.applicable {
            assert_eq!(r.holes.len() as u32, r.bins_total, "nothing sampled: every bin of {} is a hole", r.rule);
        }
    }
    // Bin names are group.point.bin and unique.
    let mut names: Vec<&str> = def.bins().iter().map(|b| b.full_name.as_str()).collect();
    assert!(names.iter().all(|n| n.split('.').count() == 3));
    names.sort();
    names.dedup();
    assert_eq!(names.len(), def.bins().len());
}

/// Traffic for the cost tests: an enabled 4-slot queue, a Linux-like CONS write now and then,
/// messages of every kind; returns the inputs of one cycle without allocating.
fn traffic(r: &Rig, k: u64) -> PriqInputs {
    let mut i = r.idle();
    i.rsp_ready = !k.is_multiple_of(3);
    i.mw_ready = !k.is_multiple_of(5);
    match k % 7 {
        0 | 3 => {
            i.pr_valid = true;
            i.pr = PageRequest {
                rid: 1,
                pv: k.is_multiple_of(2),
                pasid: (k % 2) as u32 * 7,
                r: true,
                l: k.is_multiple_of(4),
                prgi: (k % 512) as u16,
                page: k,
                ..Default::default()
            };
        }
        5 if k.is_multiple_of(11) => {
            i.reg_valid = true;
            i.reg_write = true;
            i.reg_addr = regs::PRIQ_CONS;
            i.reg_wdata = u64::from(r.model.prod());
        }
        _ => {}
    }
    i
}

#[test]
fn coverage_smmuv3_sampling_does_not_allocate() {
    let mut r = Rig::new();
    r.enable(2);
    for k in 0..1000 {
        let i = traffic(&r, k);
        r.step(&i);
    }
    let before = allocs();
    for k in 0..200_000 {
        let i = traffic(&r, k);
        r.step(&i);
    }
    let after = allocs();
    assert_eq!(after - before, 0, "sampling allocated {} times", after - before);
    let h = r.hits();
    assert!(h.len() > 30, "the workload hits many bins: {h:?}");
}

#[test]
fn coverage_smmuv3_sampling_is_cheap() {
    // A sanity figure, no timing assertion: an idle edge is a handful of branches.
    let model = PriqTiming::new(PriqParams::default());
    let mut cov = Smmuv3Coverage::new();
    let idle = EdgeEvents::default();
    let n = 2_000_000u64;
    let t = Instant::now();
    for _ in 0..n {
        cov.on_edge(std::hint::black_box(&idle), &model);
    }
    let idle_ns = t.elapsed().as_secs_f64() * 1e9 / n as f64;
    assert_eq!(cov.data().counts().iter().sum::<u64>(), 0, "an idle edge hits nothing");
    let busy = EdgeEvents {
        decided: Some((Row::D_Write, PageRequest { l: true, r: true, ..Default::default() })),
        cmd: Some(CmdOutcome { opcode: 0x46, effect: CmdEffect::Sync }),
        ..Default::default()
    };
    let t = Instant::now();
    for _ in 0..n {
        cov.on_edge(std::hint::black_box(&busy), &model);
    }
    let busy_ns = t.elapsed().as_secs_f64() * 1e9 / n as f64;
    let def = Smmuv3Coverage::definition();
    assert_eq!(cov.data().count(def.find("admission.row_x_msg.d&l1_nopasid").unwrap()), n);
    assert_eq!(cov.data().count(def.find("commands.outcome.sync").unwrap()), n);
    println!("on_edge: idle {idle_ns:.1} ns, busy {busy_ns:.1} ns");
}

// ---- the VT-d vtd_prq model ---------------------------------------------------------------------------

mod vtd {
    use super::*;
    use models::vtd::desc::{InvWaitDsc, PageGrpRespDsc};
    use models::vtd::regs as vregs;
    use models::vtd::timing::{EngineState, Job, Unit, VtdInputs, VtdParams, VtdTiming};
    use tb::vtd::coverage::VtdCoverage;

    const RID: u16 = 0x0100;
    const OFF: u16 = 0x0200;

    /// The VT-d timed model with the coverage collector hooked as a bench hooks it.
    struct VtdRig {
        model: VtdTiming,
        cov: VtdCoverage,
        cycle: u64,
    }

    impl VtdRig {
        fn new() -> VtdRig {
            VtdRig { model: VtdTiming::new(VtdParams::default()), cov: VtdCoverage::new(), cycle: 0 }
        }
        fn idle(&self) -> VtdInputs {
            VtdInputs { rsp_ready: true, mw_ready: true, mwack_valid: true, ..Default::default() }
        }
        fn step(&mut self, inp: &VtdInputs) {
            self.cov.on_inputs(inp, &self.model);
            self.model.step(inp);
            self.cycle += 1;
            self.cov.on_edge(self.model.events(), &self.model);
            if let Some(rsp) = self.model.events().sent {
                self.cov.on_txn(&Stamped { cycle: self.cycle, txn: Txn::Response { rsp } });
            }
        }
        fn run(&mut self, n: usize) {
            for _ in 0..n {
                let i = self.idle();
                self.step(&i);
            }
        }
        /// Offer `inp` until its `ready` output accepts it, then let things settle.
        fn offer(&mut self, inp: VtdInputs, ready: fn(&models::vtd::timing::VtdOutputs) -> bool) {
            loop {
                let r = ready(self.model.outputs());
                self.step(&inp);
                if r {
                    break;
                }
            }
            self.run(10);
        }
        fn write(&mut self, addr: u32, data: u64) {
            let i = VtdInputs { reg_valid: true, reg_write: true, reg_addr: addr, reg_wdata: data, ..self.idle() };
            self.offer(i, |o| o.reg_ready);
        }
        fn read(&mut self, addr: u32) {
            let i = VtdInputs { reg_valid: true, reg_addr: addr, ..self.idle() };
            self.offer(i, |o| o.reg_ready);
        }
        fn send(&mut self, m: PageRequest) {
            let i = VtdInputs { pr_valid: true, pr: m, ..self.idle() };
            self.offer(i, |o| o.pr_ready);
        }
        fn dsc(&mut self, w: [u64; 4]) {
            let i = VtdInputs { iq_valid: true, iq_qw: w, ..self.idle() };
            self.offer(i, |o| o.iq_ready);
        }
        fn setup(&mut self) {
            self.write(vregs::PQA, 0x1000_0000);
            self.write(vregs::pre_offset(0), vregs::PRE_EN | u64::from(RID));
            self.write(vregs::PEADDR, 0xFEE0_0000);
            self.write(vregs::PECTL, 0);
        }
        fn hits(&self) -> BTreeMap<String, u64> {
            hits(VtdCoverage::definition(), self.cov.data())
        }
    }

    fn last(rid: u16, prgi: u16) -> PageRequest {
        PageRequest { rid, r: true, l: true, prgi, page: 0x42, ..Default::default() }
    }

    #[track_caller]
    fn assert_hit(h: &BTreeMap<String, u64>, bins: &[&str]) {
        for b in bins {
            assert!(VtdCoverage::definition().find(b).is_some(), "no bin {b}");
            assert!(h.contains_key(*b), "{b} not hit; hits: {h:#?}");
        }
    }

    #[test]
    fn coverage_vtd_scripted_sequence_hits_these_bins() {
        let mut r = VtdRig::new();
        r.setup();
        r.send(last(RID, 1)); // row d; PPR set with IM=0: MSI
        r.send(last(OFF, 2)); // row a: fault record and Invalid Request
        r.send(PageRequest { rid: OFF, pv: true, pasid: 3, l: true, ..Default::default() }); // Stop Marker, row a
        r.dsc(PageGrpRespDsc { rid: RID, prgi: 1, rc: 0x5, ..Default::default() }.encode());
        let mut pdp = PageGrpRespDsc { rid: RID, prgi: 1, ..Default::default() }.encode();
        pdp[0] |= 1 << 5;
        r.dsc(pdp); // invalid (DEC-9): IQE
        r.write(vregs::FSTS, u64::from(vregs::FSTS_IQE));
        r.dsc(InvWaitDsc { sw: true, pd: true, fn_: true, status_data: 1, status_addr: 0x2000_0000, ..Default::default() }.encode());
        r.write(vregs::PRS, u64::from(vregs::PRS_PPR));
        r.read(vregs::FRCD_BASE + 0xC);
        r.write(vregs::PECTL, 0x15);
        r.run(10);
        let h = r.hits();
        assert_hit(
            &h,
            &[
                "admission.row_x_msg.d&l1_nopasid",
                "admission.row_x_msg.a&l1_nopasid",
                "admission.row_x_msg.a&stop_marker",
                "auto_response.auto.row_a_invalid_request&nopasid",
                "auto_response.unanswered.stop_marker&a",
                "events.pe.ppr_set_by_descriptor",
                "events.unit_x_outcome.pe&msi_on_condition",
                "events.msi_written.pe",
                "faults.outcome.recorded",
                "faults.outcome.recorded_sets_fri",
                "faults.row_a.record_and_invalid_request",
                "descriptors.taken.page_grp_resp_valid",
                "descriptors.response_code.reserved_forwarded",
                "descriptors.taken.page_grp_resp_pdp_invalid",
                "faults.software.iqe_cleared",
                "descriptors.taken.inv_wait_valid",
                "descriptors.wait_completed.pd_drain",
                "descriptors.wait_completed.sw_status_write",
                "egress.commit.auto",
                "egress.commit.software",
                "egress.sent.invalid_request",
                "egress.sent.reserved",
                "registers.prs_w1c.ppr_cleared",
                "registers.pre_table.entry_enabled",
                "prq.pqs.pqs0_128_entries",
                "descriptor_fields.access.r",
                "descriptor_fields.prgi.mid",
                "registers.read.fault_record_with_f",
                "registers.pectl.rsvdp_bits_written",
            ],
        );
        // The FE unit raised its condition with FECTL.IM=1 (reset): IP set, no MSI.
        assert_hit(&h, &["events.unit_x_outcome.fe&ip_set_while_masked"]);
        assert!(!h.contains_key("events.msi_written.fe"), "FECTL.IM=1: no fault MSI");
        assert!(!h.contains_key("admission.row_x_msg.c&l1_nopasid"), "the PRQ never filled");
    }

    #[test]
    fn coverage_vtd_full_prq_overflow_and_sticky_pro() {
        let mut r = VtdRig::new();
        r.setup();
        r.write(vregs::PQT, 125 * 32); // PQH 0: two entries fill it (N-1 = 127 held)
        for k in 0..2 {
            r.send(last(RID, k));
        }
        r.write(vregs::PRS, u64::from(vregs::PRS_PPR)); // so that setting PRO is an event
        r.send(last(RID, 7)); // row c: PRO set, auto Success
        r.write(vregs::PQH, 127 * 32); // room again, PRO still set
        r.send(last(RID, 8)); // row b
        r.write(vregs::PRS, u64::from(vregs::PRS_PRO | vregs::PRS_PPR));
        r.send(last(RID, 9)); // row d again; PQT wraps to 0
        let h = r.hits();
        assert_hit(
            &h,
            &[
                "prq.fill.full_with_n_minus_1",
                "prq.fill.pqt_wrapped",
                "prq.fill.pro_sticky_after_pqh_moved",
                "prq.fill.written_after_pro_cleared",
                "admission.row_x_msg.c&l1_nopasid",
                "admission.row_x_msg.b&l1_nopasid",
                "auto_response.auto.row_c_success&nopasid",
                "auto_response.auto.row_b_success&nopasid",
                "registers.prs_w1c.pro_cleared",
                "events.pe.pro_set_by_full",
            ],
        );
    }

    impl VtdRig {
        /// Step, acknowledging every memory write but the MSI of `u`, until that MSI is issued
        /// and waits for its ack.
        fn until_msi_in_flight(&mut self, u: Unit) {
            for _ in 0..20 {
                if self.model.engine() == EngineState::WaitAck && self.model.job() == Job::Msi(u) {
                    return;
                }
                let i = VtdInputs { mwack_valid: self.model.job() != Job::Msi(u), ..self.idle() };
                self.step(&i);
            }
            panic!("no {u:?} MSI in flight");
        }
        /// Read `addr` while the memory withholds the ack, then let it ack.
        fn read_during_msi(&mut self, addr: u32) {
            let i = VtdInputs { reg_valid: true, reg_addr: addr, mwack_valid: false, ..self.idle() };
            assert!(self.model.outputs().reg_ready);
            self.step(&i);
            self.run(10);
        }
    }

    #[test]
    fn coverage_vtd_reads_pushing_event_msis() {
        let mut r = VtdRig::new();
        r.setup();
        r.write(vregs::FEADDR, 0xFEE0_1000);
        r.write(vregs::FECTL, 0);
        for (k, addr) in [vregs::PRS, vregs::PQT, vregs::PECTL].into_iter().enumerate() {
            r.write(vregs::PRS, u64::from(vregs::PRS_PPR)); // the next descriptor raises an MSI
            let i = VtdInputs { pr_valid: true, pr: last(RID, k as u16), ..r.idle() };
            r.step(&i);
            r.until_msi_in_flight(Unit::Pe);
            r.read_during_msi(addr);
        }
        for addr in [vregs::FSTS, vregs::FECTL] {
            let i = VtdInputs { iq_valid: true, iq_qw: [0x0A, 0, 0, 0], ..r.idle() }; // IQE
            r.step(&i);
            r.until_msi_in_flight(Unit::Fe);
            r.read_during_msi(addr);
            r.write(vregs::FSTS, u64::from(vregs::FSTS_IQE));
        }
        let h = r.hits();
        assert_hit(
            &h,
            &[
                "registers.read_pushes_msi.prs_after_pe_msi_ack",
                "registers.read_pushes_msi.pqt_after_pe_msi_ack",
                "registers.read_pushes_msi.pectl_after_pe_msi_ack",
                "registers.read_pushes_msi.fsts_after_fe_msi_ack",
                "registers.read_pushes_msi.fectl_after_fe_msi_ack",
            ],
        );
        // Held by MSIs only: the descriptor-hold bins (VTD-PRQ-16) stay empty.
        assert!(!h.contains_key("registers.read.answered_after_descriptor"), "{h:#?}");
        assert!(!h.contains_key("backpressure.stall.register_read_held"), "{h:#?}");
        let def = VtdCoverage::definition();
        for b in ["registers.read_pushes_msi.prs_after_pe_msi_ack", "registers.read_pushes_msi.fsts_after_fe_msi_ack"] {
            let rules = &def.bin(def.find(b).unwrap()).rules;
            let want = if b.contains("fsts") { "VTD-FLT-8" } else { "VTD-PRQ-20" };
            assert!(rules.iter().any(|r| r.0 == want), "{b} carries {rules:?}");
        }
    }

    /// Traffic for the allocation test: inputs of one cycle, computed without allocating.
    fn traffic(r: &VtdRig, k: u64) -> VtdInputs {
        let mut i = r.idle();
        i.rsp_ready = !k.is_multiple_of(3);
        i.mw_ready = !k.is_multiple_of(5);
        i.mwack_valid = !k.is_multiple_of(4);
        match k % 7 {
            0 | 3 => {
                i.pr_valid = true;
                let rid = if k.is_multiple_of(11) { OFF } else { RID };
                i.pr = PageRequest {
                    rid,
                    pv: k.is_multiple_of(2),
                    pasid: 7,
                    r: !k.is_multiple_of(13),
                    l: k.is_multiple_of(4),
                    prgi: (k % 512) as u16,
                    page: k,
                    ..Default::default()
                };
            }
            5 => {
                i.reg_valid = true;
                (i.reg_write, i.reg_addr, i.reg_wdata) = match k % 4 {
                    0 => (true, vregs::PQH, r.model.pqt()),
                    1 => (true, vregs::PRS, 3),
                    2 => (true, vregs::FSTS, u64::from(vregs::FSTS_IQE | vregs::FSTS_PFO)),
                    _ => (false, vregs::PQT, 0),
                };
            }
            6 if k.is_multiple_of(3) => {
                i.iq_valid = true;
                i.iq_qw = if k.is_multiple_of(2) {
                    PageGrpRespDsc { rid: RID, prgi: 1, rc: (k % 16) as u8, ..Default::default() }.encode()
                } else {
                    InvWaitDsc { sw: true, pd: true, status_addr: 0x100, ..Default::default() }.encode()
                };
            }
            _ => {}
        }
        i
    }

    impl VtdRig {
        /// Run `traffic` for cycles `ks`; the allocations made meanwhile.
        fn allocs_over(&mut self, ks: std::ops::Range<u64>) -> u64 {
            let at_start = allocs();
            ks.for_each(|k| {
                let i = traffic(self, k);
                self.step(&i);
            });
            allocs() - at_start
        }
    }

    #[test]
    fn coverage_vtd_sampling_does_not_allocate() {
        let mut r = VtdRig::new();
        r.setup();
        r.allocs_over(0..1000); // warm-up: the model and data are sized by now
        assert_eq!(r.allocs_over(1000..201_000), 0, "sampling allocated");
        let h = r.hits();
        assert!(h.len() > 30, "the workload hits many bins: {h:?}");
    }

    #[test]
    fn coverage_vtd_rules_and_names() {
        let def = VtdCoverage::definition();
        assert_eq!(def.name(), VtdCoverage::DEFINITION);
        assert_names_resolve_to_built_bins(&tb::vtd::coverage::SPEC, def);
        let data = CoverData::new(def);
        let s = functional_summary(&[(def, &data)], TestPlan::project()).unwrap();
        let applicable: Vec<&str> = s.rules.iter().filter(|r| r.bins_total > 0).map(|r| r.rule.as_str()).collect();
        for r in &s.rules {
            // Every VT-d rule has a bin of this block, VTD-IQ-11 (the drain sequence) through
            // the tests that assert it.
            if r.rule.starts_with("VTD-") {
                assert!(r.applicable && r.bins_total > 0, "{} has no VT-d bin", r.rule);
            }
            if r.rule.starts_with("SMMU") {
                assert!(r.bins_total == 0, "{} has a VT-d bin", r.rule);
            }
        }
        assert!(applicable.contains(&"DEC-10") && applicable.contains(&"DEC-8"));
        let mut names: Vec<&str> = def.bins().iter().map(|b| b.full_name.as_str()).collect();
        assert!(names.iter().all(|n| n.split('.').count() == 3));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), def.bins().len());
    }
}
