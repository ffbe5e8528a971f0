//! [`DiskFiles`]: the file-system side of the core's configuration loader.

use std::path::{Path, PathBuf};

use alert_core::config::ConfigFiles;

/// Reads configuration from the local file system, following symbolic links as ElastAlert2 does.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskFiles;

impl ConfigFiles for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    }

    fn list_files(
        &self,
        dir: &Path,
        recursive: bool,
        keep: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<PathBuf>, String> {
        let mut out = Vec::new();
        walk(dir, recursive, keep, &mut out, 0)?;
        out.sort();
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
}

/// Deep enough for any real rules tree, shallow enough to stop a symlink loop.
const MAX_DEPTH: usize = 32;

fn walk(
    dir: &Path,
    recursive: bool,
    keep: &dyn Fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{}: folders nested too deep (a symbolic link loop?)",
            dir.display()
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let hidden_config_map = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".."));
        if path.is_dir() {
            if recursive && !hidden_config_map {
                walk(&path, recursive, keep, out, depth + 1)?;
            }
        } else if keep(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// The process environment, as the core's `$VAR` expansion wants it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_yaml_files_recursively_and_skips_configmap_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(root.join("..data")).unwrap();
        for f in [
            "a.yaml",
            "b.yml",
            "notes.txt",
            "sub/c.yaml",
            "sub/deeper/d.yaml",
            "..data/e.yaml",
        ] {
            std::fs::write(root.join(f), "name: x").unwrap();
        }
        let names = |recursive| -> Vec<String> {
            DiskFiles
                .list_yaml(root, recursive)
                .unwrap()
                .iter()
                .map(|p| p.strip_prefix(root).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(
            names(true),
            vec!["a.yaml", "b.yml", "sub/c.yaml", "sub/deeper/d.yaml"]
        );
        assert_eq!(names(false), vec!["a.yaml", "b.yml"]);
        assert!(DiskFiles.read(&root.join("missing.yaml")).is_err());
    }
}
