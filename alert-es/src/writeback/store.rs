//! [`EsStateStore`]: the engine's state in ElastAlert2's writeback indices, so that a cluster
//! ElastAlert2 used keeps its status, silences and pending alerts.
//!
//! Layout:
//! * `<wb>_status`: one status document per run (ElastAlert2's schema; the newest wins), and the
//!   source-position documents of local sources (`_id` `source-position-<hash>`, field
//!   `source_position`; no `rule_name`, so ElastAlert2's status reads never see them).
//! * `<wb>_silence`: one document per silence key (`_id` from the key), plus `alert_rule`.
//! * `<wb>`: one document per match (ElastAlert2's alert schema). The first match's document is
//!   the alert's head and carries the outbox (see `alert_head`); the others are children with
//!   `aggregate_id` set to the head's `_id`, for every multi-match alert.
//! * `<wb>_error`: error documents.
//!
//! Elasticsearch has no transactions; [`StateStore::commit_run`] writes in this order, each step
//! with `refresh=wait_for`: silences, then the alert documents (`op_type=create` with
//! deterministic `_id`s), then the status document. A crash before the status is written makes
//! the next run start from the old status and find the same matches: their alerts have the same
//! `_id`s, so the writes conflict and are skipped — nothing is lost and nothing is sent twice.
//! (An alert whose first match differs on replay, say because new documents arrived, is a new
//! alert.) Delivery outcomes update the head with `if_seq_no`/`if_primary_term`.

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, Match, NewAlert,
    OpenAggregate, OutboxId, OutboxItem, PendingWork, RuleStatus, RunCommit, Silence,
    SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Timestamp, WallTime};
use async_trait::async_trait;
use serde_json::{Value, json};

use super::alert_head::AlertHead;
use super::documents::{error_document, status_document, status_from_document};
use super::ids::{
    alert_doc_id, alert_id_from_doc_id, outbox_id, position_doc_id, silence_doc_id, split_outbox_id,
};
use super::mappings::WritebackIndex;
use super::queries;
use super::store_docs::{
    apply_outcome, child_documents, child_match, new_head, silence_with_rule, silences_from,
};
use super::store_io::{StoredDoc, append, bulk_create, get, put, search};
use crate::client::EsClient;

/// The state store over a cluster's writeback indices (`writeback_index`).
#[derive(Debug)]
pub struct EsStateStore {
    client: EsClient,
    writeback_index: String,
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(store_error)`
pub(crate) fn store_error(error: crate::Error) -> alert_core::Error {
    let message = format!("writeback index: {error}");
    if error.is_unavailable() {
        // The engine may keep the write aside and replay it (its ids make a replay conflict).
        alert_core::Error::StoreUnavailable(message)
    } else {
        alert_core::Error::Store(message)
    }
}

type CoreResult<T> = alert_core::Result<T>;

impl EsStateStore {
    /// A store over `<writeback_index>*` through `client`.
    pub fn new(client: EsClient, writeback_index: impl Into<String>) -> Self {
        EsStateStore {
            client,
            writeback_index: writeback_index.into(),
        }
    }

    /// A store over the cluster of `config.yaml`'s options: its connection settings and
    /// `writeback_index`, which ElastAlert2 requires whenever a cluster is used.
    ///
    /// ```
    /// let options = serde_json::json!({"es_host": "es-1", "es_port": 9200});
    /// let err = alert_es::writeback::EsStateStore::from_options(options.as_object().unwrap(), &|_| None);
    /// assert!(err.unwrap_err().to_string().contains("writeback_index"));
    /// ```
    pub fn from_options(
        options: &serde_json::Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> crate::Result<Self> {
        let writeback_index = options
            .get("writeback_index")
            .and_then(Value::as_str)
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| crate::Error::MissingOption {
                option: "writeback_index".into(),
                message: "the state store keeps its indices under this name when config.yaml \
                          names a cluster (as ElastAlert2 requires)"
                    .into(),
            })?;
        let config = crate::client::ConnectionConfig::from_options(options, env)?;
        Ok(EsStateStore::new(EsClient::new(&config)?, writeback_index))
    }

