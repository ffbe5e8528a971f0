//! `alert run`: wire a config into an [`Engine`] on the embedded default (local files, SQLite
//! state) and run it once or until stopped. The CLI only parses arguments and calls this.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use alert_core::config::{GlobalConfig, Rule, load_rules_folder};
use alert_core::document::TimeField;
use alert_core::plan::default_offline_range;
use alert_core::port::{Notifier, SearchBackend, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use serde_json::Value;

use crate::api::{ApiServer, ApiSettings, serve_alongside};
use crate::cluster::{self, names_cluster};
use crate::delivery::Notifiers;
use crate::engine::{CycleReport, Engine};
use crate::local_backend::LocalBackend;
use crate::monitor::{MonitorCycleReport, monitors_configured, open_monitor_service};
use crate::reload::ReloadReport;
use crate::rule_runner::RunSettings;
use crate::source::{FileFollower, LoadReport, SourceConfig, expand, load_files};
use crate::store::{InstanceLock, PostgresConfig, open_state_store, uses_cluster_state};
use crate::{DiskFiles, Error, Result, process_env};

/// How often `alert run --once` retries a failed delivery before it exits (with the
/// engine's back-off: 1 s, 2 s, 4 s).
const ONCE_RETRIES: u32 = 3;

/// Builds the notifier of an alerter name (the CLI passes `alert-notify`'s registry).
pub type NotifierFactory<'a> = &'a dyn Fn(&str) -> Result<Arc<dyn Notifier>>;

/// The choices of `alert run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only this rule (by name).
    pub rule: Option<String>,
    /// The first run's start.
    pub start: Option<Timestamp>,
    /// Every run's end.
    pub end: Option<Timestamp>,
    /// Serve the REST API of monitors and alerts here (`--api-addr`).
    pub api_addr: Option<std::net::SocketAddr>,
}

/// The SQLite file of the state store: `state: {path: ...}` in config.yaml, else
/// `./alert-state.db`.
pub fn state_path(global: &GlobalConfig) -> Result<PathBuf> {
    // With the rules' state in PostgreSQL, monitors and `test-rule --save` keep the file.
    if PostgresConfig::from_global(global)?.is_some() {
        return Ok(PathBuf::from("alert-state.db"));
    }
    match global.raw.get("state") {
        None => Ok(PathBuf::from("alert-state.db")),
        Some(Value::Object(map)) => {
            if let Some(key) = map.keys().find(|k| !["type", "path"].contains(&k.as_str())) {
                return Err(config_error(
                    global,
                    format!("unknown option 'state.{key}' (known: type, path)"),
                ));
            }
            match map.get("type").and_then(Value::as_str) {
                None | Some("sqlite") => {}
                Some(other) => {
                    return Err(config_error(
                        global,
                        format!("`state.type` must be `sqlite`, got '{other}'"),
                    ));
                }
            }
            Ok(map
                .get("path")
                .and_then(Value::as_str)
                .map_or_else(|| PathBuf::from("alert-state.db"), PathBuf::from))
        }
        Some(_) => Err(config_error(
            global,
            "`state` must be a mapping such as `{path: alert-state.db}`".into(),
        )),
    }
}

/// One `alert run` per SQLite state file: a second is refused at start with a message saying
/// why (the cluster's writeback indices are shared as ElastAlert2 shares them).
fn instance_lock(global: &GlobalConfig) -> Result<Option<InstanceLock>> {
    if uses_cluster_state(global) || PostgresConfig::from_global(global)?.is_some() {
        return Ok(None);
    }
    Ok(Some(InstanceLock::acquire(&state_path(global)?)?))
}

fn config_error(global: &GlobalConfig, message: String) -> Error {
    Error::Config {
        path: global.file.clone(),
        message,
    }
}

/// What `alert run --once` did.
#[derive(Debug, Clone)]
pub struct OnceReport {
    /// What reading the source found (nothing over a cluster).
    pub source: LoadReport,
    /// The cluster queried (`Elasticsearch 8.15.0`), when `config.yaml` names one.
    pub cluster: Option<String>,
    /// Rules that are disabled (`is_enabled: false`).
    pub disabled: Vec<String>,
    /// The cycle.
    pub cycle: CycleReport,
    /// Outbox rows still waiting for delivery (kept for the next start).
    pub outbox_depth: u64,
    /// Per rule, the aggregates still collecting matches: sent by a later run once its data
    /// time reaches their alert time.
    pub held: Vec<HeldAggregates>,
    /// The monitors' runs, when `monitors_folder` is set.
    pub monitors: Option<MonitorCycleReport>,
    /// Monitor files skipped (`skip_invalid`).
    pub monitor_warnings: Vec<String>,
}

