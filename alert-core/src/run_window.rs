//! Where a rule's run starts and ends (ElastAlert2's `set_starttime` and the end of
//! `run_rule`, reference §2.3): resume after a restart without gap or overlap, re-query the
//! trailing `buffer_time` in steady state, cover a gap bigger than the buffer.

use serde_json::Value;

use crate::config::Rule;
use crate::plan::QueryKind;
use crate::time::{Duration, Timestamp};

/// What is known about a rule when its next run is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunHistory {
    /// The end of the previous run in this process.
    pub previous_end: Option<Timestamp>,
    /// The end of the last run recorded in the store (read on the first run only).
    pub stored_end: Option<Timestamp>,
    /// The earliest start allowed (set when a run resumed from the store).
    pub minimum_start: Option<Timestamp>,
}

/// The range of the next run and the history to keep for the run after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunWindow {
    /// Exclusive start.
    pub start: Timestamp,
    /// Inclusive end.
    pub end: Timestamp,
    /// `minimum_start` to remember.
    pub minimum_start: Option<Timestamp>,
}

/// Global settings the start depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartSettings {
    /// The global `run_every` (count and terms rules step by it).
    pub global_run_every: Duration,
    /// `old_query_limit`: a stored end older than this is not resumed from (default 1 week).
    pub old_query_limit: Duration,
}

/// The end of a run at `now`: `now - query_delay`.
pub fn run_end(rule: &Rule, now: Timestamp) -> Timestamp {
    now.minus(rule.query_delay)
}

/// The window of the next run of `rule` ending at `end` (see the module doc).
///
/// ```
/// use alert_core::run_window::{RunHistory, StartSettings, plan_run};
/// # use alert_core::config::*; use alert_core::time::*; use std::path::Path;
/// # let files = MemoryFiles::new().with("config.yaml", "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n")
/// #     .with("r/a.yaml", "name: a\ntype: any\nindex: i\nalert: debug\n");
/// # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &|_| None, ConfigDefaults::Daemon).unwrap();
/// # let rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &|_| None).unwrap();
/// let settings = StartSettings { global_run_every: Duration::from_mins(1), old_query_limit: Duration::from_secs(7 * 86_400) };
/// let end = Timestamp::parse_iso("2026-01-01T12:00:00Z").unwrap();
/// let stored = Timestamp::parse_iso("2026-01-01T11:58:00Z").unwrap();
/// // After a restart, the run resumes exactly where the last stored run ended.
/// let history = RunHistory { stored_end: Some(stored), ..RunHistory::default() };
/// assert_eq!(plan_run(&rule, history, end, end, settings).start, stored);
/// ```
pub fn plan_run(
    rule: &Rule,
    history: RunHistory,
    end: Timestamp,
    now: Timestamp,
    settings: StartSettings,
) -> RunWindow {
    let kind = QueryKind::of(rule);
    let scan_entire = rule
        .option("scan_entire_timeframe")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let timeframe = rule.timeframe.unwrap_or(rule.buffer_time);
    if history.previous_end.is_none()
        && !scan_entire
        && let Some(stored) = history.stored_end
        && stored > now.minus(settings.old_query_limit)
    {
        let start = overlap_for_aggregations(rule, stored);
        return RunWindow {
            start,
            end,
            minimum_start: Some(start),
        };
    }
    let start = match kind {
        QueryKind::Counts | QueryKind::Terms if scan_entire => end.minus(timeframe),
        QueryKind::Counts | QueryKind::Terms => history
            .previous_end
            .unwrap_or_else(|| end.minus(settings.global_run_every)),
        QueryKind::Documents | QueryKind::Aggregation => {
            let buffer_delta = if scan_entire {
                end.minus(timeframe)
            } else {
                end.minus(rule.buffer_time)
            };
            match (history.minimum_start, history.previous_end) {
                (Some(minimum), _) if minimum > buffer_delta => minimum,
                (_, Some(previous)) if previous < buffer_delta => {
                    overlap_for_aggregations(rule, previous)
                }
                _ => buffer_delta,
            }
        }
    };
    RunWindow {
        start,
        end,
        minimum_start: history.minimum_start,
    }
}

