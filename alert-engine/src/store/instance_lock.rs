//! [`InstanceLock`]: one `alert run` per SQLite state file. SQLite is one instance's store:
//! two daemons on one file would both deliver every alert. Short commands (`alert silence`,
//! `alert test-rule --save`) still open the file beside a running daemon.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use alert_core::{Error, Result};

/// An exclusive lock on `<state file>.lock`, held while the run lasts (released on drop, and
/// by the kernel when the process dies, so a `kill -9` leaves nothing to clean up).
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock of `state`, or says which process holds it and what to do instead.
    pub fn acquire(state: &Path) -> Result<Self> {
        let path = lock_path(state);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::Store(format!("{}: cannot open: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let by = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (process {holder})")
                };
                return Err(Error::Store(format!(
                    "{} is in use by another `alert run`{by}: a SQLite state file serves one \
                     instance; stop the other one, give this one its own `state: {{path: ...}}`, \
                     or share `state: {{type: postgres}}` between instances",
                    state.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::Store(format!(
                    "{}: cannot lock: {e}",
                    path.display()
                )));
            }
        }
        // Who holds it, for the message a second instance gets.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        Ok(InstanceLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `alert-state.db` → `alert-state.db.lock`.
fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_instance_on_the_same_file_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("alert-state.db");
        let first = InstanceLock::acquire(&state).unwrap();
        assert_eq!(first.path(), dir.path().join("alert-state.db.lock"));
        let err = InstanceLock::acquire(&state).unwrap_err().to_string();
        assert!(
            err.contains("alert-state.db is in use by another `alert run`")
                && err.contains(&format!("(process {})", std::process::id()))
                && err.contains("postgres"),
            "{err}"
        );
        drop(first);
        InstanceLock::acquire(&state).unwrap();
        // Another file is another instance's.
        InstanceLock::acquire(&dir.path().join("other.db")).unwrap();
    }
}
