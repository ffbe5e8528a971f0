//! `alert test-rule` against a cluster (`elastalert-test-rule` without `--data`): the rule's
//! queries over the last `--days`, through any [`SearchBackend`].

use alert_core::config::Rule;
use alert_core::plan::Segment;
use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
use alert_core::time::Timestamp;

use super::{TestRuleOptions, TestRuleReport};
use crate::Result;
use crate::disk_files::DiskFiles;
use crate::rule_runner::RuleRunner;

/// Runs `rule` over `range` with the queries ElastAlert2 sends. With `count_only`, one count
/// query over the range. The report's document counts are the hits the queries returned
/// (the cluster filtered them), and nothing is skipped.
pub async fn run_test_rule_on_backend(
    rule: &Rule,
    backend: &dyn SearchBackend,
    range: Segment,
    options: &TestRuleOptions,
    now: Timestamp,
) -> Result<TestRuleReport> {
    let mut runner = RuleRunner::new(rule.clone(), &DiskFiles)?;
    let mut report = TestRuleReport {
        range: Some(range),
        ..TestRuleReport::default()
    };
    let hits = if options.count_only {
        let query = SearchQuery {
            rule,
            filters: runner.filters(),
            range: TimeRange::from(range),
            now,
        };
        backend.count(&query).await?
    } else {
        let (matches, hits) = runner
            .test_run(backend, range, options.global_run_every, now)
            .await?;
        report.matches = matches;
        hits
    };
    report.documents_read = hits;
    report.matched_filters = hits;
    report.in_range = hits;
    Ok(report)
}
