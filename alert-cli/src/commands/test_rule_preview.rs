//! What `alert test-rule` prints about the alerts: the subject and body each alerter would
//! send (without `--alert`), or how each send went (with it).

use std::io::Write;

use alert_core::alert::Match;
use alert_core::config::Rule;
use alert_core::time::Timestamp;
use alert_engine::test_rule::{SendResult, test_alert};
use alert_notify::AlerterOptions;
use alert_notify::title::{elastalert_title, title_or_else};

/// Alerters whose default title is `ElastAlert: <rule>` rather than the rule name.
const ELASTALERT_TITLED: &[&str] = &["email", "opsgenie"];

/// For each match (one alert each) and each alerter: `--- alert I of N to NAME ---`, the
/// subject and the body. A text the alerter could not build is printed as an error line.
pub(super) fn print_previews(rule: &Rule, matches: &[Match], now: Timestamp) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let total = matches.len();
    for (i, m) in matches.iter().enumerate() {
        let alert = test_alert(rule, m, now, &mut |_| {});
        for alerter in &rule.alerters {
            writeln!(
                out,
                "--- alert {} of {total} to {} ---",
                i + 1,
                alerter.name
            )?;
            let opts = AlerterOptions::new(rule, alerter);
            let subject = title_or_else(&opts, &alert.matches, || {
                if ELASTALERT_TITLED.contains(&alerter.name.as_str()) {
                    elastalert_title(rule, &alert.matches)
                } else {
                    rule.name.clone()
                }
            });
            let body = alert_notify::text::body(&opts, &alert.matches);
            match subject.and_then(|s| body.map(|b| (s, b))) {
                Ok((subject, body)) => {
                    writeln!(out, "subject: {subject}")?;
                    write!(out, "{body}")?;
                    if !body.ends_with('\n') {
                        writeln!(out)?;
                    }
                }
                Err(e) => writeln!(out, "error: cannot build the alert text: {e}")?,
            }
        }
    }
    Ok(())
}

/// One stderr line per send; whether any failed.
pub(super) fn print_send_results(results: &[SendResult], total: usize) -> bool {
    let mut failed = false;
    for r in results {
        match &r.outcome {
            Ok(()) => eprintln!(
                "alert {} of {total} sent to {}",
                r.match_index + 1,
                r.alerter
            ),
            Err(e) => {
                failed = true;
                eprintln!(
                    "error: alert {} of {total} to {} failed: {e}",
                    r.match_index + 1,
                    r.alerter
                );
            }
        }
    }
    failed
}
