//! The [`TextEnv`] of this process: its local time zone and the rule's Jinja template file.

use std::sync::OnceLock;

use alert_core::template::TextEnv;

use crate::options::AlerterOptions;
use crate::{Error, Result};

/// What the alert text of `opts` needs from the process: the local zone (read once from `TZ`,
/// `/etc/timezone` or the `/etc/localtime` link) and the `jinja_template_path` file when the
/// rule names one (a path relative to the working directory, as in ElastAlert2).
pub fn text_env(opts: &AlerterOptions<'_>) -> Result<TextEnv> {
    let mut env = process_env().clone();
    if opts.string("alert_text_type")? == Some("alert_text_jinja")
        && let Some(path) = opts.string("jinja_template_path")?
    {
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidOption {
            option: "jinja_template_path".into(),
            message: format!("cannot read '{path}': {e}"),
        })?;
        env.jinja_template = Some(text);
    }
    Ok(env)
}

fn process_env() -> &'static TextEnv {
    static ENV: OnceLock<TextEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        let tz = std::env::var("TZ").unwrap_or_default();
        let timezone = std::fs::read_to_string("/etc/timezone").unwrap_or_default();
        let link = std::fs::read_link("/etc/localtime")
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        TextEnv::in_local_zone(&[&tz, &timezone, &link])
    })
}
