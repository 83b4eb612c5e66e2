//! The `smmuv3_priq` parameters under an RTL configuration, for the timed model, the checkers,
//! the host and the tests (the defaults are `PriqParams::default()`, the RTL's).

use crate::config::{ConfigError, RtlConfig};
use crate::env::Env;
use models::smmuv3::timing::PriqParams;

/// The model parameters of a configuration; an override `smmuv3_priq` does not have is an error.
pub fn model_params(config: &RtlConfig) -> Result<PriqParams, ConfigError> {
    let mut p = PriqParams::default();
    for (name, v) in &config.overrides {
        let v = *v;
        match name.as_str() {
            "PRIQS" => p.priqs = v,
            "ING_DEPTH" => p.ing_depth = v as usize,
            "AUTO_DEPTH" => p.auto_depth = v as usize,
            "SW_DEPTH" => p.sw_depth = v as usize,
            "CR0ACK_LAT" => p.cr0ack_lat = v as usize,
            "EVENTQS" => p.eventqs = v,
            "STALL_MAX" => p.stall_max = v,
            "EV_DEPTH" => p.ev_depth = v as usize,
            "SR_DEPTH" => p.sr_depth = v as usize,
            "EGRESS_SLOTS" => p.egress_slots = v as usize,
            _ => return Err(ConfigError::NoSuchParameter { config: config.name.clone(), top: "smmuv3_priq", parameter: name.clone() }),
        }
    }
    Ok(p)
}

/// Every parameter by its RTL name.
pub fn named(p: &PriqParams) -> Vec<(&'static str, u32)> {
    vec![
        ("PRIQS", p.priqs),
        ("ING_DEPTH", p.ing_depth as u32),
        ("AUTO_DEPTH", p.auto_depth as u32),
        ("SW_DEPTH", p.sw_depth as u32),
        ("CR0ACK_LAT", p.cr0ack_lat as u32),
        ("EVENTQS", p.eventqs),
        ("STALL_MAX", p.stall_max),
        ("EV_DEPTH", p.ev_depth as u32),
        ("SR_DEPTH", p.sr_depth as u32),
        ("EGRESS_SLOTS", p.egress_slots as u32),
    ]
}

/// The parameters of the build a test sequence runs on (checked when the run started).
pub fn of(env: &Env) -> PriqParams {
    model_params(&env.config).expect("checked by run")
}
