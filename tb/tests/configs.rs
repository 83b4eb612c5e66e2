//! The RTL configurations (rtl/configs.txt) against each flavor's parameters: every override is
//! a parameter of its top and reaches the model; the defaults are the timed model's.

use tb::config::{ConfigError, RtlConfig};
use tb::flavors;

#[test]
fn every_configuration_reaches_the_model_parameters() {
    for f in flavors::ALL {
        let configs = f.configs().unwrap();
        assert!(configs.len() >= 3, "{}: default and two corners", f.name());
        for cfg in &configs {
            let params = f.parameters(cfg).unwrap_or_else(|e| panic!("{e}"));
            for (name, v) in &cfg.overrides {
                assert_eq!(params.iter().find(|(k, _)| k == name).map(|(_, x)| x), Some(v), "{} {}: {name}", f.name(), cfg.name);
            }
        }
        let corners: Vec<_> = configs.iter().map(|c| f.parameters(c).unwrap()).collect();
        assert!(corners[1..].iter().all(|p| *p != corners[0]), "{}: a corner equal to the defaults", f.name());
    }
}

#[test]
fn an_override_the_top_does_not_have_is_an_error() {
    let bogus = RtlConfig { name: "bogus".into(), overrides: vec![("NR".into(), 2)] };
    let e = flavors::by_name("smmuv3").unwrap().parameters(&bogus).unwrap_err();
    assert_eq!(e, ConfigError::NoSuchParameter { config: "bogus".into(), top: "smmuv3_priq", parameter: "NR".into() });
    assert_eq!(e.to_string(), "configuration bogus: smmuv3_priq has no parameter NR");
    let bogus = RtlConfig { name: "bogus".into(), overrides: vec![("PRIQS".into(), 2)] };
    assert!(flavors::by_name("vtd").unwrap().parameters(&bogus).is_err());
}
