-- How long each rule's last run took (ElastAlert2's `time_taken`), in microseconds of wall time.
ALTER TABLE rule_status ADD COLUMN time_taken_micros INTEGER NOT NULL DEFAULT 0;
