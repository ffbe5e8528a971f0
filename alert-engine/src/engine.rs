//! [`Engine`]: the loaded rules with their runners, a search backend, a state store and the
//! notifiers, run cycle by cycle: every due rule runs and commits, due aggregates are
//! released, and the outbox is delivered.

use std::collections::HashMap;
use std::sync::Arc;

use alert_core::alert::{ErrorRecord, OutboxId};
use alert_core::config::{ConfigFiles, Rule};
use alert_core::plan::Segment;
use alert_core::port::{SearchBackend, StateStore};
use alert_core::time::{Timestamp, WallTime};
use futures_util::stream::{self, StreamExt};
use serde_json::json;

use crate::delivery::{Backoff, DeliveryReport, Notifiers, deliver_due};
use crate::pending_check::{CheckReason, Look, PendingCheck, Tick};
use crate::rule_runner::{RuleRunner, RunReport, RunSettings};
use crate::{Error, Result};

/// ElastAlert2's default `max_threads`.
const DEFAULT_CONCURRENCY: usize = 10;

/// Rows of the outbox handled per delivery pass.
const DELIVERY_BATCH: usize = 500;

/// What one cycle did.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    /// Each rule run: its name and report, or the error that stopped it.
    pub runs: Vec<(String, std::result::Result<RunReport, String>)>,
    /// Aggregating alerts released for sending.
    pub released: u64,
    /// The delivery pass.
    pub delivery: DeliveryReport,
    /// Why the store was looked at for pending work this cycle (`None`: it was left alone).
    pub checked: Option<CheckReason>,
}

/// The engine: rules, backend, store and notifiers.
pub struct Engine {
    pub(crate) runners: Vec<RuleRunner>,
    /// Every rule by name, including stopped ones (their outbox rows still deliver).
    pub(crate) rules: HashMap<String, Rule>,
    backend: Arc<dyn SearchBackend>,
    store: Arc<dyn StateStore>,
    pub(crate) notifiers: Notifiers,
    settings: RunSettings,
    backoff: Backoff,
    concurrency: usize,
    pending: PendingCheck,
}

impl Engine {
    /// An engine over enabled `rules`. Every alerter a rule names must have a notifier: a
    /// missing one is an error naming the rule and the alerter.
    pub fn new(
        rules: Vec<Rule>,
        files: &dyn ConfigFiles,
        backend: Arc<dyn SearchBackend>,
        store: Arc<dyn StateStore>,
        notifiers: Notifiers,
        settings: RunSettings,
    ) -> Result<Self> {
        for rule in &rules {
            if let Some(missing) = rule
                .alerters
                .iter()
                .find(|a| !notifiers.contains_key(&a.name))
            {
                return Err(Error::Config {
                    path: rule.file.clone(),
                    message: format!("alerter '{}' is not available in this build", missing.name),
                });
            }
        }
        let by_name = rules.iter().map(|r| (r.name.clone(), r.clone())).collect();
        let runners = rules
            .into_iter()
            .filter(|r| r.is_enabled)
            .map(|r| RuleRunner::new(r, files))
            .collect::<Result<Vec<_>>>()?;
        Ok(Engine {
            runners,
            rules: by_name,
            backend,
            store,
            notifiers,
            settings,
            backoff: Backoff::default(),
            concurrency: DEFAULT_CONCURRENCY,
            pending: PendingCheck::new(settings.start.global_run_every),
        })
    }

    /// Runs up to `n` rules at once (ElastAlert2's `max_threads`, default 10).
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Gives each rule the range its run covers over documents read in full (`alert run
    /// --once` over local files): `range_of` answers per rule, `None` for none.
    #[must_use]
    pub fn with_offline_ranges(mut self, range_of: impl Fn(&Rule) -> Option<Segment>) -> Self {
        for runner in &mut self.runners {
            if let Some(range) = range_of(runner.rule()) {
                runner.set_offline_range(range);
            }
        }
        self
    }

    /// Uses another back-off between delivery attempts.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The names of the rules that run.
    pub fn rule_names(&self) -> Vec<&str> {
        self.runners
            .iter()
            .map(|r| r.rule().name.as_str())
            .collect()
    }

