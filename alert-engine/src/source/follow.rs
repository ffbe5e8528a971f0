//! `source: {type: files, follow: true}`: NDJSON files followed as they grow (`tail -f`),
//! across truncation and rotation, with positions saved in the state store.
//!
//! See [`FileFollower`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{File, Metadata};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use alert_core::alert::SourcePosition;
use alert_core::port::StateStore;
use alert_core::time::Timestamp;
use serde_json::Value;

use super::expand;
use super::reader::parse_document;
use crate::Result;
use crate::local_backend::LocalBackend;

/// Documents pushed into the backend together.
const BATCH: usize = 4096;

/// Positions waiting for [`FileFollower::checkpoint_processed`]; beyond this, the newest
/// replaces the last (checkpoints get coarser, never unsafe).
const MAX_MARKS: usize = 64;

/// What one [`FileFollower::poll`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Documents added to the backend.
    pub documents: u64,
    /// `file:offset: reason` of every skipped line.
    pub skipped: Vec<String>,
    /// `file: reason` of files that cannot be read (each reported once until it reads again).
    pub errors: Vec<String>,
}

/// Follows the NDJSON files matching glob patterns as they grow.
///
/// Every [`FileFollower::poll`] reads the complete lines appended since the previous one (a
/// last line without `\n` waits for the next poll) from every file the globs match now. Files
/// are told apart by identity (device and inode on unix), not by path:
///
/// - a file shorter than what was read, same identity, was truncated: it is read again from 0;
/// - a path that now names another file was rotated: the old file, still open, is drained
///   first (lines written before the rotation), then the new file is read from 0; the old handle
///   is kept and drained on later polls until one finds nothing new in it (a writer that has not
///   reopened yet). A rotated file whose new name matches the globs too is followed on from
///   where it was, not read again.
///
/// Documents without `_id` get `<file>@<byte offset of the line>`: a line number cannot be
/// known after resuming from a saved byte offset without reading the file from the start, so
/// follow mode never uses `<file>:<line>`. The id is the same for the same line across restarts.
/// After a path was truncated or replaced while the process runs, its ids read
/// `<file>#<n>@<offset>` (`n`: how many times it restarted), so that the new lines are not taken
/// for documents the rules have already seen.
///
/// Positions: [`FileFollower::positions`] says how far each followed file has been pushed;
/// [`FileFollower::checkpoint`] saves positions in the state store and [`FileFollower::resume`]
/// starts from them after a restart. The daemon saves with
/// [`FileFollower::checkpoint_processed`], which holds each poll's positions back until no rule
/// will query the documents before them again, so a crash never skips a line a rule has yet to
/// read (lines after the checkpoint are read again, and carry the same `_id`s). Only NDJSON is
/// followed (not JSON arrays); a file truncated and written past the old offset between two
/// polls is not noticed as truncated.
#[derive(Debug)]
pub struct FileFollower {
    patterns: Vec<String>,
    /// The file each followed path names, open.
    tails: BTreeMap<PathBuf, Tail>,
    /// Files no longer at their path (rotated or deleted), drained until they stop growing.
    retired: Vec<Tail>,
    /// How many times each path restarted from 0 in this process (for `_id`s).
    restarts: HashMap<PathBuf, u32>,
    /// Paths whose last read failed (their errors are reported once).
    failing: HashSet<PathBuf>,
    /// Positions after recent polls, with the newest document time held then.
    marks: VecDeque<Mark>,
}

/// Positions after a poll, and the newest document time the backend held then.
#[derive(Debug)]
struct Mark {
    positions: Vec<SourcePosition>,
    newest: Option<Timestamp>,
}

/// An open followed file.
#[derive(Debug)]
struct Tail {
    file: File,
    /// The path it was opened at (for messages).
    path: PathBuf,
    identity: String,
    /// Bytes consumed, at a line boundary.
    offset: u64,
    /// What `_id`s start with: the path, then `#<n>` after its n-th restart.
    id_prefix: String,
}

