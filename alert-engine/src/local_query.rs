//! Answering a rule's queries from documents in memory, the way Elasticsearch would answer the
//! queries ElastAlert2's `run_query` sends, and feeding the answers to the rule type.
//!
//! The documents given here have already passed the rule's filters and are sorted by
//! timestamp. Each segment `(start, end]` is answered with the query kind the rule uses:
//! hits (`add_data`, repeated `_id`s dropped), a count, terms buckets on the query key, or an
//! aggregation body evaluated by [`alert_core::aggregate`].

use std::collections::HashSet;

use alert_core::aggregate::{Aggregations, Context, terms_buckets};
use alert_core::config::Rule;
use alert_core::document::{Event, lookup_es_key, python_str};
use alert_core::plan::{QueryKind, Segment};
use alert_core::rules::RuleType;
use alert_core::time::Timestamp;
use serde_json::Value;

use crate::Result;

/// ElastAlert2's default `terms_size`.
const DEFAULT_TERMS_SIZE: u64 = 50;

/// One rule's query state across the segments of a run.
pub struct LocalQuery {
    kind: QueryKind,
    /// The compiled aggregation body (aggregation rules only).
    aggregations: Option<Aggregations>,
    /// The query key field (terms queries only).
    terms_field: Option<String>,
    terms_size: usize,
    min_doc_count: u64,
    /// `_id`s already fed (ElastAlert2's `processed_hits`).
    seen_ids: HashSet<String>,
    /// Hits the queries returned (ElastAlert2's `num_hits`).
    num_hits: u64,
}

impl LocalQuery {
    /// Prepares the queries of a run whose range starts at `run_start` (already aligned with
    /// [`RuleType::align_run_start`]). `now` anchors date math.
    pub fn new(
        rule: &Rule,
        rule_type: &dyn RuleType,
        kind: QueryKind,
        run_start: Timestamp,
        now: Timestamp,
    ) -> Result<Self> {
        let aggregations = match kind {
            QueryKind::Aggregation => {
                let body = rule_type.aggregation_query_for_run(run_start).ok_or_else(|| {
                    alert_core::Error::Evaluation(format!(
                        "rule '{}' queries aggregations but its type builds no aggregation query",
                        rule.name
                    ))
                })?;
                let ctx = Context::new(&rule.timestamp_field, now);
                Some(
                    Aggregations::compile(&body, &ctx)
                        .map_err(|e| e.in_file(&rule.file, "aggregation query"))?,
                )
            }
            _ => None,
        };
        let terms_field = match kind {
            QueryKind::Terms => Some(
                rule.query_key
                    .as_ref()
                    .map(|qk| qk.name.clone())
                    .ok_or_else(|| alert_core::Error::MissingOption {
                        file: rule.file.clone(),
                        option: "query_key".into(),
                        context: Some("use_terms_query needs a query_key".into()),
                    })?,
            ),
            _ => None,
        };
        let number =
            |key: &str, default: u64| rule.option(key).and_then(Value::as_u64).unwrap_or(default);
        Ok(Self {
            kind,
            aggregations,
            terms_field,
            terms_size: usize::try_from(number("terms_size", DEFAULT_TERMS_SIZE))
                .unwrap_or(usize::MAX),
            min_doc_count: number("min_doc_count", 1),
            seen_ids: HashSet::new(),
            num_hits: 0,
        })
    }

    /// Answers the query of `segment` from `hits` (the documents in it) and feeds the answer to
    /// the rule type, then lets it garbage-collect up to the segment's end.
    pub fn run_segment(
        &mut self,
        rule_type: &mut dyn RuleType,
        segment: Segment,
        hits: &[Event],
    ) -> Result<()> {
        match self.kind {
            QueryKind::Documents => {
                self.num_hits += hits.len() as u64;
                let fresh: Vec<bool> = hits
                    .iter()
                    .map(|e| self.seen_ids.insert(document_id(e)))
                    .collect();
                if fresh.iter().all(|f| *f) {
                    // The usual case: nothing repeated, so the hits go in without a copy.
                    if !hits.is_empty() {
                        rule_type.add_data(hits);
                    }
                } else {
                    let kept: Vec<Event> = hits
                        .iter()
                        .zip(&fresh)
                        .filter(|(_, f)| **f)
                        .map(|(e, _)| e.clone())
                        .collect();
                    if !kept.is_empty() {
                        rule_type.add_data(&kept);
                    }
                }
            }
            QueryKind::Counts => {
                self.num_hits += hits.len() as u64;
                rule_type.add_count_data(segment.end, hits.len() as u64)?;
            }
            QueryKind::Terms => {
                let field = self.terms_field.as_deref().unwrap_or_default();
                let buckets = terms_buckets(hits, field, self.terms_size, self.min_doc_count);
                self.num_hits += buckets.len() as u64;
                rule_type.add_terms_data(segment.end, &buckets)?;
            }
            QueryKind::Aggregation => {
                self.num_hits += hits.len() as u64;
                let result = self
                    .aggregations
                    .as_ref()
                    .map_or(Value::Null, |aggs| aggs.evaluate(hits));
                rule_type.add_aggregation_data(segment.end, &result)?;
            }
        }
        rule_type.garbage_collect(segment.end);
        Ok(())
    }

    /// Hits the queries returned so far: documents (repeats included), counts, terms buckets or
    /// aggregated documents, as ElastAlert2 counts `num_hits`.
    pub fn num_hits(&self) -> u64 {
        self.num_hits
    }
}

/// A document's `_id` as ElastAlert2 compares them.
fn document_id(event: &Event) -> String {
    lookup_es_key(&event.source, "_id")
        .map(python_str)
        .unwrap_or_default()
}

/// Feeds new_term's baseline (terms over `terms_window_size` before the run) from `events`,
/// the filter-passing documents of the data, sorted by timestamp.
pub fn feed_baseline(
    rule: &Rule,
    rule_type: &mut dyn RuleType,
    events: &[Event],
    run_start: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    let Some(request) = rule_type.baseline_request(run_start, now) else {
        return Ok(());
    };
    let ctx = Context::new(&rule.timestamp_field, now);
    for (index, body) in request.aggs.iter().enumerate() {
        let aggs = Aggregations::compile(body, &ctx)
            .map_err(|e| e.in_file(&rule.file, "new_term baseline query"))?;
        for &(from, to) in &request.windows {
            // Baseline windows are [from, to): start inclusive, end exclusive.
            let lo = events.partition_point(|e| e.timestamp < from);
            let hi = events.partition_point(|e| e.timestamp < to);
            rule_type.add_baseline_data(index, &aggs.evaluate(&events[lo..hi]))?;
        }
    }
    Ok(())
}
