//! A fuzz session: cases drawn from the flavor's strategy (`strategy::case`) run on `jobs`
//! threads through `run::run` (the session's judge and the protocol checkers), until the budget is
//! spent or a case fails. A failing case is then shrunk by proptest's value tree to a minimal
//! program that still fails with the same rule. Steering raises the weight of action kinds
//! whose cases hit coverage bins not hit before (in this session or in a given baseline).

use super::program::{FoundOn, Kind};
use super::strategy::{case, Weights};
use crate::compare::CompareMode;
use crate::coverage::CoverData;
use crate::flavor::Flavor;
use crate::run::{self, RunOptions, RunResult, Status};
use crate::scenario::Scenario;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What can stop a fuzz session or refuse its input; each displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    #[error("time budget `{0}`: give a positive number of seconds, or N followed by s, m or h (e.g. 10m)")]
    BadBudget(String),
    #[error("cannot draw fuzz case {case}: {reason}")]
    Draw { case: u64, reason: String },
    #[error("fuzz case {0} drew a different scenario the second time: generation is not deterministic")]
    NotDeterministic(u64),
    #[error(transparent)]
    Run(#[from] run::RunError),
    #[error("cannot write {}: {source}", path.display())]
    Save { path: PathBuf, source: std::io::Error },
}

/// When a session ends (unless a case fails first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    Time(Duration),
    Cases(u64),
}

impl std::str::FromStr for Budget {
    type Err = FuzzError;
    /// A time budget: `90s`, `10m`, `1h` or plain seconds.
    fn from_str(s: &str) -> Result<Budget, FuzzError> {
        let bad = || FuzzError::BadBudget(s.to_string());
        let (num, unit) = match s.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
            _ => (s, 's'),
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            _ => return Err(bad()),
        };
        if secs == 0 {
            return Err(bad());
        }
        Ok(Budget::Time(Duration::from_secs(secs)))
    }
}

pub struct SessionConfig {
    pub flavor: &'static dyn Flavor,
    /// RTL configurations cases are drawn from (the first is where shrinking heads).
    pub configs: Vec<String>,
    pub budget: Budget,
    pub jobs: usize,
    pub seed: u64,
    /// Bias generation toward action kinds that find coverage holes.
    pub steer: bool,
    /// Coverage already reached elsewhere (a results.json): only bins it lacks count as new.
    pub baseline: Option<CoverData>,
    /// Where the RTL and the build cache are, and the port-mapped DUT if the configurations
    /// name one.
    pub opts: RunOptions,
    /// The judge of every case (the protocol checkers run in every mode): lockstep for the
    /// embedded RTL, ordered for a port-mapped DUT (`CompareMode::default_for`).
    pub compare: CompareMode,
    /// Most runs spent shrinking a failure.
    pub shrink_runs: usize,
}

/// What the progress display shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub cases: u64,
    pub failures: u64,
    pub covered: usize,
    pub bins: usize,
}

/// A failure and its shrunk form.
pub struct Found {
    pub case: u64,
    /// Seconds from the session start to the first failing run.
    pub after_s: f64,
    pub original: RunResult,
    pub shrunk: RunResult,
    pub shrink_runs: usize,
}

pub struct Outcome {
    pub cases: u64,
    pub elapsed_s: f64,
    pub found: Option<Found>,
    /// Coverage growth: (seconds, cases, bins hit) each time new bins were hit.
    pub growth: Vec<(f64, u64, usize)>,
    pub covered: usize,
    pub bins: usize,
    /// The steering weights at the end, by action kind.
    pub weights: Weights,
}

/// Shared state of the workers.
struct State {
    next: u64,
    done: u64,
    covered: CoverData,
    credit: [u64; Kind::ALL.len()],
    weights: Weights,
    /// Weights each started case was drawn with (to regenerate it for shrinking).
    drawn: Vec<(u64, Weights)>,
    failure: Option<(u64, f64, RunResult)>,
    growth: Vec<(f64, u64, usize)>,
    error: Option<FuzzError>,
}

/// The proptest runner of case `k` of a session seeded `seed`: each case has its own RNG so
/// that it can be drawn again, on any thread, for shrinking.
fn runner(seed: u64, k: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&k.to_le_bytes());
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

fn bins_hit(c: &CoverData) -> usize {
    c.counts().iter().filter(|&&n| n > 0).count()
}

