//! Templates ElastAlert2 fills from an alert's matches, byte for byte as ElastAlert2 2.31
//! renders them: the alert body ([`alert_body`]: summary table, then each match's
//! `BasicMatchString`), the title ([`title`]), Jinja templates ([`jinja`]), Python's
//! `str.format` ([`python_format`]) and the Kibana and OpenSearch Discover links
//! ([`add_discover_urls`]). Pure: no I/O, no clock (the local zone and template files come in
//! through [`TextEnv`]).

mod alert_text;
mod body;
mod discover;
mod filters;
pub mod jinja;
mod match_string;
pub mod mustache;
mod options;
pub mod python;
pub mod python_format;
mod rison;
mod subject;
mod summary_line;
mod summary_table;
mod text_env;
mod texttable;
mod url;

pub use alert_text::{MISSING_VALUE, format_error, format_option};
pub use body::{
    MATCH_SEPARATOR, SummaryFrame, alert_body, alert_body_framed, alert_body_with_width,
    match_texts,
};
pub use discover::{
    DiscoverWarning, KIBANA_DISCOVER_URL, OPENSEARCH_DISCOVER_URL, add_discover_urls,
    generate_kibana_discover_url, generate_opensearch_discover_url,
};
pub use match_string::match_text;
pub use options::AlerterOptions;
pub use subject::{DEFAULT_SUBJECT_MAX_LEN, elastalert_title, title, title_or_else};
pub use summary_table::{ASCII_MAX_WIDTH, summary_text};
pub use text_env::TextEnv;
