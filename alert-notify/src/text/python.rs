//! Python's `str()`, `repr()` and `json.dumps()` of JSON values: moved to
//! [`alert_core::template::python`], re-exported here for the notifiers.

pub(crate) use alert_core::template::python::{JsonStyle, json_dumps, py_str};
