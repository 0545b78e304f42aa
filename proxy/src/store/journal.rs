//! The journal: one record per [`Store::apply`](super::Store::apply) call,
//! appended to `proxy-store.journal` and fsynced before the call returns.
//!
//! A record is one line: the CRC-32 of the JSON text as 8 hex digits, a
//! space, and `{"seq":N,"changes":[…]}`. JSON escapes every control
//! character inside strings, so a newline only ends a record. Sequence
//! numbers grow by one per record; the snapshot names the last one it
//! includes (`journalSeq`), so replay skips what the snapshot already holds.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreChange;

/// The largest sequence number a journal record or a snapshot's
/// `journalSeq` may carry (2^63 - 1): far beyond any number of appends, so
/// the next record's number never overflows. A larger one is corrupt. (A
/// record numbered `u64::MAX` made the next append overflow, and in a
/// release build wrap to 0, a record the next open skipped; seen while
/// writing the `store_journal` fuzz target, which reproduces it.)
pub(super) const MAX_SEQ: u64 = i64::MAX as u64;

/// The active journal, beside `proxy-store.json`.
pub const JOURNAL_FILE: &str = "proxy-store.journal";
/// The journal being compacted into the snapshot (renamed from
/// [`JOURNAL_FILE`]; removed once the snapshot that holds it is written).
pub const PREV_JOURNAL_FILE: &str = "proxy-store.journal.prev";

#[derive(Serialize)]
struct RecordOut<'a> {
    seq: u64,
    changes: &'a [StoreChange],
}

/// A decoded record.
#[derive(Debug, Deserialize)]
pub(super) struct Record {
    pub seq: u64,
    pub changes: Vec<StoreChange>,
}

/// The line of one record, newline included.
pub(super) fn encode(seq: u64, changes: &[StoreChange]) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(&RecordOut { seq, changes })?;
    let mut line = Vec::with_capacity(json.len() + 10);
    line.extend_from_slice(format!("{:08x} ", crc32fast::hash(&json)).as_bytes());
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// Where and why reading a journal stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscardedTail {
    pub file: PathBuf,
    /// Offset of the first byte not used.
    pub offset: u64,
    /// Bytes from `offset` to the end of the file.
    pub bytes: u64,
    pub reason: String,
    /// Only the last record was bad (a write torn by a crash); otherwise
    /// records after a corrupt one were lost too.
    pub torn_last: bool,
}

/// The readable part of a journal.
#[derive(Debug)]
pub(super) struct Replay {
    pub records: Vec<Record>,
    /// Length of the valid prefix (the records).
    pub valid_len: u64,
    pub discarded: Option<DiscardedTail>,
}

/// Decodes the records of a journal file's content, stopping at the first
/// one that is incomplete or corrupt.
pub(super) fn parse(file: &Path, bytes: &[u8]) -> Replay {
    let mut records = Vec::new();
    let mut pos = 0usize;
    let mut discarded = None;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            discarded = Some(tail(file, pos, bytes.len(), "incomplete record", true));
            break;
        };
        match decode(&rest[..nl]) {
            Ok(r) => records.push(r),
            Err(reason) => {
                let torn_last = pos + nl + 1 == bytes.len();
                discarded = Some(tail(file, pos, bytes.len(), reason, torn_last));
                break;
            }
        }
        pos += nl + 1;
    }
    let valid_len = discarded.as_ref().map_or(bytes.len() as u64, |d| d.offset);
    Replay {
        records,
        valid_len,
        discarded,
    }
}

fn tail(file: &Path, pos: usize, len: usize, reason: &str, torn_last: bool) -> DiscardedTail {
    DiscardedTail {
        file: file.to_path_buf(),
        offset: pos as u64,
        bytes: (len - pos) as u64,
        reason: reason.to_owned(),
        torn_last,
    }
}

