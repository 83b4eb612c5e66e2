//! Checking a port map against the two tops it ties together (the contract's ports and the DUT's,
//! both as Verilator reads them) and turning it into the wiring the wrapper is generated from.
//! Every mismatch is one [`Problem`] naming both sides.

use super::file::{Binding, PortMapFile};
use super::Problem;
use crate::flavor::OptionalFeature;
use sim::{PortDir, PortInfo};

/// The contract port whose value is a register offset (`[registers]` remaps it): the register
/// bus every top shares (`crate::dut`).
pub const REG_ADDR: &str = "reg_addr";

/// How the wrapper connects the contract's ports to the DUT's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wiring {
    pub dut_top: String,
    /// The contract's ports: the wrapper's own.
    pub contract: Vec<PortInfo>,
    /// Every DUT input with what drives each of its bit ranges.
    pub dut_inputs: Vec<(PortInfo, Vec<Drive>)>,
    /// Every DUT output (connected; unused ones are left dangling).
    pub dut_outputs: Vec<PortInfo>,
    /// Every contract output with what it reads.
    pub contract_outputs: Vec<(String, Read)>,
    /// Register offsets as the DUT decodes them: contract offset -> DUT offset, a permutation
    /// (empty: offsets unchanged).
    pub remap: Vec<(u64, u64)>,
}

/// Bits `msb:lsb` (the DUT's declared indices) of a DUT input, and their source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drive {
    pub msb: u32,
    pub lsb: u32,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A contract input, maybe inverted (`reg_addr` through the remap).
    Contract { name: String, invert: bool },
    /// A `[dut_ties]` constant.
    Const(u64),
}

/// What a contract output reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    Dut { port: String, msb: u32, lsb: u32, invert: bool },
    Const(u64),
}

/// "contract pr_prgi (in, 9 bits)".
pub fn contract_side(p: &PortInfo) -> String {
    format!("contract {} ({}, {} bits)", p.name, dir_word(p.dir), p.width)
}

/// "DUT req_attr (in, 16 bits)" or "DUT req_attr[12:5]".
fn dut_side(p: &PortInfo, slice: Option<(u32, u32)>) -> String {
    match slice {
        Some((m, l)) if m == l => format!("DUT {}[{m}]", p.name),
        Some((m, l)) => format!("DUT {}[{m}:{l}]", p.name),
        None => format!("DUT {} ({}, {} bits)", p.name, dir_word(p.dir), p.width),
    }
}

fn dir_word(d: PortDir) -> &'static str {
    match d {
        PortDir::In => "in",
        PortDir::Out => "out",
        PortDir::InOut => "inout",
    }
}

fn fits(value: u64, width: u32) -> bool {
    width >= 64 || value >> width == 0
}

