//! The registration list: the one place that names every flavor. Adding a flavor is its folder
//! (an implementation of [`Flavor`]) and one line here.

use crate::flavor::Flavor;
use crate::registry::TestDef;

/// Every registered flavor, in report order.
pub static ALL: &[&dyn Flavor] = &[&crate::smmuv3::Smmuv3, &crate::vtd::Vtd];

/// A flavor or test name that is not registered; one line listing the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown flavor '{name}' (known: {})", known.join(", "))]
    UnknownFlavor { name: String, known: Vec<&'static str> },
    #[error("unknown test '{name}'{} (known: {})", flavor.as_ref().map_or(String::new(), |f| format!(" for flavor {f}")), known.join(", "))]
    UnknownTest { name: String, flavor: Option<String>, known: Vec<&'static str> },
}

/// A flavor by its name; an unknown name is a one-line error listing the known ones.
pub fn by_name(name: &str) -> Result<&'static dyn Flavor, LookupError> {
    ALL.iter().copied().find(|f| f.name() == name).ok_or_else(|| LookupError::UnknownFlavor { name: name.into(), known: names() })
}

/// The names of every flavor.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|f| f.name()).collect()
}

/// A registered test by name, in one flavor or in any (test names are unique across flavors),
/// with the flavor it belongs to.
pub fn find_test(flavor: Option<&str>, name: &str) -> Result<(&'static dyn Flavor, &'static TestDef), LookupError> {
    let candidates: Vec<&'static dyn Flavor> = match flavor {
        Some(f) => vec![by_name(f)?],
        None => ALL.to_vec(),
    };
    candidates.iter().find_map(|f| f.tests().iter().find(|t| t.name == name).map(|t| (*f, t))).ok_or_else(|| LookupError::UnknownTest {
        name: name.into(),
        flavor: flavor.map(str::to_string),
        known: candidates.iter().flat_map(|f| f.tests()).map(|t| t.name).collect(),
    })
}
