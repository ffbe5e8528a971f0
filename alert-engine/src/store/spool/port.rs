//! The port over the spool: each call of [`StateStore`] on [`SpooledStore`], passing through to
//! the primary and falling back on the spool as the module doc of `super` says.

use alert_core::Result;
use alert_core::alert::{
    AlertId, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, OpenAggregate, OutboxId,
    OutboxItem, PendingWork, RuleStatus, RunCommit, Silence, SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Timestamp, WallTime};
use async_trait::async_trait;

use super::journal::{self, Owed};
use super::{SpooledStore, db, is_spooled, local, reads, shown};

#[async_trait]
impl StateStore for SpooledStore {
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>> {
        let name = rule.to_string();
        let spooled = self
            .db
            .call(false, None, move |c| reads::status(c, &name))
            .await?;
        if spooled.is_some() {
            // Newer than the primary's: every later commit joined the spool.
            return Ok(spooled);
        }
        match self.primary.rule_status(rule).await {
            Ok(status) => Ok(status),
            Err(error) => {
                let instead = "the rule starts as if it never ran, as ElastAlert2 does";
                Self::read_failed(rule, "the last run", &error, instead);
                Ok(None)
            }
        }
    }

    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>> {
        let _shared = self.order.read().await;
        let commit = self.rewrite(commit);
        let into_spool = commit
            .alerts
            .iter()
            .any(|w| matches!(w, AlertWrite::Append { id, .. } if is_spooled(*id)));
        if into_spool || self.has_commits().await? {
            return self.spool(&commit, None).await;
        }
        match self.primary.commit_run(&commit).await {
            Ok(ids) => {
                self.remember(&commit, &ids);
                self.keep_rows(&commit, &ids).await;
                Ok(ids)
            }
            Err(error) if error.is_store_unavailable() => self.spool(&commit, Some(&error)).await,
            Err(error) => Err(error),
        }
    }

    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>> {
        let mut silences = match self.primary.silences(rule, now).await {
            Ok(read) => {
                self.memory()
                    .silences
                    .insert(rule.to_string(), read.clone());
                read
            }
            Err(error) => {
                let instead = "only the silences this process set or read count, as in \
                               ElastAlert2";
                Self::read_failed(rule, "the silences", &error, instead);
                self.memory()
                    .silences
                    .get(rule)
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let name = rule.to_string();
        let spooled = self
            .db
            .call(false, Vec::new(), move |c| reads::silences(c, Some(&name)))
            .await?;
        for silence in spooled {
            silences.retain(|s| s.key != silence.key);
            silences.push(silence);
        }
        silences.retain(|s| s.until > now);
        silences.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(silences)
    }

    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>> {
        let mut silences = self.primary.all_silences(now).await?;
        let spooled = self
            .db
            .call(false, Vec::new(), |c| reads::silences(c, None))
            .await?;
        for silence in spooled.into_iter().filter(|s| s.until > now) {
            silences.retain(|s| s.key != silence.key);
            silences.push(silence);
        }
        silences.sort_by(|a, b| (&a.rule, &a.key).cmp(&(&b.rule, &b.key)));
        Ok(silences)
    }

    async fn set_silence(&self, silence: &Silence) -> Result<()> {
        self.primary.set_silence(silence).await
    }

    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>> {
        let mut open = match self.primary.open_aggregates(rule).await {
            Ok(read) => {
                self.memory()
                    .aggregates
                    .insert(rule.to_string(), read.clone());
                read
            }
            Err(error) => {
                let instead = "matches join the aggregates this process knows, else open a \
                               new one, as in ElastAlert2";
                Self::read_failed(rule, "the open aggregates", &error, instead);
                self.memory()
                    .aggregates
                    .get(rule)
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let name = rule.to_string();
        let spooled = self
            .db
            .call(false, Vec::new(), move |c| reads::open_aggregates(c, &name))
            .await?;
        open.extend(spooled.into_iter().map(|mut a| {
            a.id = shown(a.id);
            a
        }));
        Ok(open)
    }

    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
        let mut released: Vec<AlertId> = self
            .db
            .call(false, Vec::new(), move |c| db::release(c, now, at))
            .await?
            .into_iter()
            .map(shown)
            .collect();
        match self.primary.release_due_aggregates(now, at).await {
            Ok(ids) => {
                for open in self.memory().aggregates.values_mut() {
                    open.retain(|a| !ids.contains(&a.id));
                }
                released.extend(ids);
            }
            Err(error) => tracing::warn!(
                "releasing due aggregates in the state store failed ({error}); tried again at \
                 the next look"
            ),
        }
        Ok(released)
    }

    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut items: Vec<OutboxItem> = self
            .db
            .call(false, Vec::new(), move |c| reads::due(c, now, limit))
            .await?
            .into_iter()
            .map(Self::shown_item)
            .collect();
        if items.len() < limit {
            let room = limit - items.len();
            items.extend(self.primary_due(now, limit).await?.into_iter().take(room));
        }
        Ok(items)
    }

    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
        if is_spooled(id) {
            let outcome = outcome.clone();
            return self
                .db
                .call(true, (), move |c| db::record(c, local(id), &outcome))
                .await;
        }
        self.memory().recent.record(id, outcome);
        match self.primary.record_delivery(id, outcome).await {
            Err(error) if error.is_store_unavailable() => {
                tracing::error!(
                    "recording the delivery of outbox row {id} failed ({error}); the outcome \
                     is kept in the local spool {} and written later, and the row is not sent \
                     again meanwhile",
                    self.spool_path()
                );
                let owed = Owed::Outcome(id, outcome.clone());
                self.db
                    .call(true, (), move |c| journal::owe(c, &owed))
                    .await
            }
            other => other,
        }
    }

    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>> {
        if !is_spooled(id) {
            return self.primary.alert(id).await;
        }
        let found = self
            .db
            .call(false, None, move |c| reads::alert(c, local(id)))
            .await?;
        if let Some(mut alert) = found {
            alert.id = id;
            return Ok(Some(alert));
        }
        let replayed = self.memory().replayed.get(&id).copied();
        match replayed {
            Some(primary) => self.primary.alert(primary).await,
            None => Ok(None),
        }
    }

    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        if !is_spooled(id) {
            return self.primary.deliveries(id).await;
        }
        let replayed = self.memory().replayed.get(&id).copied();
        match replayed {
            Some(primary) => self.primary.deliveries(primary).await,
            None => {
                self.db
                    .call(false, Vec::new(), move |c| reads::deliveries(c, local(id)))
                    .await
            }
        }
    }

