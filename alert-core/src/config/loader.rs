//! Loading rule files: discovery in `rules_folder`, `import` merging, inheritance, uniqueness.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::files::ConfigFiles;
use super::global::{GlobalConfig, string_list};
use super::options::describe_value;
use super::rule::Rule;
use crate::{Error, Result, yaml};

/// What loading the rules folder produced: each file with its rule or its error.
#[derive(Debug, Clone)]
pub struct RuleLoad {
    /// Every rule file found, in path order, with its outcome.
    pub outcomes: Vec<(PathBuf, Result<Rule>)>,
}

impl RuleLoad {
    /// The rules that loaded.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.outcomes.iter().filter_map(|(_, r)| r.as_ref().ok())
    }

    /// The errors, in path order.
    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.outcomes.iter().filter_map(|(_, r)| r.as_ref().err())
    }

    /// Names of loaded rules with `is_enabled: false`, for "Disabled rules are: [...]".
    pub fn disabled_names(&self) -> Vec<&str> {
        self.rules()
            .filter(|r| !r.is_enabled)
            .map(|r| r.name.as_str())
            .collect()
    }

    /// The loaded rules, or the first error unless `skip_invalid` lets errors be skipped.
    pub fn into_rules(self, skip_invalid: bool) -> Result<Vec<Rule>> {
        let mut rules = Vec::new();
        for (_, outcome) in self.outcomes {
            match outcome {
                Ok(rule) => rules.push(rule),
                Err(e) if !skip_invalid => return Err(e),
                Err(_) => {}
            }
        }
        Ok(rules)
    }
}

/// Loads every rule file of the global config's `rules_folder`.
pub fn load_rules_folder(
    files: &dyn ConfigFiles,
    global: &GlobalConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RuleLoad> {
    let paths = discover(files, global)?;
    let mut outcomes: Vec<(PathBuf, Result<Rule>)> = paths
        .into_iter()
        .map(|path| {
            let rule = load_rule_file(files, global, &path, env);
            (path, rule)
        })
        .collect();
    mark_duplicate_names(&mut outcomes);
    Ok(RuleLoad { outcomes })
}

/// The rule files under `rules_folder`: recursive when `scan_subdirectories`, else top level.
pub fn discover(files: &dyn ConfigFiles, global: &GlobalConfig) -> Result<Vec<PathBuf>> {
    if global.rules_folders.is_empty() {
        return Err(Error::MissingOption {
            file: global.file.clone(),
            option: "rules_folder".into(),
            context: Some("the folder that holds the rule files".into()),
        });
    }
    let mut out = Vec::new();
    for folder in &global.rules_folders {
        let folder = resolve_folder(files, &global.file, folder);
        if !files.is_dir(&folder) {
            if !global.scan_subdirectories {
                continue; // ElastAlert2 skips a missing folder when not scanning recursively.
            }
            return Err(Error::Read {
                file: folder,
                message: "rules_folder does not exist".into(),
            });
        }
        let found = files
            .list_yaml(&folder, global.scan_subdirectories)
            .map_err(|message| Error::Read {
                file: folder.clone(),
                message,
            })?;
        out.extend(found);
    }
    Ok(out)
}

/// A folder named in `config.yaml`: as written when it exists (ElastAlert2 resolves against the
/// working directory), else relative to the config file's folder.
pub fn resolve_folder(files: &dyn ConfigFiles, config: &Path, folder: &Path) -> PathBuf {
    if folder.is_absolute() || files.is_dir(folder) {
        return folder.to_path_buf();
    }
    match config.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(folder),
        _ => folder.to_path_buf(),
    }
}

/// Loads one rule file with its imports, checks it and inherits the global options.
pub fn load_rule_file(
    files: &dyn ConfigFiles,
    global: &GlobalConfig,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Rule> {
    let own = merge_imports(files, path, env)?;
    Rule::from_options(path, own, global)
}

/// ElastAlert2's depth-first import merge: the importing file's keys win, a later import wins
/// over an earlier one, and `filter` lists are concatenated with imported filters first.
fn merge_imports(
    files: &dyn ConfigFiles,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Map<String, Value>> {
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut rule = read_mapping(files, path, env)?;
    let mut stack: Vec<(PathBuf, PathBuf)> = Vec::new(); // (import, imported by)
    let mut seen: HashSet<PathBuf> = HashSet::from([path.to_path_buf()]);
    let mut current = path.to_path_buf();
    loop {
        if let Some(imports) = rule.remove("import") {
            let targets = import_targets(&current, &imports)?;
            for target in targets {
                stack.push((resolve_import(&base_dir, &target), current.clone()));
            }
        }
        let Some((next, importer)) = stack.pop() else {
            break;
        };
        if !seen.insert(next.clone()) {
            return Err(Error::Import {
                file: importer,
                target: next.display().to_string(),
                message: "import cycle: this file is already being imported".into(),
            });
        }
        let mut loaded = read_mapping(files, &next, env).map_err(|e| match e {
            Error::Read { message, .. } => Error::Import {
                file: importer.clone(),
                target: next.display().to_string(),
                message,
            },
            other => other,
        })?;
        if let (Some(Value::Array(imported)), Some(Value::Array(own))) =
            (loaded.get("filter"), rule.get("filter"))
        {
            let merged: Vec<Value> = imported.iter().chain(own).cloned().collect();
            rule.insert("filter".into(), Value::Array(merged));
        }
        for (key, value) in std::mem::take(&mut rule) {
            loaded.insert(key, value);
        }
        rule = loaded;
        current = next;
    }
    Ok(rule)
}

fn import_targets(file: &Path, imports: &Value) -> Result<Vec<String>> {
    match imports {
        Value::String(_) | Value::Array(_) => {
            let list = string_list(Some(imports));
            if let Value::Array(items) = imports
                && list.len() != items.len()
            {
                return Err(Error::WrongType {
                    file: file.into(),
                    option: "import".into(),
                    expected: "a path or a list of paths".into(),
                    found: describe_value(imports),
                });
            }
            Ok(list)
        }
        other => Err(Error::WrongType {
            file: file.into(),
            option: "import".into(),
            expected: "a path or a list of paths".into(),
            found: describe_value(other),
        }),
    }
}

/// Relative imports resolve from the top-level rule file's folder, also for nested imports
/// (ElastAlert2's behaviour).
fn resolve_import(base_dir: &Path, target: &str) -> PathBuf {
    let target = Path::new(target);
    if target.is_absolute() {
        target.to_path_buf()
    } else {
        base_dir.join(target)
    }
}

fn read_mapping(
    files: &dyn ConfigFiles,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Map<String, Value>> {
    let text = files.read(path).map_err(|message| Error::Read {
        file: path.into(),
        message,
    })?;
    match yaml::parse(&text, path, env)? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::InvalidValue {
            file: path.into(),
            option: "<document>".into(),
            message: format!(
                "a rule file must be a mapping of options, got {}",
                describe_value(&other)
            ),
        }),
    }
}

/// Turns the second and later rules with an already used name into errors.
fn mark_duplicate_names(outcomes: &mut [(PathBuf, Result<Rule>)]) {
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    for (path, outcome) in outcomes.iter_mut() {
        let Ok(rule) = outcome else { continue };
        if let Some(previous) = first.get(&rule.name) {
            *outcome = Err(Error::DuplicateRuleName {
                name: rule.name.clone(),
                first: previous.clone(),
                second: path.clone(),
            });
        } else {
            first.insert(rule.name.clone(), path.clone());
        }
    }
}
