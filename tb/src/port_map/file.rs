//! Reading a port-map file (TOML, `docs/bring-your-own-rtl.md`) into plain data. Only the shape is
//! checked here; whether the names, widths and offsets fit the two tops is `super::bind`'s job.

use super::Problem;
use toml::{Table, Value};

/// A port-map file as written.
#[derive(Clone, Debug, PartialEq)]
pub struct PortMapFile {
    pub flavor: String,
    pub top: String,
    pub absent: Vec<String>,
    /// `[parameters]`: contract parameter values of this DUT.
    pub parameters: Vec<(String, u32)>,
    /// `[ports]`: contract port -> what drives or reads it, in file order.
    pub ports: Vec<(String, Binding)>,
    /// `[dut_ties]`: DUT inputs held at a constant.
    pub dut_ties: Vec<(String, u64)>,
    /// `[registers]`: contract offset -> DUT offset, as written (checked by `bind`).
    pub registers: Vec<(String, String)>,
}

/// What a contract port is tied to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// A DUT port, whole or a slice (`bits`, as written), maybe inverted.
    Dut { port: String, bits: Option<String>, invert: bool },
    /// A constant: an input the DUT does not have (ignored), or an output it does not have.
    Tie(u64),
}

const TOP_KEYS: &[&str] = &["flavor", "top", "absent", "parameters", "ports", "dut_ties", "registers"];

/// Parse the text of a port-map file.
pub fn parse(text: &str) -> Result<PortMapFile, Problem> {
    let doc: Table = text.parse::<Table>().map_err(|e| {
        let line = e.span().map_or(0, |s| text[..s.start.min(text.len())].lines().count().max(1));
        Problem::Syntax { line, message: e.message().trim().replace('\n', " ") }
    })?;
    if let Some(k) = doc.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
        return Err(Problem::Shape(format!("unknown key `{k}` (known: {})", TOP_KEYS.join(", "))));
    }
    let string = |k: &str| match doc.get(k) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Problem::Shape(format!("`{k}` must be a string"))),
        None => Err(Problem::Shape(format!("`{k}` is missing"))),
    };
    let table = |k: &str| match doc.get(k) {
        Some(Value::Table(t)) => Ok(t.clone()),
        Some(_) => Err(Problem::Shape(format!("`{k}` must be a table ([{k}])"))),
        None => Ok(Table::new()),
    };
    let absent = match doc.get("absent") {
        None => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| Problem::Shape("`absent` must be a list of feature names".into())))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Problem::Shape("`absent` must be a list of feature names".into())),
    };
    let parameters = table("parameters")?
        .into_iter()
        .map(|(k, v)| match v.as_integer().and_then(|i| u32::try_from(i).ok()) {
            Some(n) => Ok((k, n)),
            None => Err(Problem::Shape(format!("[parameters] {k} must be an integer 0..=4294967295"))),
        })
        .collect::<Result<_, _>>()?;
    let ports = table("ports")?.into_iter().map(|(k, v)| binding(&k, &v).map(|b| (k, b))).collect::<Result<_, _>>()?;
    let dut_ties = table("dut_ties")?
        .into_iter()
        .map(|(k, v)| {
            let n = match &v {
                Value::Table(t) if t.len() == 1 => t.get("tie").and_then(constant),
                v => constant(v),
            };
            n.map(|n| (k.clone(), n))
                .ok_or_else(|| Problem::Shape(format!("[dut_ties] {k} must be a constant (`{k} = 0` or `{k} = {{ tie = 0 }}`)")))
        })
        .collect::<Result<_, _>>()?;
    let registers = table("registers")?
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(Problem::Shape(format!("[registers] \"{k}\" must map to an offset string such as \"0x000C8\""))),
        })
        .collect::<Result<_, _>>()?;
    Ok(PortMapFile { flavor: string("flavor")?, top: string("top")?, absent, parameters, ports, dut_ties, registers })
}

/// A non-negative integer or a boolean.
fn constant(v: &Value) -> Option<u64> {
    match v {
        Value::Integer(i) => u64::try_from(*i).ok(),
        Value::Boolean(b) => Some(*b as u64),
        _ => None,
    }
}

