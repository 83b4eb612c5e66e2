//! JSON-lines trace: write/read round trip, malformed input, recent-transaction ring.

use models::pcie::{PageRequest, PrgResponse, RespCode};
use tb::trace::{read_trace, RecentTxns, TraceWriter};
use tb::txn::{IrqLine, Stamped, Txn};

fn sample() -> Vec<Stamped> {
    let msg = PageRequest { rid: 0x100, pv: true, pasid: 5, r: true, l: true, prgi: 3, page: 0xF_FFFF_FFFF_FFFF, ..Default::default() };
    let txns = [
        Txn::PageRequest { msg },
        Txn::MemWrite { addr: 0x8000_0010, bytes: 16, data: [u64::MAX, 0x1234, 0, 0] },
        Txn::MemAck { err: true },
        Txn::RegWrite { addr: 0x20, data: 3 },
        Txn::RegRead { addr: 0x100C8, data: 1 << 31 | 2 },
        Txn::Command { words: [0x41 | 1 << 11, 2 << 12, 0, 0], n: 2 },
        Txn::Response { rsp: PrgResponse { rid: 0x100, pv: false, pasid: 0, prgi: 3, code: RespCode::Reserved(7) } },
        Txn::Response { rsp: PrgResponse { rid: 0x100, pv: true, pasid: 5, prgi: 3, code: RespCode::Success } },
        Txn::Irq { line: IrqLine::Gerror },
        Txn::SyncDone,
        // VT-d: a page_req_dsc, an invalidation-queue descriptor, a status write and an MSI.
        Txn::MemWrite { addr: 0x8000_0020, bytes: 32, data: [0x0100_0001, 1 << 2, 0, 0] },
        Txn::Command { words: [0x25, 0xDEAD_BEEF_u64 << 2, 0, 0], n: 4 },
        Txn::StatusWrite { addr: 0x9000_0008, data: 7 },
        Txn::Msi { addr: 0xFEE0_1000, data: 0x41 },
    ];
    txns.iter().enumerate().map(|(i, &txn)| Stamped { cycle: 10 + i as u64, txn }).collect()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tb-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn trace_round_trip() {
    let p = tmp("round_trip.jsonl");
    let v = sample();
    let mut w = TraceWriter::create(&p).unwrap();
    for t in &v {
        w.write(t).unwrap();
    }
    w.finish().unwrap();
    assert!(w.write(&v[0]).is_err(), "write after finish must fail");
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.lines().count(), v.len());
    assert!(text.lines().next().unwrap().starts_with(r#"{"cycle":10,"kind":"page_request","msg":{"#), "{text}");
    assert!(text.contains(r#"{"cycle":19,"kind":"sync_done"}"#), "{text}");
    assert_eq!(read_trace(&p).unwrap(), v);
}

#[test]
fn trace_flushes_on_drop() {
    let p = tmp("drop.jsonl");
    {
        let mut w = TraceWriter::create(&p).unwrap();
        w.write(&sample()[0]).unwrap();
    }
    assert_eq!(read_trace(&p).unwrap().len(), 1);
}

#[test]
fn trace_malformed_line_names_line_number() {
    let p = tmp("bad.jsonl");
    let good = serde_json::to_string(&sample()[0]).unwrap();
    std::fs::write(&p, format!("{good}\n\n{good}\n{{\"cycle\":3,\"kind\":\"warp_drive\"}}\n")).unwrap();
    let e = read_trace(&p).unwrap_err().to_string();
    assert!(e.contains("bad.jsonl:4:"), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
    let missing = read_trace(tmp("nope.jsonl")).unwrap_err().to_string();
    assert!(missing.contains("nope.jsonl"), "{missing}");
}

#[test]
fn trace_recent_ring() {
    let mut r = RecentTxns::new(4);
    for t in sample() {
        r.push(t);
    }
    // The ring keeps the last four of the sample, oldest first.
    let n = sample().len() as u64;
    let cycles: Vec<u64> = r.iter().map(|t| t.cycle).collect();
    assert_eq!(cycles, (10 + n - 4..10 + n).collect::<Vec<_>>());
    assert_eq!(r.render().lines().count(), 4);
}

#[test]
fn trace_doc_example_parses() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/trace.md");
    let text = std::fs::read_to_string(doc).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(r#"{"cycle""#)).collect();
    assert_eq!(lines.len(), 12);
    let p = tmp("doc.jsonl");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let v = read_trace(&p).unwrap();
    // The example's entry is the encoding of its page request.
    let (Txn::PageRequest { msg }, Txn::MemWrite { data, .. }) = (v[0].txn, v[1].txn) else { panic!() };
    assert_eq!(tb::smmuv3::checkers::encode_priq_entry(&msg), [data[0], data[1]]);
    // The event-queue example's record is the encoding of its input record with STAG 0.
    let (Txn::EventAccepted { rec }, Txn::EventWrite { data, .. }) = (v[8].txn, v[9].txn) else { panic!() };
    assert_eq!(models::smmuv3::event::EventRecord::encode_input(&rec, 0), data);
}
