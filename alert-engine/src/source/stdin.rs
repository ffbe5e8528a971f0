//! `source: {type: stdin}`: NDJSON lines from standard input, pushed into the backend as they
//! arrive.

use std::io::BufRead;
use std::sync::Arc;

use serde_json::Value;

use crate::local_backend::LocalBackend;

/// Lines pushed together.
const BATCH: usize = 256;

/// Reads standard input on a thread of its own until it closes; bad lines are reported on
/// stderr with their line number and skipped.
pub fn spawn_stdin_reader(backend: Arc<LocalBackend>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        read_lines(stdin.lock(), &backend);
    });
}

/// Pushes every NDJSON line of `input` into `backend`, in batches.
pub fn read_lines(input: impl BufRead, backend: &LocalBackend) -> u64 {
    let mut batch = Vec::with_capacity(BATCH);
    let mut read = 0;
    for (number, line) in input.lines().enumerate() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(doc @ Value::Object(_)) => {
                batch.push(doc);
                read += 1;
            }
            _ => eprintln!(
                "warning: stdin line {}: not a JSON object, skipped",
                number + 1
            ),
        }
        if batch.len() >= BATCH {
            backend.push(std::mem::take(&mut batch));
        }
    }
    backend.push(batch);
    read
}