/// `allow_buffer_time_overlap`: an aggregation rule resuming from an earlier end starts
/// `buffer_time - run_every` earlier, so its first aggregation window is a full buffer
/// (unless `use_run_every_query_size`, or `buffer_time` is not longer than `run_every`).
fn overlap_for_aggregations(rule: &Rule, start: Timestamp) -> Timestamp {
    let flag = |k: &str| rule.option(k).and_then(Value::as_bool).unwrap_or(false);
    if rule.kind.is_aggregation()
        && flag("allow_buffer_time_overlap")
        && !flag("use_run_every_query_size")
        && rule.buffer_time > rule.run_every
    {
        let overlap = rule.buffer_time.as_micros() - rule.run_every.as_micros();
        return start.minus(Duration::from_micros(overlap));
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_support::{at, rule};

    const SETTINGS: StartSettings = StartSettings {
        global_run_every: Duration::from_mins(1),
        old_query_limit: Duration::from_secs(7 * 86_400),
    };

    fn start(yaml: &str, history: RunHistory, end: &str) -> String {
        let r = rule(yaml);
        let w = plan_run(&r, history, at(end), at(end), SETTINGS);
        w.start.to_iso()
    }

    #[test]
    fn the_start_follows_elastalert2s_set_starttime() {
        let any = "type: any\n";
        let counts = "type: frequency\nnum_events: 1\ntimeframe: {minutes: 5}\nuse_count_query: true\ndoc_type: d\n";
        let h = |previous: Option<&str>, stored: Option<&str>, minimum: Option<&str>| RunHistory {
            previous_end: previous.map(at),
            stored_end: stored.map(at),
            minimum_start: minimum.map(at),
        };
        let cases = [
            // Fresh start: the trailing buffer_time (15 min).
            (any, h(None, None, None), "2026-01-01T11:45:00Z"),
            // Resume from the store, even across a gap bigger than the buffer.
            (any, h(None, Some("10:00"), None), "2026-01-01T10:00:00Z"),
            // Steady state: re-query the trailing buffer.
            (any, h(Some("11:59"), None, None), "2026-01-01T11:45:00Z"),
            // Never before the resume point.
            (
                any,
                h(Some("11:59"), None, Some("11:58")),
                "2026-01-01T11:58:00Z",
            ),
            // A gap bigger than the buffer is covered from the previous end.
            (any, h(Some("11:00"), None, None), "2026-01-01T11:00:00Z"),
            // Count rules step from the previous end, or one global run_every back.
            (counts, h(Some("11:57"), None, None), "2026-01-01T11:57:00Z"),
            (counts, h(None, None, None), "2026-01-01T11:59:00Z"),
        ];
        for (yaml, history, expected) in cases {
            assert_eq!(
                start(yaml, history, "12:00"),
                expected,
                "{yaml} {history:?}"
            );
        }
    }

    #[test]
    fn a_stored_end_older_than_old_query_limit_is_ignored() {
        let r = rule("type: any\n");
        let history = RunHistory {
            stored_end: Some(at("00:00")),
            ..RunHistory::default()
        };
        let now = at("00:00").plus(Duration::from_secs(8 * 86_400));
        let w = plan_run(&r, history, now, now, SETTINGS);
        assert_eq!(w.start, now.minus(Duration::from_mins(15)));
    }

    #[test]
    fn scan_entire_timeframe_starts_a_timeframe_back_on_every_run() {
        let yaml = "type: frequency\nnum_events: 1\ntimeframe: {minutes: 30}\nscan_entire_timeframe: true\n";
        let history = RunHistory {
            previous_end: Some(at("11:59")),
            ..RunHistory::default()
        };
        assert_eq!(start(yaml, history, "12:00"), "2026-01-01T11:30:00Z");
    }

    #[test]
    fn allow_buffer_time_overlap_moves_an_aggregation_resume_back_by_buffer_minus_run_every() {
        let agg = "type: metric_aggregation\nmetric_agg_key: ms\nmetric_agg_type: avg\nmax_threshold: 1\n";
        let resumed = RunHistory {
            stored_end: Some(at("11:50")),
            ..RunHistory::default()
        };
        let gap = RunHistory {
            previous_end: Some(at("11:00")),
            ..RunHistory::default()
        };
        let cases = [
            (
                format!("{agg}allow_buffer_time_overlap: true\n"),
                resumed,
                "2026-01-01T11:36:00Z",
            ),
            (
                format!("{agg}allow_buffer_time_overlap: true\n"),
                gap,
                "2026-01-01T10:46:00Z",
            ),
            (agg.to_string(), resumed, "2026-01-01T11:50:00Z"),
            (
                format!("{agg}allow_buffer_time_overlap: true\nuse_run_every_query_size: true\n"),
                resumed,
                "2026-01-01T11:50:00Z",
            ),
            (
                "type: any\nallow_buffer_time_overlap: true\n".to_string(),
                resumed,
                "2026-01-01T11:50:00Z",
            ),
        ];
        for (yaml, history, expected) in cases {
            assert_eq!(start(&yaml, history, "12:00"), expected, "{yaml}");
        }
    }

    #[test]
    fn query_delay_moves_the_end_back() {
        let r = rule("type: any\nquery_delay: {minutes: 2}\n");
        assert_eq!(run_end(&r, at("12:00")), at("11:58"));
    }
}