    /// Runs every rule once at `now` (wall clock), then looks at the store, releases due
    /// aggregates and delivers the outbox. A failing rule is reported and recorded in the
    /// store; the others still run. Rule runs are spawned on the current tokio runtime (a
    /// multi-thread one runs them in parallel).
    pub async fn run_cycle(&mut self, now: WallTime) -> Result<CycleReport> {
        self.run_rules(now, true).await
    }

    /// Runs the rules whose `run_every` has passed, then, when [`PendingCheck`] says work may
    /// wait (a run raised an alert, a known retry or aggregate is due, a global `run_every`
    /// passed), releases due aggregates and delivers the outbox (the daemon's tick). An idle
    /// tick sends nothing to the store.
    pub async fn run_due(&mut self, now: WallTime) -> Result<CycleReport> {
        self.run_rules(now, false).await
    }

    /// The data time the engine stands at: where the rules' fixed ranges end (`--end`, or
    /// `--once` over files), else the wall clock's now (a live run, whose data arrives as it
    /// happens). Aggregates are released by this time.
    pub fn data_now(&self, now: WallTime) -> Timestamp {
        let offline = self
            .runners
            .iter()
            .filter_map(RuleRunner::offline_end)
            .max();
        self.settings
            .explicit_end
            .or(offline)
            .unwrap_or_else(|| now.as_data_time())
    }

    /// The oldest document time any rule may still query (`None`: keep everything).
    pub fn oldest_needed(&self) -> Option<Timestamp> {
        self.runners
            .iter()
            .map(RuleRunner::oldest_needed)
            .try_fold(None, |acc: Option<Timestamp>, t| {
                t.map(|t| Some(acc.map_or(t, |a| a.min(t))))
            })
            .flatten()
    }

