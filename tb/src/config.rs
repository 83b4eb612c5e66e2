//! Named RTL parameter configurations (`rtl/configs.txt`, the one list `rtl/lint.sh` lints and
//! the testbench simulates). Each is its own cached build (`-G` overrides in the build spec); the
//! flavor turns one into its model parameters (`Flavor::parameters`), and a test may name the
//! parameter ranges it needs (`TestDef::needs`).

use std::ops::RangeInclusive;

/// The configuration that keeps the RTL defaults (every scenario's unless it says otherwise).
pub const DEFAULT: &str = "default";

/// The list, compiled in: the configurations are part of what the bench knows of the RTL.
const LIST: &str = include_str!("../../rtl/configs.txt");

/// One named configuration of a top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtlConfig {
    pub name: String,
    /// Parameter overrides in file order (none for `default`).
    pub overrides: Vec<(String, u32)>,
}

impl RtlConfig {
    /// The defaults, whatever the list says.
    pub fn default_config() -> RtlConfig {
        RtlConfig { name: DEFAULT.into(), overrides: vec![] }
    }
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT
    }
    /// The `-G` overrides of the build spec.
    pub fn build_params(&self) -> Vec<(String, String)> {
        self.overrides.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
    }
}

/// A configuration list line, name or parameter the bench cannot use; one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("rtl/configs.txt line {line}: {what}: '{text}'")]
    Malformed { line: usize, what: &'static str, text: String },
    #[error("unknown configuration '{name}' for {top} (known: {})", known.join(", "))]
    UnknownForTop { name: String, top: String, known: Vec<String> },
    #[error("unknown configuration '{name}' (known: {})", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error("configuration {config}: {top} has no parameter {parameter}")]
    NoSuchParameter { config: String, top: &'static str, parameter: String },
    #[error("test {test} does not run under configuration {config}: {unmet}")]
    Unmet { test: &'static str, config: String, unmet: String },
}

/// Every configuration of `top`, in file order (`default` first). A malformed line is an error
/// naming it.
pub fn of_top(top: &str) -> Result<Vec<RtlConfig>, ConfigError> {
    parse(LIST).map(|all| all.into_iter().filter(|(t, _)| t == top).map(|(_, c)| c).collect())
}

/// A configuration of `top` by name; an unknown name is a one-line error listing the known ones.
pub fn find(top: &str, name: &str) -> Result<RtlConfig, ConfigError> {
    let all = of_top(top)?;
    all.iter().find(|c| c.name == name).cloned().ok_or_else(|| ConfigError::UnknownForTop {
        name: name.into(),
        top: top.into(),
        known: all.iter().map(|c| c.name.clone()).collect(),
    })
}

/// (top, configuration) per line of a list.
fn parse(text: &str) -> Result<Vec<(String, RtlConfig)>, ConfigError> {
    let mut out: Vec<(String, RtlConfig)> = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &'static str| ConfigError::Malformed { line: n, what, text: line.into() };
        let mut words = line.split_whitespace();
        let (Some(top), Some(name)) = (words.next(), words.next()) else { return Err(bad("needs a top and a name")) };
        let mut overrides = Vec::new();
        for w in words {
            let (k, v) = w.split_once('=').ok_or_else(|| bad("overrides are NAME=VALUE"))?;
            overrides.push((k.to_string(), v.parse::<u32>().map_err(|_| bad("values are decimal integers"))?));
        }
        if out.iter().any(|(t, c)| t == top && c.name == name) {
            return Err(bad("configuration named twice"));
        }
        if (name == DEFAULT) != overrides.is_empty() {
            return Err(bad("`default` and only it has no overrides"));
        }
        out.push((top.into(), RtlConfig { name: name.into(), overrides }));
    }
    Ok(out)
}

/// The one-word key of a run in tables, files and shards: the test, with `@config` unless
/// the configuration is the default.
pub fn run_label(test: &str, config: &str) -> String {
    if config == DEFAULT {
        test.to_string()
    } else {
        format!("{test}@{config}")
    }
}

/// The parameter ranges a test needs; `params` are every parameter's value under a configuration.
/// The first unmet need, as "NAME=value (needs lo..=hi)".
pub fn unmet(needs: &[(&str, RangeInclusive<u32>)], params: &[(&'static str, u32)]) -> Option<String> {
    needs.iter().find_map(|(name, range)| {
        let v = params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        match v {
            Some(v) if range.contains(&v) => None,
            Some(v) => Some(format!("{name}={v} (needs {}..={})", range.start(), range.end())),
            None => Some(format!("{name} is not a parameter of this top")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_parses_and_every_top_starts_with_its_defaults() {
        for top in ["smmuv3_priq", "vtd_prq"] {
            let all = of_top(top).unwrap();
            assert!(all.len() >= 2, "{top} has corners");
            assert!(all[0].is_default() && all[0].overrides.is_empty());
        }
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let e = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            parse("t default\nt a X").unwrap_err(),
            ConfigError::Malformed { line: 2, what: "overrides are NAME=VALUE", text: "t a X".into() }
        );
        assert_eq!(e("t default\nt a X"), "rtl/configs.txt line 2: overrides are NAME=VALUE: 't a X'");
        assert!(e("t default\nt a X=y").contains("decimal"));
        assert!(e("t default\nt default").contains("twice"));
        assert!(e("t a").contains("no overrides"));
        assert!(e("t default X=1").contains("no overrides"));
        assert_eq!(parse("# c\n\nt default\nt a X=1 Y=2").unwrap()[1].1.overrides, vec![("X".into(), 1), ("Y".into(), 2)]);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = find("vtd_prq", "huge").unwrap_err();
        assert!(matches!(&e, ConfigError::UnknownForTop { known, .. } if known.iter().any(|k| k == "min")), "{e:?}");
        let e = e.to_string();
        assert!(e.starts_with("unknown configuration 'huge' for vtd_prq (known: default, "), "{e}");
    }

    #[test]
    fn needs_are_checked_against_every_parameter() {
        let p = [("NR", 1u32), ("PRE_ENTRIES", 8)];
        assert_eq!(unmet(&[("PRE_ENTRIES", 2..=64)], &p), None);
        assert_eq!(unmet(&[("NR", 4..=64)], &p).as_deref(), Some("NR=1 (needs 4..=64)"));
        assert!(unmet(&[("PRIQS", 0..=19)], &p).unwrap().contains("not a parameter"));
    }
}
