//! [`RuleRunner`]: one rule's runs against a [`SearchBackend`], committed to a [`StateStore`]
//! (ElastAlert2's `run_rule`, reference §2.3–§2.5): plan the window, query it segment by
//! segment with the rule's query kind, drop repeated `_id`s, feed the rule type, and write the
//! run's status, silences and alerts in one commit.

use std::collections::HashMap;

use alert_core::alert::{AlertWrite, Disposition, Match, MatchProcessor, RuleStatus};
use alert_core::config::{ConfigFiles, Rule};
use alert_core::document::{Event, lookup_es_key, python_str};
use alert_core::plan::{QueryKind, Segment, segment_size, segments};
use alert_core::port::{SearchBackend, SearchQuery, StateStore, TimeRange};
use alert_core::rules::{RuleType, build_with_files, list_query_filter};
use alert_core::run_window::{RunHistory, StartSettings, plan_run, run_end};
use alert_core::schedule::{ExecutionLimit, LimitDecision};
use alert_core::time::{Duration, Timestamp, WallTime};
use serde_json::Value;

use crate::Result;
use crate::top_counts::add_top_counts;

/// ElastAlert2's default `terms_size`.
const DEFAULT_TERMS_SIZE: u64 = 50;

/// Settings of a run that come from the global config or the command line.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    /// Global `run_every`, `old_query_limit`.
    pub start: StartSettings,
    /// `alert_time_limit` for new alerts.
    pub alert_time_limit: Duration,
    /// `--start`: the first run's start.
    pub explicit_start: Option<Timestamp>,
    /// `--end`: every run's end.
    pub explicit_end: Option<Timestamp>,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// The range queried, unless the run was skipped.
    pub range: Option<Segment>,
    /// Hits the queries returned.
    pub hits: u64,
    /// Matches the rule type produced.
    pub matches: u64,
    /// Matches that became or joined alerts.
    pub alerted: u64,
    /// Matches dropped by a silence: `suppressed` by this run's realert, or by a stored one.
    pub silenced: u64,
    /// Of `silenced`, matches dropped because an earlier match of this run set the realert
    /// silence of their key.
    pub suppressed: u64,
    /// When the latest realert silence that dropped a match of this run ends.
    pub suppressed_until: Option<Timestamp>,
    /// When the latest stored silence that dropped a match ends.
    pub silenced_until: Option<Timestamp>,
    /// Of `alerted`, matches added to an aggregation (sent later).
    pub aggregated: u64,
    /// When the first aggregate these matches went to is sent (data time).
    pub aggregated_due: Option<Timestamp>,
    /// Alerts the store wrote: new alerts, plus aggregates that received matches.
    pub written: u64,
    /// Silence keys realert set in this run.
    pub silences_set: Vec<String>,
}

/// The clocks of one run: the wall clock when it started (scheduling, commit time) and a
/// monotonic start for `time_taken`.
#[derive(Debug, Clone, Copy)]
struct RunClock {
    wall: WallTime,
    started: std::time::Instant,
}

impl RunClock {
    /// The start as data time: date math in filters and a live run's end.
    fn data(self) -> Timestamp {
        self.wall.as_data_time()
    }
}

impl RunReport {
    /// Counts what became of one match.
    fn count(&mut self, disposition: &Disposition) {
        let later = |slot: &mut Option<Timestamp>, t: Timestamp| {
            *slot = Some(slot.map_or(t, |s| s.max(t)));
        };
        match disposition {
            Disposition::Silenced {
                until, by_realert, ..
            } => {
                self.silenced += 1;
                if *by_realert {
                    self.suppressed += 1;
                    later(&mut self.suppressed_until, *until);
                } else {
                    later(&mut self.silenced_until, *until);
                }
            }
            Disposition::Alerted => self.alerted += 1,
            Disposition::Aggregated { alert_time } => {
                self.alerted += 1;
                self.aggregated += 1;
                let due = self
                    .aggregated_due
                    .map_or(*alert_time, |d| d.min(*alert_time));
                self.aggregated_due = Some(due);
            }
        }
    }
}

