//! The ElastAlert2 alert text, byte for byte as `create_alert_body` and `BasicMatchString`
//! render it. The rendering is pure and lives in [`alert_core::template`]; this module adds
//! what it needs from the process (the local time zone, the `jinja_template_path` file) and
//! turns its errors into this crate's.

pub(crate) mod format;
mod local_env;
pub(crate) mod python;

use alert_core::alert::Match;
use alert_core::template;

use self::format::FormatError;
pub use self::local_env::text_env;
use crate::options::AlerterOptions;
use crate::{Error, Result};

pub use alert_core::template::{MATCH_SEPARATOR, MISSING_VALUE};

/// The body of an alert (ElastAlert2's `create_alert_body`): the summary table when
/// `summary_table_fields` is set, then each match's text, each followed by
/// [`MATCH_SEPARATOR`] when there are several.
pub fn body(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    Ok(template::alert_body(opts, matches, &text_env(opts)?)?)
}

/// [`body`] with the summary table drawn as the alerter draws it (Slack: 75 columns in a code
/// block, [`template::SummaryFrame::CHAT`]).
pub fn body_framed(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    frame: &template::SummaryFrame,
) -> Result<String> {
    Ok(template::alert_body_framed(
        opts,
        matches,
        &text_env(opts)?,
        frame,
    )?)
}

/// The text of one match (ElastAlert2's `str(BasicMatchString(rule, match))`).
pub fn match_text(opts: &AlerterOptions<'_>, m: &Match) -> Result<String> {
    Ok(template::match_text(opts, m, &text_env(opts)?)?)
}

/// Each match's text, separated as in [`body`] but never with a summary table (Discord,
/// Telegram, OpsGenie).
pub fn match_texts(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    Ok(template::match_texts(opts, matches, &text_env(opts)?)?)
}

/// Formats an option's `str.format` template, naming the option in errors.
#[allow(dead_code)] // kept for the notifiers that format their own options (pagerduty)
pub(crate) fn format_option<'v>(
    option: &str,
    template: &str,
    resolve: impl FnMut(&format::Field<'_>) -> Result<&'v serde_json::Value, FormatError>,
) -> Result<String> {
    Ok(template::format_option(option, template, resolve)?)
}

/// The crate error for a template error in `option`.
pub(crate) fn format_error(option: &str, error: FormatError) -> Error {
    template::format_error(option, error).into()
}

#[cfg(test)]
mod tests;
