//! The accepted messages and what the descriptor writes and acks say of each (`Ledger`), kept
//! the same way by every VT-d checker that needs to know which message a descriptor is for.

use super::codec::decode_page_req;
use super::pointers::{WriteFifo, WriteKind};
use crate::checkers::entry::DecodedEntry;
use crate::checkers::ledger::{Ledger, WriteMatch};
use crate::txn::{Stamped, Txn};

/// What one transaction did to the message log.
pub(crate) struct Step {
    /// A descriptor write: its decoding and the message it was matched to.
    pub write: Option<(DecodedEntry, WriteMatch)>,
    /// An ack: the kind of write it acknowledged.
    pub acked: Option<WriteKind>,
}

pub(crate) struct MessageLog {
    pub ledger: Ledger,
    writes: WriteFifo,
}

impl MessageLog {
    pub fn new() -> Self {
        MessageLog { ledger: Ledger::new(), writes: WriteFifo::new() }
    }

    pub fn observe(&mut self, t: &Stamped) -> Step {
        let mut write = None;
        match &t.txn {
            Txn::PageRequest { msg } => {
                self.ledger.accept(t.cycle, msg);
            }
            Txn::MemWrite { data, .. } => {
                let (e, _) = decode_page_req(data);
                write = Some((e, self.ledger.on_write(t.cycle, &e)));
            }
            _ => {}
        }
        let acked = self.writes.observe(t.cycle, &t.txn);
        if acked == Some(WriteKind::Descriptor) {
            self.ledger.on_ack(false);
        }
        Step { write, acked }
    }
}