/// One loaded rule with its evaluation state across runs.
pub struct RuleRunner {
    rule: Rule,
    rule_type: Box<dyn RuleType>,
    filters: Vec<Value>,
    history: RunHistory,
    has_run: bool,
    /// `_id` → timestamp of documents already fed (ElastAlert2's `processed_hits`).
    seen_ids: HashMap<String, Timestamp>,
    /// When the rule is due next (its `run_every` after the last run; wall clock).
    next_due: Option<WallTime>,
    /// `limit_execution`.
    limit: Option<ExecutionLimit>,
    /// Over local files read in full (`alert run --once`): the range of the documents this
    /// rule's time field reads, as `alert test-rule` takes it (see
    /// [`RuleRunner::set_offline_range`]).
    offline_range: Option<Segment>,
}

impl RuleRunner {
    /// Builds the rule's evaluator; `files` reads `!file` lists.
    pub fn new(rule: Rule, files: &dyn ConfigFiles) -> Result<Self> {
        let rule_type = build_with_files(&rule, files)?;
        let limit = ExecutionLimit::of(&rule)?;
        let mut filters = rule.filter.clone();
        filters.extend(list_query_filter(&rule, files)?);
        Ok(RuleRunner {
            rule,
            rule_type,
            filters,
            history: RunHistory::default(),
            has_run: false,
            seen_ids: HashMap::new(),
            next_due: None,
            limit,
            offline_range: None,
        })
    }

    /// A runner for an edited version of the rule: the new evaluator starts empty (as in
    /// ElastAlert2's reload) but keeps where the rule stands in time and the `_id`s it saw, so
    /// the reload neither re-queries nor skips anything.
    pub fn reloaded(self, rule: Rule, files: &dyn ConfigFiles) -> Result<Self> {
        let mut next = RuleRunner::new(rule, files)?;
        next.history = self.history;
        next.has_run = self.has_run;
        next.seen_ids = self.seen_ids;
        next.next_due = self.next_due;
        Ok(next)
    }

    /// Runs over documents read in full: without `--start` the first run starts at
    /// `range.start` (or the stored end when later, regardless of `old_query_limit`), and
    /// without `--end` runs end at `range.end`.
    pub fn set_offline_range(&mut self, range: Segment) {
        self.offline_range = Some(range);
    }

    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Whether the rule is due at `now` (never ran, or its `run_every` has passed).
    pub fn is_due(&self, now: WallTime) -> bool {
        self.next_due.is_none_or(|t| now >= t)
    }

    /// The oldest document time a later run may query: the previous end minus `buffer_time`
    /// and `query_delay` (`None` before the first run: it may need anything).
    pub fn oldest_needed(&self) -> Option<Timestamp> {
        let previous = self.history.previous_end?;
        let back = self.rule.buffer_time.as_micros()
            + self.rule.query_delay.as_micros()
            + self.rule.timeframe.map_or(0, |t| t.as_micros());
        Some(previous.minus(Duration::from_micros(back)))
    }

    /// Where this rule's runs end when they cover a fixed range of files (`--once`).
    pub fn offline_end(&self) -> Option<Timestamp> {
        self.offline_range.map(|r| r.end)
    }

    /// Runs the rule once at `now` (wall clock) and commits the outcome. The run's range
    /// ends at `--end`, at the end of its files (`--once`), or at `now` less `query_delay`.
    pub async fn run(
        &mut self,
        backend: &dyn SearchBackend,
        store: &dyn StateStore,
        settings: &RunSettings,
        now: WallTime,
    ) -> Result<RunReport> {
        let clock = RunClock {
            wall: now,
            started: std::time::Instant::now(),
        };
        self.next_due = Some(now.plus(self.rule.run_every));
        let end = settings
            .explicit_end
            .or(self.offline_end())
            .unwrap_or_else(|| run_end(&self.rule, clock.data()));
        let mut pause = None;
        match self
            .limit
            .as_ref()
            .map(|l| l.decide(end, self.rule.run_every, clock.data(), self.has_run))
        {
            None | Some(LimitDecision::Run) => {}
            Some(LimitDecision::Wait { until, next_start }) => {
                self.pause_until(until, next_start);
                return Ok(RunReport::default());
            }
            Some(LimitDecision::RunThenPause { until, next_start }) => {
                pause = Some((until, next_start));
            }
        }
        let report = self
            .run_window(backend, store, settings, end, clock)
            .await?;
        if let Some((until, next_start)) = pause {
            self.pause_until(until, next_start);
        }
        Ok(report)
    }