impl FileFollower {
    /// A follower of the files matching `patterns` (globs); nothing is read before
    /// [`FileFollower::resume`] or [`FileFollower::poll`].
    pub fn new(patterns: Vec<String>) -> Self {
        FileFollower {
            patterns,
            tails: BTreeMap::new(),
            retired: Vec::new(),
            restarts: HashMap::new(),
            failing: HashSet::new(),
            marks: VecDeque::new(),
        }
    }

    /// Starts every file matching now where the store says it was read up to. A saved position
    /// whose identity differs from the file's (replaced while stopped), or beyond the file's
    /// length (truncated), starts the file at 0; a file renamed while stopped to another matching
    /// path goes on from its saved position.
    pub async fn resume(&mut self, store: &dyn StateStore) -> Result<()> {
        let paths = expand(&self.patterns)?;
        let mut saved = Vec::new();
        for path in &paths {
            if let Some(position) = store.source_position(&path_key(path)).await? {
                saved.push(position);
            }
        }
        self.tails.clear();
        self.retired.clear();
        self.marks.clear();
        for path in paths {
            let Ok((file, meta)) = open(&path) else {
                continue; // reported by the next poll if it persists
            };
            let identity = identity(&meta);
            let key = path_key(&path);
            let resumable = |p: &&SourcePosition| p.identity == identity && p.offset <= meta.len();
            let offset = saved
                .iter()
                .filter(resumable)
                .find(|p| p.path == key)
                .or_else(|| saved.iter().find(resumable))
                .map_or(0, |p| p.offset);
            let id_prefix = self.id_prefix(&path);
            self.tails.insert(
                path.clone(),
                Tail {
                    file,
                    path,
                    identity,
                    offset,
                    id_prefix,
                },
            );
        }
        Ok(())
    }

    /// Pushes into `backend` the complete lines written since the last poll, picking up new
    /// files from 0 and handling truncation and rotation (see [`FileFollower`]).
    pub fn poll(&mut self, backend: &LocalBackend) -> Result<PollReport> {
        let paths = expand(&self.patterns)?;
        let mut report = PollReport::default();
        let mut errors = Vec::new();
        self.drain_retired(backend, &mut report, &mut errors);
        self.retire_replaced(backend, &mut report, &mut errors);
        self.open_new(paths, &mut errors);
        for tail in self.tails.values_mut() {
            if let Err(e) = tail.read(backend, &mut report) {
                errors.push((tail.path.clone(), e));
            }
        }
        report.errors = errors
            .iter()
            .filter(|(path, _)| !self.failing.contains(path))
            .map(|(path, e)| format!("{}: {e}", path.display()))
            .collect();
        self.failing = errors.into_iter().map(|(path, _)| path).collect();
        self.mark(backend.bounds().map(|(_, newest)| newest));
        Ok(report)
    }

    /// How far every followed file has been read (everything before was pushed).
    pub fn positions(&self) -> Vec<SourcePosition> {
        self.tails
            .iter()
            .map(|(path, tail)| SourcePosition {
                path: path_key(path),
                identity: tail.identity.clone(),
                offset: tail.offset,
            })
            .collect()
    }

    /// Saves `positions` (taken with [`FileFollower::positions`]) in `store`: a later
    /// [`FileFollower::resume`] starts there.
    pub async fn checkpoint(
        &self,
        positions: &[SourcePosition],
        store: &dyn StateStore,
    ) -> Result<()> {
        for position in positions {
            store.save_source_position(position).await?;
        }
        Ok(())
    }

