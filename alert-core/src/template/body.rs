//! The body of an alert: ElastAlert2's `create_alert_body` over the alert's matches.

use super::match_string::{TextType, match_text};
use super::options::AlerterOptions;
use super::summary_table::{ASCII_MAX_WIDTH, summary_text};
use super::text_env::TextEnv;
use crate::Result;
use crate::alert::Match;

/// What separates the texts of an alert's matches when it has several (aggregation).
pub const MATCH_SEPARATOR: &str = "\n----------------------------------------\n";

/// The body of an alert (ElastAlert2's `create_alert_body`): the summary table when
/// `summary_table_fields` is set, then (unless `aggregation_summary_only`) each match's text,
/// each followed by [`MATCH_SEPARATOR`] when there are several.
pub fn alert_body(opts: &AlerterOptions<'_>, matches: &[Match], env: &TextEnv) -> Result<String> {
    alert_body_with_width(opts, matches, env, ASCII_MAX_WIDTH)
}

/// [`alert_body`] with the widest ascii summary table the alerter allows (Slack: 75).
pub fn alert_body_with_width(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    env: &TextEnv,
    max_width: usize,
) -> Result<String> {
    let text_type = TextType::of(opts)?;
    let mut body = summary_text(opts, matches, max_width)?;
    if text_type != TextType::AggregationSummaryOnly {
        body.push_str(&match_texts(opts, matches, env)?);
    }
    Ok(body)
}

/// Each match's text, each followed by [`MATCH_SEPARATOR`] when there are several (the body
/// of Discord, Telegram and OpsGenie, which never have a summary table).
pub fn match_texts(opts: &AlerterOptions<'_>, matches: &[Match], env: &TextEnv) -> Result<String> {
    let mut body = String::new();
    for m in matches {
        body.push_str(&match_text(opts, m, env)?);
        if matches.len() > 1 {
            body.push_str(MATCH_SEPARATOR);
        }
    }
    Ok(body)
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "body_elastalert2_tests.rs"]
mod elastalert2_tests;