    /// Queries `range` once, as `elastalert-test-rule` does: new_term's baseline, every
    /// segment with the rule's query kind, then the matches with `num_hits` and
    /// `num_matches`. Nothing is committed, silenced or sent. Returns the matches and the hits.
    pub async fn test_run(
        &mut self,
        backend: &dyn SearchBackend,
        range: Segment,
        global_run_every: Duration,
        now: Timestamp,
    ) -> Result<(Vec<Match>, u64)> {
        self.feed_baseline(backend, Some(range.start), now).await?;
        let kind = QueryKind::of(&self.rule);
        let start = self.rule_type.align_run_start(range.start);
        let size = segment_size(&self.rule, kind, global_run_every);
        let aggs = self.rule_type.aggregation_query_for_run(start);
        let mut hits = 0;
        for segment in segments(start, range.end, size, kind) {
            hits += self
                .run_segment(backend, kind, segment, aggs.as_ref(), now)
                .await?;
            self.rule_type.garbage_collect(segment.end);
        }
        let mut matches = self.rule_type.take_matches();
        let count = matches.len();
        for m in &mut matches {
            m.set("num_hits", hits);
            m.set("num_matches", count);
        }
        Ok((matches, hits))
    }

    /// The rule's filters plus the blacklist/whitelist terms its queries carry.
    pub fn filters(&self) -> &[Value] {
        &self.filters
    }

    /// Waits until `until`; with `limit_execution_coverage` the next run starts there.
    fn pause_until(&mut self, until: Timestamp, next_start: Option<Timestamp>) {
        self.next_due = Some(WallTime::from_data_time(until));
        if let Some(start) = next_start {
            self.history.minimum_start = Some(start);
            self.history.previous_end = Some(start);
        }
    }

    async fn run_window(
        &mut self,
        backend: &dyn SearchBackend,
        store: &dyn StateStore,
        settings: &RunSettings,
        end: Timestamp,
        clock: RunClock,
    ) -> Result<RunReport> {
        let now = clock.data();
        if !self.has_run {
            self.history.stored_end = store.rule_status(&self.rule.name).await?.map(|s| s.end);
        }
        let mut window = plan_run(&self.rule, self.history, end, now, settings.start);
        if !self.has_run {
            // Over local files (`--once`), resume exactly where the stored run ended, however
            // old, else start at the first document.
            let fallback = self
                .offline_range
                .map(|r| self.history.stored_end.map_or(r.start, |s| s.max(r.start)));
            if let Some(start) = settings.explicit_start.or(fallback) {
                window.start = start;
            }
        }
        if window.start >= end {
            return Ok(RunReport::default());
        }
        if !self.has_run {
            self.feed_baseline(backend, settings.explicit_start, now)
                .await?;
        }
        let kind = QueryKind::of(&self.rule);
        let start = self.rule_type.align_run_start(window.start);
        let size = segment_size(&self.rule, kind, settings.start.global_run_every);
        let planned = segments(start, end, size, kind);
        let Some(last) = planned.last().copied() else {
            // An aggregation rule without one full segment: skipped silently, as ElastAlert2 does.
            return Ok(RunReport::default());
        };
        let mut hits = 0;
        let aggs = self.rule_type.aggregation_query_for_run(start);
        for segment in &planned {
            hits += self
                .run_segment(backend, kind, *segment, aggs.as_ref(), now)
                .await?;
            self.rule_type.garbage_collect(segment.end);
        }
        let range = Segment {
            start,
            end: last.end,
        };
        let report = self
            .commit(backend, store, settings, range, hits, clock)
            .await?;
        self.has_run = true;
        self.history.previous_end = Some(range.end);
        self.history.minimum_start = window.minimum_start;
        let keep = self.rule.buffer_time.as_micros() + self.rule.query_delay.as_micros();
        let horizon = range.end.minus(Duration::from_micros(keep));
        self.seen_ids.retain(|_, t| *t >= horizon);
        Ok(report)
    }

