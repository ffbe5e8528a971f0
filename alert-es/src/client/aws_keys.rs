//! [`AwsKeys`]: the AWS access keys that sign requests when `aws_region` is set, found the
//! way boto3 (ElastAlert2's `auth.py`) finds static keys.
//!
//! Looked for, in order: the `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
//! `AWS_SESSION_TOKEN` environment variables (skipped when the `profile` option names a
//! profile, as botocore skips them), then the profile (`profile`, else `AWS_PROFILE`, else
//! `default`) in the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
//! `~/.aws/credentials`), then in the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`,
//! section `[profile NAME]`). Instance metadata (IMDS), container credentials, SSO and STS
//! role assumption are not supported.

use std::path::PathBuf;

use alert_core::secret::Secret;

use crate::{Error, Result};

/// Static (or session) AWS keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsKeys {
    /// `aws_access_key_id`.
    pub access_key_id: String,
    /// `aws_secret_access_key`.
    pub secret_access_key: Secret,
    /// `aws_session_token` of temporary keys.
    pub session_token: Option<Secret>,
}

impl AwsKeys {
    /// Finds the keys (see the module docs for where); `env` looks up environment variables
    /// (`HOME` included), so tests inject them. An error names every place looked at.
    pub(crate) fn resolve(
        profile_option: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if profile_option.is_none()
            && let Some(keys) = from_env(&get)?
        {
            return Ok(keys);
        }
        let profile = profile_option
            .map(str::to_string)
            .or_else(|| get("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_string());
        let files = [
            (
                file_path(&get, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                profile.clone(),
            ),
            (
                file_path(&get, "AWS_CONFIG_FILE", "config"),
                config_section(&profile),
            ),
        ];
        for (path, section) in files.iter() {
            if let Some(path) = path
                && let Some(keys) = from_file(path, section)?
            {
                return Ok(keys);
            }
        }
        Err(Error::AwsCredentials(not_found_message(
            profile_option.is_none(),
            &profile,
            &files,
        )))
    }
}

fn not_found_message(
    env_looked: bool,
    profile: &str,
    files: &[(Option<PathBuf>, String)],
) -> String {
    let mut places = Vec::new();
    if env_looked {
        places.push("the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".to_string());
    }
    for (path, section) in files {
        match path {
            Some(path) => places.push(format!("[{section}] in {}", path.display())),
            None => places.push(format!("[{section}] (no HOME to find the file)")),
        }
    }
    format!(
        "profile '{profile}': looked in {}; instance metadata (IMDS), SSO and STS are not supported",
        places.join(", ")
    )
}

/// `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY`; one without the other is an error.
fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<AwsKeys>> {
    match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Ok(Some(AwsKeys {
            access_key_id: id,
            secret_access_key: Secret::new(secret),
            session_token: get("AWS_SESSION_TOKEN").map(Secret::new),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(partial("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")),
        (None, Some(_)) => Err(partial("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
    }
}

fn partial(missing: &str, present: &str) -> Error {
    Error::AwsCredentials(format!("{present} is set but {missing} is not"))
}

/// The override variable, else `$HOME/.aws/<name>`.
fn file_path(get: &dyn Fn(&str) -> Option<String>, variable: &str, name: &str) -> Option<PathBuf> {
    match get(variable) {
        Some(path) => Some(PathBuf::from(path)),
        None => get("HOME").map(|home| PathBuf::from(home).join(".aws").join(name)),
    }
}

/// The config file names profiles `[profile NAME]`, except `[default]`.
fn config_section(profile: &str) -> String {
    if profile == "default" {
        profile.to_string()
    } else {
        format!("profile {profile}")
    }
}

/// The keys of `section` in the INI file at `path`; a missing file is no keys.
fn from_file(path: &PathBuf, section: &str) -> Result<Option<AwsKeys>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::ReadFile {
                option: "AWS credentials".into(),
                path: path.clone(),
                source,
            });
        }
    };
    let values = ini_section(&text, section);
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Some(AwsKeys {
            access_key_id: id,
            secret_access_key: Secret::new(secret),
            session_token: get("aws_session_token").map(Secret::new),
        })),
        (Some(_), None) => Err(Error::AwsCredentials(format!(
            "[{section}] in {} has aws_access_key_id but no aws_secret_access_key",
            path.display()
        ))),
        _ => Ok(None),
    }
}

/// The `key = value` lines of `[section]` (comments `#`/`;` and other sections skipped).
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut values = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
        } else if inside && let Some((key, value)) = line.split_once('=') {
            values.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    values
}

#[cfg(test)]
#[path = "aws_keys_tests.rs"]
mod tests;
