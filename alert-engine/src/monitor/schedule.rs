//! Which monitors run when: each enabled monitor fires on its schedule's grid (an interval
//! from its last period end, or its cron expression); a fire time missed while the daemon was
//! down is run once, for the period ending at the latest missed time, not once per miss.

use alert_core::monitor::{Monitor, Schedule};
use alert_core::time::Timestamp;
use serde_json::Value;

use super::delivery::MonitorDeliveryReport;
use super::execution::{RunMode, RunRequest};
use super::service::MonitorService;
use crate::Result;
use crate::store::MonitorRow;

/// What one pass over the monitors did.
#[derive(Debug, Clone, Default)]
pub struct MonitorCycleReport {
    /// Each monitor run: id, name, and its `_execute` response or the error.
    pub runs: Vec<(String, String, std::result::Result<Value, String>)>,
    /// Stored monitors that no longer load, with the reason (not run).
    pub invalid: Vec<(String, String)>,
    /// The enabled monitors looked at (due or not).
    pub enabled: usize,
    /// The deliveries of the runs and of the outbox pass after them.
    pub delivery: MonitorDeliveryReport,
}

/// The most fire times skipped over when catching up (a year of one-minute runs).
const MAX_CATCH_UP: usize = 600_000;

impl MonitorService {
    /// Runs every enabled monitor whose next fire time has come, then delivers due messages.
    pub async fn run_due(&self, now: Timestamp) -> Result<MonitorCycleReport> {
        let before = self.delivery_totals();
        let mut report = MonitorCycleReport::default();
        for (row, parsed) in self.stored_monitors().await? {
            let monitor = match parsed {
                Ok(m) if m.config().enabled => {
                    report.enabled += 1;
                    m
                }
                Ok(_) => continue,
                Err(e) => {
                    report.invalid.push((row.id.clone(), e.to_string()));
                    continue;
                }
            };
            let Some(end) = self.due_period_end(&row, &monitor, now).await? else {
                continue;
            };
            self.run_scheduled(&row, &monitor, end, now, &mut report)
                .await?;
        }
        self.deliver_due(now).await?;
        report.delivery = self.delivery_totals().since(before);
        Ok(report)
    }

    /// Runs every enabled monitor once for the period ending `period_end` (`alert run
    /// --once`: the end of the data), at `now` on the wall clock, which times the alerts and
    /// the actions' sends, retries and deadlines (a backfill's failed send is still retried).
    pub async fn run_all_once(
        &self,
        period_end: Timestamp,
        now: Timestamp,
    ) -> Result<MonitorCycleReport> {
        let before = self.delivery_totals();
        let mut report = MonitorCycleReport::default();
        for (row, parsed) in self.stored_monitors().await? {
            match parsed {
                Ok(m) if m.config().enabled => {
                    report.enabled += 1;
                    self.run_scheduled(&row, &m, period_end, now, &mut report)
                        .await?;
                }
                Ok(_) => {}
                Err(e) => report.invalid.push((row.id.clone(), e.to_string())),
            }
        }
        self.deliver_due(now).await?;
        report.delivery = self.delivery_totals().since(before);
        Ok(report)
    }

    /// The earliest next fire time known, to size the daemon's sleep.
    pub fn next_fire_time(&self) -> Option<Timestamp> {
        self.next_fire
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .min()
            .copied()
    }

    async fn run_scheduled(
        &self,
        row: &MonitorRow,
        monitor: &Monitor,
        end: Timestamp,
        now: Timestamp,
        report: &mut MonitorCycleReport,
    ) -> Result<()> {
        let _writing = self.writer.lock().await;
        let request = RunRequest {
            id: &row.id,
            version: row.version,
            monitor,
            period: monitor.schedule().period_ending_at(end),
            now,
            mode: RunMode::Saved,
        };
        let outcome = self
            .execute_monitor(request)
            .await
            .map_err(|e| e.to_string());
        if let Some(next) = monitor.schedule().next_run(end, Some(end)) {
            self.next_fire
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(row.id.clone(), next);
        }
        report
            .runs
            .push((row.id.clone(), monitor.name().to_string(), outcome));
        Ok(())
    }

    /// The end of the period to run now, if the monitor is due: its next fire time after the
    /// last run (or after it was enabled) has passed.
    async fn due_period_end(
        &self,
        row: &MonitorRow,
        monitor: &Monitor,
        now: Timestamp,
    ) -> Result<Option<Timestamp>> {
        let known = self
            .next_fire
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&row.id)
            .copied();
        let next = match known {
            Some(next) => next,
            None => {
                let anchor = match self.store.last_monitor_run(&row.id).await? {
                    Some(last) => last.period_end,
                    None => enabled_time(monitor).or(Some(now)),
                };
                let start = anchor.unwrap_or(now);
                let Some(next) = monitor.schedule().next_run(start, anchor) else {
                    return Ok(None);
                };
                self.next_fire
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(row.id.clone(), next);
                next
            }
        };
        if next > now {
            return Ok(None);
        }
        Ok(Some(latest_fire_time(monitor.schedule(), next, now)))
    }
}

/// When the monitor was enabled (`enabled_time`, epoch ms), the grid an interval runs on.
fn enabled_time(monitor: &Monitor) -> Option<Timestamp> {
    monitor.config().enabled_time.map(Timestamp::from_millis)
}

/// The latest fire time at or before `now`, starting from a due one.
fn latest_fire_time(schedule: &Schedule, due: Timestamp, now: Timestamp) -> Timestamp {
    let mut latest = due;
    for _ in 0..MAX_CATCH_UP {
        match schedule.next_run(latest, Some(latest)) {
            Some(next) if next <= now => latest = next,
            _ => break,
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::monitor::{Monitor, Schedule};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_iso(text).unwrap()
    }

    fn every_five_minutes() -> Schedule {
        let m = Monitor::from_json(
            r#"{"name": "m", "schedule": {"period": {"interval": 5, "unit": "MINUTES"}}, "triggers": []}"#,
            "m.json",
        )
        .unwrap();
        m.schedule().clone()
    }

    #[test]
    fn missed_fire_times_collapse_into_the_latest_one() {
        let schedule = every_five_minutes();
        let cases = [
            (
                "2026-01-01T10:05:00Z",
                "2026-01-01T10:05:00Z",
                "2026-01-01T10:05:00Z",
            ),
            (
                "2026-01-01T10:05:00Z",
                "2026-01-01T10:09:59Z",
                "2026-01-01T10:05:00Z",
            ),
            (
                "2026-01-01T10:05:00Z",
                "2026-01-01T10:10:00Z",
                "2026-01-01T10:10:00Z",
            ),
            (
                "2026-01-01T10:05:00Z",
                "2026-01-01T13:02:00Z",
                "2026-01-01T13:00:00Z",
            ),
        ];
        for (due, now, expected) in cases {
            assert_eq!(
                latest_fire_time(&schedule, at(due), at(now)),
                at(expected),
                "due {due}, now {now}"
            );
        }
    }
}