    /// Writes the silence document of a key, set at `now`.
    async fn put_silence(&self, silence: &Silence, now: WallTime) -> CoreResult<()> {
        let index = self.index(WritebackIndex::Silence);
        let doc = silence_with_rule(silence, now);
        put(
            &self.client,
            &index,
            &silence_doc_id(&silence.key),
            doc,
            None,
        )
        .await
        .map_err(store_error)
    }

    fn index(&self, index: WritebackIndex) -> String {
        index.name(&self.writeback_index)
    }

    async fn head(&self, id: AlertId) -> CoreResult<Option<(AlertHead, StoredDoc)>> {
        let alerts = self.index(WritebackIndex::Alerts);
        let Some(doc) = get(&self.client, &alerts, &alert_doc_id(id))
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let head = AlertHead::from_document(id, &doc.source).map_err(store_error)?;
        Ok(Some((head, doc)))
    }

    /// The head's alert with all its matches.
    async fn full_alert(&self, head: &AlertHead) -> CoreResult<StoredAlert> {
        let mut alert = head.alert.clone();
        let children = self.children(&head.doc_id()).await?;
        alert.matches.extend(children);
        Ok(alert)
    }

    async fn children(&self, head_doc_id: &str) -> CoreResult<Vec<Match>> {
        let alerts = self.index(WritebackIndex::Alerts);
        let docs = search(&self.client, &alerts, queries::children_query(head_doc_id))
            .await
            .map_err(store_error)?;
        Ok(docs.iter().map(|d| child_match(&d.source)).collect())
    }

    async fn heads(&self, query: Value) -> CoreResult<Vec<(AlertHead, StoredDoc)>> {
        let alerts = self.index(WritebackIndex::Alerts);
        let docs = search(&self.client, &alerts, query)
            .await
            .map_err(store_error)?;
        docs.into_iter()
            .filter_map(|doc| alert_id_from_doc_id(&doc.id).map(|id| (id, doc)))
            .map(|(id, doc)| {
                let head = AlertHead::from_document(id, &doc.source).map_err(store_error)?;
                Ok((head, doc))
            })
            .collect()
    }

    async fn check_appends(&self, writes: &[AlertWrite]) -> CoreResult<()> {
        for write in writes {
            if let AlertWrite::Append { id, .. } = write {
                let what = format!("cannot append matches to alert {id}");
                match self.head(*id).await?.map(|(h, _)| h.alert.state) {
                    Some(AlertState::Aggregating) => {}
                    Some(other) => {
                        return Err(alert_core::Error::Store(format!(
                            "{what}: it is {}, not AGGREGATING",
                            other.as_str()
                        )));
                    }
                    None => return Err(alert_core::Error::Store(format!("{what}: no such alert"))),
                }
            }
        }
        Ok(())
    }

    /// The documents of a commit's alert writes, and the ids of its new alerts.
    async fn alert_documents(
        &self,
        commit: &RunCommit,
    ) -> CoreResult<(Vec<(String, Value)>, Vec<AlertId>)> {
        let mut docs = Vec::new();
        let mut ids = Vec::new();
        let mut raised: Vec<&NewAlert> = Vec::new();
        for write in &commit.alerts {
            match write {
                AlertWrite::New(new) => {
                    let same = |a: &&NewAlert| {
                        a.rule == new.rule
                            && a.aggregation_key == new.aggregation_key
                            && a.matches.first() == new.matches.first()
                    };
                    let occurrence = raised.iter().filter(|a| same(a)).count();
                    raised.push(new);
                    let head = new_head(new, commit.at, occurrence);
                    ids.push(head.alert.id);
                    docs.push((head.doc_id(), head.to_document()));
                    let rest = new.matches.get(1..).unwrap_or_default();
                    docs.extend(child_documents(&head, rest, commit.at));
                }
                AlertWrite::Append { id, matches } => {
                    if let Some((head, _)) = self.head(*id).await? {
                        docs.extend(child_documents(&head, matches, commit.at));
                    }
                }
            }
        }
        Ok((docs, ids))
    }
}

