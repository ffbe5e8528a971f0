//! `alert test-rule`: run one rule over a data file offline, as ElastAlert2's main loop would.
//!
//! Unlike `elastalert-test-rule --data`, the rule's filters are applied. Documents are sorted by
//! timestamp and fed to the rule type in the segments ElastAlert2's `run_rule` uses.

mod alerts;
mod cluster;
mod held;
mod projected;
mod reading;
mod save;
mod send;

use std::path::Path;

use crate::Result;
use crate::disk_files::DiskFiles;
use crate::local_query::{LocalQuery, feed_baseline};
use crate::source::reader::read_entries;
use alert_core::alert::Match;
use alert_core::config::Rule;
use alert_core::document::TimeField;
use alert_core::filter::Filter;
use alert_core::plan::{QueryKind, Segment, default_offline_range, segment_size, segments};
use alert_core::rules::{RuleType, build_with_files, list_query_filter};
use alert_core::time::{Duration, Timestamp};
pub use alerts::{TestAlert, TestAlerts, alerts_of};
pub use cluster::run_test_rule_on_backend;
use held::HeldDocuments;
use reading::{LineParsing, accept};
pub use save::save_matches;
pub use send::{SendResult, send_alerts, test_alert};

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
    let mut held = HeldDocuments::default();
    let mut bounds: Option<(Timestamp, Timestamp)> = None;
    let time = TimeField::of(rule);
    read_entries(
        data,
        &mut |entry| {
            let looked = parsing.look(entry);
            accept(&time, &filter, looked, &mut report, &mut bounds, &mut held);
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
    held.sort_by_time();
    let in_range =
        held.partition_point(|t| t <= range.start)..held.partition_point(|t| t <= range.end);
    report.in_range = in_range.len() as u64;
    if options.count_only {
        return Ok(report);
    }
    // new_term's baseline reads the documents before the range.
    if let Some(request) = rule_type.baseline_request(Some(range.start), now) {
        let until = request.windows.iter().map(|w| w.1).max();
        let before = held.partition_point(|t| until.is_some_and(|until| t < until));
        let events = held.events(rule, 0..before);
        feed_baseline(rule, rule_type.as_mut(), &events, Some(range.start), now)?;
    }
    report.matches = evaluate(
        rule,
        rule_type.as_mut(),
        &held,
        in_range,
        range,
        options.global_run_every,
        now,
    )?;
    Ok(report)
}

/// Feeds the events segment by segment with the queries the rule uses, and finishes the
/// matches with `num_hits` and `num_matches` as the main loop does.
fn evaluate(
    rule: &Rule,
    rule_type: &mut dyn RuleType,
    held: &HeldDocuments,
    in_range: std::ops::Range<usize>,
    range: Segment,
    global_run_every: Duration,
    now: Timestamp,
) -> Result<Vec<Match>> {
    let kind = QueryKind::of(rule);
    let size = segment_size(rule, kind, global_run_every);
    let start = rule_type.align_run_start(range.start);
    let mut query = LocalQuery::new(rule, rule_type, kind, start, now)?;
    for segment in segments(start, range.end, size, kind) {
        // Parsed a segment at a time, so only one segment's trees are in memory.
        let lo = held
            .partition_point(|t| t <= segment.start)
            .max(in_range.start);
        let hi = held.partition_point(|t| t <= segment.end).min(in_range.end);
        let events = held.events(rule, lo..hi.max(lo));
        query.run_segment(rule_type, segment, &events)?;
    }
    let mut matches = rule_type.take_matches();
    let num_matches = matches.len();
    for m in &mut matches {
        m.set("num_hits", query.num_hits());
        m.set("num_matches", num_matches);
    }
    Ok(matches)
}