/// A rule's aggregates that `alert run --once` leaves open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldAggregates {
    /// The rule.
    pub rule: String,
    /// How many aggregates.
    pub aggregates: u64,
    /// How many matches they hold.
    pub matches: u64,
    /// When the first is due (data time).
    pub first_due: Timestamp,
}

/// The open aggregates of each rule, for the run summary.
async fn held_aggregates(store: &dyn StateStore, rules: &[&str]) -> Result<Vec<HeldAggregates>> {
    let mut held = Vec::new();
    for rule in rules {
        let open = store.open_aggregates(rule).await?;
        if let Some(first_due) = open.iter().map(|a| a.alert_time).min() {
            held.push(HeldAggregates {
                rule: (*rule).to_string(),
                aggregates: open.len() as u64,
                matches: open.iter().map(|a| a.match_count).sum(),
                first_due,
            });
        }
    }
    Ok(held)
}

/// The rules `alert run` runs: the folder's rules (or the one named), with load errors as
/// errors unless `skip_invalid`.
pub fn load_rules(global: &GlobalConfig, only: Option<&str>) -> Result<Vec<Rule>> {
    let load = load_rules_folder(&DiskFiles, global, &process_env)?;
    let rules = load.into_rules(global.skip_invalid)?;
    match only {
        None => Ok(rules),
        Some(name) => {
            let picked: Vec<Rule> = rules.into_iter().filter(|r| r.name == name).collect();
            if picked.is_empty() {
                return Err(config_error(
                    global,
                    format!("no rule named '{name}' in the rules folder"),
                ));
            }
            Ok(picked)
        }
    }
}

/// The backend of `alert run --once`: the cluster `config.yaml` names, or the local files
/// read in full (indexed by every time field the rules read).
struct OnceBackend {
    backend: Arc<dyn SearchBackend>,
    loaded: LoadReport,
    cluster: Option<String>,
    local: Option<Arc<LocalBackend>>,
}

async fn once_backend(global: &GlobalConfig, rules: &[Rule]) -> Result<OnceBackend> {
    if names_cluster(global) {
        let backend = cluster::connect(global).await?;
        return Ok(OnceBackend {
            cluster: Some(cluster::describe(&backend)),
            backend,
            loaded: LoadReport::default(),
            local: None,
        });
    }
    let backend = Arc::new(local_backend_for(global, rules));
    let loaded = match SourceConfig::from_global(global)? {
        SourceConfig::Files { paths, .. } => load_files(&backend, &expand(&paths)?)?,
        SourceConfig::Stdin => {
            return Err(config_error(
                global,
                "`source: {type: stdin}` is read by `alert run` without --once".into(),
            ));
        }
    };
    Ok(OnceBackend {
        backend: backend.clone(),
        loaded,
        cluster: None,
        local: Some(backend),
    })
}

/// A local backend indexing documents by the monitors' time field first (config.yaml's
/// `timestamp_field`, else `@timestamp`, ISO: what their searches and documents are timed by)
/// and by every other time field the rules read.
fn local_backend_for(global: &GlobalConfig, rules: &[Rule]) -> LocalBackend {
    let monitors = global
        .raw
        .get("timestamp_field")
        .and_then(Value::as_str)
        .map_or_else(TimeField::default_iso, |field| {
            TimeField::new(field, alert_core::time::TimestampType::Iso)
        });
    let fields = rules.iter().map(TimeField::of);
    LocalBackend::with_time_fields(std::iter::once(monitors).chain(fields))
}