    /// Runs the due rules, up to `max_threads` at once, each as its own task so that their
    /// CPU work (filtering, the rule type) spreads over the runtime's worker threads. Results
    /// keep the rules' order; every runner is back in place afterwards.
    async fn run_each(&mut self, now: WallTime, all: bool) -> Vec<(String, Result<RunReport>)> {
        let mut slots: Vec<Option<RuleRunner>> = std::mem::take(&mut self.runners)
            .into_iter()
            .map(Some)
            .collect();
        let due: Vec<(usize, RuleRunner)> = slots
            .iter_mut()
            .enumerate()
            .filter(|(_, slot)| slot.as_ref().is_some_and(|r| all || r.is_due(now)))
            .filter_map(|(i, slot)| Some((i, slot.take()?)))
            .collect();
        let (backend, store, settings) = (self.backend.clone(), self.store.clone(), self.settings);
        let finished: Vec<(usize, RuleRunner, Result<RunReport>)> =
            stream::iter(due.into_iter().map(|(i, mut runner)| {
                let (backend, store) = (backend.clone(), store.clone());
                tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    let outcome = runner.run(&*backend, &*store, &settings, now).await;
                    if let Ok(run) = &outcome
                        && run.range.is_some()
                    {
                        let took = started.elapsed().as_secs_f64();
                        crate::metrics::record_run(&runner.rule().name, run, took);
                    }
                    (i, runner, outcome)
                })
            }))
            .buffered(self.concurrency.max(1))
            .map(|joined| match joined {
                Ok(done) => done,
                // A panicking run panics the cycle, as it did when runs were not spawned.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("a rule run was cancelled: {e}"),
            })
            .collect()
            .await;
        let mut outcomes = Vec::with_capacity(finished.len());
        for (i, runner, outcome) in finished {
            outcomes.push((runner.rule().name.clone(), outcome));
            slots[i] = Some(runner);
        }
        self.runners = slots.into_iter().flatten().collect();
        outcomes
    }

    async fn run_rules(&mut self, now: WallTime, all: bool) -> Result<CycleReport> {
        let mut report = CycleReport::default();
        let outcomes = self.run_each(now, all).await;
        let store = self.store.as_ref();
        for (name, outcome) in outcomes {
            let outcome = match outcome {
                Ok(run) => Ok(run),
                Err(error) => {
                    let message = error.to_string();
                    crate::metrics::record_error();
                    // ElastAlert2's error documents carry the query that failed.
                    let data = match &error {
                        Error::Core(alert_core::Error::SearchQuery { query, .. }) => {
                            json!({"phase": "run", "query": query})
                        }
                        _ => json!({"phase": "run"}),
                    };
                    store
                        .record_error(&ErrorRecord {
                            rule: Some(name.clone()),
                            message: message.clone(),
                            at: now,
                            data,
                        })
                        .await?;
                    Err(message)
                }
            };
            report.runs.push((name, outcome));
        }
        let tick = Tick {
            now,
            data_now: self.data_now(now),
            alerted: report
                .runs
                .iter()
                .any(|(_, r)| r.as_ref().is_ok_and(|run| run.alerted > run.aggregated)),
        };
        for (_, run) in &report.runs {
            if let Some(due) = run.as_ref().ok().and_then(|r| r.aggregated_due) {
                self.pending.expect_aggregate(due);
            }
        }
        let reason = if all {
            Some(CheckReason::EveryCycle)
        } else {
            self.pending.due(tick)
        };
        if let Some(reason) = reason {
            self.look(tick, all, &mut report).await?;
            report.checked = Some(reason);
        }
        Ok(report)
    }

    /// One look at the store: what waits (which also updates the outbox depth metric), then
    /// the aggregates and deliveries it says are due (all of them when `everything`).
    async fn look(&mut self, tick: Tick, everything: bool, report: &mut CycleReport) -> Result<()> {
        let work = self.store.pending_work(tick.now).await?;
        crate::metrics::set_outbox_depth(work.outbox_depth);
        if everything || work.next_aggregate.is_some_and(|t| t <= tick.data_now) {
            report.released = self
                .store
                .release_due_aggregates(tick.data_now, tick.now)
                .await?
                .len() as u64;
        }
        if everything || report.released > 0 || work.next_delivery.is_some_and(|t| t <= tick.now) {
            report.delivery = self.deliver(tick.now).await?;
            crate::metrics::record_delivery(&report.delivery);
        }
        let look = Look {
            work,
            progressed: report.released > 0 || report.delivery.progressed(),
            next_retry: report.delivery.next_retry,
        };
        self.pending.looked(tick, look);
        Ok(())
    }

    /// Delivers everything due, in as many passes as it takes, then retries what failed up to
    /// `retries` times, waiting the engine's back-off on the wall clock between rounds
    /// (seconds, not `alert_time_limit`): what `alert run --once` does before it exits.
    /// `earlier` is what the cycle's own pass did; the report adds up both, and its `pending`
    /// lists the rows still failing, which stay in the outbox.
    pub async fn drain(
        &self,
        clock: &(dyn Fn() -> WallTime + Sync),
        retries: u32,
        earlier: DeliveryReport,
    ) -> Result<DeliveryReport> {
        let mut total = earlier;
        let mut pending: Vec<(OutboxId, String)> = std::mem::take(&mut total.pending);
        // A one-shot run has no later tick: rows an earlier process left waiting for their
        // back-off are tried now, once, and then retried as the others are.
        let everything = WallTime::from_micros(i64::MAX);
        let mut due_by = Some(everything);
        for round in 0..=retries {
            if round > 0 {
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(self.backoff.wait(round).to_std()).await;
            }
            loop {
                let now = clock();
                let pass = self.deliver_by(due_by.take().unwrap_or(now), now).await?;
                let handled = pass.delivered + pass.failed + pass.retrying;
                pending.retain(|(id, _)| !pass.settled.contains(id));
                for (id, line) in &pass.pending {
                    pending.retain(|(p, _)| p != id);
                    pending.push((*id, line.clone()));
                }
                total.absorb(pass);
                if handled == 0 {
                    break;
                }
            }
        }
        total.retrying = pending.len() as u64;
        total.pending = pending;
        Ok(total)
    }

    /// One delivery pass over the outbox rows due at `now` (wall clock).
    pub async fn deliver(&self, now: WallTime) -> Result<DeliveryReport> {
        self.deliver_by(now, now).await
    }

    /// One delivery pass over the rows due by `due_by`, sent at `now`.
    async fn deliver_by(&self, due_by: WallTime, now: WallTime) -> Result<DeliveryReport> {
        deliver_due(
            self.store.as_ref(),
            &self.rules,
            &self.notifiers,
            self.backoff,
            (due_by, now),
            DELIVERY_BATCH,
        )
        .await
    }
}
