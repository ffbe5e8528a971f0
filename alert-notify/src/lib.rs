//! Notifiers for `alert`: one folder per notifier with its config, a pure payload function and
//! the send, plus the ElastAlert2 alert text they share.
//!
//! Today it ships `debug` (log the alert) and `command` (run a program); [`notifier_for`] maps
//! an alerter name to its notifier and says which ones are not implemented yet.
//!
//! ```
//! use alert_notify::notifier_for;
//! assert_eq!(notifier_for("debug").unwrap().name(), "debug");
//! assert_eq!(
//!     notifier_for("stdout").err().unwrap().to_string(),
//!     "alerter 'stdout' is not implemented yet"
//! );
//! ```

mod alertmanager;
mod chat;
mod command;
mod debug;
mod discord;
mod email;
mod error;
pub mod http;
mod ms_power_automate;
mod ms_teams;
mod options;
mod pagerduty;
mod post;
mod post2;
mod registry;
mod slack;
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
pub use options::AlerterOptions;
pub use pagerduty::PagerDutyNotifier;
pub use post::HttpPostNotifier;
pub use post2::HttpPost2Notifier;
pub use registry::notifier_for;
pub use slack::SlackNotifier;
pub use telegram::TelegramNotifier;
