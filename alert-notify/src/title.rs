//! The alert title (a subject, a card title, a ticket summary): ElastAlert2's `create_title`,
//! rendered by [`alert_core::template::title`]; these wrappers turn its errors into this
//! crate's.
//!
//! ```
//! # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
//! # use alert_core::alert::Match;
//! # use alert_core::time::Timestamp;
//! # use std::path::Path;
//! # let no_env = |_: &str| None;
//! # let files = MemoryFiles::new().with("config.yaml", "rules_folder: rules\n").with(
//! #     "rules/r.yaml",
//! #     "name: r\ntype: any\nindex: logs\nalert: debug\n\
//! #      alert_subject: 'Login failures for {}'\nalert_subject_args: [user.name]\n",
//! # );
//! # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &no_env, ConfigDefaults::TestRule).unwrap();
//! # let rule = load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap();
//! use alert_notify::AlerterOptions;
//! use alert_notify::title::title;
//! let body = serde_json::json!({"user": {"name": "alice"}});
//! let m = Match { timestamp: Timestamp::from_micros(0), body: body.as_object().unwrap().clone() };
//! let opts = AlerterOptions::new(&rule, &rule.alerters[0]);
//! assert_eq!(title(&opts, &[m]).unwrap(), "Login failures for alice");
//! ```

use alert_core::alert::Match;
use alert_core::template;

pub use alert_core::template::{DEFAULT_SUBJECT_MAX_LEN, elastalert_title};

use crate::Result;
use crate::options::AlerterOptions;

/// `create_title` of an alerter whose default title is the rule name (most of them: Teams,
/// Slack, PagerDuty, Discord, ...).
pub fn title(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    Ok(template::title(opts, matches)?)
}

/// `create_title` with the alerter's own default title (its `create_default_title`).
pub fn title_or_else(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    default: impl FnOnce() -> String,
) -> Result<String> {
    Ok(template::title_or_else(opts, matches, default)?)
}
