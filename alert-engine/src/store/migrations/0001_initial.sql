-- The first schema: everything a run commits, the outbox, errors and local source positions.
-- Instants are i64 microseconds since the Unix epoch (UTC); JSON is stored as text.

CREATE TABLE rule_status (
    rule        TEXT PRIMARY KEY NOT NULL,
    start_time  INTEGER NOT NULL,
    end_time    INTEGER NOT NULL,
    hits        INTEGER NOT NULL,
    matches     INTEGER NOT NULL,
    ran_at      INTEGER NOT NULL
);

CREATE TABLE silences (
    key       TEXT PRIMARY KEY NOT NULL,
    rule      TEXT NOT NULL,
    until     INTEGER NOT NULL,
    exponent  INTEGER NOT NULL
);
CREATE INDEX silences_by_rule ON silences (rule, until);

CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    rule               TEXT NOT NULL,
    aggregation_key    TEXT,
    state              TEXT NOT NULL CHECK (state IN
                           ('AGGREGATING', 'ACTIVE', 'ACKNOWLEDGED', 'COMPLETED', 'ERROR')),
    created_at         INTEGER NOT NULL,
    alert_time         INTEGER NOT NULL,
    alerters           TEXT NOT NULL,
    time_limit_micros  INTEGER NOT NULL
);
CREATE INDEX alerts_by_rule_state ON alerts (rule, state);
CREATE INDEX alerts_by_state_time ON alerts (state, alert_time);

CREATE TABLE alert_matches (
    alert_id   INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    timestamp  INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (alert_id, seq)
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id         INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    alerter          TEXT NOT NULL,
    alerter_index    INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    deadline         INTEGER NOT NULL,
    last_error       TEXT,
    delivered_at     INTEGER,
    UNIQUE (alert_id, alerter_index)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);

CREATE TABLE errors (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    rule     TEXT,
    message  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX errors_by_time ON errors (at);

CREATE TABLE source_positions (
    path         TEXT PRIMARY KEY NOT NULL,
    identity     TEXT NOT NULL,
    byte_offset  INTEGER NOT NULL
);
