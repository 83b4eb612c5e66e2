//! The `vtd_prq` parameters under an RTL configuration, for the timed model, the checkers, the
//! host and the tests (the defaults are `VtdParams::default()`, the RTL's).

use crate::config::{ConfigError, RtlConfig};
use crate::env::Env;
use models::vtd::timing::VtdParams;

/// The model parameters of a configuration; an override `vtd_prq` does not have is an error.
pub fn model_params(config: &RtlConfig) -> Result<VtdParams, ConfigError> {
    let mut p = VtdParams::default();
    for (name, v) in &config.overrides {
        let v = *v;
        match name.as_str() {
            "ING_DEPTH" => p.ing_depth = v as usize,
            "AUTO_DEPTH" => p.auto_depth = v as usize,
            "SW_DEPTH" => p.sw_depth = v as usize,
            "NR" => p.nr = v,
            "PRE_ENTRIES" => p.pre_entries = v as usize,
            _ => return Err(ConfigError::NoSuchParameter { config: config.name.clone(), top: "vtd_prq", parameter: name.clone() }),
        }
    }
    Ok(p)
}

/// Every parameter by its RTL name.
pub fn named(p: &VtdParams) -> Vec<(&'static str, u32)> {
    vec![
        ("ING_DEPTH", p.ing_depth as u32),
        ("AUTO_DEPTH", p.auto_depth as u32),
        ("SW_DEPTH", p.sw_depth as u32),
        ("NR", p.nr),
        ("PRE_ENTRIES", p.pre_entries as u32),
    ]
}

/// The parameters of the build a test sequence runs on (checked when the run started).
pub fn of(env: &Env) -> VtdParams {
    model_params(&env.config).expect("checked by run")
}