#[async_trait]
impl StateStore for EsStateStore {
    async fn rule_status(&self, rule: &str) -> CoreResult<Option<RuleStatus>> {
        let status = self.index(WritebackIndex::Status);
        let docs = search(&self.client, &status, queries::status_query(rule))
            .await
            .map_err(store_error)?;
        docs.first()
            .map(|d| status_from_document(&d.source).map_err(store_error))
            .transpose()
    }

    async fn commit_run(&self, commit: &RunCommit) -> CoreResult<Vec<AlertId>> {
        self.check_appends(&commit.alerts).await?;
        for silence in &commit.silences {
            self.put_silence(silence, commit.at).await?;
        }
        let (docs, ids) = self.alert_documents(commit).await?;
        let alerts = self.index(WritebackIndex::Alerts);
        bulk_create(&self.client, &alerts, &docs)
            .await
            .map_err(store_error)?;
        if let Some(status) = &commit.status {
            let doc = status_document(status);
            let index = self.index(WritebackIndex::Status);
            append(&self.client, &index, doc)
                .await
                .map_err(store_error)?;
        }
        Ok(ids)
    }

    async fn silences(&self, rule: &str, now: Timestamp) -> CoreResult<Vec<Silence>> {
        let index = self.index(WritebackIndex::Silence);
        let docs = search(
            &self.client,
            &index,
            queries::silences_query(Some(rule), now),
        )
        .await
        .map_err(store_error)?;
        silences_from(&docs, Some(rule))
    }

    async fn all_silences(&self, now: Timestamp) -> CoreResult<Vec<Silence>> {
        let index = self.index(WritebackIndex::Silence);
        let docs = search(&self.client, &index, queries::silences_query(None, now))
            .await
            .map_err(store_error)?;
        silences_from(&docs, None)
    }

    async fn set_silence(&self, silence: &Silence) -> CoreResult<()> {
        // `@timestamp` is when a silence was set; the port gives no clock here, so a silence set
        // by hand records the moment it ends (no read uses the field).
        self.put_silence(silence, WallTime::from_data_time(silence.until))
            .await
    }

    async fn open_aggregates(&self, rule: &str) -> CoreResult<Vec<OpenAggregate>> {
        let heads = self
            .heads(queries::heads_query("AGGREGATING", Some(rule), None))
            .await?;
        let mut open = Vec::new();
        for (head, _) in heads {
            let children = self.children(&head.doc_id()).await?;
            open.push(OpenAggregate {
                id: head.alert.id,
                aggregation_key: head.alert.aggregation_key.clone(),
                alert_time: head.alert.alert_time,
                match_count: 1 + children.len() as u64,
            });
        }
        Ok(open)
    }

    async fn release_due_aggregates(
        &self,
        now: Timestamp,
        at: WallTime,
    ) -> CoreResult<Vec<AlertId>> {
        let heads = self
            .heads(queries::heads_query("AGGREGATING", None, Some(now)))
            .await?;
        let alerts = self.index(WritebackIndex::Alerts);
        let mut released = Vec::new();
        for (mut head, read) in heads {
            head.alert.state = AlertState::Active;
            head.queue(at);
            put(
                &self.client,
                &alerts,
                &read.id,
                head.to_document(),
                Some(&read),
            )
            .await
            .map_err(store_error)?;
            released.push(head.alert.id);
        }
        Ok(released)
    }

