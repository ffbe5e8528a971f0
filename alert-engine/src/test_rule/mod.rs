//! `alert test-rule`: run one rule over a data file offline, as ElastAlert2's main loop would.
//!
//! Unlike `elastalert-test-rule --data`, the rule's filters are applied. Documents are sorted by
//! timestamp and fed to the rule type in the segments ElastAlert2's `run_rule` uses.

mod cluster;
mod data_file;
mod projected;
mod save;
mod send;

use std::collections::HashSet;
use std::path::Path;

use alert_core::alert::Match;
use alert_core::config::Rule;
use alert_core::document::{Event, lookup_es_key};
use alert_core::filter::Filter;
use alert_core::plan::{QueryKind, Segment, default_offline_range, segment_size, segments};
use alert_core::rules::{RuleType, build_with_files, list_query_filter};
use alert_core::time::{Duration, Timestamp};
use serde_json::Value;

use crate::Result;
use crate::disk_files::DiskFiles;
use crate::local_query::{LocalQuery, feed_baseline};
pub use cluster::run_test_rule_on_backend;
pub(crate) use data_file::{Entry, read_entries};
use data_file::{Position, parse_document};
use projected::{Projected, parse_projected, top_level_keys};
pub use save::save_matches;
pub use send::{SendResult, send_matches, test_alert};

/// Choices of one offline run.
#[derive(Debug, Clone, Default)]
pub struct TestRuleOptions {
    /// Exclusive start of the range (default: the first document floored to `run_every`).
    pub start: Option<Timestamp>,
    /// Inclusive end of the range (default: the last document).
    pub end: Option<Timestamp>,
    /// Stop reading after this many documents.
    pub max_docs: Option<u64>,
    /// Only count the documents in range that pass the filters; run no rule type.
    pub count_only: bool,
    /// The global `run_every` (the segment size of count and terms queries, and the grid of the
    /// default start).
    pub global_run_every: Duration,
}

/// A line of the data file that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// 1-based line (NDJSON) or position (JSON array).
    pub position: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// What an offline run found.
#[derive(Debug, Clone, Default)]
pub struct TestRuleReport {
    /// Documents read (JSON objects with a timestamp).
    pub documents_read: u64,
    /// Of those, documents that passed the rule's filters.
    pub matched_filters: u64,
    /// Of those, documents inside the range.
    pub in_range: u64,
    /// Entries skipped, with line numbers.
    pub skipped: Vec<SkippedEntry>,
    /// The range the run covered, if any document was read.
    pub range: Option<Segment>,
    /// The matches, in the order the rule type produced them.
    pub matches: Vec<Match>,
}

/// Runs `rule` over the documents of `data`. `now` anchors date math in filters (`now-1h`);
/// `on_bytes` reports reading progress.
pub fn run_test_rule(
    rule: &Rule,
    data: &Path,
    options: &TestRuleOptions,
    now: Timestamp,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<TestRuleReport> {
    let mut filters = rule.filter.clone();
    // Blacklist and whitelist rules query only documents whose compare key is in the list.
    filters.extend(list_query_filter(rule, &DiskFiles)?);
    let filter = Filter::compile(&filters, now).map_err(|e| e.in_file(&rule.file, "filter"))?;
    let mut rule_type = build_with_files(rule, &DiskFiles)?;
    let parsing = LineParsing::for_rule(rule, &filter, options.count_only);
    let mut report = TestRuleReport::default();
    let mut events = Vec::new();
    let mut bounds: Option<(Timestamp, Timestamp)> = None;
    read_entries(
        data,
        &mut |entry| {
            let looked = parsing.look(entry);
            if let Some(event) = accept(rule, &filter, looked, &mut report, &mut bounds) {
                events.push(event);
            }
            options
                .max_docs
                .is_none_or(|max| report.documents_read < max)
        },
        on_bytes,
    )?;
    let Some((first, last)) = bounds else {
        return Ok(report);
    };
    let default = default_offline_range(first, last, options.global_run_every);
    let range = Segment {
        start: options.start.unwrap_or(default.start),
        end: options.end.unwrap_or(default.end),
    };
    report.range = Some(range);
    events.sort_by_key(|e: &Event| e.timestamp);
    if !options.count_only {
        // new_term's baseline reads the documents before the range.
        feed_baseline(rule, rule_type.as_mut(), &events, Some(range.start), now)?;
    }
    events.retain(|e| range.contains(e.timestamp));
    report.in_range = events.len() as u64;
    if !options.count_only {
        report.matches = evaluate(
            rule,
            rule_type.as_mut(),
            &events,
            range,
            options.global_run_every,
            now,
        )?;
    }
    Ok(report)
}

/// How NDJSON lines are parsed before the filter decides on them.
enum LineParsing {
    /// In full (the filter passes everything, or may read any field).
    Full,
    /// First only these top-level keys (what the filter and the timestamp read); in full only
    /// when the filter passes.
    Projected(HashSet<String>),
    /// Only these top-level keys (`--count-only` needs nothing else).
    ProjectedOnly(HashSet<String>),
}

/// A document as first parsed.
enum Looked<'a> {
    /// Parsed in full.
    Full(Position, Value),
    /// Only the wanted keys, with the line to parse in full if the filter passes.
    Projected(Position, Value, &'a [u8]),
}

impl LineParsing {
    fn for_rule(rule: &Rule, filter: &Filter, count_only: bool) -> LineParsing {
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
    fn look<'a>(&self, entry: Entry<'a>) -> std::result::Result<Looked<'a>, (Position, String)> {
        match (entry, self) {
            (
                Entry::Line(position, text),
                LineParsing::Projected(keys) | LineParsing::ProjectedOnly(keys),
            ) => match parse_projected(text, keys) {
                Ok(Projected::Object(map)) => {
                    let doc = Value::Object(map);
                    Ok(match self {
                        LineParsing::ProjectedOnly(_) => Looked::Full(position, doc),
                        _ => Looked::Projected(position, doc, text),
                    })
                }
                Ok(Projected::NotAnObject(kind)) => Err((position, data_file::not_an_object(kind))),
                // The full parse words the error (a position in the line) the same way.
                Err(_) => parse_document(position, text).map(|(p, v)| Looked::Full(p, v)),
            },
            (entry, _) => entry.parsed().map(|(p, v)| Looked::Full(p, v)),
        }
    }
}