/// Weights after steering: each kind's starting weight, raised up to fourfold by its share of
/// the credit (new bins hit by cases that used it). Kinds a surface lacks stay at zero.
pub fn steered(initial: &Weights, credit: &[u64; Kind::ALL.len()]) -> Weights {
    let most = credit.iter().copied().max().unwrap_or(0).max(1);
    let mut w = initial.0;
    for (k, c) in w.iter_mut().zip(credit) {
        *k += *k * 3 * (*c).min(most) as u32 / most as u32;
    }
    Weights(w)
}

/// Runs a scenario of a fuzz case with its recorded reset state.
fn run_case(sc: &Scenario, cfg: &SessionConfig) -> Result<RunResult, run::RunError> {
    let reset = sc.program.as_ref().map(|p| p.reset).unwrap_or_default();
    run::run(sc, &RunOptions { reset, keep_log: true, compare: Some(cfg.compare), ..cfg.opts.clone() })
}

pub fn run_session(cfg: &SessionConfig, progress: &(dyn Fn(Progress) + Sync), stop: &AtomicBool) -> Result<Outcome, FuzzError> {
    let surface = cfg.flavor.fuzz();
    let def = cfg.flavor.coverage();
    let initial = Weights::initial(surface);
    let covered = cfg.baseline.clone().unwrap_or_else(|| CoverData::new(def));
    let start_bins = bins_hit(&covered);
    let state = Mutex::new(State {
        next: 0,
        done: 0,
        covered,
        credit: [0; Kind::ALL.len()],
        weights: initial.clone(),
        drawn: Vec::new(),
        failure: None,
        growth: vec![(0.0, 0, start_bins)],
        error: None,
    });
    let start = Instant::now();
    let halt = AtomicBool::new(false);
    let out_of_budget = |next: u64| match cfg.budget {
        Budget::Time(t) => start.elapsed() >= t,
        Budget::Cases(n) => next >= n,
    };
    std::thread::scope(|s| {
        for _ in 0..cfg.jobs.max(1) {
            s.spawn(|| loop {
                if halt.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                    return;
                }
                let (k, weights) = {
                    let mut st = state.lock().unwrap();
                    if out_of_budget(st.next) {
                        return;
                    }
                    let k = st.next;
                    st.next += 1;
                    let w = st.weights.clone();
                    st.drawn.push((k, w.clone()));
                    (k, w)
                };
                let strategy = case(cfg.flavor.name(), surface, cfg.configs.clone(), &weights);
                let sc = match strategy.new_tree(&mut runner(cfg.seed, k)) {
                    Ok(t) => t.current(),
                    Err(e) => {
                        state.lock().unwrap().error = Some(FuzzError::Draw { case: k, reason: e.to_string() });
                        halt.store(true, Ordering::Relaxed);
                        return;
                    }
                };
                let result = run_case(&sc, cfg);
                let mut st = state.lock().unwrap();
                let r = match result {
                    Ok(r) => r,
                    Err(e) => {
                        st.error = Some(e.into());
                        halt.store(true, Ordering::Relaxed);
                        return;
                    }
                };
                st.done += 1;
                if let Some(f) = &r.functional {
                    let before = bins_hit(&st.covered);
                    let fresh = f.counts().iter().zip(st.covered.counts()).filter(|(n, c)| **n > 0 && **c == 0).count() as u64;
                    if st.covered.merge(f).is_ok() && fresh > 0 {
                        let now = before + fresh as usize;
                        let done = st.done;
                        st.growth.push((start.elapsed().as_secs_f64(), done, now));
                        if cfg.steer {
                            for a in sc.program.iter().flat_map(|p| &p.actions) {
                                st.credit[a.kind().index()] += fresh;
                            }
                            st.weights = steered(&initial, &st.credit);
                        }
                    }
                }
                if r.status == Status::Fail && st.failure.is_none() {
                    st.failure = Some((k, start.elapsed().as_secs_f64(), r));
                    halt.store(true, Ordering::Relaxed);
                }
                progress(Progress {
                    cases: st.done,
                    failures: u64::from(st.failure.is_some()),
                    covered: bins_hit(&st.covered),
                    bins: def.bins().len(),
                });
            });
        }
    });
    let st = state.into_inner().unwrap();
    if let Some(e) = st.error {
        return Err(e);
    }
    let found = match st.failure {
        Some((k, after_s, original)) => {
            let weights = st.drawn.iter().find(|(c, _)| *c == k).map(|(_, w)| w.clone()).expect("every case records its weights");
            let (shrunk, shrink_runs) = shrink(cfg, k, &weights, &original, stop)?;
            Some(Found { case: k, after_s, original, shrunk, shrink_runs })
        }
        None => None,
    };
    Ok(Outcome {
        cases: st.done,
        elapsed_s: start.elapsed().as_secs_f64(),
        found,
        growth: st.growth,
        covered: bins_hit(&st.covered),
        bins: def.bins().len(),
        weights: st.weights,
    })
}

