//! The bound of the Python bench's side (b): its workload (`bench/python/workload.py`: batches
//! of page requests through the SMMUv3 PRIQ, PROD polled until it covers the batch, both groups
//! answered, CONS := PROD) written as a Rust sequence on the same engine, scenario and judges.
//! (b) runs the same verbs from Python, so the two rates measured in one process say what the
//! Python side costs and what the harness alone allows (`make bench`).

use crate::run::{run_on_worker, scenario_like, PyRunResult};
use models::pcie::{PageRequest, RespCode};
use models::smmuv3::cmd::Command;
use pyo3::prelude::*;
use tb::run::RunOptions;
use tb::smmuv3::env::Smmuv3Sequences;

// The constants of bench/python/workload.py.
const PRIQ_PROD: u32 = 0x100C8;
const PRIQ_CONS: u32 = 0x100CC;
const LOG2SIZE: u32 = 4;
const BATCH: u64 = 8;
const FUNCTIONS: [u16; 2] = [0x0100, 0x0200];
const GROUP: u64 = BATCH / FUNCTIONS.len() as u64;

/// Batch k: one group of GROUP read requests from each function, the last with L=1.
fn batch(k: u64) -> Vec<PageRequest> {
    let mut v = Vec::with_capacity(BATCH as usize);
    for (j, &rid) in FUNCTIONS.iter().enumerate() {
        for i in 0..GROUP {
            let page = k * BATCH + j as u64 * GROUP + i;
            let (pasid, prgi) = ((k % 64) as u32, (k % 512) as u16);
            v.push(PageRequest { rid, pv: true, pasid, r: true, l: i == GROUP - 1, prgi, page, ..PageRequest::default() });
        }
    }
    v
}

/// PROD (index and wrap bits) once `sent` entries were written.
fn prod_after(sent: u64) -> u64 {
    sent % (2 << LOG2SIZE)
}

/// Run the workload of `messages` page requests in Rust (`bench_rust_workload`), judged as a
/// Python engine test is; the result's cycles and wall time give the harness's rate.
#[pyfunction]
pub fn bench_workload_in_rust(messages: u64) -> PyResult<PyRunResult> {
    let f = tb::flavors::by_name("smmuv3").map_err(|e| crate::boundary::engine_error(&e.to_string()))?;
    let scenario = scenario_like(f, None, 1, "bench_rust_workload", "default", Some(1_000_000_000))?;
    let root = sim::repo_root().map_err(|e| crate::boundary::engine_error(&e.to_string()))?;
    let body: tb::run::ExternalBody<'_> = Box::new(move |bench, sc, _| {
        let env = bench.env();
        Box::pin(async move {
            env.enable_priq(sc.queue_base, LOG2SIZE).await;
            let mut sent = 0;
            for k in 0..messages / BATCH {
                env.send_all(&batch(k)).await;
                sent += BATCH;
                while env.read_reg(PRIQ_PROD).await != prod_after(sent) {}
                for rid in FUNCTIONS {
                    let c = Command::pri_resp(rid, Some((k % 64) as u32), (k % 512) as u16, RespCode::Success)
                        .expect("Success has a Resp value");
                    let [dw0, dw1] = c.encode();
                    env.command(dw0, dw1).await;
                }
                env.write_reg(PRIQ_CONS, prod_after(sent)).await;
            }
        })
    });
    Ok(PyRunResult::of(run_on_worker(&scenario, &RunOptions::for_repo(&root), &[], body)?))
}
