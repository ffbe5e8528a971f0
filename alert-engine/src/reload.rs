//! Hot reload: applying a fresh load of the rules folder to a running [`Engine`]. An unchanged
//! rule keeps its runner and state; an edited rule gets a new evaluator but keeps its place in
//! time; an invalid edit keeps the old rule running and reports the error; a deleted or
//! disabled rule stops; a new file starts.

use std::path::PathBuf;

use alert_core::config::{ConfigFiles, Rule};

use crate::engine::Engine;
use crate::run_command::NotifierFactory;

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// Rules started (new files).
    pub added: Vec<String>,
    /// Rules reloaded after an edit.
    pub changed: Vec<String>,
    /// Rules stopped (file deleted, or `is_enabled: false`).
    pub removed: Vec<String>,
    /// Errors of files that failed to load (their previous version, if any, keeps running).
    pub errors: Vec<String>,
}

impl ReloadReport {
    /// Whether nothing changed and nothing failed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.errors.is_empty()
    }
}

impl Engine {
    /// Applies `outcomes` (every rule file found, with its load result) to the running rules.
    pub fn reload(
        &mut self,
        outcomes: Vec<(PathBuf, alert_core::Result<Rule>)>,
        files: &dyn ConfigFiles,
        notifier_for: NotifierFactory<'_>,
    ) -> ReloadReport {
        let mut report = ReloadReport::default();
        let mut keep = Vec::new();
        let mut old = std::mem::take(&mut self.runners);
        for (path, outcome) in outcomes {
            let position = old.iter().position(|r| r.rule().file == path);
            let previous = position.map(|i| old.swap_remove(i));
            let rule = match outcome {
                Ok(rule) => rule,
                Err(error) => {
                    report.errors.push(error.to_string());
                    keep.extend(previous);
                    continue;
                }
            };
            if !rule.is_enabled {
                if let Some(p) = previous {
                    report.removed.push(p.rule().name.clone());
                }
                continue;
            }
            if let Some(p) = &previous
                && *p.rule() == rule
            {
                keep.extend(previous);
                continue;
            }
            if let Err(error) = self.add_notifiers(&rule, notifier_for) {
                report.errors.push(error);
                keep.extend(previous);
                continue;
            }
            let name = rule.name.clone();
            let built = match previous {
                Some(p) => p.reloaded(rule, files).map(|r| (r, true)),
                None => crate::rule_runner::RuleRunner::new(rule, files).map(|r| (r, false)),
            };
            match built {
                Ok((runner, was_running)) => {
                    self.rules.insert(name.clone(), runner.rule().clone());
                    if was_running {
                        report.changed.push(name);
                    } else {
                        report.added.push(name);
                    }
                    keep.push(runner);
                }
                Err(error) => report.errors.push(error.to_string()),
            }
        }
        report
            .removed
            .extend(old.iter().map(|r| r.rule().name.clone()));
        self.runners = keep;
        report
    }

    fn add_notifiers(
        &mut self,
        rule: &Rule,
        notifier_for: NotifierFactory<'_>,
    ) -> Result<(), String> {
        for alerter in &rule.alerters {
            if !self.notifiers.contains_key(&alerter.name) {
                let notifier = notifier_for(&alerter.name)
                    .map_err(|e| format!("{}: {e}", rule.file.display()))?;
                self.notifiers.insert(alerter.name.clone(), notifier);
            }
        }
        Ok(())
    }
}
