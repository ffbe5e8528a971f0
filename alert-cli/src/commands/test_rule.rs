//! `alert test-rule RULE --data FILE`, or `alert test-rule RULE [--days N]` against the cluster
//! `config.yaml` names.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use alert_core::config::{ConfigDefaults, GlobalConfig, Rule, load_rule_file};
use alert_core::plan::Segment;
use alert_core::time::{Duration, Timestamp};
use alert_engine::cluster::{self, names_cluster};
use alert_engine::run_command::state_path;
use alert_engine::test_rule::{
    TestRuleOptions, TestRuleReport, alerts_of, run_test_rule, run_test_rule_on_backend,
    save_matches, send_alerts,
};
use alert_engine::{DiskFiles, SqliteStore, process_env};
use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::config_file::{chrono_now, load_global, parse_time, wall_now};

#[path = "test_rule_preview.rs"]
mod preview;

/// Arguments of `alert test-rule`.
#[derive(Debug, Args)]
pub(crate) struct TestRuleArgs {
    /// The rule file.
    rule: PathBuf,
    /// The global config (default: ./config.yaml, else built-in defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Documents to run on: NDJSON (one per line) or a JSON array. Without it, the rule
    /// queries the cluster config.yaml names (`es_host`), as elastalert-test-rule does.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Against a cluster: query this many days before --end (or now); default 1.
    #[arg(long, conflicts_with = "data")]
    days: Option<u32>,
    /// Exclusive start of the range (ISO 8601 or NOW; default: first document, floored to run_every).
    #[arg(long, value_parser = parse_time)]
    start: Option<Timestamp>,
    /// Inclusive end of the range (ISO 8601 or NOW; default: last document).
    #[arg(long, value_parser = parse_time)]
    end: Option<Timestamp>,
    /// How to print matches.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only count the documents in range that pass the filters.
    #[arg(long)]
    count_only: bool,
    /// Stop reading after this many documents.
    #[arg(long)]
    max_docs: Option<u64>,
    /// Keep the matches as alerts in the state store (not delivered, no silences set).
    #[arg(long)]
    save: bool,
    /// Send each match through the rule's alerters (as `elastalert-test-rule --alert`);
    /// without it the text format prints the subject and body each alerter would send.
    #[arg(long)]
    alert: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable blocks, then the summary.
    Text,
    /// One match per line as JSON with sorted keys; the summary goes to stderr.
    Json,
}