/// Check `file` against the contract's and the DUT's ports, `absent` the features the DUT leaves
/// out, and wire them.
pub fn bind(file: &PortMapFile, contract: &[PortInfo], dut: &[PortInfo], absent: &[&OptionalFeature]) -> Result<Wiring, Problem> {
    if let Some(p) = dut.iter().find(|p| p.dir == PortDir::InOut) {
        return Err(Problem::Other(format!("{}: inout ports are not supported", dut_side(p, None))));
    }
    for (name, _) in &file.ports {
        if !contract.iter().any(|p| &p.name == name) {
            return Err(Problem::UnknownContractPort { name: name.clone(), flavor: file.flavor.clone() });
        }
    }
    let remap = remap(file, contract)?;
    let mut drives: Vec<Vec<(Drive, String)>> = vec![Vec::new(); dut.len()];
    let mut contract_outputs = Vec::new();
    for c in contract {
        let feature = absent.iter().find(|f| f.owns_port(&c.name));
        let side = contract_side(c);
        let binding = file.ports.iter().find(|(n, _)| n == &c.name).map(|(_, b)| b);
        let (port, bits, invert) = match (binding, feature) {
            (Some(Binding::Tie(v)), _) => {
                if !fits(*v, c.width) {
                    return Err(Problem::TieTooWide { side, value: *v, width: c.width });
                }
                if c.dir == PortDir::Out {
                    contract_outputs.push((c.name.clone(), Read::Const(*v)));
                }
                continue;
            }
            (None, Some(_)) => {
                if c.dir == PortDir::Out {
                    contract_outputs.push((c.name.clone(), Read::Const(0)));
                }
                continue;
            }
            (Some(Binding::Dut { port, .. }), Some(f)) => {
                return Err(Problem::Other(format!("{side} -> DUT {port}: the port belongs to `{}`, listed as absent", f.name)))
            }
            (None, None) => return Err(Problem::Unmapped { side }),
            (Some(Binding::Dut { port, bits, invert }), None) => (port, bits, *invert),
        };
        let Some(di) = dut.iter().position(|p| &p.name == port) else {
            return Err(Problem::UnknownDutPort { side, port: port.clone(), top: file.top.clone() });
        };
        let d = &dut[di];
        let (msb, lsb) = match bits {
            None => (d.lsb + d.width - 1, d.lsb),
            Some(text) => slice(text, d, &side)?,
        };
        let sliced = bits.as_ref().map(|_| (msb, lsb));
        if c.dir != d.dir {
            return Err(Problem::Direction { side, dut: dut_side(d, sliced), dir: dir_word(d.dir) });
        }
        let width = msb - lsb + 1;
        if width != c.width {
            let dut = dut_side(d, sliced.or(Some((msb, lsb))));
            return Err(Problem::Width { side, dut, width });
        }
        if invert && width != 1 {
            return Err(Problem::Other(format!("{side} -> {}: invert = true is for 1-bit ports only", dut_side(d, sliced))));
        }
        match c.dir {
            PortDir::In => {
                let source = Source::Contract { name: c.name.clone(), invert };
                drives[di].push((Drive { msb, lsb, source }, side));
            }
            _ => contract_outputs.push((c.name.clone(), Read::Dut { port: d.name.clone(), msb, lsb, invert })),
        }
    }
    for (name, v) in &file.dut_ties {
        let Some(di) = dut.iter().position(|p| &p.name == name) else {
            return Err(Problem::Other(format!("[dut_ties] {name}: {} has no such port", file.top)));
        };
        let d = &dut[di];
        let side = format!("[dut_ties] {}", dut_side(d, None));
        if d.dir != PortDir::In {
            return Err(Problem::Other(format!("{side}: only DUT inputs can be tied")));
        }
        if let Some((_, by)) = drives[di].first() {
            return Err(Problem::Other(format!("{side}: also driven by {by}")));
        }
        if !fits(*v, d.width) {
            return Err(Problem::TieTooWide { side, value: *v, width: d.width });
        }
        drives[di].push((Drive { msb: d.lsb + d.width - 1, lsb: d.lsb, source: Source::Const(*v) }, side));
    }
    let mut dut_inputs = Vec::new();
    for (d, mut ds) in dut.iter().zip(drives) {
        if d.dir != PortDir::In {
            continue;
        }
        ds.sort_by_key(|(x, _)| x.lsb);
        for w in ds.windows(2) {
            let ((a, a_by), (b, b_by)) = (&w[0], &w[1]);
            if b.lsb <= a.msb {
                let (m, l) = (a.msb.min(b.msb), b.lsb);
                return Err(Problem::Overlap { first: a_by.clone(), second: b_by.clone(), dut: dut_side(d, Some((m, l))) });
            }
        }
        // The first bit no drive covers, walking up from the port's lsb.
        let mut next = d.lsb;
        for (x, _) in &ds {
            if x.lsb > next {
                break;
            }
            next = x.msb + 1;
        }
        if next < d.lsb + d.width {
            let end = ds.iter().map(|(x, _)| x.lsb).find(|&l| l > next).map_or(d.lsb + d.width - 1, |l| l - 1);
            return Err(Problem::Undriven { dut: dut_side(d, Some((end, next))), top: file.top.clone() });
        }
        dut_inputs.push((d.clone(), ds.into_iter().map(|(x, _)| x).collect()));
    }
    Ok(Wiring {
        dut_top: file.top.clone(),
        contract: contract.to_vec(),
        dut_inputs,
        dut_outputs: dut.iter().filter(|p| p.dir == PortDir::Out).cloned().collect(),
        contract_outputs,
        remap,
    })
}

