//! Follow mode (issue 4, target: p99 ≤ 1 s at 50 000 lines/s): the latency from a line
//! appended to a file to its alert in the outbox, through the daemon's real path —
//! `alert_engine::run_command::run_daemon` on a config in a temporary directory, with
//! `source: {type: files, follow: true}` and the SQLite store.
//!
//! A writer thread appends NDJSON lines to `logs/app.ndjson` at the given rate, in small
//! batches paced on the clock; every line carries its write time (`@timestamp`, and `write_us`
//! in epoch microseconds) and every 500th is `level: error`. The one rule (`type: any`,
//! `filter: level: error`, `realert: 0`) raises one alert per error line. The alert's outbox
//! row is committed between two instants this bench records:
//!
//! - the run's `now` (the alert's `created_at`), taken before the rule queries its window: a
//!   lower bound;
//! - the moment the delivery pass that follows the commit hands the alert to the notifier
//!   (a notifier of this bench that notes the wall clock): an upper bound.
//!
//! Both are reported as distributions (p50, p90, p99, max) of `instant − write time`. The
//! daemon runs on a 2-worker runtime, as `alert run` does on this 2-core machine, beside the
//! writer thread. The bench stops by itself: writing lasts `seconds`, then it waits (at most
//! 30 s) for every alert, stops the daemon and prints.
//!
//! Run with `cargo bench -p alert-benches --bench follow_latency` (~40 s); options as
//! `key=value` after `--`: `rate=50000 seconds=20 run_every_ms=200 buffer_s=2`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant, SystemTime, UNIX_EPOCH};

use alert_core::config::{ConfigDefaults, GlobalConfig};
use alert_core::port::{Notification, Notifier};
use alert_core::time::{Timestamp, WallTime};
use alert_engine::DiskFiles;
use alert_engine::run_command::{RunOptions, run_daemon};
use async_trait::async_trait;
use serde_json::Value;

/// One error line in this many.
const ERROR_EVERY: u64 = 500;

/// The knobs, from `key=value` arguments.
#[derive(Debug, Clone, Copy)]
struct Knobs {
    rate: u64,
    seconds: u64,
    run_every_ms: u64,
    buffer_s: u64,
}

impl Knobs {
    fn from_args() -> Self {
        let mut knobs = Knobs {
            rate: 50_000,
            seconds: 20,
            run_every_ms: 200,
            buffer_s: 2,
        };
        for arg in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
            let Some((key, value)) = arg.split_once('=') else {
                continue;
            };
            let value: u64 = value
                .parse()
                .unwrap_or_else(|_| panic!("{key}: a whole number, got '{value}'"));
            match key {
                "rate" => knobs.rate = value,
                "seconds" => knobs.seconds = value,
                "run_every_ms" => knobs.run_every_ms = value,
                "buffer_s" => knobs.buffer_s = value,
                other => panic!("unknown option '{other}'"),
            }
        }
        knobs
    }
}

/// Wall-clock microseconds since the epoch.
fn wall_micros() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Per alert: the line's write time, the run's `now`, the notifier's receipt (µs).
type Sample = (i64, i64, i64);

/// The notifier of the bench's rule: notes when each alert arrives.
struct Stopwatch {
    samples: Arc<Mutex<Vec<Sample>>>,
}

#[async_trait]
impl Notifier for Stopwatch {
    fn name(&self) -> &str {
        "debug"
    }

    async fn send(&self, n: &Notification<'_>) -> alert_core::Result<()> {
        let received = wall_micros();
        let created = n.alert.created_at.as_micros();
        let mut samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        for m in &n.alert.matches {
            let written = m.body.get("write_us").and_then(Value::as_i64).unwrap_or(0);
            samples.push((written, created, received));
        }
        Ok(())
    }
}

/// Writes the config, the rule and an empty log file under `dir`.
fn write_setup(dir: &Path, knobs: Knobs) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("rules"))?;
    std::fs::create_dir_all(dir.join("logs"))?;
    std::fs::write(
        dir.join("config.yaml"),
        format!(
            "rules_folder: {rules}\nrun_every: {{milliseconds: {every}}}\n\
             buffer_time: {{seconds: {buffer}}}\nstate: {{path: {db}}}\n\
             source: {{type: files, paths: [\"{logs}/*.ndjson\"], follow: true}}\n",
            rules = dir.join("rules").display(),
            every = knobs.run_every_ms,
            buffer = knobs.buffer_s,
            db = dir.join("alert-state.db").display(),
            logs = dir.join("logs").display(),
        ),
    )?;
    std::fs::write(
        dir.join("rules/errors.yaml"),
        "name: errors\ntype: any\nindex: logs\nrealert: {minutes: 0}\n\
         filter:\n  - term: {level: error}\nalert: debug\n",
    )?;
    std::fs::write(dir.join("logs/app.ndjson"), "")
}

