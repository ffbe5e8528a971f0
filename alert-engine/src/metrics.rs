//! Prometheus metrics: ElastAlert2's eight counters under an `alert_` prefix, plus run latency
//! and outbox depth. Recorded through the `metrics` facade (a no-op until a program installs a
//! recorder, as `alert run --metrics-addr` does) and served as text by [`serve`].

use std::net::SocketAddr;

use metrics::{counter, gauge, histogram};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::delivery::DeliveryReport;
use crate::rule_runner::RunReport;

/// Records one rule run (`alert_scrapes_total`, `alert_hits_total`, `alert_matches_total`,
/// `alert_time_taken_total`, `alert_alerts_silenced_total`, the aggregated part of
/// `alert_alerts_not_sent_total`, and the `alert_run_duration_seconds` histogram).
pub fn record_run(rule: &str, report: &RunReport, seconds: f64) {
    let name = rule.to_string();
    counter!("alert_scrapes_total", "rule_name" => name.clone()).increment(1);
    counter!("alert_hits_total", "rule_name" => name.clone()).increment(report.hits);
    counter!("alert_matches_total", "rule_name" => name.clone()).increment(report.matches);
    // A counter of seconds, as ElastAlert2's; in whole milliseconds to stay an integer.
    counter!("alert_time_taken_total", "rule_name" => name.clone())
        .increment((seconds * 1_000.0).round() as u64);
    histogram!("alert_run_duration_seconds", "rule_name" => name.clone()).record(seconds);
    if report.aggregated > 0 {
        counter!("alert_alerts_not_sent_total", "rule_name" => name).increment(report.aggregated);
    }
    for key in &report.silences_set {
        // ElastAlert2 labels this counter with the silence key, not the rule name.
        counter!("alert_alerts_silenced_total", "rule_name" => key.clone()).increment(1);
    }
}

/// Records a delivery pass (`alert_alerts_sent_total`, `alert_alerts_not_sent_total`).
pub fn record_delivery(report: &DeliveryReport) {
    for rule in &report.delivered_rules {
        counter!("alert_alerts_sent_total", "rule_name" => rule.clone()).increment(1);
    }
    for rule in &report.failed_rules {
        counter!("alert_alerts_not_sent_total", "rule_name" => rule.clone()).increment(1);
    }
}

/// Records an error kept in the store (`alert_errors_total`).
pub fn record_error() {
    counter!("alert_errors_total").increment(1);
}

/// Sets the `alert_outbox_depth` gauge.
pub fn set_outbox_depth(depth: u64) {
    gauge!("alert_outbox_depth").set(depth as f64);
}

/// Serves `render()` as `text/plain` on every HTTP request to `addr` (Prometheus scrapes
/// `/metrics`), until the task is dropped.
pub async fn serve(
    listener: TcpListener,
    render: impl Fn() -> String + Send + Sync + 'static,
) -> std::io::Result<()> {
    let render = std::sync::Arc::new(render);
    loop {
        let (mut stream, _) = listener.accept().await?;
        let render = render.clone();
        tokio::spawn(async move {
            // Read the request head (up to 8 KiB); its content does not matter.
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let body = render();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        });
    }
}

/// Binds the metrics address (`127.0.0.1:9090`, or port 0 for any free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
