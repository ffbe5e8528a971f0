//! The aggregation summary table at the top of an alert body: ElastAlert2's
//! `get_aggregation_summary_text`, as `ascii` (texttable), `markdown` or `html` (prettytable).
//!
//! It is produced whenever `summary_table_fields` is set (ElastAlert2 gives every rule an
//! `aggregation` of 0, so non-aggregated alerts get it too). Each row is one distinct tuple
//! of `str(value)` of the fields (a missing field is `None`) with its count, in order of
//! first appearance, or most frequent first when `summary_table_max_rows` limits the rows.

use serde_json::Value;

use super::options::{AlerterOptions, invalid};
use super::python::{py_repr, py_str};
use super::texttable::draw_ascii;
use crate::Result;
use crate::alert::Match;
use crate::document::lookup_es_key;

/// The widest ascii table ElastAlert2 draws (Slack's alerter draws 75).
pub const ASCII_MAX_WIDTH: usize = 80;

/// One column: the field path looked up, and the header printed.
struct Column {
    path: String,
    header: String,
}

/// The summary text of an alert's matches, empty without `summary_table_fields`.
pub fn summary_text(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    max_width: usize,
) -> Result<String> {
    let Some(fields) = opts.get("summary_table_fields") else {
        return Ok(String::new());
    };
    let columns = columns(fields)?;
    let kind = opts.string("summary_table_type")?.unwrap_or("ascii");
    let mut text = opts.get("summary_prefix").map(py_str).unwrap_or_default();
    if !text.is_empty() {
        text.push('\n');
    }
    let mut paths: Vec<Value> = columns
        .iter()
        .map(|c| Value::from(c.path.clone()))
        .collect();
    paths.push("count".into());
    text.push_str(&format!(
        "Aggregation resulted in the following data for summary_table_fields ==> {}:\n\n",
        py_repr(&Value::Array(paths))
    ));
    let max_rows = opts.get("summary_table_max_rows");
    let rows = rows(&columns, matches, max_rows.map(row_limit).transpose()?);
    let mut headers: Vec<String> = columns.into_iter().map(|c| c.header).collect();
    headers.push("count".into());
    match kind {
        "ascii" => {
            text.push_str(&draw_ascii(&headers, &rows, max_width)?);
            text.push_str("\n\n");
        }
        "markdown" => text.push_str(&markdown(&headers, &rows)),
        "html" => text = html(&headers, &rows),
        other => {
            return Err(invalid(
                "summary_table_type",
                format!("'{other}' is none of ascii, markdown, html"),
            ));
        }
    }
    if let Some(max_rows) = max_rows {
        text.push_str(&format!("Showing top {} rows\n", py_str(max_rows)));
    }
    text.push_str(&opts.get("summary_suffix").map(py_str).unwrap_or_default());
    Ok(text)
}

/// The columns of `summary_table_fields`: field paths, or `{path, header}` mappings.
fn columns(fields: &Value) -> Result<Vec<Column>> {
    let entries = match fields {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    entries
        .into_iter()
        .map(|entry| match entry {
            Value::Object(map) => {
                let path = map.get("path").map(py_str).ok_or_else(|| {
                    invalid("summary_table_fields", "an entry mapping needs a 'path'")
                })?;
                let header = map.get("header").map_or_else(|| path.clone(), py_str);
                Ok(Column { path, header })
            }
            other => Ok(Column {
                path: py_str(other),
                header: py_str(other),
            }),
        })
        .collect()
}

/// `summary_table_max_rows` as a row count.
fn row_limit(value: &Value) -> Result<usize> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            invalid(
                "summary_table_max_rows",
                format!("expected a count, got {value}"),
            )
        })
}

/// The distinct value tuples with their counts; the most frequent `limit` when limited
/// (ties keep their order of first appearance, as `Counter.most_common` does).
fn rows(columns: &[Column], matches: &[Match], limit: Option<usize>) -> Vec<Vec<String>> {
    let mut counted: Vec<(Vec<String>, u64)> = Vec::new();
    for m in matches {
        let doc = Value::Object(m.body.clone());
        let key: Vec<String> = columns
            .iter()
            .map(|c| lookup_es_key(&doc, &c.path).map_or_else(|| "None".into(), py_str))
            .collect();
        match counted.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counted.push((key, 1)),
        }
    }
    if let Some(limit) = limit {
        counted.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        counted.truncate(limit);
    }
    counted
        .into_iter()
        .map(|(mut key, n)| {
            key.push(n.to_string());
            key
        })
        .collect()
}

/// `| h1 | h2 | count |`, a `|-----|` separator per column, the rows, a blank line.
fn markdown(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut text = format!("| {} |\n", headers.join(" | "));
    text.push_str(&"|-----".repeat(headers.len()));
    text.push_str("|\n");
    for row in rows {
        for cell in row {
            text.push_str("| ");
            text.push_str(cell);
            text.push(' ');
        }
        text.push_str("|\n");
    }
    text.push('\n');
    text
}

/// prettytable's `get_html_string()` in ElastAlert2's style (MSWORD_FRIENDLY, all rules).
fn html(headers: &[String], rows: &[Vec<String>]) -> String {
    const CELL: &str = "padding-left: 1em; padding-right: 1em; text-align: center";
    let mut out = String::from("<table frame=\"box\" rules=\"all\">\n    <thead>\n        <tr>\n");
    for header in headers {
        out.push_str(&format!(
            "            <th style=\"{CELL}\">{}</th>\n",
            html_escape(header)
        ));
    }
    out.push_str("        </tr>\n    </thead>\n    <tbody>\n");
    for row in rows {
        out.push_str("        <tr>\n");
        for cell in row {
            out.push_str(&format!(
                "            <td style=\"{CELL}; vertical-align: top\">{}</td>\n",
                html_escape(cell)
            ));
        }
        out.push_str("        </tr>\n");
    }
    out.push_str("    </tbody>\n</table>");
    out
}

/// Python's `html.escape(text)`, then newlines as `<br>` (as prettytable writes cells).
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}