/// Appends lines at `rate` per second for `seconds`; returns (lines, error lines, wall time).
fn write_lines(path: &Path, knobs: Knobs) -> std::io::Result<(u64, u64, StdDuration)> {
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    let started = Instant::now();
    let until = StdDuration::from_secs(knobs.seconds);
    let (mut written, mut errors) = (0u64, 0u64);
    let mut buffer = Vec::with_capacity(1 << 20);
    while started.elapsed() < until {
        let due = (started.elapsed().as_secs_f64() * knobs.rate as f64) as u64;
        if due <= written {
            std::thread::sleep(StdDuration::from_micros(500));
            continue;
        }
        let now = wall_micros();
        let iso = Timestamp::from_micros(now).to_iso();
        buffer.clear();
        let batch_end = due.min(written + 10_000);
        for seq in written..batch_end {
            let level = if seq % ERROR_EVERY == 0 {
                errors += 1;
                "error"
            } else {
                "info"
            };
            writeln!(
                buffer,
                r#"{{"@timestamp":"{iso}","write_us":{now},"seq":{seq},"level":"{level}","host":"web-{}","msg":"GET /api/items/{} 200"}}"#,
                seq % 50,
                seq % 997
            )?;
        }
        written = batch_end;
        file.write_all(&buffer)?;
    }
    Ok((written, errors, started.elapsed()))
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn quantile(sorted: &[i64], q: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn print_distribution(name: &str, mut micros: Vec<i64>) {
    micros.sort_unstable();
    let ms = |q: f64| quantile(&micros, q) as f64 / 1000.0;
    println!(
        "{name:<44} n={:<6} p50 {:>7.1} ms  p90 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        micros.len(),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(1.0)
    );
}

fn main() {
    let knobs = Knobs::from_args();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no tempdir: {e}"));
    write_setup(dir.path(), knobs).unwrap_or_else(|e| panic!("setup: {e}"));
    let global = GlobalConfig::load(
        &DiskFiles,
        &dir.path().join("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let notifier: Arc<dyn Notifier> = Arc::new(Stopwatch {
        samples: samples.clone(),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let ticks = Arc::new(Mutex::new(HashMap::<&str, u64>::new()));
    let counted = ticks.clone();
    let daemon = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("no runtime: {e}"));
        let factory = move |_: &str| Ok(notifier.clone());
        runtime.block_on(run_daemon(
            &global,
            &RunOptions::default(),
            &factory,
            &|| WallTime::from_micros(wall_micros()),
            async move {
                let _ = stopped.await;
            },
            &mut |report| {
                let mut ticks = counted.lock().unwrap_or_else(|p| p.into_inner());
                *ticks.entry("ticks").or_default() += 1;
                *ticks.entry("runs").or_default() += report.runs.len() as u64;
            },
            &mut |_| {},
        ))
    });
    // Let the daemon open the file and make its first run before lines arrive.
    std::thread::sleep(StdDuration::from_secs(2));
    let (lines, errors, took) = write_lines(&dir.path().join("logs/app.ndjson"), knobs)
        .unwrap_or_else(|e| panic!("writer: {e}"));
    let waiting = Instant::now();
    while (samples.lock().unwrap_or_else(|p| p.into_inner()).len() as u64) < errors
        && waiting.elapsed() < StdDuration::from_secs(30)
    {
        std::thread::sleep(StdDuration::from_millis(20));
    }
    let _ = stop.send(());
    match daemon.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("the daemon failed: {e}"),
        Err(_) => panic!("the daemon panicked"),
    }
    let samples = samples.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let ticks = ticks.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!(
        "{knobs:?}: wrote {lines} lines in {:.2} s ({:.0} lines/s), {errors} error lines; \
         {} alerts received; {} daemon ticks, {} rule runs",
        took.as_secs_f64(),
        lines as f64 / took.as_secs_f64(),
        samples.len(),
        ticks.get("ticks").copied().unwrap_or(0),
        ticks.get("runs").copied().unwrap_or(0),
    );
    print_distribution(
        "line -> run start (outbox row, lower bound)",
        samples.iter().map(|(w, c, _)| c - w).collect(),
    );
    print_distribution(
        "line -> notifier (outbox row, upper bound)",
        samples.iter().map(|(w, _, r)| r - w).collect(),
    );
    if (samples.len() as u64) < errors {
        println!(
            "NOT ALL ALERTS ARRIVED: {} of {errors} within 30 s after writing stopped",
            samples.len()
        );
    }
}