    async fn due_deliveries(&self, now: WallTime, limit: usize) -> CoreResult<Vec<OutboxItem>> {
        let heads = self
            .heads(queries::pending_deliveries_query(Some(now), limit.max(1)))
            .await?;
        let mut items = Vec::new();
        for (head, _) in &heads {
            let alert = self.full_alert(head).await?;
            for d in &head.deliveries {
                if d.status == DeliveryStatus::Pending && d.next_attempt <= now {
                    let item = OutboxItem {
                        id: outbox_id(alert.id, d.position),
                        alert: alert.clone(),
                        alerter: d.alerter.clone(),
                        alerter_index: d.position,
                        attempts: d.attempts,
                        deadline: d.deadline,
                    };
                    items.push((d.next_attempt, item));
                }
            }
        }
        items.sort_by_key(|(at, item)| (*at, item.id));
        Ok(items
            .into_iter()
            .take(limit)
            .map(|(_, item)| item)
            .collect())
    }

    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> CoreResult<()> {
        let (alert_id, position) = split_outbox_id(id);
        let Some((mut head, read)) = self.head(alert_id).await? else {
            return Err(alert_core::Error::Store(format!("no outbox row {id}")));
        };
        apply_outcome(id, &mut head, position, outcome)?;
        let alerts = self.index(WritebackIndex::Alerts);
        put(
            &self.client,
            &alerts,
            &read.id,
            head.to_document(),
            Some(&read),
        )
        .await
        .map_err(store_error)
    }

    async fn alert(&self, id: AlertId) -> CoreResult<Option<StoredAlert>> {
        match self.head(id).await? {
            Some((head, _)) => self.full_alert(&head).await.map(Some),
            None => Ok(None),
        }
    }

    async fn deliveries(
        &self,
        id: AlertId,
    ) -> CoreResult<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        let Some((head, _)) = self.head(id).await? else {
            return Ok(Vec::new());
        };
        Ok(head
            .deliveries
            .into_iter()
            .map(|d| (d.alerter, d.status, d.attempts, d.last_error))
            .collect())
    }

    async fn outbox_depth(&self) -> CoreResult<u64> {
        let heads = self
            .heads(queries::pending_deliveries_query(None, 10000))
            .await?;
        Ok(heads
            .iter()
            .flat_map(|(h, _)| &h.deliveries)
            .filter(|d| d.status == DeliveryStatus::Pending)
            .count() as u64)
    }

    async fn pending_work(&self, _now: WallTime) -> CoreResult<PendingWork> {
        let alerts = self.index(WritebackIndex::Alerts);
        let docs = search(&self.client, &alerts, queries::pending_work_query(10_000))
            .await
            .map_err(store_error)?;
        Ok(docs.iter().fold(PendingWork::default(), |work, doc| {
            work.merge(pending_of(&doc.source))
        }))
    }

    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> CoreResult<Option<OutboxId>> {
        // Outbox ids are computed, not stored: no request.
        Ok(Some(outbox_id(alert, alerter_index)))
    }

    async fn record_error(&self, error: &ErrorRecord) -> CoreResult<()> {
        let index = self.index(WritebackIndex::Error);
        append(&self.client, &index, error_document(error))
            .await
            .map_err(store_error)
    }

    async fn source_position(&self, path: &str) -> CoreResult<Option<SourcePosition>> {
        let index = self.index(WritebackIndex::Status);
        let doc = get(&self.client, &index, &position_doc_id(path))
            .await
            .map_err(store_error)?;
        Ok(doc.and_then(|d| {
            let p = &d.source["source_position"];
            Some(SourcePosition {
                path: p["path"].as_str()?.to_string(),
                identity: p["identity"].as_str()?.to_string(),
                offset: p["offset"].as_u64()?,
            })
        }))
    }

    async fn save_source_position(&self, position: &SourcePosition) -> CoreResult<()> {
        let index = self.index(WritebackIndex::Status);
        let doc = json!({"source_position": {
            "path": position.path, "identity": position.identity, "offset": position.offset,
        }});
        put(
            &self.client,
            &index,
            &position_doc_id(&position.path),
            doc,
            None,
        )
        .await
        .map_err(store_error)
    }
}

/// What one head of [`queries::pending_work_query`] adds to the pending work.
fn pending_of(source: &Value) -> PendingWork {
    let pending = source["alert_delivery"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["status"] == "pending")
        .count();
    let aggregating =
        source["alert_state"] == "AGGREGATING" && source.get("aggregate_id").is_none();
    PendingWork {
        outbox_depth: pending as u64,
        next_delivery: source["alert_pending_at_us"]
            .as_i64()
            .map(WallTime::from_micros),
        next_aggregate: source["alert_time"]
            .as_str()
            .filter(|_| aggregating)
            .and_then(Timestamp::parse_iso),
    }
}