/// Turns one file entry into an event that passed the filters, counting as it goes.
fn accept(
    rule: &Rule,
    filter: &Filter,
    looked: std::result::Result<Looked<'_>, (Position, String)>,
    report: &mut TestRuleReport,
    bounds: &mut Option<(Timestamp, Timestamp)>,
) -> Option<Event> {
    let (position, doc, line) = match looked {
        Ok(Looked::Full(position, doc)) => (position, doc, None),
        Ok(Looked::Projected(position, doc, line)) => (position, doc, Some(line)),
        Err((position, reason)) => {
            report.skipped.push(SkippedEntry { position, reason });
            return None;
        }
    };
    let raw = lookup_es_key(&doc, &rule.timestamp_field);
    let Some(timestamp) = raw.and_then(|v| rule.timestamp_type.parse_value(v)) else {
        let reason = match raw {
            None | Some(Value::Null) => format!("no timestamp field '{}'", rule.timestamp_field),
            Some(v) => format!(
                "cannot read {} as a timestamp in '{}'",
                v, rule.timestamp_field
            ),
        };
        report.skipped.push(SkippedEntry { position, reason });
        return None;
    };
    report.documents_read += 1;
    *bounds = Some(match *bounds {
        None => (timestamp, timestamp),
        Some((lo, hi)) => (lo.min(timestamp), hi.max(timestamp)),
    });
    if !filter.matches(&doc) {
        return None;
    }
    report.matched_filters += 1;
    let mut doc = match line {
        None => doc,
        // Checked already: the full parse of a line the projection read cannot fail.
        Some(line) => parse_document(position, line).map_or(doc, |(_, full)| full),
    };
    if let Value::Object(map) = &mut doc {
        map.entry("_id")
            .or_insert_with(|| Value::String(position.to_string()));
        map.insert("_index".into(), Value::String(rule.index.clone()));
        // A compound query key is queried as one field holding "a, b" (ElastAlert2's
        // `process_hits`).
        if let Some(qk) = rule.query_key.as_ref().filter(|qk| qk.is_compound()) {
            let value = qk.value_of(&doc).unwrap_or_default();
            if let Value::Object(map) = &mut doc {
                map.insert(qk.name.clone(), Value::String(value));
            }
        }
    }
    Some(Event::new(timestamp, doc))
}

/// Feeds the events segment by segment with the queries the rule uses, and finishes the
/// matches with `num_hits` and `num_matches` as the main loop does.
fn evaluate(
    rule: &Rule,
    rule_type: &mut dyn RuleType,
    events: &[Event],
    range: Segment,
    global_run_every: Duration,
    now: Timestamp,
) -> Result<Vec<Match>> {
    let kind = QueryKind::of(rule);
    let size = segment_size(rule, kind, global_run_every);
    let start = rule_type.align_run_start(range.start);
    let mut query = LocalQuery::new(rule, rule_type, kind, start, now)?;
    for segment in segments(start, range.end, size, kind) {
        let lo = events.partition_point(|e| e.timestamp <= segment.start);
        let hi = events.partition_point(|e| e.timestamp <= segment.end);
        query.run_segment(rule_type, segment, &events[lo..hi])?;
    }
    let mut matches = rule_type.take_matches();
    let num_matches = matches.len();
    for m in &mut matches {
        m.set("num_hits", query.num_hits());
        m.set("num_matches", num_matches);
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};

    fn rule(filter: &str) -> Rule {
        let rule = format!(
            "name: a\ntype: any\nindex: logs\ntimestamp_field: event.at\nalert: debug\nfilter:\n{filter}"
        );
        let files = MemoryFiles::new()
            .with("config.yaml", "rules_folder: r\n")
            .with("r/a.yaml", &rule);
        let no_env = |_: &str| None;
        let global = GlobalConfig::load(
            &files,
            Path::new("config.yaml"),
            &no_env,
            ConfigDefaults::TestRule,
        )
        .unwrap();
        load_rule_file(&files, &global, Path::new("r/a.yaml"), &no_env).unwrap()
    }

    /// Every line through `accept`, parsed as `parsing` says: the report and the events.
    fn accept_all(rule: &Rule, parsing: &LineParsing, lines: &[&str]) -> (String, Vec<String>) {
        let filter = Filter::compile(&rule.filter, Timestamp::from_micros(0)).unwrap();
        let mut report = TestRuleReport::default();
        let mut bounds = None;
        let mut events = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let entry = Entry::Line(i as u64 + 1, line.as_bytes());
            let looked = parsing.look(entry);
            if let Some(e) = accept(rule, &filter, looked, &mut report, &mut bounds) {
                events.push(format!("{:?} {}", e.timestamp, e.source));
            }
        }
        (format!("{report:?} {bounds:?}"), events)
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
