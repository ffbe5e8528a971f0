//! [`Credentials`]: who the client says it is, chosen in ElastAlert2's order.

use alert_core::secret::Secret;
use reqwest::header::HeaderValue;

use super::aws_keys::AwsKeys;
use super::options::{OptionReader, invalid};
use crate::{Error, Result};

/// How requests authenticate. ElastAlert2's precedence (`elasticsearch_client` and
/// `auth.py`): `es_api_key`, then `es_bearer`, then `es_username`/`es_password`, then AWS SigV4
/// when `aws_region` (or `AWS_DEFAULT_REGION`) is set; otherwise no authentication.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: ApiKey <es_api_key>`; the key is sent as given (the base64 of
    /// `id:api_key`, as Elasticsearch returns it in `encoded`).
    ApiKey(Secret),
    /// `Authorization: Bearer <es_bearer>`.
    Bearer(Secret),
    /// HTTP basic authentication.
    Basic {
        /// `es_username`.
        username: String,
        /// `es_password`.
        password: Secret,
    },
    /// AWS Signature Version 4 for service `es` (Amazon OpenSearch Service); needs the
    /// cargo feature `aws`.
    AwsSigV4 {
        /// `aws_region`, or `AWS_DEFAULT_REGION`.
        region: String,
        /// `profile` in the AWS shared files; `AWS_PROFILE` or `default` when absent.
        profile: Option<String>,
        /// The keys found for it when the configuration was loaded.
        keys: AwsKeys,
    },
}

impl Credentials {
    /// Picks the credentials from the options and the `ES_USERNAME`, `ES_PASSWORD`,
    /// `ES_API_KEY`, `ES_BEARER` and `AWS_DEFAULT_REGION` environment variables, which win over
    /// the options when set and not empty (as in `build_es_conn_config`).
    pub(crate) fn resolve(
        opts: &OptionReader<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let from_env = |name: &str| env(name).filter(|v| !v.is_empty());
        let api_key = match from_env("ES_API_KEY") {
            Some(key) => Some(key),
            None => opts.string("es_api_key")?,
        };
        if let Some(key) = api_key.filter(|k| !k.is_empty()) {
            return Ok(Credentials::ApiKey(Secret::new(key)));
        }
        let bearer = match from_env("ES_BEARER") {
            Some(token) => Some(token),
            None => opts.string("es_bearer")?,
        };
        if let Some(token) = bearer.filter(|t| !t.is_empty()) {
            return Ok(Credentials::Bearer(Secret::new(token)));
        }
        if let Some(basic) = basic_credentials(opts, env)? {
            return Ok(basic);
        }
        let region = match opts.string("aws_region")? {
            Some(region) => Some(region),
            None => from_env("AWS_DEFAULT_REGION"),
        };
        let Some(region) = region.filter(|r| !r.is_empty()) else {
            return Ok(Credentials::None);
        };
        if cfg!(not(feature = "aws")) {
            return Err(invalid(
                "aws_region",
                "asks for AWS SigV4 request signing, which this build does not include \
                 (build alert with the cargo feature `aws`)",
            ));
        }
        let profile = opts.string("profile")?.filter(|p| !p.is_empty());
        let keys = AwsKeys::resolve(profile.as_deref(), env)?;
        Ok(Credentials::AwsSigV4 {
            region,
            profile,
            keys,
        })
    }

    /// The `Authorization` header for API key and bearer credentials (basic is set per request
    /// by reqwest, SigV4 signs each request); marked sensitive so it never shows in logs.
    pub(crate) fn authorization_header(&self) -> Result<Option<HeaderValue>> {
        let (option, value) = match self {
            Credentials::ApiKey(key) => ("es_api_key", format!("ApiKey {}", key.expose())),
            Credentials::Bearer(token) => ("es_bearer", format!("Bearer {}", token.expose())),
            _ => return Ok(None),
        };
        let mut header = HeaderValue::from_str(&value)
            .map_err(|_| invalid(option, "contains characters not allowed in an HTTP header"))?;
        header.set_sensitive(true);
        Ok(Some(header))
    }

    /// A short name for messages (`api key`, `bearer`, `basic`, `aws sigv4`, `none`).
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::ApiKey(_) => "api key",
            Credentials::Bearer(_) => "bearer",
            Credentials::Basic { .. } => "basic",
            Credentials::AwsSigV4 { .. } => "aws sigv4",
        }
    }
}