    /// Saves the newest positions taken after a poll (see [`FileFollower::poll`]) before which
    /// every document pushed is older than `oldest_needed` ([`crate::engine::Engine::oldest_needed`]):
    /// no rule will query those documents again, so a restart resuming there loses nothing a
    /// rule has yet to read. `None` (some rule may need anything) saves only positions taken
    /// while the backend held nothing.
    pub async fn checkpoint_processed(
        &mut self,
        oldest_needed: Option<Timestamp>,
        store: &dyn StateStore,
    ) -> Result<()> {
        let done = |mark: &Mark| match (mark.newest, oldest_needed) {
            (None, _) => true,
            (Some(newest), Some(oldest)) => newest < oldest,
            (Some(_), None) => false,
        };
        let Some(last) = self.marks.iter().rposition(done) else {
            return Ok(());
        };
        let ready = self.marks.drain(..=last).next_back();
        if let Some(mark) = ready {
            self.checkpoint(&mark.positions, store).await?;
        }
        Ok(())
    }

    /// Drains the files retired by earlier polls; those that gave nothing more are closed.
    fn drain_retired(
        &mut self,
        backend: &LocalBackend,
        report: &mut PollReport,
        errors: &mut Vec<(PathBuf, io::Error)>,
    ) {
        for mut tail in std::mem::take(&mut self.retired) {
            let before = tail.offset;
            match tail.read(backend, report) {
                Ok(()) if tail.offset > before => self.retired.push(tail),
                Ok(()) => {}
                Err(e) => errors.push((tail.path.clone(), e)),
            }
        }
    }

    /// Restarts truncated files at 0; drains and retires files whose path now names another
    /// file or none.
    fn retire_replaced(
        &mut self,
        backend: &LocalBackend,
        report: &mut PollReport,
        errors: &mut Vec<(PathBuf, io::Error)>,
    ) {
        let paths: Vec<PathBuf> = self.tails.keys().cloned().collect();
        for path in paths {
            let now = match std::fs::metadata(&path) {
                Ok(meta) => Some(meta),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => {
                    errors.push((path, e));
                    continue;
                }
            };
            let Some(tail) = self.tails.get(&path) else {
                continue;
            };
            match now {
                Some(meta) if identity(&meta) == tail.identity => {
                    if meta.len() < tail.offset {
                        let id_prefix = self.id_prefix(&path);
                        if let Some(tail) = self.tails.get_mut(&path) {
                            tail.offset = 0;
                            tail.id_prefix = id_prefix;
                        }
                    }
                }
                _ => {
                    if let Some(mut old) = self.tails.remove(&path) {
                        if let Err(e) = old.read(backend, report) {
                            errors.push((path, e));
                        }
                        self.retired.push(old);
                    }
                }
            }
        }
    }

    /// Starts following the matching paths not followed yet: from 0, or, for a retired file
    /// renamed to one of them, from where it was.
    fn open_new(&mut self, paths: Vec<PathBuf>, errors: &mut Vec<(PathBuf, io::Error)>) {
        for path in paths {
            if self.tails.contains_key(&path) {
                continue;
            }
            let (file, meta) = match open(&path) {
                Ok(opened) => opened,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    errors.push((path, e));
                    continue;
                }
            };
            let identity = identity(&meta);
            let id_prefix = self.id_prefix(&path);
            let tail = match self.retired.iter().position(|t| t.identity == identity) {
                Some(i) => Tail {
                    path: path.clone(),
                    id_prefix,
                    ..self.retired.remove(i)
                },
                None => Tail {
                    file,
                    path: path.clone(),
                    identity,
                    offset: 0,
                    id_prefix,
                },
            };
            self.tails.insert(path, tail);
        }
    }

    /// The `_id` prefix of a path starting (again) from 0: the path the first time, then
    /// `<path>#<n>`.
    fn id_prefix(&mut self, path: &Path) -> String {
        match self.restarts.get_mut(path) {
            None => {
                self.restarts.insert(path.to_path_buf(), 0);
                path.display().to_string()
            }
            Some(n) => {
                *n += 1;
                format!("{}#{n}", path.display())
            }
        }
    }

    /// Remembers the positions after a poll, unless unchanged.
    fn mark(&mut self, newest: Option<Timestamp>) {
        let positions = self.positions();
        if self.marks.back().is_some_and(|m| m.positions == positions) {
            return;
        }
        if self.marks.len() >= MAX_MARKS {
            self.marks.pop_back();
        }
        self.marks.push_back(Mark { positions, newest });
    }
}

