//! The SQLite schema as numbered migrations, applied at open in one transaction and recorded
//! in `schema_version`, so that a database is always at a version this binary knows.

use alert_core::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};

/// The migrations in order: `(version, SQL)`. Versions start at 1 and have no gaps.
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_monitors.sql")),
    (3, include_str!("migrations/0003_time_taken.sql")),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`], returning the version it was at before.
///
/// Runs in an immediate transaction, so two processes opening the same new file at once apply
/// each migration exactly once. A database written by a newer binary is an error naming both
/// versions: this binary would not know how to keep its invariants.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| store_error("cannot start the schema migration", &e))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version     INTEGER PRIMARY KEY NOT NULL,
             applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         )",
    )
    .map_err(|e| store_error("cannot create the schema_version table", &e))?;
    let found = current_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(Error::Store(format!(
            "the database has schema version {found}, newer than version {SCHEMA_VERSION} \
             that this binary knows: upgrade alert or use another state file"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        tx.execute_batch(sql)
            .map_err(|e| store_error(&format!("cannot apply schema migration {version}"), &e))?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )
        .map_err(|e| store_error(&format!("cannot record schema migration {version}"), &e))?;
    }
    tx.commit()
        .map_err(|e| store_error("cannot commit the schema migration", &e))?;
    Ok(found)
}

/// The highest recorded version, 0 for a new database.
fn current_version(conn: &Connection) -> Result<u32> {
    let version: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .map_err(|e| store_error("cannot read the schema version", &e))?;
    let version = version.unwrap_or(0);
    u32::try_from(version)
        .map_err(|_| Error::Store(format!("the database has invalid schema version {version}")))
}

/// A store error with what failed and what SQLite said.
pub(crate) fn store_error(what: &str, error: &rusqlite::Error) -> Error {
    Error::Store(format!("{what}: {error}"))
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

    #[test]
    fn migrating_twice_applies_each_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, i64::from(SCHEMA_VERSION));
    }

    #[test]
    fn a_newer_schema_is_an_error_naming_both_versions() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (99)", [])
            .unwrap();
        let message = migrate(&mut conn).unwrap_err().to_string();
        assert!(message.contains("99"), "{message}");
        assert!(message.contains(&SCHEMA_VERSION.to_string()), "{message}");
    }
}
