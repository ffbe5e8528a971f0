//! `alert run --config C [--rule NAME] [--start T] [--end T] [--once]`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use alert_core::config::ConfigDefaults;
use alert_core::port::Notifier;
use alert_core::time::Timestamp;
use alert_engine::delivery::DeliveryReport;
use alert_engine::engine::CycleReport;
use alert_engine::metrics;
use alert_engine::monitor::MonitorCycleReport;
use alert_engine::reload::ReloadReport;
use alert_engine::rule_runner::RunReport;
use alert_engine::run_command::{OnceReport, RunOptions, run_daemon, run_once};
use anyhow::Context;
use clap::Args;
use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::json;

use super::config_file::{load_global, parse_time, wall_now};
use super::log::{Log, LogFormat};

/// Arguments of `alert run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The global config (default: ./config.yaml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run only the rule with this name.
    #[arg(long)]
    rule: Option<String>,
    /// Start of the first run (ISO 8601 or NOW).
    #[arg(long, value_parser = parse_time)]
    start: Option<Timestamp>,
    /// End of every run (ISO 8601 or NOW).
    #[arg(long, value_parser = parse_time)]
    end: Option<Timestamp>,
    /// Run every enabled rule once over the range, deliver, and exit.
    #[arg(long)]
    once: bool,
    /// Serve the REST API of monitors and alerts at this address (e.g. 127.0.0.1:9201);
    /// any address but loopback needs `api: {token: ...}` in config.yaml.
    #[arg(long)]
    api_addr: Option<std::net::SocketAddr>,
    /// Serve Prometheus metrics at this address (e.g. 127.0.0.1:9090).
    #[arg(long)]
    metrics_addr: Option<std::net::SocketAddr>,
    /// How to report on stderr.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let global = load_global(args.config.as_deref(), ConfigDefaults::Daemon)?;
    let options = RunOptions {
        rule: args.rule.clone(),
        start: args.start,
        end: args.end,
        api_addr: args.api_addr,
    };
    let log = Log::new(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    if let Some(addr) = args.metrics_addr {
        let handle = PrometheusBuilder::new()
            .install_recorder()
            .context("installing the metrics recorder")?;
        let listener = runtime
            .block_on(metrics::bind(addr))
            .with_context(|| format!("binding the metrics address {addr}"))?;
        let bound = listener.local_addr().map_or(addr, |a| a);
        log.info(
            "metrics",
            format_args!("metrics at http://{bound}/metrics"),
            json!({"addr": bound.to_string()}),
        );
        runtime.spawn(metrics::serve(listener, move || handle.render()));
    }
    if !args.once {
        runtime.block_on(run_daemon(
            &global,
            &options,
            &notifier_for,
            &wall_now,
            shutdown_signal(),
            &mut |report| print_cycle(&log, report),
            &mut |report| print_reload(&log, report),
        ))?;
        log.info(
            "stopped",
            "stopped; undelivered alerts stay in the outbox for the next start",
            json!({}),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let report = runtime.block_on(run_once(&global, &options, &notifier_for, &wall_now))?;
    print_report(&log, &report);
    let d = &report.cycle.delivery;
    let failed = report.cycle.runs.iter().any(|(_, r)| r.is_err()) || d.failed + d.retrying > 0;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn notifier_for(name: &str) -> alert_engine::Result<Arc<dyn Notifier>> {
    alert_notify::notifier_for(name)
        .map(Arc::from)
        .map_err(|e| alert_engine::Error::Notifier(e.to_string()))
}

fn print_report(log: &Log, report: &OnceReport) {
    for line in &report.source.skipped {
        log.warn(
            "skipped",
            format_args!("skipped {line}"),
            json!({"line": line}),
        );
    }
    match &report.cluster {
        Some(cluster) => log.info(
            "source",
            format_args!("querying {cluster}"),
            json!({"cluster": cluster}),
        ),
        None => log.info(
            "source",
            format_args!(
                "read {} documents from {} file(s)",
                report.source.documents,
                report.source.files.len()
            ),
            json!({"documents": report.source.documents, "files": report.source.files.len()}),
        ),
    }
    if !report.disabled.is_empty() {
        log.info(
            "disabled",
            format_args!("Disabled rules are: {:?}", report.disabled),
            json!({"rules": report.disabled}),
        );
    }
    print_runs(log, &report.cycle, true);
    for held in &report.held {
        log.info(
            "aggregates_held",
            format_args!(
                "rule '{}': {} match(es) held in {} aggregate(s), the first due at {} (data time): \
                 a later run sends them once its data reaches that time",
                held.rule, held.matches, held.aggregates, held.first_due
            ),
            json!({"rule": held.rule, "matches": held.matches, "aggregates": held.aggregates,
                   "first_due": held.first_due.to_iso()}),
        );
    }
    print_failures(log, &report.cycle);
    for warning in &report.monitor_warnings {
        log.warn("skipped", warning, json!({"detail": warning}));
    }
    if let Some(monitors) = &report.monitors {
        print_monitors(log, monitors);
    }
    let d = &report.cycle.delivery;
    for (_, line) in &d.pending {
        log.error(
            "delivery_pending",
            format_args!("still failing, kept in the outbox for the next run: {line}"),
            json!({"detail": line}),
        );
    }
    log.info(
        "delivery",
        format_args!(
            "{} delivered, {} to retry, {} failed; {} waiting in the outbox",
            d.delivered, d.retrying, d.failed, report.outbox_depth
        ),
        json!({"delivered": d.delivered, "retrying": d.retrying, "failed": d.failed, "outbox_depth": report.outbox_depth}),
    );
}

fn print_runs(log: &Log, cycle: &CycleReport, show_idle: bool) {
    for (name, outcome) in &cycle.runs {
        match outcome {
            Ok(run) if run.range.is_none() => {
                if show_idle {
                    log.info(
                        "rule_idle",
                        format_args!("rule '{name}': nothing new since its last run"),
                        json!({"rule": name}),
                    );
                }
            }
            Ok(run) => {
                let sent = Sent::of(name, &cycle.delivery);
                log.info(
                    "rule_ran",
                    run_line(name, run, sent),
                    run_fields(name, run, sent),
                );
            }
            Err(error) => log.error(
                "rule_failed",
                format_args!("rule '{name}' failed: {error}"),
                json!({"rule": name, "error": error}),
            ),
        }
    }
}

fn print_monitors(log: &Log, report: &MonitorCycleReport) {
    for (id, name, outcome) in &report.runs {
        match outcome {
            Ok(response) => {
                for (trigger, line) in trigger_lines(response) {
                    log.info(
                        "monitor_ran",
                        format_args!("monitor '{name}', trigger '{trigger}': {line}"),
                        json!({"monitor": name, "monitor_id": id, "trigger": trigger, "result": line}),
                    );
                }
            }
            Err(error) => log.error(
                "monitor_failed",
                format_args!("monitor '{name}' failed: {error}"),
                json!({"monitor": name, "monitor_id": id, "error": error}),
            ),
        }
    }
    for (id, why) in &report.invalid {
        log.error(
            "monitor_invalid",
            format_args!("monitor {id} does not load: {why}"),
            json!({"monitor_id": id, "error": why}),
        );
    }
    let d = &report.delivery;
    log.info(
        "monitor_delivery",
        format_args!(
            "monitor actions: {} delivered, {} to retry, {} failed",
            d.delivered, d.retried, d.failed
        ),
        json!({"delivered": d.delivered, "retrying": d.retried, "failed": d.failed}),
    );
}

/// One line per trigger of an `_execute` response: triggered or not, buckets, actions, error.
fn trigger_lines(response: &serde_json::Value) -> Vec<(String, String)> {
    let Some(triggers) = response["trigger_results"].as_object() else {
        return Vec::new();
    };
    triggers
        .values()
        .map(|t| {
            let name = t["name"].as_str().unwrap_or_default().to_string();
            let mut line = match t["agg_result_buckets"].as_object() {
                Some(buckets) => format!("{} bucket(s) matched", buckets.len()),
                None if t["triggered"] == true => "triggered".to_string(),
                None => "not triggered".to_string(),
            };
            let mut errors = Vec::new();
            let actions = count_actions(&t["action_results"], &mut errors);
            if actions > 0 {
                line.push_str(&format!(", {actions} action(s) run"));
            }
            if let Some(first) = errors.first() {
                line.push_str(&format!(", {} failed (first: {first})", errors.len()));
            }
            if let Some(error) = t["error"].as_str() {
                line.push_str(&format!(", error: {error}"));
            }
            (name, line)
        })
        .collect()
}

/// Action results are keyed by action id, or by bucket (or alert) then action id; counts the
/// actions run (not throttled) and collects their errors.
fn count_actions(results: &serde_json::Value, errors: &mut Vec<String>) -> usize {
    results.as_object().map_or(0, |map| {
        map.values()
            .map(|v| {
                if v.get("id").is_some() {
                    if let Some(error) = v["error"].as_str() {
                        errors.push(error.to_string());
                    }
                    usize::from(v["throttled"] != true)
                } else {
                    count_actions(v, errors)
                }
            })
            .sum()
    })
}

/// A rule's deliveries in a cycle.
#[derive(Debug, Clone, Copy)]
struct Sent {
    delivered: usize,
    failed: usize,
}

impl Sent {
    fn of(rule: &str, delivery: &DeliveryReport) -> Sent {
        let count = |rules: &[String]| rules.iter().filter(|r| *r == rule).count();
        Sent {
            delivered: count(&delivery.delivered_rules),
            failed: count(&delivery.failed_rules),
        }
    }
}

/// What became of a run's matches: alerted, suppressed by realert (until when), silenced,
/// aggregated (due when), and the rule's deliveries.
fn run_line(name: &str, run: &RunReport, sent: Sent) -> String {
    let mut line = format!(
        "rule '{name}': {} hits, {} matches, {} alerted",
        run.hits, run.matches, run.alerted
    );
    if let (n @ 1.., Some(until)) = (run.suppressed, run.suppressed_until) {
        line.push_str(&format!(", {n} suppressed by realert until {until}"));
    }
    if let (n @ 1.., Some(until)) = (run.silenced - run.suppressed, run.silenced_until) {
        line.push_str(&format!(", {n} silenced until {until}"));
    }
    if let (n @ 1.., Some(due)) = (run.aggregated, run.aggregated_due) {
        line.push_str(&format!(", {n} aggregated (first due at {due})"));
    }
    line.push_str(&format!(
        "; {} written, {} delivered, {} failed",
        run.written, sent.delivered, sent.failed
    ));
    line
}

fn run_fields(name: &str, run: &RunReport, sent: Sent) -> serde_json::Value {
    let range = run
        .range
        .map(|r| json!({"start": r.start.to_iso(), "end": r.end.to_iso()}));
    let iso = |t: Option<alert_core::time::Timestamp>| t.map(|t| t.to_iso());
    json!({"rule": name, "hits": run.hits, "matches": run.matches, "alerted": run.alerted,
           "suppressed": run.suppressed, "suppressed_until": iso(run.suppressed_until),
           "silenced": run.silenced - run.suppressed, "silenced_until": iso(run.silenced_until),
           "aggregated": run.aggregated, "aggregated_due": iso(run.aggregated_due),
           "written": run.written, "delivered": sent.delivered, "failed": sent.failed,
           "range": range})
}

fn print_failures(log: &Log, cycle: &CycleReport) {
    for failure in &cycle.delivery.failures {
        log.error(
            "delivery_failed",
            format_args!("delivery failed for good: {failure}"),
            json!({"detail": failure}),
        );
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn print_cycle(log: &Log, report: &CycleReport) {
    print_runs(log, report, false);
    print_failures(log, report);
    let d = &report.delivery;
    if d.delivered + d.retrying + d.failed > 0 {
        log.info(
            "delivery",
            format_args!(
                "{} delivered, {} to retry, {} failed",
                d.delivered, d.retrying, d.failed
            ),
            json!({"delivered": d.delivered, "retrying": d.retrying, "failed": d.failed}),
        );
    }
}

fn print_reload(log: &Log, report: &ReloadReport) {
    for name in &report.added {
        log.info(
            "rule_loaded",
            format_args!("rule '{name}' loaded"),
            json!({"rule": name}),
        );
    }
    for name in &report.changed {
        log.info(
            "rule_reloaded",
            format_args!("rule '{name}' reloaded"),
            json!({"rule": name}),
        );
    }
    for name in &report.removed {
        log.info(
            "rule_stopped",
            format_args!("rule '{name}' stopped"),
            json!({"rule": name}),
        );
    }
    for error in &report.errors {
        log.error(
            "rule_invalid",
            format_args!("{error} (the previous version keeps running)"),
            json!({"error": error}),
        );
    }
}