    async fn outbox_depth(&self) -> Result<u64> {
        let spooled = self
            .db
            .call(false, PendingWork::default(), reads::pending_work)
            .await?;
        match self.primary.outbox_depth().await {
            Ok(depth) => Ok(depth + spooled.outbox_depth),
            Err(error) => {
                tracing::warn!(
                    "reading the outbox depth of the state store failed ({error}); \
                    counting the local spool's rows and those this process committed"
                );
                Ok(spooled.outbox_depth + self.memory().recent.work().outbox_depth)
            }
        }
    }

    async fn pending_work(&self, now: WallTime) -> Result<PendingWork> {
        self.maybe_replay(now).await;
        let spooled = self
            .db
            .call(false, PendingWork::default(), reads::pending_work)
            .await?;
        match self.primary.pending_work(now).await {
            Ok(work) => Ok(work.merge(spooled)),
            Err(error) => {
                tracing::warn!(
                    "reading the pending work of the state store failed ({error}); \
                    the local spool's is handled now, the store's at a later look"
                );
                Ok(spooled.merge(self.memory().recent.work()))
            }
        }
    }

    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> Result<Option<OutboxId>> {
        if !is_spooled(alert) {
            return self.primary.pending_outbox_id(alert, alerter_index).await;
        }
        let rows = self
            .db
            .call(false, Vec::new(), |c| {
                reads::due(c, WallTime::from_micros(i64::MAX), usize::MAX)
            })
            .await?;
        Ok(rows
            .iter()
            .find(|r| shown(r.alert.id) == alert && r.alerter_index == alerter_index)
            .map(|r| shown(r.id)))
    }

    async fn record_error(&self, error: &ErrorRecord) -> Result<()> {
        match self.primary.record_error(error).await {
            Err(failure) if failure.is_store_unavailable() => {
                tracing::error!(
                    "keeping an error record failed ({failure}); it is kept in the local spool \
                     and written later: {}",
                    error.message
                );
                self.owe_error(error.clone()).await
            }
            other => other,
        }
    }

    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>> {
        self.primary.source_position(path).await
    }

    async fn save_source_position(&self, position: &SourcePosition) -> Result<()> {
        self.primary.save_source_position(position).await
    }
}