fn decode(line: &[u8]) -> Result<Record, &'static str> {
    if line.len() < 10 || line[8] != b' ' {
        return Err("malformed record");
    }
    let crc = std::str::from_utf8(&line[..8])
        .ok()
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or("malformed checksum")?;
    let json = &line[9..];
    if crc32fast::hash(json) != crc {
        return Err("checksum mismatch");
    }
    let record: Record = serde_json::from_slice(json).map_err(|_| "undecodable record")?;
    if record.seq > MAX_SEQ {
        return Err("sequence number out of range");
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(n: usize) -> Vec<StoreChange> {
        vec![StoreChange::SetSyncState(format!("S{n}"))]
    }

    fn journal(n: usize) -> Vec<u8> {
        (1..=n)
            .flat_map(|i| encode(i as u64, &changes(i)).expect("encode"))
            .collect()
    }

    #[test]
    fn records_round_trip() {
        let bytes = journal(3);
        let r = parse(Path::new("j"), &bytes);
        assert!(r.discarded.is_none());
        assert_eq!(r.valid_len, bytes.len() as u64);
        let seqs: Vec<u64> = r.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(r.records[2].changes, changes(3));
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().all(|l| l.len() > 9 && l.as_bytes()[8] == b' '));
    }

    #[test]
    fn control_characters_stay_inside_one_record() {
        let c = vec![StoreChange::SetSyncState("a\r\nb\n".into())];
        let line = encode(1, &c).expect("encode");
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let r = parse(Path::new("j"), &line);
        assert_eq!(r.records[0].changes, c);
    }

    #[test]
    fn every_torn_prefix_keeps_the_whole_records_before_it() {
        let bytes = journal(3);
        let ends: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        for cut in 0..bytes.len() {
            let r = parse(Path::new("j"), &bytes[..cut]);
            let whole = ends.iter().filter(|&&e| e <= cut).count();
            assert_eq!(r.records.len(), whole, "cut at {cut}");
            let valid = if whole == 0 { 0 } else { ends[whole - 1] };
            assert_eq!(r.valid_len, valid as u64);
            match &r.discarded {
                None => assert_eq!(cut, valid),
                Some(d) => {
                    assert!(d.torn_last, "cut at {cut}: {d:?}");
                    assert_eq!(d.offset, valid as u64);
                    assert_eq!(d.bytes, (cut - valid) as u64);
                }
            }
        }
    }

    #[test]
    fn a_flipped_bit_is_detected() {
        let bytes = journal(3);
        let second = bytes.iter().position(|&b| b == b'\n').expect("nl") + 1;
        for i in second..bytes.len() - 1 {
            if bytes[i] == b'\n' {
                continue;
            }
            let mut bad = bytes.clone();
            bad[i] ^= 0x04;
            let r = parse(Path::new("j"), &bad);
            assert!(r.records.len() <= 2, "flip at {i} not detected");
            if r.records.len() < 2 {
                // The flip hit the second record: the third is lost too.
                let d = r.discarded.expect("discarded");
                assert_eq!(d.offset, second as u64);
                assert!(!d.torn_last);
            }
        }
    }

    #[test]
    fn garbage_is_not_a_record() {
        for bad in [
            &b"\n"[..],
            b"zzzzzzzz {}\n",
            b"00000000{\"seq\":1}\n",
            b"short\n",
            b"00000000 {\"seq\":1,\"changes\":[]}\n",
        ] {
            let r = parse(Path::new("j"), bad);
            assert!(r.records.is_empty());
            assert_eq!(r.valid_len, 0);
            assert!(r.discarded.expect("discarded").torn_last);
        }
        // A valid checksum over JSON that is not a record.
        let json = br#"{"seq":"x"}"#;
        let mut line = format!("{:08x} ", crc32fast::hash(json)).into_bytes();
        line.extend_from_slice(json);
        line.push(b'\n');
        let r = parse(Path::new("j"), &line);
        assert_eq!(r.discarded.expect("discarded").reason, "undecodable record");
    }

    #[test]
    fn a_sequence_number_beyond_max_seq_is_corrupt() {
        // The store_journal fuzz target's input, with its checksum.
        for (seq, ok) in [(MAX_SEQ, true), (MAX_SEQ + 1, false), (u64::MAX, false)] {
            let json = format!(r#"{{"seq":{seq},"changes":[]}}"#);
            let line = format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes()));
            let r = parse(Path::new("j"), line.as_bytes());
            assert_eq!(r.records.len(), usize::from(ok), "seq {seq}");
            if !ok {
                let d = r.discarded.expect("discarded");
                assert_eq!(d.reason, "sequence number out of range");
                assert_eq!(d.offset, 0);
            }
        }
    }
}
