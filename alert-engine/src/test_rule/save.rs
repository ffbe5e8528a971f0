//! `alert test-rule --save`: keep a test run's matches as alerts in the state store, for
//! inspection next to the daemon's. They are not delivered (no outbox rows) and set no
//! silences, so testing a rule never notifies anyone or mutes the running daemon.

use alert_core::alert::{AlertId, AlertState, AlertWrite, Match, NewAlert, RunCommit};
use alert_core::config::Rule;
use alert_core::port::StateStore;
use alert_core::time::{Duration, WallTime};

use crate::Result;

/// Writes one alert per match (state `ACTIVE`, no alerters) in one commit; returns their ids.
pub async fn save_matches(
    store: &dyn StateStore,
    rule: &Rule,
    matches: &[Match],
    time_limit: Duration,
    now: WallTime,
) -> Result<Vec<AlertId>> {
    let alerts = matches
        .iter()
        .map(|m| {
            AlertWrite::New(NewAlert {
                rule: rule.name.clone(),
                aggregation_key: None,
                state: AlertState::Active,
                alert_time: m.timestamp,
                matches: vec![m.clone()],
                alerters: Vec::new(),
                time_limit,
            })
        })
        .collect();
    let commit = RunCommit {
        rule: rule.name.clone(),
        at: now,
        status: None,
        silences: Vec::new(),
        alerts,
    };
    Ok(store.commit_run(&commit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
    use alert_core::time::Timestamp;
    use serde_json::{Map, json};
    use std::path::Path;

    #[tokio::test]
    async fn saved_matches_are_alerts_without_deliveries_silences_or_status() {
        let files = MemoryFiles::new()
            .with(
                "config.yaml",
                "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
            )
            .with(
                "r/a.yaml",
                "name: a\ntype: any\nindex: i\nalert: debug\nrealert: {minutes: 5}\n",
            );
        let global = GlobalConfig::load(
            &files,
            Path::new("config.yaml"),
            &|_| None,
            ConfigDefaults::Daemon,
        )
        .unwrap();
        let rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &|_| None).unwrap();
        let store = MemoryStore::new();
        let t = Timestamp::from_micros(1_000_000);
        let mut body = Map::new();
        body.insert("n".into(), json!(1));
        let m = Match { timestamp: t, body };
        let at = WallTime::from_data_time(t);
        let ids = save_matches(&store, &rule, &[m.clone(), m], Duration::from_mins(1), at)
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        let saved = store.alert(ids[0]).await.unwrap().unwrap();
        assert_eq!(
            (saved.rule.as_str(), saved.state, saved.matches.len()),
            ("a", AlertState::Active, 1)
        );
        assert!(store.deliveries(ids[0]).await.unwrap().is_empty());
        assert_eq!(store.outbox_depth().await.unwrap(), 0);
        assert!(store.rule_status("a").await.unwrap().is_none());
        assert!(store.all_silences(t).await.unwrap().is_empty());
    }
}
