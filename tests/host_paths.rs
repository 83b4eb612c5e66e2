//! The host-path classes (`tb::host_paths`) on both flavors: a few seeds of each class pass,
//! and together the runs of a flavor hit every bin of its `host_paths` covergroup (the classes do
//! what they claim, not just pass quietly).

mod common;

use tb::coverage::CoverData;
use tb::run;

const CLASSES: [&str; 4] = ["iommufd", "iommufd_detach", "paging", "provisioned"];

#[test]
fn host_path_classes_pass_and_hit_every_bin() {
    for (flavor, prefix) in [("smmuv3", ""), ("vtd", "vtd_")] {
        let def = tb::flavors::by_name(flavor).unwrap().coverage();
        let mut sum = CoverData::new(def);
        for class in CLASSES {
            let test = format!("{prefix}{class}");
            let t = tb::flavors::find_test(Some(flavor), &test).unwrap().1;
            let seeds = if t.random { 8 } else { 1 };
            for seed in 1..=seeds {
                let r = run::run(&(t.scenario)(seed), &common::opts()).unwrap();
                assert_eq!(r.status, run::Status::Pass, "{test} seed {seed}: {}", r.failure.unwrap_or_default());
                sum.merge(r.functional.as_ref().expect("runs sample coverage")).unwrap();
            }
        }
        let missed: Vec<&str> = def
            .bins()
            .iter()
            .enumerate()
            .filter(|(i, b)| b.full_name.starts_with("host_paths.") && sum.counts()[*i] == 0)
            .map(|(_, b)| b.full_name.as_str())
            .collect();
        assert!(def.bins().iter().any(|b| b.full_name.starts_with("host_paths.")), "{flavor} has no host_paths bins");
        assert!(missed.is_empty(), "{flavor}: bins never hit in 8 seeds of each class: {missed:?}");
    }
}