impl Tail {
    /// Pushes the complete lines after `offset` into `backend` and moves past them.
    fn read(&mut self, backend: &LocalBackend, report: &mut PollReport) -> io::Result<()> {
        (&self.file).seek(SeekFrom::Start(self.offset))?;
        let mut reader = BufReader::with_capacity(64 * 1024, &self.file);
        let mut batch = Batch::default();
        let mut line = Vec::with_capacity(4096);
        let result = loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(n) if n > 0 && line.ends_with(b"\n") => {
                    batch.add(&self.path, &self.id_prefix, self.offset, &line, report);
                    self.offset += n as u64;
                    if batch.docs.len() >= BATCH {
                        batch.flush(&self.path, backend, report);
                    }
                }
                Ok(_) => break Ok(()), // end of file, or a last line still being written
                Err(e) => break Err(e),
            }
        };
        batch.flush(&self.path, backend, report);
        result
    }
}

/// Documents parsed, waiting to be pushed, with the offsets of their lines.
#[derive(Debug, Default)]
struct Batch {
    docs: Vec<Value>,
    offsets: Vec<u64>,
}

impl Batch {
    /// Parses one line (with its `\n`) starting at `offset`.
    fn add(
        &mut self,
        path: &Path,
        id_prefix: &str,
        offset: u64,
        line: &[u8],
        report: &mut PollReport,
    ) {
        let text = line.trim_ascii();
        if text.is_empty() {
            return;
        }
        match parse_document(offset, text) {
            Ok((_, mut doc)) => {
                if let Value::Object(map) = &mut doc {
                    map.entry("_id")
                        .or_insert_with(|| Value::String(format!("{id_prefix}@{offset}")));
                }
                self.docs.push(doc);
                self.offsets.push(offset);
            }
            Err((_, why)) => report
                .skipped
                .push(format!("{}:{offset}: {why}", path.display())),
        }
    }

    /// Pushes the documents, reporting those the backend rejects.
    fn flush(&mut self, path: &Path, backend: &LocalBackend, report: &mut PollReport) {
        let total = self.docs.len() as u64;
        let rejected = backend.push(std::mem::take(&mut self.docs));
        for (index, reason) in &rejected {
            let offset = self.offsets.get(*index).copied().unwrap_or_default();
            report
                .skipped
                .push(format!("{}:{offset}: {reason}", path.display()));
        }
        report.documents += total - rejected.len() as u64;
        self.offsets.clear();
    }
}

/// The key of a path in the state store.
fn path_key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Opens a file with its metadata (of the open file, not of whatever the path names later).
fn open(path: &Path) -> io::Result<(File, Metadata)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// What identifies a file whatever its name: device and inode.
#[cfg(unix)]
fn identity(meta: &Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{}:{}", meta.dev(), meta.ino())
}