/// Shrink failing case `k`: draw its value tree again and walk it as proptest does (simplify
/// while the case still fails with the same rule, complicate when it passes), at most
/// `cfg.shrink_runs` runs. Returns the smallest failing run and the runs spent.
fn shrink(
    cfg: &SessionConfig,
    k: u64,
    weights: &Weights,
    original: &RunResult,
    stop: &AtomicBool,
) -> Result<(RunResult, usize), FuzzError> {
    let strategy = case(cfg.flavor.name(), cfg.flavor.fuzz(), cfg.configs.clone(), weights);
    let mut tree = strategy.new_tree(&mut runner(cfg.seed, k)).map_err(|e| FuzzError::Draw { case: k, reason: format!("again: {e}") })?;
    if tree.current() != original.scenario {
        return Err(FuzzError::NotDeterministic(k));
    }
    let mut best = original.clone();
    let mut runs = 0;
    if !tree.simplify() {
        return Ok((best, runs));
    }
    while runs < cfg.shrink_runs && !stop.load(Ordering::Relaxed) {
        runs += 1;
        let r = run_case(&tree.current(), cfg)?;
        let same = r.status == Status::Fail && r.rule == original.rule;
        if same {
            best = r;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    Ok((best, runs))
}

/// Save a failing case as `dir/<flavor>/<id>.json` (the scenario, program included, with the
/// port-mapped DUT it was found on) and return its path; `id` names the rule, the session seed
/// and the case.
pub fn save(dir: &Path, r: &RunResult, found_on: Option<&FoundOn>, session_seed: u64, case: u64) -> Result<PathBuf, FuzzError> {
    let flavor_dir = dir.join(&r.scenario.flavor);
    std::fs::create_dir_all(&flavor_dir).map_err(|source| FuzzError::Save { path: flavor_dir.clone(), source })?;
    let rule = r.rule.as_deref().unwrap_or("no-rule").to_lowercase();
    let path = flavor_dir.join(format!("{rule}-seed{session_seed}-case{case}.json"));
    let mut sc = r.scenario.clone();
    if let Some(p) = sc.program.as_mut() {
        p.dut = found_on.cloned();
    }
    // A scenario is plain data: serialising it cannot fail.
    let text = serde_json::to_string_pretty(&sc).expect("a scenario serialises");
    std::fs::write(&path, text + "\n").map_err(|source| FuzzError::Save { path: path.clone(), source })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_and_bad_ones_are_refused() {
        assert_eq!("10m".parse::<Budget>().ok(), Some(Budget::Time(Duration::from_secs(600))));
        assert_eq!("90s".parse::<Budget>().ok(), Some(Budget::Time(Duration::from_secs(90))));
        assert_eq!("2h".parse::<Budget>().ok(), Some(Budget::Time(Duration::from_secs(7200))));
        assert_eq!("45".parse::<Budget>().ok(), Some(Budget::Time(Duration::from_secs(45))));
        for bad in ["", "0s", "ten", "10x", "-3m", "m"] {
            assert!(matches!(bad.parse::<Budget>(), Err(FuzzError::BadBudget(t)) if t == bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn steering_raises_the_kinds_that_found_new_bins_and_keeps_absent_kinds_absent() {
        let mut initial = Weights([2; Kind::ALL.len()]);
        initial.0[Kind::MemError.index()] = 0;
        let mut credit = [0; Kind::ALL.len()];
        credit[Kind::Consume.index()] = 10;
        credit[Kind::MemError.index()] = 10;
        credit[Kind::Wait.index()] = 5;
        let w = steered(&initial, &credit);
        assert_eq!(w.of(Kind::Consume), 8, "the kind with the most credit gets four times its weight");
        assert_eq!(w.of(Kind::Wait), 5, "half the credit, half the raise");
        assert_eq!(w.of(Kind::Group), 2, "no credit, no raise");
        assert_eq!(w.of(Kind::MemError), 0, "a kind the surface lacks never comes");
    }
}