/// `ES_USERNAME`/`ES_PASSWORD` when `ES_USERNAME` is set, else `es_username`/`es_password`.
/// ElastAlert2 silently sends no credentials when the password is missing or empty; here that
/// is an error naming the missing half, because a cluster then answers with a confusing 401.
fn basic_credentials(
    opts: &OptionReader<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>> {
    let (username, password, password_name) = match env("ES_USERNAME").filter(|u| !u.is_empty()) {
        Some(user) => (Some(user), env("ES_PASSWORD"), "ES_PASSWORD"),
        None if opts.contains("es_username") => (
            opts.string("es_username")?,
            opts.string("es_password")?,
            "es_password",
        ),
        None => return Ok(None),
    };
    let Some(username) = username.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    match password.filter(|p| !p.is_empty()) {
        Some(password) => Ok(Some(Credentials::Basic {
            username,
            password: Secret::new(password),
        })),
        None => Err(Error::InvalidOption {
            option: password_name.to_string(),
            message: format!("is required (and not empty) when the username '{username}' is set"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn resolve(options: Value, env: &[(&str, &str)]) -> Result<Credentials> {
        let map: Map<String, Value> = match options {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Credentials::resolve(&OptionReader::new(&map), &lookup)
    }

    #[cfg(feature = "aws")]
    const AWS_ENV: &[(&str, &str)] = &[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];

    #[cfg(feature = "aws")]
    fn aws(region: &str) -> Credentials {
        Credentials::AwsSigV4 {
            region: region.into(),
            profile: None,
            keys: AwsKeys {
                access_key_id: "AKID".into(),
                secret_access_key: Secret::new("s"),
                session_token: None,
            },
        }
    }

    fn basic(user: &str, pass: &str) -> Credentials {
        Credentials::Basic {
            username: user.into(),
            password: Secret::new(pass),
        }
    }

    #[test]
    fn credentials_follow_elastalert2_precedence() {
        let all = json!({"es_api_key": "k", "es_bearer": "b", "es_username": "u", "es_password": "p", "aws_region": "eu-west-1"});
        let cases = [
            (all, Credentials::ApiKey(Secret::new("k"))),
            (
                json!({"es_bearer": "b", "es_username": "u", "es_password": "p"}),
                Credentials::Bearer(Secret::new("b")),
            ),
            (
                json!({"es_username": "u", "es_password": "p", "aws_region": "r"}),
                basic("u", "p"),
            ),
            (json!({}), Credentials::None),
        ];
        for (options, expected) in cases {
            assert_eq!(
                resolve(options.clone(), &[]).ok(),
                Some(expected),
                "{options}"
            );
        }
    }

    #[test]
    fn environment_variables_win_over_options_when_not_empty() {
        let opts = json!({"es_username": "u", "es_password": "p"});
        assert_eq!(
            resolve(
                opts.clone(),
                &[("ES_USERNAME", "eu"), ("ES_PASSWORD", "ep")]
            )
            .ok(),
            Some(basic("eu", "ep"))
        );
        assert_eq!(
            resolve(opts.clone(), &[("ES_USERNAME", "")]).ok(),
            Some(basic("u", "p"))
        );
        assert_eq!(
            resolve(opts, &[("ES_API_KEY", "ek")]).ok(),
            Some(Credentials::ApiKey(Secret::new("ek")))
        );
        assert_eq!(
            resolve(json!({"es_bearer": "b"}), &[("ES_BEARER", "eb")]).ok(),
            Some(Credentials::Bearer(Secret::new("eb")))
        );
    }

    #[cfg(feature = "aws")]
    #[test]
    fn aws_region_or_its_environment_variable_signs_with_the_keys_found() {
        assert_eq!(
            resolve(json!({"aws_region": "eu-west-1"}), AWS_ENV).ok(),
            Some(aws("eu-west-1"))
        );
        let env = [AWS_ENV, &[("AWS_DEFAULT_REGION", "us-east-1")]].concat();
        assert_eq!(resolve(json!({}), &env).ok(), Some(aws("us-east-1")));
        let error = resolve(json!({"aws_region": "eu-west-1"}), &[]).err();
        assert!(matches!(error, Some(Error::AwsCredentials(_))), "{error:?}");
    }

    #[test]
    fn a_username_without_password_is_an_error_naming_the_password() {
        let err = resolve(json!({"es_username": "u"}), &[])
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().unwrap_or("").contains("es_password"),
            "{err:?}"
        );
        let err = resolve(json!({}), &[("ES_USERNAME", "u")])
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().unwrap_or("").contains("ES_PASSWORD"),
            "{err:?}"
        );
    }

    #[test]
    fn api_key_and_bearer_become_sensitive_authorization_headers() {
        let header = Credentials::ApiKey(Secret::new("abc"))
            .authorization_header()
            .ok()
            .flatten();
        assert_eq!(
            header.as_ref().and_then(|h| h.to_str().ok()),
            Some("ApiKey abc")
        );
        assert!(header.is_some_and(|h| h.is_sensitive()));
        let header = Credentials::Bearer(Secret::new("t"))
            .authorization_header()
            .ok()
            .flatten();
        assert_eq!(
            header.as_ref().and_then(|h| h.to_str().ok()),
            Some("Bearer t")
        );
        assert!(
            Credentials::Bearer(Secret::new("a\nb"))
                .authorization_header()
                .is_err()
        );
        assert_eq!(basic("u", "p").authorization_header().ok().flatten(), None);
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let shown = format!(
            "{:?} {:?}",
            basic("u", "hunter2"),
            Credentials::ApiKey(Secret::new("k3y"))
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("k3y"),
            "{shown}"
        );
    }
}