/// Runs every enabled rule once and delivers the alerts. Over local files, without
/// `--start` a rule that never ran starts at the first document its time field reads
/// (floored to `run_every`), and without `--end` it ends at the last, as `alert test-rule`
/// takes them; over a cluster, runs are planned as `alert run` plans them (ending now).
pub async fn run_once(
    global: &GlobalConfig,
    options: &RunOptions,
    notifier_for: NotifierFactory<'_>,
    clock: &(dyn Fn() -> WallTime + Sync),
) -> Result<OnceReport> {
    let now = clock();
    let rules = load_rules(global, options.rule.as_deref())?;
    let OnceBackend {
        backend,
        loaded,
        cluster,
        local,
    } = once_backend(global, &rules).await?;
    let _instance = instance_lock(global)?;
    let store: Arc<dyn StateStore> = open_state_store(global)?;
    let disabled = rules
        .iter()
        .filter(|r| !r.is_enabled)
        .map(|r| r.name.clone())
        .collect();
    let notifiers = notifiers_for(&rules, notifier_for)?;
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: global.old_query_limit,
        },
        alert_time_limit: global.alert_time_limit,
        explicit_start: options.start,
        explicit_end: options.end,
    };
    let run_every = global.run_every;
    let offline_range = |rule: &Rule| {
        let (first, last) = local.as_ref()?.bounds_of(&TimeField::of(rule))?;
        Some(default_offline_range(first, last, run_every))
    };
    let mut engine = Engine::new(
        rules,
        &DiskFiles,
        backend.clone(),
        store.clone(),
        notifiers,
        settings,
    )?
    .with_concurrency(max_threads(global))
    .with_offline_ranges(offline_range);
    let mut cycle = engine.run_cycle(now).await?;
    let first = std::mem::take(&mut cycle.delivery);
    cycle.delivery = engine.drain(clock, ONCE_RETRIES, first).await?;
    // Monitors run once for the period ending where the data ends (the last document of
    // local files), so their `now-30m` ranges fall on the data.
    let data_end = local
        .as_ref()
        .and_then(|l| l.bounds())
        .map(|(_, last)| last);
    let (monitors, monitor_warnings) = if monitors_configured(global) {
        let monitor_now = options.end.or(data_end).unwrap_or(now.as_data_time());
        let (service, warnings) =
            open_monitor_service(global, backend, Arc::new(move || monitor_now)).await?;
        let cycle = service
            .run_all_once(monitor_now, now.as_data_time())
            .await?;
        (Some(cycle), warnings)
    } else {
        (None, Vec::new())
    };
    let held = held_aggregates(store.as_ref(), &engine.rule_names()).await?;
    Ok(OnceReport {
        source: loaded,
        cluster,
        disabled,
        cycle,
        outbox_depth: store.outbox_depth().await?,
        held,
        monitors,
        monitor_warnings,
    })
}

/// One notifier per alerter name the rules use.
fn notifiers_for(rules: &[Rule], notifier_for: NotifierFactory<'_>) -> Result<Notifiers> {
    let mut out: Notifiers = HashMap::new();
    for rule in rules {
        for alerter in &rule.alerters {
            if !out.contains_key(&alerter.name) {
                let notifier = notifier_for(&alerter.name).map_err(|e| Error::Config {
                    path: rule.file.clone(),
                    message: e.to_string(),
                })?;
                out.insert(alerter.name.clone(), notifier);
            }
        }
    }
    Ok(out)
}

/// How long a daemon cycle may wait: the global `run_every`.
pub fn cycle_interval(global: &GlobalConfig) -> Duration {
    global.run_every
}

/// The longest the daemon sleeps between two looks for due rules and due deliveries.
const MAX_TICK_MICROS: u64 = 1_000_000;

/// The shortest: a sub-second `run_every` is honoured down to this.
const MIN_TICK_MICROS: u64 = 100_000;

/// How long the daemon sleeps between ticks: the shortest `run_every` of its rules, between
/// 100 ms and 1 s. Rules that run once a second or less often wake the daemon once a second;
/// a rule with a sub-second `run_every` (follow mode alerting within a second) runs on time.
fn tick(run_everys: impl IntoIterator<Item = Duration>) -> std::time::Duration {
    let shortest = run_everys
        .into_iter()
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(0))
        .min()
        .unwrap_or(MAX_TICK_MICROS);
    std::time::Duration::from_micros(shortest.clamp(MIN_TICK_MICROS, MAX_TICK_MICROS))
}

