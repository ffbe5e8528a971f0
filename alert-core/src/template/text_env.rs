//! [`TextEnv`]: what the alert text needs from outside the rule and its matches.

use chrono_tz::Tz;

/// What the alert text takes from the running process, passed in so that rendering stays pure:
/// the local time zone (ElastAlert2 prints times in it under `use_local_time`, the default) and
/// the text of the `jinja_template_path` file, read by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct TextEnv {
    /// The zone `pretty_ts` converts to when `use_local_time` is on.
    pub local_zone: Tz,
    /// The template `jinja_template_path` names, already read.
    pub jinja_template: Option<String>,
}

impl Default for TextEnv {
    /// UTC, and no template file.
    fn default() -> Self {
        TextEnv {
            local_zone: Tz::UTC,
            jinja_template: None,
        }
    }
}

impl TextEnv {
    /// The environment of a process whose zone one of `names` gives, the first that names a
    /// zone winning: `TZ` (`Europe/Paris`, `:Europe/Paris`), `/etc/timezone`, or the target of
    /// the `/etc/localtime` link (`/usr/share/zoneinfo/Europe/Paris`); UTC when none does.
    ///
    /// ```
    /// use alert_core::template::TextEnv;
    /// let env = TextEnv::in_local_zone(&["", "/usr/share/zoneinfo/Europe/Paris"]);
    /// assert_eq!(env.local_zone.name(), "Europe/Paris");
    /// assert_eq!(TextEnv::in_local_zone(&["nowhere"]).local_zone.name(), "UTC");
    /// ```
    pub fn in_local_zone(names: &[&str]) -> TextEnv {
        let local_zone = names
            .iter()
            .find_map(|name| {
                let name = name.trim().trim_start_matches(':');
                let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, z)| z);
                name.parse::<Tz>().ok()
            })
            .unwrap_or(Tz::UTC);
        TextEnv {
            local_zone,
            jinja_template: None,
        }
    }
}