/// `"4"` or `"13:5"` within the DUT port's declared range; `side` is the contract port's.
fn slice(text: &str, d: &PortInfo, side: &str) -> Result<(u32, u32), Problem> {
    let bad = |why: String| Problem::Other(format!("{side} -> DUT {}[{text}]: {why}", d.name));
    let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad(format!("`{text}` is not a bit index or MSB:LSB")));
    let (m, l) = match text.split_once(':') {
        Some((m, l)) => (num(m)?, num(l)?),
        None => (num(text)?, num(text)?),
    };
    let top = d.lsb + d.width - 1;
    if m < l {
        return Err(bad(format!("MSB {m} is below LSB {l}")));
    }
    if l < d.lsb || m > top {
        return Err(bad(format!("outside the port's bits [{top}:{}]", d.lsb)));
    }
    Ok((m, l))
}

/// `[registers]` as a permutation of offsets: the listed pairs, and each DUT offset a moved
/// register now occupies sent to an offset one of them freed (so nothing the contract means to
/// reach at that offset lands on the moved register).
fn remap(file: &PortMapFile, contract: &[PortInfo]) -> Result<Vec<(u64, u64)>, Problem> {
    if file.registers.is_empty() {
        return Ok(vec![]);
    }
    let addr = contract.iter().find(|p| p.name == REG_ADDR);
    let bound = matches!(file.ports.iter().find(|(n, _)| n == REG_ADDR), Some((_, Binding::Dut { .. })));
    let Some(addr) = addr.filter(|_| bound) else {
        return Err(Problem::Other(format!("[registers] needs contract {REG_ADDR} mapped to a DUT port")));
    };
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    for (c, d) in &file.registers {
        let bad = |why: String| Problem::BadOffset { contract: c.clone(), dut: d.clone(), why };
        let parse = |s: &str| {
            let t = s.trim();
            let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
                None => t.parse::<u64>(),
            };
            v.map_err(|_| bad(format!("`{s}` is not an offset (0x... or decimal)")))
        };
        let (cv, dv) = (parse(c)?, parse(d)?);
        for (what, v) in [("contract", cv), ("DUT", dv)] {
            if !fits(v, addr.width) {
                return Err(bad(format!("the {what} offset does not fit in {REG_ADDR}'s {} bits", addr.width)));
            }
            if v % 4 != 0 {
                return Err(bad(format!("the {what} offset is not a multiple of 4")));
            }
        }
        if let Some((pc, _)) = pairs.iter().find(|(_, pd)| *pd == dv) {
            return Err(bad(format!("DUT offset {dv:#x} is also the target of contract offset {pc:#x}")));
        }
        if cv != dv {
            pairs.push((cv, dv));
        }
    }
    let sources: Vec<u64> = pairs.iter().map(|p| p.0).collect();
    let targets: Vec<u64> = pairs.iter().map(|p| p.1).collect();
    let mut displaced: Vec<u64> = targets.iter().copied().filter(|t| !sources.contains(t)).collect();
    let mut freed: Vec<u64> = sources.iter().copied().filter(|s| !targets.contains(s)).collect();
    displaced.sort_unstable();
    freed.sort_unstable();
    pairs.extend(displaced.into_iter().zip(freed));
    pairs.sort_unstable();
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::ports::Storage;

    fn port(name: &str, dir: PortDir, width: u32) -> PortInfo {
        PortInfo { name: name.into(), dir, width, cpp_name: name.into(), storage: Storage::U64, words: 2, lsb: 0 }
    }
    use PortDir::{In, Out};

    /// A contract of six ports and a DUT that packs two of them into one bus.
    fn contract() -> Vec<PortInfo> {
        vec![
            port("clk", In, 1),
            port("rst_n", In, 1),
            port("pr_exe", In, 1),
            port("pr_prgi", In, 9),
            port("reg_addr", In, 20),
            port("pr_ready", Out, 1),
            port("ev_valid", In, 1),
            port("irq_evtq", Out, 1),
        ]
    }
    fn dut() -> Vec<PortInfo> {
        vec![
            port("clock", In, 1),
            port("reset", In, 1),
            PortInfo { lsb: 4, ..port("req_attr", In, 10) },
            port("addr", In, 20),
            port("ready", Out, 1),
            port("scan_en", In, 1),
        ]
    }
    const GOOD: &str = r#"