/// Runs the engine until `shutdown` completes (or, with `--end`, until the next cycle would
/// start past it): every tick (see [`tick`]), the rules whose `run_every` has
/// passed run, due aggregates are released and the outbox is delivered. `shutdown` stops the
/// loop at once, a run or a send in flight included; undelivered outbox rows stay for the next
/// start.
/// `clock` reads the time (the wall clock in production).
pub async fn run_daemon(
    global: &GlobalConfig,
    options: &RunOptions,
    notifier_for: NotifierFactory<'_>,
    clock: &(dyn Fn() -> WallTime + Sync),
    shutdown: impl std::future::Future<Output = ()>,
    on_cycle: &mut (dyn FnMut(&CycleReport) + Send),
    on_reload: &mut (dyn FnMut(&ReloadReport) + Send),
) -> Result<()> {
    let rules = load_rules(global, options.rule.as_deref())?;
    let _instance = instance_lock(global)?;
    let store: Arc<dyn StateStore> = open_state_store(global)?;
    let (backend, local, mut follower): (Arc<dyn SearchBackend>, _, _) = if names_cluster(global) {
        (cluster::connect(global).await?, None, None)
    } else {
        let (local, follower) = local_source(global, &rules, store.as_ref()).await?;
        (local.clone(), Some(local), follower)
    };
    let notifiers = notifiers_for(&rules, notifier_for)?;
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: global.old_query_limit,
        },
        alert_time_limit: global.alert_time_limit,
        explicit_start: options.start,
        explicit_end: options.end,
    };
    let mut engine = Engine::new(
        rules,
        &DiskFiles,
        backend.clone(),
        store.clone(),
        notifiers,
        settings,
    )?
    .with_concurrency(max_threads(global));
    let monitors = if monitors_configured(global) || options.api_addr.is_some() {
        let (service, warnings) =
            open_monitor_service(global, backend.clone(), Arc::new(wall_clock)).await?;
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        Some(service)
    } else {
        None
    };
    let mut watcher = RulesWatcher::new(global);
    let run_loop = async {
        tokio::pin!(shutdown);
        loop {
            if let Some(outcomes) = watcher.changed(global, clock(), options.rule.as_deref()) {
                let reloaded = engine.reload(outcomes, &DiskFiles, notifier_for);
                if !reloaded.is_empty() {
                    on_reload(&reloaded);
                }
            }
            if let (Some(files), Some(local)) = (follower.as_mut(), local.as_ref()) {
                let polled = files.poll(local)?;
                for problem in polled.skipped.iter().chain(&polled.errors) {
                    eprintln!("warning: {problem}");
                }
            }
            // A signal ends the loop at once, even mid-run or mid-send (SIGTERM must win well
            // within a supervisor's stop timeout): a run commits in one transaction or not at
            // all, and a notification cut off stays in the outbox, its repeat after the restart
            // carrying the same idempotency key.
            let report = tokio::select! {
                () = &mut shutdown => return Ok(()),
                report = engine.run_due(clock()) => report?,
            };
            on_cycle(&report);
            let mut oldest = engine.oldest_needed();
            if let Some(service) = &monitors {
                let cycle = tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    cycle = service.run_due(clock().as_data_time()) => cycle?,
                };
                log_monitor_cycle(&cycle);
                let needed = service.oldest_needed(cycle.enabled);
                oldest = oldest.zip(needed).map(|(a, b)| a.min(b));
            }
            if let (Some(oldest), Some(local)) = (oldest, local.as_ref()) {
                local.forget_before(oldest);
            }
            if let Some(files) = follower.as_mut() {
                files
                    .checkpoint_processed(engine.oldest_needed(), store.as_ref())
                    .await?;
            }
            // With --end, stop once the next cycle would start past it (ElastAlert2's --end),
            // after delivering what is due, as `--once` does.
            if let Some(end) = options.end
                && clock().as_data_time().plus(global.run_every) > end
            {
                let delivery = tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    delivery = engine.drain(clock, ONCE_RETRIES, Default::default()) => delivery?,
                };
                on_cycle(&CycleReport {
                    delivery,
                    ..CycleReport::default()
                });
                return Ok(());
            }
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(tick(engine.runners.iter().map(|r| r.rule().run_every))) => {}
            }
        }
    };
    match (options.api_addr, &monitors) {
        (Some(addr), Some(service)) => {
            let settings = ApiSettings::from_config(addr, global)?;
            let server = ApiServer::bind(settings, service.clone())
                .await
                .map_err(|e| {
                    config_error(global, format!("cannot serve the API on {addr}: {e}"))
                })?;
            tracing::info!("REST API on http://{}", server.local_addr());
            let (ran, served) = serve_alongside(server, run_loop).await;
            served.map_err(|e| config_error(global, format!("the API on {addr} failed: {e}")))?;
            ran
        }
        _ => run_loop.await,
    }
}

