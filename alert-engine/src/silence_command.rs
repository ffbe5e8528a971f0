//! `alert silence`: silence a rule (or one query-key value of it) for a while, and list the
//! silences in force. Shares the state store with `alert run`, which reads silences before
//! every run.

use alert_core::alert::{Silence, query_key_silence_key, rule_silence_key};
use alert_core::config::GlobalConfig;
use alert_core::time::{Duration, Timestamp};
use serde_json::Value;

use crate::run_command::load_rules;
use crate::store::open_state_store;
use crate::{Error, Result};

/// Parses a silence duration: compact (`2h`, `30m`, `1d`) or ElastAlert2's `--silence`
/// spelling (`hours=2`).
///
/// ```
/// use alert_engine::silence_command::parse_silence_duration;
/// use alert_core::time::Duration;
/// assert_eq!(parse_silence_duration("2h").unwrap(), Duration::from_mins(120));
/// assert_eq!(parse_silence_duration("minutes=30").unwrap(), Duration::from_mins(30));
/// assert!(parse_silence_duration("soon").is_err());
/// ```
pub fn parse_silence_duration(text: &str) -> std::result::Result<Duration, String> {
    let value = match text.split_once('=') {
        Some((unit, amount)) => {
            let amount: f64 = amount
                .trim()
                .parse()
                .map_err(|_| format!("'{amount}' is not a number in '{text}'"))?;
            serde_json::json!({ unit.trim(): amount })
        }
        None => Value::String(text.to_string()),
    };
    let duration = Duration::parse(&value).map_err(|e| e.to_string())?;
    if duration.is_zero_or_negative() {
        return Err(format!("'{text}' is not a positive duration"));
    }
    Ok(duration)
}

/// Silences rule `rule_name` (or its `query_key` value) until `now + duration`; returns the
/// silence written.
pub async fn set_silence(
    global: &GlobalConfig,
    rule_name: &str,
    query_key_value: Option<&str>,
    duration: Duration,
    now: Timestamp,
) -> Result<Silence> {
    let rules = load_rules(global, Some(rule_name))?;
    let Some(rule) = rules.first() else {
        return Err(Error::Config {
            path: global.file.clone(),
            message: format!("no rule named '{rule_name}'"),
        });
    };
    let key = match query_key_value {
        Some(value) => query_key_silence_key(rule, value),
        None => rule_silence_key(&rule.name),
    };
    let silence = Silence {
        rule: rule.name.clone(),
        key,
        until: now.plus(duration),
        exponent: 0,
    };
    let store = open_state_store(global)?;
    store.set_silence(&silence).await?;
    Ok(silence)
}

/// The silences in force at `now`.
pub async fn list_silences(global: &GlobalConfig, now: Timestamp) -> Result<Vec<Silence>> {
    let store = open_state_store(global)?;
    Ok(store.all_silences(now).await?)
}
