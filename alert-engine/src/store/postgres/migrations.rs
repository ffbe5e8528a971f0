//! The PostgreSQL schema as numbered migrations, applied at open in one transaction and
//! recorded in `schema_version`, as the SQLite store does (`store/migrations.rs`).

use alert_core::{Error, Result};
use tokio_postgres::Client;

use super::pool::OrStore;

/// The migrations in order: `(version, SQL)`. Versions start at 1 and have no gaps.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/0001_initial.sql"))];

/// The schema version this binary writes.
pub(super) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The transaction-scoped advisory lock that serialises migrations: several instances started
/// at once on a new database apply each migration exactly once. (`alert` in ASCII.)
const MIGRATION_LOCK: i64 = 0x61_6c_65_72_74;

/// Brings the database up to [`SCHEMA_VERSION`], returning the version it was at before.
///
/// A database written by a newer binary is an error naming both versions: this binary would
/// not know how to keep its invariants.
pub(super) async fn migrate(client: &mut Client) -> Result<u32> {
    let tx = client
        .transaction()
        .await
        .or_store("cannot start the schema migration")?;
    // Bounded: a migration that another session holds for long says so instead of hanging.
    tx.batch_execute("SET LOCAL lock_timeout = '60s'")
        .await
        .or_store("cannot start the schema migration")?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .or_store(
            "cannot take the schema migration lock (is another instance migrating this \
             database?)",
        )?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version     integer PRIMARY KEY,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .or_store("cannot create the schema_version table")?;
    let found: Option<i32> = tx
        .query_one("SELECT MAX(version) FROM schema_version", &[])
        .await
        .or_store("cannot read the schema version")?
        .get(0);
    let found = u32::try_from(found.unwrap_or(0)).map_err(|_| {
        Error::Store(format!(
            "the database has invalid schema version {}",
            found.unwrap_or(0)
        ))
    })?;
    if found > SCHEMA_VERSION {
        return Err(Error::Store(format!(
            "the database has schema version {found}, newer than version {SCHEMA_VERSION} \
             that this binary knows: upgrade alert or use another database"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v as u32 > found) {
        tx.batch_execute(sql)
            .await
            .or_store(format_args!("cannot apply schema migration {version}"))?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[version],
        )
        .await
        .or_store(format_args!("cannot record schema migration {version}"))?;
    }
    tx.commit()
        .await
        .or_store("cannot commit the schema migration")?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_from_one_without_gaps() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, i + 1);
        }
    }
}
