-- OpenSearch-style monitors, their alerts (open and history), when each last ran, and the
-- outbox of their actions.
CREATE TABLE monitors (
    id            TEXT PRIMARY KEY NOT NULL,
    version       INTEGER NOT NULL,
    seq_no        INTEGER NOT NULL,
    primary_term  INTEGER NOT NULL,
    body          TEXT NOT NULL
);

-- One row: the last sequence number handed out (never reused, also across deletes).
CREATE TABLE monitor_seq (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq_no  INTEGER NOT NULL
);
INSERT INTO monitor_seq (id, seq_no) VALUES (1, -1);

CREATE TABLE monitor_alerts (
    id                         INTEGER PRIMARY KEY NOT NULL,
    monitor_id                 TEXT NOT NULL,
    trigger_id                 TEXT NOT NULL,
    state                      TEXT NOT NULL,
    version                    INTEGER NOT NULL,
    monitor_name               TEXT NOT NULL,
    trigger_name               TEXT NOT NULL,
    severity                   TEXT NOT NULL,
    start_time_ms              INTEGER NOT NULL,
    last_notification_time_ms  INTEGER,
    end_time_ms                INTEGER,
    acknowledged_time_ms       INTEGER,
    document                   TEXT NOT NULL
);
CREATE INDEX monitor_alerts_by_monitor ON monitor_alerts (monitor_id, state);

CREATE TABLE monitor_runs (
    monitor_id          TEXT PRIMARY KEY NOT NULL,
    last_period_end_ms  INTEGER,
    last_run_at_ms      INTEGER NOT NULL
);

CREATE TABLE monitor_notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    monitor_id       TEXT NOT NULL,
    trigger_id       TEXT NOT NULL,
    alert_id         INTEGER,
    action_id        TEXT NOT NULL,
    action_name      TEXT NOT NULL,
    destination_id   TEXT NOT NULL,
    subject          TEXT,
    message          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    deadline_ms      INTEGER NOT NULL,
    last_error       TEXT,
    created_at_ms    INTEGER NOT NULL
);
CREATE INDEX monitor_notifications_due ON monitor_notifications (status, next_attempt_ms);
