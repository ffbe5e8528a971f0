-- The PostgreSQL state of alert, the SQLite schema's tables (store/migrations/) under the same
-- names: rule status, silences, alerts with their matches, the outbox, errors and local
-- source positions. Instants are bigint microseconds since the Unix epoch (UTC), data time or
-- wall time as in the SQLite schema; matches and error data are `json`, kept as written (key
-- order too). Ids come from identity columns.
--
-- Several instances share these tables. Leases (rules and monitors spread over the live
-- instances) and claimed outbox rows come in later migrations: a `leases` table keyed by what
-- is leased, and `owner`/`claimed_until` columns on `outbox`; nothing here assumes a single
-- writer.

CREATE TABLE rule_status (
    rule               text PRIMARY KEY,
    start_time         bigint NOT NULL,
    end_time           bigint NOT NULL,
    hits               bigint NOT NULL,
    matches            bigint NOT NULL,
    ran_at             bigint NOT NULL,
    time_taken_micros  bigint NOT NULL DEFAULT 0
);

CREATE TABLE silences (
    key       text PRIMARY KEY,
    rule      text NOT NULL,
    until     bigint NOT NULL,
    exponent  integer NOT NULL
);
CREATE INDEX silences_by_rule ON silences (rule, until);

CREATE TABLE alerts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule               text NOT NULL,
    aggregation_key    text,
    state              text NOT NULL CHECK (state IN
                           ('AGGREGATING', 'ACTIVE', 'ACKNOWLEDGED', 'COMPLETED', 'ERROR')),
    created_at         bigint NOT NULL,
    alert_time         bigint NOT NULL,
    alerters           text[] NOT NULL,
    time_limit_micros  bigint NOT NULL
);
CREATE INDEX alerts_by_rule_state ON alerts (rule, state);
CREATE INDEX alerts_by_state_time ON alerts (state, alert_time);

CREATE TABLE alert_matches (
    alert_id   bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    timestamp  bigint NOT NULL,
    body       json NOT NULL,
    PRIMARY KEY (alert_id, seq)
);

CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    alerter          text NOT NULL,
    alerter_index    integer NOT NULL CHECK (alerter_index >= 0),
    status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  bigint NOT NULL,
    deadline         bigint NOT NULL,
    last_error       text,
    delivered_at     bigint,
    UNIQUE (alert_id, alerter_index)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';

CREATE TABLE errors (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule     text,
    message  text NOT NULL,
    at       bigint NOT NULL,
    data     json NOT NULL
);
CREATE INDEX errors_by_time ON errors (at, id);

CREATE TABLE source_positions (
    path         text PRIMARY KEY,
    identity     text NOT NULL,
    byte_offset  bigint NOT NULL CHECK (byte_offset >= 0)
);