    /// Queries one segment and feeds the answer; returns the hits counted.
    async fn run_segment(
        &mut self,
        backend: &dyn SearchBackend,
        kind: QueryKind,
        segment: Segment,
        aggs: Option<&Value>,
        now: Timestamp,
    ) -> Result<u64> {
        let query = SearchQuery {
            rule: &self.rule,
            filters: &self.filters,
            range: TimeRange::from(segment),
            now,
        };
        match kind {
            QueryKind::Documents => {
                let docs = backend.search(&query).await?;
                let hits = docs.len() as u64;
                let fresh: Vec<Event> = docs
                    .into_iter()
                    .filter(|e| {
                        let id = lookup_es_key(&e.source, "_id")
                            .map(python_str)
                            .unwrap_or_default();
                        self.seen_ids.insert(id, e.timestamp).is_none()
                    })
                    .collect();
                if !fresh.is_empty() {
                    self.rule_type.add_data(&fresh);
                }
                Ok(hits)
            }
            QueryKind::Counts => {
                let count = backend.count(&query).await?;
                self.rule_type.add_count_data(segment.end, count)?;
                Ok(count)
            }
            QueryKind::Terms => {
                let field = self
                    .rule
                    .query_key
                    .as_ref()
                    .map(|qk| qk.name.clone())
                    .unwrap_or_default();
                let number =
                    |k: &str, d: u64| self.rule.option(k).and_then(Value::as_u64).unwrap_or(d);
                let size =
                    usize::try_from(number("terms_size", DEFAULT_TERMS_SIZE)).unwrap_or(usize::MAX);
                let buckets = backend
                    .terms(&query, &field, size, number("min_doc_count", 1))
                    .await?;
                self.rule_type.add_terms_data(segment.end, &buckets)?;
                Ok(buckets.len() as u64)
            }
            QueryKind::Aggregation => {
                let aggs = aggs.cloned().unwrap_or(Value::Null);
                let answer = backend.aggregate(&query, &aggs).await?;
                self.rule_type
                    .add_aggregation_data(segment.end, &answer.aggregations)?;
                Ok(answer.hits)
            }
        }
    }

    /// new_term's baseline, before the first run.
    async fn feed_baseline(
        &mut self,
        backend: &dyn SearchBackend,
        explicit_start: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let Some(request) = self.rule_type.baseline_request(explicit_start, now) else {
            return Ok(());
        };
        for (index, aggs) in request.aggs.iter().enumerate() {
            for &(from, to) in &request.windows {
                let query = SearchQuery {
                    rule: &self.rule,
                    filters: &self.filters,
                    range: TimeRange::half_open(from, to),
                    now,
                };
                let answer = backend.aggregate(&query, aggs).await?;
                self.rule_type
                    .add_baseline_data(index, &answer.aggregations)?;
            }
        }
        Ok(())
    }

    /// Processes the run's matches and writes everything in one commit.
    async fn commit(
        &mut self,
        backend: &dyn SearchBackend,
        store: &dyn StateStore,
        settings: &RunSettings,
        range: Segment,
        hits: u64,
        clock: RunClock,
    ) -> Result<RunReport> {
        let now = clock.data();
        let mut matches = self.rule_type.take_matches();
        let count = matches.len() as u64;
        // A run without matches reads neither silences nor aggregates (ElastAlert2 reads them
        // per match), so an idle rule's run costs its queries and its status write only.
        let (silences, open) = if matches.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let silences = store
                .silences(&self.rule.name, Timestamp::from_micros(i64::MIN))
                .await?;
            (silences, store.open_aggregates(&self.rule.name).await?)
        };
        // Realert, silences and aggregation measure data time: where this run's range ends.
        let mut processor = MatchProcessor::new(
            &self.rule,
            range.end,
            settings.alert_time_limit,
            silences,
            open,
        )?;
        let mut report = RunReport {
            range: Some(range),
            hits,
            matches: count,
            ..RunReport::default()
        };
        for mut m in matches.drain(..) {
            m.set("num_hits", hits);
            m.set("num_matches", count);
            if !processor.is_silenced(&m) {
                add_top_counts(&self.rule, &self.filters, backend, &mut m, now).await?;
            }
            report.count(&processor.process(m));
        }
        let status = RuleStatus {
            rule: self.rule.name.clone(),
            start: range.start,
            end: range.end,
            hits,
            matches: count,
            ran_at: clock.wall,
            time_taken: Duration::from_micros(
                i64::try_from(clock.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            ),
        };
        let commit = processor.finish(Some(status), clock.wall);
        report.silences_set = commit.silences.iter().map(|s| s.key.clone()).collect();
        let appended = commit
            .alerts
            .iter()
            .filter(|w| matches!(w, AlertWrite::Append { .. }))
            .count();
        let created = store.commit_run(&commit).await?;
        report.written = (created.len() + appended) as u64;
        Ok(report)
    }
}