flavor = "smmuv3"
top = "alt"
absent = ["evtq"]
[ports]
clk = "clock"
rst_n = { port = "reset", invert = true }
pr_exe = { port = "req_attr", bits = "4" }
pr_prgi = { port = "req_attr", bits = "13:5" }
reg_addr = "addr"
pr_ready = "ready"
[dut_ties]
scan_en = 0
[registers]
"0x100C8" = "0x00F00"
"#;
    static EVTQ: OptionalFeature =
        OptionalFeature { name: "evtq", port_prefixes: &["ev_"], ports: &["irq_evtq"], test_prefix: "evtq_", rule_prefix: "SMMU-EVTQ-" };

    /// The problem of GOOD with `from` replaced by `to` (which must occur once).
    fn problem(from: &str, to: &str) -> Problem {
        assert_eq!(GOOD.matches(from).count(), 1, "{from}");
        let f = super::super::file::parse(&GOOD.replace(from, to)).unwrap();
        bind(&f, &contract(), &dut(), &[&EVTQ]).unwrap_err()
    }

    /// The one-line message of a problem, checked to name both sides.
    fn line(p: &Problem, contract: &str, dut: &str) -> String {
        let s = p.to_string();
        assert!(!s.contains('\n') && s.contains(contract) && s.contains(dut), "{s}");
        s
    }

    #[test]
    fn a_good_map_wires_every_port() {
        let f = super::super::file::parse(GOOD).unwrap();
        let w = bind(&f, &contract(), &dut(), &[&EVTQ]).unwrap();
        let attr = &w.dut_inputs.iter().find(|(p, _)| p.name == "req_attr").unwrap().1;
        assert_eq!(attr.iter().map(|d| (d.msb, d.lsb)).collect::<Vec<_>>(), [(4, 4), (13, 5)]);
        assert!(w.contract_outputs.contains(&("irq_evtq".to_string(), Read::Const(0))), "absent outputs read 0");
        assert_eq!(w.remap, vec![(0xF00, 0x100C8), (0x100C8, 0xF00)], "the moved register's DUT offset is sent to the freed one");
    }

    #[test]
    fn unknown_ports_on_either_side() {
        let p = problem("pr_ready = \"ready\"", "pr_ready = \"ready\"\npr_bogus = \"ready\"");
        assert!(matches!(p, Problem::UnknownContractPort { .. }), "{p:?}");
        line(&p, "pr_bogus", "smmuv3");
        let p = problem("pr_ready = \"ready\"", "pr_ready = \"rdy\"");
        assert!(matches!(p, Problem::UnknownDutPort { .. }), "{p:?}");
        line(&p, "contract pr_ready (out, 1 bits)", "DUT rdy");
    }

    #[test]
    fn a_contract_port_left_out_is_missing() {
        let p = problem("pr_ready = \"ready\"\n", "");
        assert!(matches!(p, Problem::Unmapped { .. }), "{p:?}");
        line(&p, "contract pr_ready (out, 1 bits)", "not mapped");
        // Unless its feature is absent: ev_valid and irq_evtq are not in GOOD at all.
        let f = super::super::file::parse(GOOD).unwrap();
        let p = bind(&f, &contract(), &dut(), &[]).unwrap_err();
        line(&p, "ev_valid", "not mapped");
    }

    #[test]
    fn an_absent_features_port_cannot_be_mapped() {
        let p = problem("pr_ready = \"ready\"", "pr_ready = \"ready\"\nev_valid = \"scan_en\"");
        line(&p, "contract ev_valid", "absent");
    }

    #[test]
    fn widths_must_match_the_slice() {
        let p = problem("bits = \"13:5\"", "bits = \"12:5\"");
        assert!(matches!(p, Problem::Width { .. }), "{p:?}");
        assert!(line(&p, "contract pr_prgi (in, 9 bits)", "DUT req_attr[12:5] is 8 bits").contains("-> DUT"));
        let p = problem("reg_addr = \"addr\"", "reg_addr = { port = \"req_attr\", bits = \"13:4\" }");
        line(&p, "contract reg_addr (in, 20 bits)", "DUT req_attr[13:4] is 10 bits");
    }

    #[test]
    fn directions_must_match() {
        let p = problem("pr_ready = \"ready\"", "pr_ready = \"scan_en\"");
        assert!(matches!(p, Problem::Direction { .. }), "{p:?}");
        line(&p, "contract pr_ready (out, 1 bits)", "DUT scan_en");
    }

    #[test]
    fn overlapping_slices_name_both_contract_ports() {
        let p = problem("bits = \"4\"", "bits = \"5\"");
        assert!(matches!(p, Problem::Overlap { .. }), "{p:?}");
        let s = line(&p, "contract pr_exe", "DUT req_attr[5]");
        assert!(s.contains("contract pr_prgi"), "{s}");
    }

    #[test]
    fn undriven_dut_input_bits_are_an_error() {
        let p = problem("scan_en = 0\n", "");
        assert!(matches!(p, Problem::Undriven { .. }), "{p:?}");
        line(&p, "DUT scan_en", "[dut_ties]");
        // A [dut_ties] port is tied whole, or not at all.
        let p = problem("scan_en = 0", "scan_en = 0\nreq_attr = 0");
        line(&p, "DUT req_attr", "also driven by contract");
        let f = super::super::file::parse(GOOD).unwrap();
        let mut d = dut();
        d[2].width = 16;
        let p = bind(&f, &contract(), &d, &[&EVTQ]).unwrap_err();
        line(&p, "DUT req_attr[19:14]", "alt");
    }

    #[test]
    fn ties_must_fit() {
        let p = problem("pr_ready = \"ready\"", "pr_ready = { tie = 2 }");
        assert!(matches!(p, Problem::TieTooWide { .. }), "{p:?}");
        line(&p, "contract pr_ready (out, 1 bits)", "tie = 2");
        let p = problem("scan_en = 0", "scan_en = 3");
        line(&p, "DUT scan_en", "tie = 3");
    }

    #[test]
    fn dut_ties_name_a_whole_dut_input() {
        line(&problem("scan_en = 0", "scan_en = 0\nscan_mode = 0"), "[dut_ties] scan_mode", "alt has no such port");
        line(&problem("scan_en = 0", "scan_en = 0\nready = 0"), "[dut_ties] DUT ready (out, 1 bits)", "only DUT inputs");
    }

    #[test]
    fn inout_dut_ports_are_refused() {
        let f = super::super::file::parse(GOOD).unwrap();
        let mut d = dut();
        d.push(port("pad", PortDir::InOut, 1));
        line(&bind(&f, &contract(), &d, &[&EVTQ]).unwrap_err(), "DUT pad (inout, 1 bits)", "not supported");
    }

    #[test]
    fn invert_only_on_one_bit() {
        let p = problem("bits = \"13:5\"", "bits = \"13:5\", invert = true");
        line(&p, "contract pr_prgi", "1-bit");
    }

    #[test]
    fn bad_slices() {
        line(&problem("bits = \"13:5\"", "bits = \"5:13\""), "contract pr_prgi", "below");
        line(&problem("bits = \"13:5\"", "bits = \"21:13\""), "contract pr_prgi", "outside the port's bits [13:4]");
        line(&problem("bits = \"13:5\"", "bits = \"x\""), "contract pr_prgi", "not a bit index");
    }

    #[test]
    fn bad_offsets() {
        let p = problem("\"0x00F00\"", "\"0xF02\"");
        assert!(matches!(p, Problem::BadOffset { .. }), "{p:?}");
        line(&p, "0x100C8", "multiple of 4");
        line(&problem("\"0x00F00\"", "\"0x100000\""), "0x100C8", "does not fit");
        line(&problem("\"0x00F00\"", "\"zz\""), "0x100C8", "not an offset");
        line(&problem("\"0x100C8\" = \"0x00F00\"", "\"0x100C8\" = \"0x00F00\"\n\"0x100CC\" = \"0xF00\""), "0x100CC", "also the target");
        line(&problem("reg_addr = \"addr\"", "reg_addr = { tie = 0 }"), "[registers]", "reg_addr mapped");
    }
}
