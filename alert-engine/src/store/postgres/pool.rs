//! The connection pool (deadpool over tokio-postgres, without TLS for now) and the turning of
//! PostgreSQL's errors into [`Error::Store`] messages that say what failed and why.

use std::fmt;
use std::time::Duration as StdDuration;

use alert_core::{Error, Result};
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType,
};
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{NoTls, Row};

/// Connections one store keeps open at most: the engine's run commits, the delivery worker
/// and the REST API share them.
const POOL_SIZE: usize = 8;

/// How long opening a connection may take (unless the URL sets `connect_timeout`).
const CONNECT_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// How long a caller waits for a free connection before its call fails.
const WAIT_TIMEOUT: StdDuration = StdDuration::from_secs(30);

/// The URL's settings with ours where it has none: a connect timeout, and `alert` as the
/// application name (`pg_stat_activity` shows which sessions are ours).
pub(super) fn settings(mut config: tokio_postgres::Config) -> tokio_postgres::Config {
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("alert");
    }
    config
}

/// A pool over `config` (see [`settings`]). Makes no connection yet (the first call does), so
/// it can be built outside a runtime; a connection's task runs on the runtime of the call
/// that opened it.
///
/// Plain TCP or a Unix socket (`NoTls`): TLS to the database (rustls on aws-lc-rs, never
/// `ring`) is future work, so a URL with `sslmode=require` cannot connect yet.
pub(super) fn build(config: tokio_postgres::Config, target: &str) -> Result<Pool> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .wait_timeout(Some(WAIT_TIMEOUT))
        .build()
        .map_err(|e| Error::Store(format!("cannot set up connections to {target}: {e}")))
}

/// What PostgreSQL or the connection said: the server's message (with its detail and hint)
/// for a database error, else the client's error with its causes.
pub(super) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} (sqlstate {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    with_causes(error)
}

/// An error's message followed by each of its causes.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Turns a PostgreSQL or pool error into [`Error::Store`] saying what failed.
pub(super) trait OrStore<T> {
    /// The value, or a store error `"{what}: {what PostgreSQL said}"`.
    fn or_store(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> OrStore<T> for std::result::Result<T, tokio_postgres::Error> {
    fn or_store(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::Store(format!("{what}: {}", describe(&e))))
    }
}

impl<T> OrStore<T> for std::result::Result<T, PoolError> {
    fn or_store(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| {
            let why = match &e {
                PoolError::Backend(e) => describe(e),
                PoolError::Timeout(TimeoutType::Wait) => format!(
                    "all {POOL_SIZE} connections stayed busy for {} s",
                    WAIT_TIMEOUT.as_secs()
                ),
                PoolError::Timeout(_) => format!(
                    "the server did not answer within {} s (is it up and reachable?)",
                    CONNECT_TIMEOUT.as_secs()
                ),
                other => with_causes(other),
            };
            Error::Store(format!("{what}: {why}"))
        })
    }
}

/// A count or offset as PostgreSQL's `bigint`.
pub(super) fn to_sql_int(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::Store(format!("{what} {value} is too large to store")))
}

/// A stored signed integer as a count, index or offset.
pub(super) fn from_sql_int<I, U: TryFrom<I>>(value: I, what: &str) -> Result<U>
where
    I: Copy + fmt::Display,
{
    U::try_from(value).map_err(|_| Error::Store(format!("stored {what} {value} is out of range")))
}

/// Runs a statement prepared once per connection (deadpool's statement cache).
pub(super) async fn execute<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<u64, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.execute(&statement, params).await
}

/// The rows of a query prepared once per connection.
pub(super) async fn query<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<Vec<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query(&statement, params).await
}

/// The row, if any, of a query prepared once per connection.
pub(super) async fn query_opt<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<Option<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query_opt(&statement, params).await
}

/// The one row of a query prepared once per connection.
pub(super) async fn query_one<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<Row, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query_one(&statement, params).await
}

/// Column `index` of `row`, an error saying what was being read when it has another type.
pub(super) fn column<'a, T: FromSql<'a>>(row: &'a Row, index: usize, what: &str) -> Result<T> {
    row.try_get(index).or_store(what)
}

/// Text as PostgreSQL can store it: `text` refuses the NUL character, which a receiver's
/// error body may hold; refused, the outcome of a send would be lost and the alert sent again.
pub(super) fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
