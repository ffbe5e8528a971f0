//! Which notifier serves which alerter name.

use alert_core::config::SHIPPED_ALERTERS;
use alert_core::port::Notifier;

use crate::{CommandNotifier, DebugNotifier, Error, Result};

/// The notifier for an alerter name of a rule's `alert:` list.
///
/// Alerters `alert` ships but has no notifier for yet are an error saying so; names `alert`
/// does not ship at all (the rule loader rejects them first) are unknown.
pub fn notifier_for(name: &str) -> Result<Box<dyn Notifier>> {
    match name {
        "debug" => Ok(Box::new(DebugNotifier::new())),
        "command" => Ok(Box::new(CommandNotifier::new())),
        "ms_teams" => Ok(Box::new(crate::MsTeamsNotifier::new())),
        "ms_power_automate" => Ok(Box::new(crate::MsPowerAutomateNotifier::new())),
        "slack" => Ok(Box::new(crate::SlackNotifier::new())),
        "discord" => Ok(Box::new(crate::DiscordNotifier::new())),
        "telegram" => Ok(Box::new(crate::TelegramNotifier::new())),
        "email" => Ok(Box::new(crate::EmailNotifier::new())),
        "post" => Ok(Box::new(crate::HttpPostNotifier::new())),
        "post2" => Ok(Box::new(crate::HttpPost2Notifier::new())),
        "alertmanager" => Ok(Box::new(crate::AlertmanagerNotifier::new())),
        "opsgenie" => Ok(Box::new(crate::OpsGenieNotifier::new())),
        "stdout" => Ok(Box::new(crate::StdoutNotifier::new())),
        "pagerduty" => Ok(Box::new(crate::PagerDutyNotifier::new())),
        other if SHIPPED_ALERTERS.contains(&other) => {
            Err(Error::AlerterNotImplemented(other.to_string()))
        }
        other => Err(Error::UnknownAlerter(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_shipped_name_to_a_notifier_or_says_it_is_not_implemented() {
        for name in SHIPPED_ALERTERS {
            match notifier_for(name) {
                Ok(notifier) => assert_eq!(notifier.name(), *name),
                Err(e) => assert_eq!(
                    e.to_string(),
                    format!("alerter '{name}' is not implemented yet")
                ),
            }
        }
        assert!(notifier_for("debug").is_ok());
        assert!(notifier_for("command").is_ok());
        let err = notifier_for("jira").err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("unknown alerter 'jira'"));
    }
}