/// Reports a monitor cycle through the log: failed runs and stored monitors that no longer
/// load as warnings, deliveries that failed for good as errors.
fn log_monitor_cycle(report: &MonitorCycleReport) {
    for (id, name, outcome) in &report.runs {
        match outcome {
            Ok(_) => tracing::info!(monitor = %id, "monitor '{name}' ran"),
            Err(e) => tracing::warn!(monitor = %id, "monitor '{name}' failed: {e}"),
        }
    }
    for (id, why) in &report.invalid {
        tracing::warn!(monitor = %id, "monitor {id} does not load and is not run: {why}");
    }
    if report.delivery.failed > 0 {
        tracing::error!(
            "{} monitor notification(s) failed for good",
            report.delivery.failed
        );
    }
}

/// The wall clock, for the REST API's `_execute` and acknowledgements.
fn wall_clock() -> Timestamp {
    // Monitors still take the wall clock as `Timestamp` (see `monitor/delivery.rs`).
    WallTime::from_system(std::time::SystemTime::now()).as_data_time()
}

/// The local source of the daemon: files read in full, files followed (resumed from the
/// store), or standard input.
async fn local_source(
    global: &GlobalConfig,
    rules: &[Rule],
    store: &dyn StateStore,
) -> Result<(Arc<LocalBackend>, Option<FileFollower>)> {
    let backend = Arc::new(local_backend_for(global, rules));
    let mut follower = None;
    match SourceConfig::from_global(global)? {
        SourceConfig::Files {
            paths,
            follow: true,
        } => {
            let mut files = FileFollower::new(paths);
            files.resume(store).await?;
            follower = Some(files);
        }
        SourceConfig::Files { paths, .. } => {
            load_files(&backend, &expand(&paths)?)?;
        }
        SourceConfig::Stdin => crate::source::spawn_stdin_reader(backend.clone()),
    }
    Ok((backend, follower))
}

/// Notices edits of the rules folder: a cheap fingerprint (paths, sizes, modification times)
/// every tick, and a full reload at least every `run_every` (imported files are not in the
/// fingerprint).
struct RulesWatcher {
    fingerprint: Vec<(PathBuf, u64, Option<std::time::SystemTime>)>,
    last_full: Option<WallTime>,
    period: Duration,
}

impl RulesWatcher {
    fn new(global: &GlobalConfig) -> Self {
        RulesWatcher {
            fingerprint: fingerprint(global),
            last_full: None,
            period: global.run_every,
        }
    }

    /// A fresh load of the folder when something may have changed.
    fn changed(
        &mut self,
        global: &GlobalConfig,
        now: WallTime,
        only: Option<&str>,
    ) -> Option<Vec<(PathBuf, alert_core::Result<Rule>)>> {
        let current = fingerprint(global);
        let stale = self.last_full.is_none_or(|t| now.since(t) >= self.period);
        if current == self.fingerprint && !stale {
            return None;
        }
        if self.last_full.is_none() && current == self.fingerprint {
            // The engine was just built from this very folder.
            self.last_full = Some(now);
            return None;
        }
        self.fingerprint = current;
        self.last_full = Some(now);
        let load = load_rules_folder(&DiskFiles, global, &process_env).ok()?;
        Some(
            load.outcomes
                .into_iter()
                .filter(|(_, r)| match (only, r) {
                    (Some(name), Ok(rule)) => rule.name == name,
                    (Some(_), Err(_)) => false,
                    (None, _) => true,
                })
                .collect(),
        )
    }
}

fn fingerprint(global: &GlobalConfig) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
    alert_core::config::discover(&DiskFiles, global)
        .unwrap_or_default()
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (path, len, modified)
        })
        .collect()
}

/// `max_threads` from config.yaml (default 10): how many rules run at once.
fn max_threads(global: &GlobalConfig) -> usize {
    global
        .raw
        .get("max_threads")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_is_the_shortest_run_every_between_100_ms_and_1_s() {
        let ms = |n: i64| Duration::from_micros(n * 1000);
        let cases: [(&[Duration], u64); 6] = [
            (&[], 1000),
            (&[Duration::from_mins(1)], 1000),
            (&[Duration::from_secs(1)], 1000),
            (&[Duration::from_mins(1), ms(200)], 200),
            (&[ms(250), ms(500)], 250),
            (&[ms(10)], 100),
        ];
        for (run_everys, expected) in cases {
            assert_eq!(
                tick(run_everys.iter().copied()),
                std::time::Duration::from_millis(expected),
                "{run_everys:?}"
            );
        }
    }
}
