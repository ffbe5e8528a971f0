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

/// [`alert_body`] with the widest ascii summary table the alerter allows.
pub fn alert_body_with_width(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    env: &TextEnv,
    max_width: usize,
) -> Result<String> {
    let frame = SummaryFrame {
        max_width,
        ..SummaryFrame::PLAIN
    };
    alert_body_framed(opts, matches, env, &frame)
}

/// How an alerter draws the summary table: its widest ascii table and the text around it.
///
/// ```
/// use alert_core::template::SummaryFrame;
/// assert_eq!(SummaryFrame::CHAT.max_width, 75);
/// assert_eq!(SummaryFrame::CHAT.before, "```\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryFrame {
    /// The widest ascii table (80 by default).
    pub max_width: usize,
    /// Text before a non-empty summary.
    pub before: &'static str,
    /// Text after a non-empty summary.
    pub after: &'static str,
}

impl SummaryFrame {
    /// ElastAlert2's `Alerter`: 80 columns, nothing around.
    pub const PLAIN: SummaryFrame = SummaryFrame {
        max_width: ASCII_MAX_WIDTH,
        before: "",
        after: "",
    };
    /// Slack: 75 columns in a code block (Mattermost, Rocket.Chat and Matrix Hookshot fence
    /// it the same way in ElastAlert2).
    pub const CHAT: SummaryFrame = SummaryFrame {
        max_width: 75,
        before: "```\n",
        after: "```\n",
    };
}

/// [`alert_body`] with the summary table drawn as `frame` says.
pub fn alert_body_framed(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    env: &TextEnv,
    frame: &SummaryFrame,
) -> Result<String> {
    let text_type = TextType::of(opts)?;
    let summary = summary_text(opts, matches, frame.max_width)?;
    let mut body = if summary.is_empty() {
        summary
    } else {
        format!("{}{summary}{}", frame.before, frame.after)
    };
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
