//! The registration list: the one place that names every flavor. Adding a flavor is its folder
//! (an implementation of [`Flavor`]) and one line here.

use crate::flavor::Flavor;
use crate::registry::TestDef;

/// Every registered flavor, in report order.
pub static ALL: &[&dyn Flavor] = &[&crate::smmuv3::Smmuv3, &crate::vtd::Vtd];

/// A flavor by its name; an unknown name is a one-line error listing the known ones.
pub fn by_name(name: &str) -> Result<&'static dyn Flavor, String> {
    ALL.iter().copied().find(|f| f.name() == name).ok_or_else(|| format!("unknown flavor '{name}' (known: {})", names().join(", ")))
}

/// The names of every flavor.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|f| f.name()).collect()
}

/// A registered test by name, in one flavor or in any (test names are unique across flavors),
/// with the flavor it belongs to.
pub fn find_test(flavor: Option<&str>, name: &str) -> Result<(&'static dyn Flavor, &'static TestDef), String> {
    let candidates: Vec<&'static dyn Flavor> = match flavor {
        Some(f) => vec![by_name(f)?],
        None => ALL.to_vec(),
    };
    candidates.iter().find_map(|f| f.tests().iter().find(|t| t.name == name).map(|t| (*f, t))).ok_or_else(|| {
        let known: Vec<&str> = candidates.iter().flat_map(|f| f.tests()).map(|t| t.name).collect();
        let scope = flavor.map_or(String::new(), |f| format!(" for flavor {f}"));
        format!("unknown test '{name}'{scope} (known: {})", known.join(", "))
    })
}
