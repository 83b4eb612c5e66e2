//! The Slurm path (`scripts/slurm/`): a single-node Slurm started on this machine runs a
//! regression as a job array of shards (`regress --shard $SLURM_ARRAY_TASK_ID/3`) and a merge
//! job that depends on it; the merged results, functional and code coverage equal a local run
//! of the same regression. The daemons run as root (`scripts/slurm/local-cluster.sh` installs
//! Debian's slurm-wlm and munge when missing, and stops exactly the daemons it started, by
//! their pid files). Run by another user, the test says why it cannot run and does nothing.

mod common;

use common::{iommu_tb, root, text};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tb::regress::ResultsFile;

/// A small regression of both flavors, with code coverage and sign-off gates (toggle: every
/// metric, on the shards too).
const REGRESSION: &[&str] = &[
    "--seeds",
    "3",
    "--config",
    "default",
    "--test",
    "random",
    "--test",
    "vtd_random",
    "--test",
    "basic_write",
    "--test",
    "vtd_basic_write",
];
const GATE: &[&str] = &["--gate", "pass-rate=100,toggle=1"];
const SHARDS: &str = "3";

fn script(name: &str) -> PathBuf {
    root().join("scripts/slurm").join(name)
}

/// Stops the cluster's daemons when the test ends, passed or not.
struct Cluster {
    dir: PathBuf,
    conf: String,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        stop(dir); // daemons of an earlier, interrupted run
        let o = Command::new(script("local-cluster.sh")).arg("start").arg(dir).output().unwrap();
        assert!(o.status.success(), "local cluster did not start: {}{}", text(&o.stdout), text(&o.stderr));
        Cluster { dir: dir.to_path_buf(), conf: text(&o.stdout).trim().to_string() }
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf).env("IOMMU_TB", env!("CARGO_BIN_EXE_iommu-tb")).current_dir(root());
        c
    }

    /// Wait until none of `jobs` is queued or running.
    fn wait(&self, jobs: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let o = self.command("squeue").args(["-h", "-j", jobs, "-o", "%i %T"]).output().unwrap();
            let left = text(&o.stdout);
            if o.status.success() && left.trim().is_empty() {
                return;
            }
            assert!(start.elapsed() < limit, "jobs {jobs} still queued after {limit:?}: {left}{}", text(&o.stderr));
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

fn stop(dir: &Path) {
    let _ = Command::new(script("local-cluster.sh")).arg("stop").arg(dir).status();
}

impl Drop for Cluster {
    fn drop(&mut self) {
        stop(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| text(&o.stdout).trim() == "0")
}

/// What a run is, for comparing regressions: (test, configuration, seed, status, cycles, rule).
fn runs(r: &ResultsFile) -> Vec<(String, String, u64, String, u64, Option<String>)> {
    r.runs
        .iter()
        .map(|x| (x.test.clone(), x.scenario.config.clone(), x.seed, format!("{:?}", x.status), x.cycles, x.rule.clone()))
        .collect()
}

#[test]
fn job_array_and_merge_equal_a_local_run() {
    if !is_root() {
        eprintln!("slurm test not run: the single-node Slurm daemons need root (CI runs as root)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("slurm");
    let out = dir.join("out");
    let local = dir.join("local");
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&local);
    // Short: the munge and slurmd sockets live there, and a socket path has at most 107 bytes.
    let cluster_dir = std::env::temp_dir().join(format!("iommutb-slurm-{}", std::process::id()));
    let cluster = Cluster::start(&cluster_dir);

    let o = cluster.command(script("submit.sh")).arg(SHARDS).arg(&out).args(REGRESSION).args(GATE).output().unwrap();
    assert!(o.status.success(), "submit failed: {}{}", text(&o.stdout), text(&o.stderr));
    let ids = text(&o.stdout);
    let (array, merge) = ids.trim().split_once(' ').unwrap_or_else(|| panic!("submit printed '{ids}', not two job ids"));

    // The local run while the cluster works.
    let local_out = local.to_str().unwrap();
    let o = iommu_tb(&[&["regress", "--out", local_out], REGRESSION, GATE].concat());
    assert_eq!(o.status.code(), Some(0), "local regress: {}{}", text(&o.stdout), text(&o.stderr));

    cluster.wait(&format!("{array},{merge}"), Duration::from_secs(180));
    let log = |name: &str| std::fs::read_to_string(out.join("logs").join(name)).unwrap_or_default();
    let merged = ResultsFile::load(&out.join("merged/results.json"))
        .unwrap_or_else(|e| panic!("{e}\nmerge log:\n{}\nshard 1 log:\n{}", log("merge.log"), log("shard-1.log")));
    let whole = ResultsFile::load(&local.join("results.json")).unwrap();

    // Every shard ran as an array task, and together they are the local run.
    let mut from_shards = 0;
    for k in 1..=3 {
        let shard = ResultsFile::load(&out.join(format!("shard-{k}/results.json"))).unwrap();
        assert_eq!(shard.shard.as_deref(), Some(format!("{k}/{SHARDS}").as_str()));
        assert!(!shard.runs.is_empty(), "shard {k} ran nothing");
        from_shards += shard.runs.len();
    }
    assert_eq!(from_shards, whole.runs.len(), "the shards partition the regression");
    assert_eq!(merged.shard, None);
    assert_eq!(runs(&merged), runs(&whole));
    assert_eq!(merged.summary.total, whole.summary.total);
    assert_eq!((merged.summary.passed, merged.summary.cycles), (whole.summary.passed, whole.summary.cycles));
    assert_eq!(merged.functional, whole.functional);
    assert_eq!(merged.functional_by_config, whole.functional_by_config);
    assert_eq!(merged.rtl, whole.rtl);
    let dat = |d: &Path| sim::coverage::Dataset::read(&d.join("coverage.dat")).unwrap();
    let merged_dat = dat(&out.join("merged"));
    assert!(merged_dat.metrics().contains("toggle"), "the shards collected every metric for the toggle gate");
    assert_eq!(merged_dat, dat(&local), "merged code coverage");
    assert!(log("merge.log").contains("gate toggle=1"), "the merge applied the gates:\n{}", log("merge.log"));
    drop(cluster);
    for daemon in ["munged", "slurmctld", "slurmd"] {
        assert!(!cluster_dir.join(format!("{daemon}.pid")).exists(), "{daemon} stopped");
    }
    let _ = std::fs::remove_dir_all(&cluster_dir);
}
