//! Notifiers for `alert`: one folder per notifier with its config, a pure payload function and
//! the send, plus the ElastAlert2 alert text they share.
//!
//! It ships ElastAlert2's `alertmanager`, `command`, `debug`, `discord`, `email`,
//! `ms_power_automate`, `ms_teams` (removed in ElastAlert2 2.30, kept for old rules),
//! `opsgenie`, `pagerduty`, `post`, `post2`, `slack` and `telegram`, and its own `stdout`;
//! [`notifier_for`] maps an alerter name to its notifier.
//!
//! ```
//! use alert_notify::notifier_for;
//! assert_eq!(notifier_for("stdout").unwrap().name(), "stdout");
//! assert_eq!(
//!     notifier_for("jira").err().unwrap().to_string(),
//!     "unknown alerter 'jira'"
//! );
//! ```

mod alertmanager;
pub mod channel;
mod chat;
mod command;
mod debug;
mod discord;
mod email;
mod error;
pub mod http;
mod ms_power_automate;
mod ms_teams;
mod opsgenie;
mod options;
mod pagerduty;
mod post;
mod post2;
mod preview;
mod registry;
mod slack;
mod stdout;
mod telegram;
pub mod text;
pub mod title;

#[cfg(test)]
mod test_support;

pub use alertmanager::AlertmanagerNotifier;
pub use command::CommandNotifier;
pub use debug::DebugNotifier;
pub use discord::DiscordNotifier;
pub use email::EmailNotifier;
pub use error::{Error, Result};
pub use ms_power_automate::MsPowerAutomateNotifier;
pub use ms_teams::MsTeamsNotifier;
pub use opsgenie::OpsGenieNotifier;
pub use options::AlerterOptions;
pub use pagerduty::PagerDutyNotifier;
pub use post::HttpPostNotifier;
pub use post2::HttpPost2Notifier;
pub use registry::notifier_for;
pub use slack::SlackNotifier;
pub use stdout::StdoutNotifier;
pub use telegram::TelegramNotifier;
