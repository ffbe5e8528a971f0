//! [`PostgresStore`]: the state in a PostgreSQL database, which several `alert` instances can
//! share (`state: {type: postgres, url: ..., lease_ttl: 30s}`, see [`PostgresConfig`]).
//!
//! The same tables and semantics as the SQLite store: a run commit is one transaction, with
//! the outbox rows of its active alerts; ids come from the database; the schema is migrated at
//! open. Rule alerts only: monitors and their alerts still live in the SQLite store
//! (`alert-engine/src/monitor/` uses [`SqliteStore`](super::SqliteStore) directly).
//!
//! Client: tokio-postgres (async, the engine's runtime, no C library) with a deadpool pool
//! and its per-connection statement cache; no TLS yet (`NoTls`).

mod alerts;
mod config;
mod migrations;
mod outbox;
mod pool;
mod queries;

pub use config::PostgresConfig;

use std::fmt;

use alert_core::alert::{
    AlertId, DeliveryOutcome, DeliveryStatus, ErrorRecord, OpenAggregate, OutboxId, OutboxItem,
    PendingWork, RuleStatus, RunCommit, Silence, SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Timestamp, WallTime};
use alert_core::{Error, Result};
use async_trait::async_trait;
use deadpool_postgres::{Client, Pool};
use tokio_postgres::NoTls;

use pool::OrStore;

/// The state in a PostgreSQL database, shared by every instance that opens it.
///
/// Clones share one connection pool. Every call takes a connection from the pool (opening one
/// when none is free, up to a bound) and runs on the caller's runtime.
///
/// ```no_run
/// use alert_core::port::StateStore;
/// use alert_engine::store::{PostgresConfig, PostgresStore};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let state = serde_json::json!({"type": "postgres", "url": "postgres://alert@127.0.0.1/alert"});
/// let config = PostgresConfig::from_state(&state).unwrap().unwrap();
/// let store = PostgresStore::connect(&config).await.unwrap();
/// assert_eq!(store.outbox_depth().await.unwrap(), 0);
/// # });
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    target: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// The schema version this binary writes (recorded in the database's `schema_version`).
    pub const SCHEMA_VERSION: u32 = migrations::SCHEMA_VERSION;

    /// Connects to the database and applies the migrations this binary knows, on a
    /// connection of the store's pool.
    ///
    /// An unreachable server, a refused login or a database with a newer schema is an error
    /// naming the server (never the password).
    pub async fn connect(config: &PostgresConfig) -> Result<Self> {
        let store = PostgresStore::unconnected(config)?;
        let mut client = store.client("cannot connect").await?;
        migrations::migrate(&mut client)
            .await
            .map_err(|e| store.in_target(e))?;
        drop(client);
        Ok(store)
    }

    /// [`PostgresStore::connect`] for a caller that is not async (`open_state_store`): the
    /// migrations run on a connection of their own, on a thread of its own; the pool's
    /// connections open later, on the runtime of the first call. Blocks (for at most the
    /// connect timeout, 10 s unless the URL says): call it at start-up.
    pub fn open(config: &PostgresConfig) -> Result<Self> {
        let store = PostgresStore::unconnected(config)?;
        let settings = pool::settings(config.connection()?);
        let migrated = std::thread::spawn(move || -> Result<u32> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Store(format!("cannot start the migration runtime: {e}")))?;
            runtime.block_on(async move {
                let (mut client, connection) =
                    settings.connect(NoTls).await.or_store("cannot connect")?;
                let connection = tokio::spawn(connection);
                let migrated = migrations::migrate(&mut client).await;
                drop(client);
                let _ = connection.await;
                migrated
            })
        })
        .join()
        .map_err(|_| Error::Store("the schema migration panicked".into()))?;
        migrated.map_err(|e| store.in_target(e))?;
        Ok(store)
    }

    /// A store over the pool, before any connection.
    fn unconnected(config: &PostgresConfig) -> Result<Self> {
        let connection = config.connection()?;
        let target = config::describe_target(&connection);
        let pool = pool::build(pool::settings(connection), &target)?;
        Ok(PostgresStore { pool, target })
    }

    /// Where the database is: `host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The most recent errors kept by [`StateStore::record_error`], newest first.
    pub async fn recent_errors(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        let client = self.client("reading errors").await?;
        queries::recent_errors(&client, limit).await
    }

    /// A connection from the pool; an error says what `what` could not do, and where.
    async fn client(&self, what: &str) -> Result<Client> {
        self.pool.get().await.or_store(format_args!(
            "{what}: no connection to the state database {}",
            self.target
        ))
    }

    /// Prefixes a store error with the database.
    fn in_target(&self, error: Error) -> Error {
        match error {
            Error::Store(message) => Error::Store(format!("{}: {message}", self.target)),
            other => other,
        }
    }
}

#[async_trait]
impl StateStore for PostgresStore {
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>> {
        let client = self.client("reading rule status").await?;
        queries::rule_status(&client, rule).await
    }

    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>> {
        let mut client = self.client("committing a run").await?;
        alerts::commit_run(&mut client, commit).await
    }

    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>> {
        let client = self.client("reading silences").await?;
        queries::silences(&client, Some(rule), now).await
    }

    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>> {
        let client = self.client("reading silences").await?;
        queries::silences(&client, None, now).await
    }

    async fn set_silence(&self, silence: &Silence) -> Result<()> {
        let client = self.client("setting a silence").await?;
        queries::upsert_silence(&client, silence).await
    }

    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>> {
        let client = self.client("reading open aggregates").await?;
        alerts::open_aggregates(&client, rule).await
    }

    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
        let mut client = self.client("releasing aggregates").await?;
        alerts::release_due_aggregates(&mut client, now, at).await
    }

    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut client = self.client("reading due deliveries").await?;
        outbox::due_deliveries(&mut client, now, limit).await
    }

    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
        let client = self.client("recording a delivery").await?;
        outbox::record_delivery(&client, id, outcome).await
    }

    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>> {
        let mut client = self.client("reading an alert").await?;
        alerts::alert(&mut client, id).await
    }

    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        let client = self.client("reading deliveries").await?;
        queries::deliveries(&client, id).await
    }

    async fn outbox_depth(&self) -> Result<u64> {
        let client = self.client("reading the outbox depth").await?;
        queries::outbox_depth(&client).await
    }

    async fn pending_work(&self, _now: WallTime) -> Result<PendingWork> {
        let client = self.client("reading the pending work").await?;
        queries::pending_work(&client).await
    }

    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> Result<Option<OutboxId>> {
        let client = self.client("reading the outbox").await?;
        queries::pending_outbox_id(&client, alert, alerter_index).await
    }

    async fn record_error(&self, error: &ErrorRecord) -> Result<()> {
        let client = self.client("recording an error").await?;
        queries::insert_error(&client, error).await
    }

    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>> {
        let client = self.client("reading a source position").await?;
        queries::source_position(&client, path).await
    }

    async fn save_source_position(&self, position: &SourcePosition) -> Result<()> {
        let client = self.client("saving a source position").await?;
        queries::save_source_position(&client, position).await
    }
}
