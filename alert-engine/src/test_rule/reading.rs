//! Reading the data file's entries: each line parsed as far as the filter needs, then held
//! if it passes.

use alert_core::config::Rule;
use alert_core::document::TimeField;
use alert_core::filter::Filter;
use alert_core::time::Timestamp;
use serde_json::Value;

use super::held::HeldDocuments;
use super::projected::{Projected, WantedKeys, parse_projected, top_level_keys};
use super::{SkippedEntry, TestRuleReport};
use crate::source::reader::{self, Entry, Position, parse_document};

/// How NDJSON lines are parsed before the filter decides on them.
pub(super) enum LineParsing {
    /// In full (the filter passes everything, or may read any field).
    Full,
    /// First only these top-level keys (what the filter and the timestamp read); in full only
    /// when the filter passes.
    Projected(WantedKeys),
    /// Only these top-level keys (`--count-only` needs nothing else).
    ProjectedOnly(WantedKeys),
}

/// A document as first parsed.
pub(super) enum Looked<'a> {
    /// Parsed in full.
    Full(Position, Value),
    /// Only the wanted keys, with the line to parse in full if the filter passes.
    Projected(Position, Value, &'a [u8]),
}

impl LineParsing {
    pub(super) fn for_rule(rule: &Rule, filter: &Filter, count_only: bool) -> LineParsing {
        if filter.is_match_all() && !count_only {
            return LineParsing::Full;
        }
        let Some(fields) = filter.fields() else {
            return LineParsing::Full;
        };
        let paths = fields.iter().map(String::as_str);
        match top_level_keys(paths.chain([rule.timestamp_field.as_str()])) {
            Some(keys) if count_only => LineParsing::ProjectedOnly(keys),
            Some(keys) => LineParsing::Projected(keys),
            None => LineParsing::Full,
        }
    }

    /// The entry parsed as far as the filter needs, or the position of a bad entry and why.
    pub(super) fn look<'a>(
        &self,
        entry: Entry<'a>,
    ) -> std::result::Result<Looked<'a>, (Position, String)> {
        match (entry, self) {
            (
                Entry::Line(position, text),
                LineParsing::Projected(keys) | LineParsing::ProjectedOnly(keys),
            ) => match parse_projected(text, keys) {
                Some(Projected::Object(map)) => {
                    let doc = Value::Object(map);
                    Ok(match self {
                        LineParsing::ProjectedOnly(_) => Looked::Full(position, doc),
                        _ => Looked::Projected(position, doc, text),
                    })
                }
                Some(Projected::NotAnObject(kind)) => Err((position, reader::not_an_object(kind))),
                // The full parse words the error (where in the line, and what).
                None => parse_document(position, text).map(|(p, v)| Looked::Full(p, v)),
            },
            (entry, _) => entry.parsed().map(|(p, v)| Looked::Full(p, v)),
        }
    }
}

