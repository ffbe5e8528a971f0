//! What `alert test-rule` prints about the alerts: what each alerter would send (without
//! `--alert`), or how each send went (with it).

use std::io::Write;

use alert_core::config::Rule;
use alert_core::port::{Notification, Preview};
use alert_core::time::WallTime;
use alert_engine::test_rule::{SendResult, TestAlerts, test_alert};

/// For each alert `alert run` would raise (realert and aggregation applied) and each
/// alerter: `--- alert I of N to NAME ---` (with `(M matches, aggregated until T)` for an
/// aggregate), then the alerter's own preview of what it would send: `subject: ...` when
/// its request has a title, and the body. An alerter that cannot show its text gets an
/// error line instead.
pub(super) fn print_previews(
    rule: &Rule,
    alerts: &TestAlerts,
    now: WallTime,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let total = alerts.alerts.len();
    for (i, test) in alerts.alerts.iter().enumerate() {
        let alert = test_alert(rule, test, now, &mut |_| {});
        let grouped = test.aggregated_until.map_or_else(String::new, |until| {
            format!(
                " ({} matches, aggregated until {until})",
                test.matches.len()
            )
        });
        for alerter in &rule.alerters {
            writeln!(
                out,
                "--- alert {} of {total} to {}{grouped} ---",
                i + 1,
                alerter.name
            )?;
            let key = format!("test-rule-{i}-{}", alerter.name);
            let notification = Notification::first_attempt(rule, alerter, &alert, &key);
            let preview = alert_notify::notifier_for(&alerter.name)
                .map_err(|e| e.to_string())
                .and_then(|n| n.preview(&notification).map_err(|e| e.to_string()));
            match preview {
                Ok(preview) => write_preview(&mut out, &preview)?,
                Err(e) => writeln!(out, "error: cannot build the alert text: {e}")?,
            }
        }
    }
    Ok(())
}

/// `subject: ...` (when there is one) and the body, ending with a newline.
fn write_preview(out: &mut impl Write, preview: &Preview) -> std::io::Result<()> {
    if let Some(subject) = &preview.subject {
        writeln!(out, "subject: {subject}")?;
    }
    write!(out, "{}", preview.body)?;
    if !preview.body.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// On stderr: how many alerts the matches make, and why fewer (realert, aggregation).
pub(super) fn print_alert_summary(alerts: &TestAlerts) {
    let aggregates = alerts
        .alerts
        .iter()
        .filter(|a| a.aggregated_until.is_some())
        .count();
    let mut line = format!(
        "{} alert(s) as alert run would raise them",
        alerts.alerts.len()
    );
    if aggregates > 0 {
        line.push_str(&format!(", {aggregates} of them aggregates"));
    }
    if alerts.suppressed > 0 {
        line.push_str(&format!(
            "; {} match(es) suppressed by realert",
            alerts.suppressed
        ));
    }
    eprintln!("{line}");
}

/// One stderr line per send; whether any failed.
pub(super) fn print_send_results(results: &[SendResult], total: usize) -> bool {
    let mut failed = false;
    for r in results {
        match &r.outcome {
            Ok(()) => eprintln!(
                "alert {} of {total} sent to {}",
                r.alert_index + 1,
                r.alerter
            ),
            Err(e) => {
                failed = true;
                eprintln!(
                    "error: alert {} of {total} to {} failed: {e}",
                    r.alert_index + 1,
                    r.alerter
                );
            }
        }
    }
    failed
}