pub(crate) fn run(args: &TestRuleArgs) -> anyhow::Result<ExitCode> {
    let global = load_global(args.config.as_deref(), ConfigDefaults::TestRule)?;
    let rule = load_rule_file(&DiskFiles, &global, &args.rule, &process_env)?;
    for warning in &rule.warnings {
        eprintln!("warning: {warning}");
    }
    let options = TestRuleOptions {
        start: args.start,
        end: args.end,
        max_docs: args.max_docs,
        count_only: args.count_only,
        global_run_every: global.run_every,
    };
    let now = Timestamp::from_chrono(&chrono_now());
    let report = match &args.data {
        Some(data) => {
            let progress = progress_bar(data);
            let report = run_test_rule(&rule, data, &options, now, &mut |bytes| {
                progress.set_position(bytes)
            });
            progress.finish_and_clear();
            report
        }
        None => query_cluster(args, &global, &rule, &options, now)?,
    }
    .with_context(|| format!("running {}", args.rule.display()))?;
    // The alerts `alert run` would raise from these matches: realert and aggregation applied.
    let end = report.range.map_or_else(|| now, |r| r.end);
    let alerts = alerts_of(&rule, &report.matches, end)?;
    print_report(args, &report, &|| {
        if !args.alert && args.format == Format::Text && !args.count_only {
            preview::print_previews(&rule, &alerts, wall_now())?;
        }
        Ok(())
    })?;
    if !args.count_only {
        preview::print_alert_summary(&alerts);
    }
    let mut failed = false;
    if args.alert {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the runtime")?;
        let results = runtime.block_on(send_alerts(
            &rule,
            &alerts.alerts,
            &notifier_for,
            wall_now(),
            &mut |warning| eprintln!("warning: {warning}"),
        ));
        failed = preview::print_send_results(&results, alerts.alerts.len());
    }
    if args.save {
        let path = state_path(&global)?;
        let store = SqliteStore::open(&path)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the runtime")?;
        let ids = runtime.block_on(save_matches(
            &store,
            &rule,
            &report.matches,
            global.alert_time_limit,
            wall_now(),
        ))?;
        eprintln!(
            "saved {} alert(s) to {} (kept for inspection, not delivered)",
            ids.len(),
            path.display()
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The rule's queries against the cluster of `config.yaml`, over `--start`/`--end` or the
/// last `--days` (1) before `--end` or now.
fn query_cluster(
    args: &TestRuleArgs,
    global: &GlobalConfig,
    rule: &Rule,
    options: &TestRuleOptions,
    now: Timestamp,
) -> anyhow::Result<alert_engine::Result<TestRuleReport>> {
    if !names_cluster(global) {
        anyhow::bail!(
            "no --data FILE and no cluster: pass --data, or set es_host in {} to query \
             Elasticsearch or OpenSearch over the last --days",
            global.file.display()
        );
    }
    let end = args.end.unwrap_or(now);
    let days = i64::from(args.days.unwrap_or(1));
    let start = args
        .start
        .unwrap_or_else(|| end.minus(Duration::from_secs(days * 86_400)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    Ok(runtime.block_on(async {
        let backend = cluster::connect(global).await?;
        let range = Segment { start, end };
        run_test_rule_on_backend(rule, backend.as_ref(), range, options, now).await
    }))
}

fn notifier_for(
    name: &str,
) -> alert_engine::Result<std::sync::Arc<dyn alert_core::port::Notifier>> {
    alert_notify::notifier_for(name)
        .map(std::sync::Arc::from)
        .map_err(|e| alert_engine::Error::Notifier(e.to_string()))
}

/// A byte-progress bar on stderr, only when stderr is a terminal.
fn progress_bar(data: &std::path::Path) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let size = std::fs::metadata(data).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Prints the skipped lines, the matches, what `previews` prints, then the summary.
fn print_report(
    args: &TestRuleArgs,
    report: &TestRuleReport,
    previews: &dyn Fn() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let source = args
        .data
        .as_ref()
        .map_or_else(|| "cluster".to_string(), |d| d.display().to_string());
    for skipped in &report.skipped {
        eprintln!(
            "warning: {source}:{}: skipped: {}",
            skipped.position, skipped.reason
        );
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.count_only {
        writeln!(
            out,
            "{} documents in range matched the filters",
            report.in_range
        )?;
    }
    let total = report.matches.len();
    for (i, m) in report.matches.iter().enumerate() {
        match args.format {
            Format::Json => writeln!(out, "{}", m.to_sorted_json())?,
            Format::Text => {
                writeln!(out, "--- match {} of {total} at {} ---", i + 1, m.timestamp)?;
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&m.to_sorted_json())?
                )?;
            }
        }
    }
    out.flush()?;
    drop(out);
    previews()?;
    let mut out = stdout.lock();
    let summary = summary_line(report);
    match args.format {
        Format::Text => writeln!(out, "{summary}")?,
        Format::Json => eprintln!("{summary}"),
    }
    Ok(())
}

/// `N documents read, M matched filters, K matches` (plus skipped lines when there were any).
fn summary_line(report: &TestRuleReport) -> String {
    let mut line = format!(
        "{} documents read, {} matched filters, {} matches",
        report.documents_read,
        report.matched_filters,
        report.matches.len()
    );
    if !report.skipped.is_empty() {
        line.push_str(&format!(", {} lines skipped", report.skipped.len()));
    }
    line
}
