//! The one document reader of the local sources: NDJSON (one document per line) or a JSON
//! array of documents, from a file, a followed file or stdin.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

/// Where a document came from: its 1-based line (NDJSON) or position (JSON array).
pub(crate) type Position = u64;

/// What the reader hands over for each entry of the file.
pub(crate) enum Entry<'a> {
    /// An NDJSON line, not parsed yet: a caller that needs only a few fields parses only
    /// those (see [`super::projected`]); [`Entry::parsed`] parses it in full.
    Line(Position, &'a [u8]),
    /// A JSON object (of a JSON array, parsed with the whole file).
    Document(Position, Value),
    /// Something that is not a JSON object, with the reason.
    Bad(Position, String),
}

/// A document with its position, or the position of a bad entry and why it is bad.
pub(crate) type Parsed = std::result::Result<(Position, Value), (Position, String)>;

impl Entry<'_> {
    /// The entry with a line parsed in full.
    pub(crate) fn parsed(self) -> Parsed {
        match self {
            Entry::Line(position, text) => parse_document(position, text),
            Entry::Document(position, value) => Ok((position, value)),
            Entry::Bad(position, reason) => Err((position, reason)),
        }
    }
}

/// A line parsed in full.
pub(crate) fn parse_document(position: Position, text: &[u8]) -> Parsed {
    match serde_json::from_slice::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok((position, value)),
        Ok(other) => Err((position, not_an_object(kind(&other)))),
        Err(e) => Err((position, format!("invalid JSON: {e}"))),
    }
}

/// Why a JSON value that is not an object was skipped.
pub(crate) fn not_an_object(kind: &str) -> String {
    format!("not a JSON object but {kind}")
}

/// Reads every entry of `path` (NDJSON lines unparsed), calling `on_entry` in file order and `on_bytes` with the number
/// of bytes consumed so far. `on_entry` returns `false` to stop early.
pub(crate) fn read_entries(
    path: &Path,
    on_entry: &mut dyn FnMut(Entry<'_>) -> bool,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let starts_with_bracket = {
        let buf = reader.fill_buf().map_err(io)?;
        buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
    };
    if starts_with_bracket {
        read_array(path, reader, on_entry, on_bytes)
    } else {
        read_lines(path, reader, on_entry, on_bytes)
    }
}

fn read_lines(
    path: &Path,
    mut reader: impl BufRead,
    on_entry: &mut dyn FnMut(Entry<'_>) -> bool,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<()> {
    let mut line = Vec::with_capacity(4096);
    let mut number: Position = 0;
    let mut consumed: u64 = 0;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        consumed += read as u64;
        if number.is_multiple_of(4096) {
            on_bytes(consumed);
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if !on_entry(Entry::Line(number, text)) {
            on_bytes(consumed);
            return Ok(());
        }
    }
}

fn read_array(
    path: &Path,
    mut reader: impl Read,
    on_entry: &mut dyn FnMut(Entry<'_>) -> bool,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<()> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    on_bytes(bytes.len() as u64);
    let items: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        message: format!("not a JSON array of documents: {e}"),
    })?;
    for (index, item) in items.into_iter().enumerate() {
        let position = index as u64 + 1;
        let entry = match item {
            value @ Value::Object(_) => Entry::Document(position, value),
            other => Entry::Bad(position, not_an_object(kind(&other))),
        };
        if !on_entry(entry) {
            break;
        }
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        read_entries(
            &path,
            &mut |e| {
                out.push(match e.parsed() {
                    Ok((n, v)) => format!("{n}:{v}"),
                    Err((n, why)) => format!("{n}!{why}"),
                });
                true
            },
            &mut |_| {},
        )
        .unwrap();
        out
    }

    #[test]
    fn ndjson_lines_are_numbered_and_bad_ones_reported() {
        let out = collect("{\"a\":1}\n\nnot json\n[1]\n{\"b\":2}");
        assert_eq!(out[0], "1:{\"a\":1}");
        assert!(out[1].starts_with("3!invalid JSON"), "{}", out[1]);
        assert_eq!(out[2], "4!not a JSON object but an array");
        assert_eq!(out[3], "5:{\"b\":2}");
    }

    #[test]
    fn json_arrays_are_read_as_documents() {
        let out = collect("  [{\"a\":1}, 5, {\"b\":2}]");
        assert_eq!(
            out,
            vec![
                "1:{\"a\":1}",
                "2!not a JSON object but a number",
                "3:{\"b\":2}"
            ]
        );
    }

    #[test]
    fn unreadable_files_are_errors_naming_the_file() {
        let err = read_entries(
            Path::new("/no/such/data.ndjson"),
            &mut |_| true,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("/no/such/data.ndjson:"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_json_array_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        std::fs::write(&path, "[{\"a\":1},").unwrap();
        let err = read_entries(&path, &mut |_| true, &mut |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("not a JSON array of documents"),
            "{err}"
        );
    }
}
