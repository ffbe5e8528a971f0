//! [`ConfigFiles`]: the port through which the pure loader reads configuration files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Read access to configuration files and folders.
///
/// The core never touches the file system itself; the engine passes a disk implementation and
/// tests or embedding programs pass [`MemoryFiles`].
pub trait ConfigFiles {
    /// The whole text of a file, or a message saying why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, String>;

    /// Every `*.yaml` / `*.yml` file in `dir` (recursively when asked, skipping folders whose
    /// name starts with `..` as ElastAlert2 does for Kubernetes ConfigMaps), sorted by path.
    fn list_yaml(&self, dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, String> {
        self.list_files(dir, recursive, &is_yaml)
    }

    /// Every file in `dir` that `keep` accepts, walked as [`ConfigFiles::list_yaml`] walks
    /// (monitor folders hold `*.json` files).
    fn list_files(
        &self,
        dir: &Path,
        recursive: bool,
        keep: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<PathBuf>, String>;

    /// Whether `path` is an existing folder.
    fn is_dir(&self, path: &Path) -> bool;
}

/// Files held in memory: for tests and for programs that build rules without a disk.
///
/// ```
/// use alert_core::config::{ConfigFiles, MemoryFiles};
/// use std::path::Path;
/// let files = MemoryFiles::new().with("rules/a.yaml", "name: a");
/// assert_eq!(files.list_yaml(Path::new("rules"), true).unwrap().len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    #[must_use]
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

/// Whether a file name is a rule file by ElastAlert2's test.
pub fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

impl ConfigFiles for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }

    fn list_files(
        &self,
        dir: &Path,
        recursive: bool,
        keep: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<PathBuf>, String> {
        if !self.is_dir(dir) {
            return Err("no such folder".to_string());
        }
        Ok(self
            .files
            .keys()
            .filter(|p| p.starts_with(dir) && keep(p))
            .filter(|p| {
                let inner = p
                    .strip_prefix(dir)
                    .map(Path::components)
                    .map(Iterator::count);
                recursive || inner == Ok(1)
            })
            .filter(|p| {
                !p.components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with(".."))
            })
            .cloned()
            .collect())
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|p| p != path && p.starts_with(path))
    }
}