/// One `[ports]` entry: `"name"`, `{ port, bits?, invert? }` or `{ tie = N }`.
fn binding(contract: &str, v: &Value) -> Result<Binding, Problem> {
    let bad = |why: &str| Problem::Shape(format!("[ports] {contract}: {why}"));
    match v {
        Value::String(s) => Ok(Binding::Dut { port: s.clone(), bits: None, invert: false }),
        Value::Table(t) if t.contains_key("tie") => {
            if t.len() != 1 {
                return Err(bad("a tie takes no other key"));
            }
            t.get("tie").and_then(constant).map(Binding::Tie).ok_or_else(|| bad("`tie` must be a non-negative integer"))
        }
        Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| !["port", "bits", "invert"].contains(&k.as_str())) {
                return Err(bad(&format!("unknown key `{k}` (known: port, bits, invert, tie)")));
            }
            let port = t.get("port").and_then(Value::as_str).ok_or_else(|| bad("needs `port = \"DUT port\"` or `tie = N`"))?;
            let bits = match t.get("bits") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Integer(i)) => Some(i.to_string()),
                Some(_) => return Err(bad("`bits` must be \"N\" or \"MSB:LSB\"")),
            };
            let invert = match t.get("invert") {
                None => false,
                Some(Value::Boolean(b)) => *b,
                Some(_) => return Err(bad("`invert` must be true or false")),
            };
            Ok(Binding::Dut { port: port.to_string(), bits, invert })
        }
        _ => Err(bad("must be a DUT port name, { port = ..., bits = ..., invert = ... } or { tie = N }")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
flavor = "smmuv3"
top = "alt_priq"
absent = ["evtq"]
[parameters]
PRIQS = 8
[ports]
clk = "clock"
rst_n = { port = "reset", invert = true }
pr_exe = { port = "req_attr", bits = "4" }
pr_prgi = { port = "req_attr", bits = "13:5" }
cmd_dw1 = { tie = 0 }
[dut_ties]
scan_en = 0
test_mode = { tie = 1 }
[registers]
"0x100C8" = "0x000C8"
"#;

    #[test]
    fn the_documented_example_parses() {
        let f = parse(EXAMPLE).unwrap();
        assert_eq!((f.flavor.as_str(), f.top.as_str(), f.absent.as_slice()), ("smmuv3", "alt_priq", &["evtq".to_string()][..]));
        assert_eq!(f.parameters, vec![("PRIQS".to_string(), 8)]);
        let get = |k: &str| f.ports.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("clk"), Binding::Dut { port: "clock".into(), bits: None, invert: false });
        assert_eq!(get("rst_n"), Binding::Dut { port: "reset".into(), bits: None, invert: true });
        assert_eq!(get("pr_prgi"), Binding::Dut { port: "req_attr".into(), bits: Some("13:5".into()), invert: false });
        assert_eq!(get("cmd_dw1"), Binding::Tie(0));
        assert_eq!(f.dut_ties, vec![("scan_en".to_string(), 0), ("test_mode".to_string(), 1)]);
        assert_eq!(f.registers, vec![("0x100C8".to_string(), "0x000C8".to_string())]);
    }

    #[test]
    fn malformed_files_are_one_line_errors() {
        let e = |t: &str| parse(t).unwrap_err();
        let syntax = e("flavor = \"smmuv3\"\ntop = \n");
        assert!(matches!(syntax, Problem::Syntax { line: 2, .. }), "{syntax:?}");
        assert!(!syntax.to_string().contains('\n'));
        assert!(matches!(e("top = \"x\""), Problem::Shape(s) if s.contains("`flavor` is missing")));
        assert!(matches!(e("flavor = \"a\"\ntop = \"x\"\nsurprise = 1"), Problem::Shape(s) if s.contains("unknown key `surprise`")));
        let head = "flavor = \"a\"\ntop = \"x\"\n";
        assert!(matches!(e(&format!("{head}[ports]\nclk = 3")), Problem::Shape(s) if s.contains("[ports] clk")));
        assert!(
            matches!(e(&format!("{head}[ports]\nclk = {{ port = \"c\", flip = true }}")), Problem::Shape(s) if s.contains("unknown key `flip`"))
        );
        assert!(matches!(e(&format!("{head}[ports]\nclk = {{ tie = 0, port = \"c\" }}")), Problem::Shape(s) if s.contains("no other key")));
        assert!(matches!(e(&format!("{head}[ports]\nclk = {{ tie = -1 }}")), Problem::Shape(s) if s.contains("non-negative")));
        assert!(matches!(e(&format!("{head}[parameters]\nPRIQS = -1")), Problem::Shape(s) if s.contains("PRIQS")));
        assert!(matches!(e(&format!("{head}[dut_ties]\nscan = \"x\"")), Problem::Shape(s) if s.contains("[dut_ties] scan")));
        assert!(matches!(e(&format!("{head}[registers]\n\"0x10\" = 16")), Problem::Shape(s) if s.contains("[registers]")));
        assert!(matches!(e(&format!("{head}absent = \"evtq\"")), Problem::Shape(s) if s.contains("absent")));
    }
}