/// Holds one file entry if it passes the filters, counting as it goes.
pub(super) fn accept(
    time: &TimeField,
    filter: &Filter,
    looked: std::result::Result<Looked<'_>, (Position, String)>,
    report: &mut TestRuleReport,
    bounds: &mut Option<(Timestamp, Timestamp)>,
    held: &mut HeldDocuments,
) {
    let (position, doc, line) = match looked {
        Ok(Looked::Full(position, doc)) => (position, doc, None),
        Ok(Looked::Projected(position, doc, line)) => (position, doc, Some(line)),
        Err((position, reason)) => {
            report.skipped.push(SkippedEntry { position, reason });
            return;
        }
    };
    let Some(timestamp) = time.read(&doc) else {
        let reason = time.why_unreadable(&doc);
        report.skipped.push(SkippedEntry { position, reason });
        return;
    };
    report.documents_read += 1;
    *bounds = Some(match *bounds {
        None => (timestamp, timestamp),
        Some((lo, hi)) => (lo.min(timestamp), hi.max(timestamp)),
    });
    if !filter.matches(&doc) {
        return;
    }
    report.matched_filters += 1;
    match line {
        Some(line) => held.push_line(timestamp, position, line),
        None => held.push_parsed(timestamp, position, doc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(filter: &str) -> Rule {
        alert_core::testing::rule(&format!("timestamp_field: event.at\nfilter:\n{filter}"))
    }

    /// Every line through `accept`, parsed as `parsing` says: the report and the events.
    fn accept_all(rule: &Rule, parsing: &LineParsing, lines: &[&[u8]]) -> (String, Vec<String>) {
        let filter = Filter::compile(&rule.filter, Timestamp::from_micros(0)).unwrap();
        let time = TimeField::of(rule);
        let mut report = TestRuleReport::default();
        let mut bounds = None;
        let mut held = HeldDocuments::default();
        for (i, line) in lines.iter().enumerate() {
            let entry = Entry::Line(i as u64 + 1, line);
            let looked = parsing.look(entry);
            accept(&time, &filter, looked, &mut report, &mut bounds, &mut held);
        }
        let events = held.events(rule, 0..held.len());
        let events = events
            .iter()
            .map(|e| format!("{:?} {}", e.timestamp, e.source));
        (format!("{report:?} {bounds:?}"), events.collect())
    }

    #[test]
    fn parsing_only_the_filtered_fields_first_decides_every_line_as_a_full_parse_does() {
        let lines = [
            r#"{"event": {"at": "2024-01-01T00:00:01Z"}, "env": "prod", "status": 503, "msg": "x"}"#,
            r#"{"event.at": "2024-01-01T00:00:02Z", "env": "prod", "status": 500, "big": [1, {"a": 2}]}"#,
            r#"{"event": {"at": "2024-01-01T00:00:03Z"}, "env": "dev", "status": 503}"#,
            r#"{"event": {"at": "2024-01-01T00:00:04Z"}, "env": "prod", "status": 200}"#,
            r#"{"event": {"at": "2024-01-01T00:00:05Z"}, "env": "prod", "status": 500, "env": "dev"}"#,
            r#"{"event": {"at": "2024-01-01T00:00:06Z"}, "env": "prod", "status": 501, "bad": [1,]}"#,
            r#"{"env": "prod", "status": 502}"#,
            r#"{"event": {"at": "yesterday"}, "env": "prod", "status": 502}"#,
            r#"[{"event": {"at": "2024-01-01T00:00:07Z"}}]"#,
            r#"{"event": {"at": "2024-01-01T00:00:08Z"}, "env": "prod", "status": 599, "_id": "own"}"#,
            r#"{"event": {"at": "2024-01-01T00:00:09Z"}, "e\u006ev": "prod", "status": 504}"#,
        ];
        // Not UTF-8 in a value the projection skips: still a bad line, as in a full parse.
        let mut not_utf8 =
            br#"{"event": {"at": "2024-01-01T00:00:10Z"}, "env": "prod", "status": 500, "msg": "x"#
                .to_vec();
        not_utf8.extend_from_slice(b"\xff\"}");
        let mut lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        lines.push(&not_utf8);
        let rule = rule("  - query_string: {query: \"status:[500 TO 599] AND env:prod\"}\n");
        let filter = Filter::compile(&rule.filter, Timestamp::from_micros(0)).unwrap();
        let projected = LineParsing::for_rule(&rule, &filter, false);
        assert!(matches!(projected, LineParsing::Projected(_)));
        let full = accept_all(&rule, &LineParsing::Full, &lines);
        assert_eq!(accept_all(&rule, &projected, &lines), full);
        // `--count-only` keeps the projection: the same counts and skipped lines.
        let count_only = LineParsing::for_rule(&rule, &filter, true);
        assert!(matches!(count_only, LineParsing::ProjectedOnly(_)));
        assert_eq!(accept_all(&rule, &count_only, &lines).0, full.0);
        // Lines 1, 2, 10 and 11 pass; 6, 7, 8 and 9 are skipped with their reasons.
        assert_eq!(full.1.len(), 4, "{:?}", full.1);
        assert!(full.1[1].contains("\"big\""), "kept in full: {}", full.1[1]);
        assert!(full.0.contains("position: 6"), "{}", full.0);
        assert!(full.0.contains("position: 12"), "{}", full.0);
    }

    #[test]
    fn lines_are_parsed_in_full_when_the_filter_passes_all_or_reads_any_field() {
        for filter in ["  []\n", "  - query_string: {query: \"error\"}\n"] {
            let rule = rule(filter);
            let compiled = Filter::compile(&rule.filter, Timestamp::from_micros(0)).unwrap();
            assert!(matches!(
                LineParsing::for_rule(&rule, &compiled, false),
                LineParsing::Full
            ));
        }
    }
}