/// What identifies a file whatever its name: its creation time, when the platform has one.
#[cfg(not(unix))]
fn identity(meta: &Metadata) -> String {
    meta.created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
    use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
    use alert_core::time::Duration;

    use super::*;
    use crate::SqliteStore;

    fn at(n: u64) -> Timestamp {
        Timestamp::parse_iso("2026-01-01T00:00:00Z")
            .unwrap()
            .plus(Duration::from_secs(n as i64))
    }

    /// The NDJSON line of document `n`.
    fn line(n: u64) -> String {
        format!("{{\"@timestamp\":\"{}\",\"n\":{n}}}\n", at(n).to_iso())
    }

    fn lines(ns: &[u64]) -> String {
        ns.iter().map(|&n| line(n)).collect()
    }

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    fn follower(dir: &Path, pattern: &str) -> FileFollower {
        FileFollower::new(vec![dir.join(pattern).to_string_lossy().into_owned()])
    }

    fn any_rule() -> Rule {
        let files = MemoryFiles::new()
            .with("config.yaml", "rules_folder: r\n")
            .with(
                "r/a.yaml",
                "name: a\ntype: any\nindex: logs\nalert: debug\n",
            );
        let no_env = |_: &str| None;
        let global = GlobalConfig::load(
            &files,
            Path::new("config.yaml"),
            &no_env,
            ConfigDefaults::TestRule,
        )
        .unwrap();
        load_rule_file(&files, &global, Path::new("r/a.yaml"), &no_env).unwrap()
    }

    /// `(n, _id)` of every document held, in time order.
    async fn held(backend: &LocalBackend) -> Vec<(u64, String)> {
        let rule = any_rule();
        let query = SearchQuery {
            rule: &rule,
            filters: &[],
            range: TimeRange {
                start: at(0),
                start_inclusive: true,
                end: at(100_000),
                end_inclusive: true,
            },
            now: at(100_000),
        };
        let docs = backend.search(&query).await.unwrap();
        docs.iter()
            .map(|e| {
                let n = e.source["n"].as_u64().unwrap();
                (n, e.source["_id"].as_str().unwrap().to_string())
            })
            .collect()
    }

    async fn ns(backend: &LocalBackend) -> Vec<u64> {
        held(backend).await.into_iter().map(|(n, _)| n).collect()
    }

    #[tokio::test]
    async fn appended_lines_are_read_by_the_next_poll_and_partial_lines_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.ndjson");
        append(&path, &lines(&[1, 2]));
        let mut files = follower(dir.path(), "*.ndjson");
        let backend = LocalBackend::new("@timestamp");
        assert_eq!(files.poll(&backend).unwrap().documents, 2);
        assert_eq!(files.poll(&backend).unwrap().documents, 0);

        let third = line(3);
        let (head, tail) = third.split_at(10);
        append(&path, &format!("{}not json\n{head}", line(4)));
        let report = files.poll(&backend).unwrap();
        assert_eq!(report.documents, 1);
        let bad_at = (line(1).len() + line(2).len() + line(4).len()) as u64;
        assert_eq!(
            report.skipped,
            [format!(
                "{}:{bad_at}: invalid JSON: expected ident at line 1 column 2",
                path.display()
            )]
        );
        append(&path, tail);
        assert_eq!(files.poll(&backend).unwrap().documents, 1);

        let third_at = bad_at + "not json\n".len() as u64;
        let p = path.display();
        assert_eq!(
            held(&backend).await,
            [
                (1, format!("{p}@0")),
                (2, format!("{p}@{}", line(1).len())),
                (3, format!("{p}@{third_at}")),
                (4, format!("{p}@{}", line(1).len() + line(2).len())),
            ]
        );
        assert_eq!(
            files.positions(),
            [SourcePosition {
                path: path.to_string_lossy().into_owned(),
                identity: identity(&std::fs::metadata(&path).unwrap()),
                offset: std::fs::metadata(&path).unwrap().len(),
            }]
        );
    }

    #[test]
    fn followed_lines_are_timed_by_each_rule_time_field() {
        use alert_core::document::TimeField;
        use alert_core::time::TimestampType;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.ndjson");
        append(
            &path,
            "{\"event_ms\": 1767225600000}\n{\"logged\": \"2026-01-01 00:01:00.500000\"}\n\
             {\"other\": 1}\n",
        );
        let ms = TimeField::new("event_ms", TimestampType::UnixMs);
        let custom = TimeField::new(
            "logged",
            TimestampType::Custom("%Y-%m-%d %H:%M:%S.%f".into()),
        );
        let backend = LocalBackend::with_time_fields([ms.clone(), custom.clone()]);
        let report = follower(dir.path(), "*.ndjson").poll(&backend).unwrap();
        assert_eq!(report.documents, 2);
        assert_eq!(report.skipped.len(), 1, "{report:?}");
        assert!(
            report.skipped[0].contains("no timestamp field 'event_ms'"),
            "{report:?}"
        );
        let t = |iso: &str| Timestamp::parse_iso(iso).unwrap();
        let first = t("2026-01-01T00:00:00Z");
        assert_eq!(backend.bounds_of(&ms), Some((first, first)));
        let second = t("2026-01-01T00:01:00.5Z");
        assert_eq!(backend.bounds_of(&custom), Some((second, second)));
    }

    #[tokio::test]
    async fn a_new_file_matching_the_glob_is_read_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("a.ndjson"), &lines(&[1]));
        let mut files = follower(dir.path(), "*.ndjson");
        let backend = LocalBackend::new("@timestamp");
        files.poll(&backend).unwrap();
        append(&dir.path().join("b.ndjson"), &lines(&[2, 3]));
        append(&dir.path().join("b.txt"), &lines(&[9]));
        assert_eq!(files.poll(&backend).unwrap().documents, 2);
        assert_eq!(ns(&backend).await, [1, 2, 3]);
        assert_eq!(files.positions().len(), 2);
    }

    #[tokio::test]
    async fn a_truncated_file_is_read_again_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.ndjson");
        append(&path, &lines(&[1, 2, 3]));
        let mut files = follower(dir.path(), "*.ndjson");
        let backend = LocalBackend::new("@timestamp");
        files.poll(&backend).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        append(&path, &lines(&[4]));
        assert_eq!(files.poll(&backend).unwrap().documents, 1);
        let held = held(&backend).await;
        assert_eq!(
            held.last().unwrap(),
            &(4, format!("{}#1@0", path.display()))
        );
        assert_eq!(files.positions()[0].offset, line(4).len() as u64);
    }

    /// Appends 3 to app.ndjson, renames it to `rotated_name`, writes 4 and 5 to a new
    /// app.ndjson, then a late 6 to the old file (a writer that has not reopened yet).
    async fn rotate(pattern: &str, rotated_name: &str) -> (Vec<(u64, String)>, FileFollower) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.ndjson");
        let rotated = dir.path().join(rotated_name);
        append(&path, &lines(&[1, 2]));
        let mut files = follower(dir.path(), pattern);
        let backend = LocalBackend::new("@timestamp");
        assert_eq!(files.poll(&backend).unwrap().documents, 2);
        append(&path, &lines(&[3]));
        std::fs::rename(&path, &rotated).unwrap();
        append(&path, &lines(&[4, 5]));
        assert_eq!(files.poll(&backend).unwrap().documents, 3);
        append(&rotated, &lines(&[6]));
        assert_eq!(files.poll(&backend).unwrap().documents, 1);
        assert_eq!(files.poll(&backend).unwrap().documents, 0);
        (held(&backend).await, files)
    }

    #[tokio::test]
    async fn rotation_drains_the_old_file_then_reads_the_new_one() {
        let (held, files) = rotate("*.ndjson", "app.ndjson.1").await;
        let ns: Vec<u64> = held.iter().map(|(n, _)| *n).collect();
        assert_eq!(ns, [1, 2, 3, 4, 5, 6]);
        let ids: HashSet<&String> = held.iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len(), 6, "{held:?}");
        assert!(held[3].1.ends_with("app.ndjson#1@0"), "{held:?}");
        assert!(files.retired.is_empty());
        assert_eq!(files.positions()[0].offset, lines(&[4, 5]).len() as u64);
    }

    #[tokio::test]
    async fn a_rotated_file_still_matching_the_glob_is_not_read_again() {
        let (held, files) = rotate("app.ndjson*", "app.ndjson.1").await;
        let ns: Vec<u64> = held.iter().map(|(n, _)| *n).collect();
        assert_eq!(ns, [1, 2, 3, 4, 5, 6]);
        let offsets: Vec<u64> = files.positions().iter().map(|p| p.offset).collect();
        assert_eq!(
            offsets,
            [
                lines(&[4, 5]).len() as u64,
                lines(&[1, 2, 3, 6]).len() as u64
            ]
        );
    }

    #[tokio::test]
    async fn resuming_from_a_checkpoint_reads_nothing_already_checkpointed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("state.db")).unwrap();
        let path = dir.path().join("app.ndjson");
        append(&path, &lines(&[1, 2, 3]));
        let mut first = follower(dir.path(), "*.ndjson");
        first.resume(&store).await.unwrap();
        first.poll(&LocalBackend::new("@timestamp")).unwrap();
        let positions = first.positions();
        first.checkpoint(&positions, &store).await.unwrap();
        drop(first);
        append(&path, &lines(&[4]));

        let mut second = follower(dir.path(), "*.ndjson");
        second.resume(&store).await.unwrap();
        let backend = LocalBackend::new("@timestamp");
        assert_eq!(second.poll(&backend).unwrap().documents, 1);
        let at = lines(&[1, 2, 3]).len();
        assert_eq!(
            held(&backend).await,
            [(4, format!("{}@{at}", path.display()))]
        );
    }

    #[tokio::test]
    async fn a_saved_position_of_a_replaced_or_shorter_file_restarts_at_0() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("state.db")).unwrap();
        let path = dir.path().join("app.ndjson");
        append(&path, &lines(&[1, 2]));
        let mut first = follower(dir.path(), "*.ndjson");
        first.poll(&LocalBackend::new("@timestamp")).unwrap();
        first.checkpoint(&first.positions(), &store).await.unwrap();
        // Replaced while stopped; the old file is kept so the new one cannot reuse its inode.
        std::fs::rename(&path, dir.path().join("app.old")).unwrap();
        append(&path, &lines(&[3, 4, 5]));

        let mut second = follower(dir.path(), "*.ndjson");
        second.resume(&store).await.unwrap();
        let backend = LocalBackend::new("@timestamp");
        second.poll(&backend).unwrap();
        assert_eq!(ns(&backend).await, [3, 4, 5]);

        // Same file, but shorter than the saved offset.
        let mut shorter = second.positions();
        shorter[0].offset += 1;
        second.checkpoint(&shorter, &store).await.unwrap();
        let mut third = follower(dir.path(), "*.ndjson");
        third.resume(&store).await.unwrap();
        let backend = LocalBackend::new("@timestamp");
        third.poll(&backend).unwrap();
        assert_eq!(ns(&backend).await, [3, 4, 5]);
    }

    #[tokio::test]
    async fn positions_are_checkpointed_once_no_rule_needs_their_documents() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("state.db")).unwrap();
        let path = dir.path().join("app.ndjson");
        let key = path.to_string_lossy().into_owned();
        append(&path, &lines(&[10, 20]));
        let mut files = follower(dir.path(), "*.ndjson");
        let backend = LocalBackend::new("@timestamp");
        files.poll(&backend).unwrap();
        let after_20 = files.positions();
        append(&path, &lines(&[30]));
        files.poll(&backend).unwrap();

        files.checkpoint_processed(None, &store).await.unwrap();
        assert_eq!(store.source_position(&key).await.unwrap(), None);
        files
            .checkpoint_processed(Some(at(20)), &store)
            .await
            .unwrap();
        assert_eq!(store.source_position(&key).await.unwrap(), None);
        files
            .checkpoint_processed(Some(at(21)), &store)
            .await
            .unwrap();
        assert_eq!(
            store.source_position(&key).await.unwrap().as_ref(),
            after_20.first()
        );
        files
            .checkpoint_processed(Some(at(31)), &store)
            .await
            .unwrap();
        assert_eq!(
            store.source_position(&key).await.unwrap(),
            files.positions().pop()
        );
    }
}
