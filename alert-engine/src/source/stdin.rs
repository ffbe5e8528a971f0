//! `source: {type: stdin}`: NDJSON lines from standard input, pushed into the backend as they
//! arrive.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use super::reader::parse_document;
use crate::local_backend::LocalBackend;

/// Lines pushed together at most.
const BATCH: usize = 256;

/// Reads standard input on a thread of its own until it closes; bad lines are reported on
/// stderr with their line number and reason (the reader's words) and skipped.
pub fn spawn_stdin_reader(backend: Arc<LocalBackend>) {
    std::thread::spawn(move || {
        read_lines(std::io::stdin(), &backend);
    });
}

/// Pushes every NDJSON line of `input` into `backend`, returning how many documents were
/// read. Lines go in batches of up to 256, and a batch is pushed as soon as no more input is
/// waiting, so a slow writer's lines reach the rules at once.
pub fn read_lines(input: impl Read, backend: &LocalBackend) -> u64 {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let mut batch = Vec::with_capacity(BATCH);
    let mut lines = Vec::with_capacity(BATCH);
    let mut line = Vec::with_capacity(4096);
    let (mut number, mut read) = (0u64, 0u64);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        number += 1;
        let text = line.trim_ascii();
        if !text.is_empty() {
            match parse_document(number, text) {
                Ok((n, doc)) => {
                    batch.push(doc);
                    lines.push(n);
                    read += 1;
                }
                Err((n, why)) => eprintln!("warning: stdin line {n}: {why}; skipped"),
            }
        }
        if batch.len() >= BATCH || reader.buffer().is_empty() {
            push(backend, &mut batch, &mut lines);
        }
    }
    push(backend, &mut batch, &mut lines);
    read
}

/// Pushes a batch, reporting the documents no rule's time field can read.
fn push(backend: &LocalBackend, batch: &mut Vec<serde_json::Value>, lines: &mut Vec<u64>) {
    if batch.is_empty() {
        return;
    }
    for (index, why) in backend.push(std::mem::take(batch)) {
        let line = lines.get(index).copied().unwrap_or_default();
        eprintln!("warning: stdin line {line}: {why}; skipped");
    }
    lines.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::document::TimeField;
    use alert_core::time::TimestampType;

    #[test]
    fn stdin_lines_are_timed_by_every_rule_time_field() {
        let backend = LocalBackend::with_time_fields([
            TimeField::default_iso(),
            TimeField::new("event_time", TimestampType::UnixMs),
        ]);
        let input = concat!(
            "{\"@timestamp\": \"2026-01-01T00:00:00Z\"}\n",
            "not json\n",
            "{\"event_time\": 1767225660000}\n",
            "\n",
            "{\"other\": 1}\n",
        );
        assert_eq!(read_lines(input.as_bytes(), &backend), 3);
        let iso = backend.bounds_of(&TimeField::default_iso()).unwrap();
        assert_eq!(iso.0.to_iso(), "2026-01-01T00:00:00Z");
        let ms = TimeField::new("event_time", TimestampType::UnixMs);
        assert_eq!(
            backend.bounds_of(&ms).unwrap().0.to_iso(),
            "2026-01-01T00:01:00Z"
        );
        assert_eq!(
            backend.len(),
            1,
            "the first time field holds only its own documents"
        );
    }
}
