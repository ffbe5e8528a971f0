use super::*;

const CREDENTIALS: &str = "\
# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[ops]
aws_access_key_id=AKIDOPS
aws_secret_access_key=ops-secret
aws_session_token = ops-token
[half]
aws_access_key_id = AKIDHALF
";

const CONFIG: &str = "\
[profile cfg]
region = eu-west-1
aws_access_key_id = AKIDCFG
aws_secret_access_key = cfg-secret
";

/// A HOME with `.aws/credentials` and `.aws/config`.
fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let aws = dir.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(aws.join("credentials"), CREDENTIALS).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(aws.join("config"), CONFIG).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// A profile option, the environment, and what comes out.
type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);

fn resolve(profile: Option<&str>, env: &[(&str, &str)]) -> Result<AwsKeys> {
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    AwsKeys::resolve(profile, &lookup)
}

fn summary(keys: Result<AwsKeys>) -> String {
    match keys {
        Ok(k) => format!(
            "{} {} {}",
            k.access_key_id,
            k.secret_access_key.expose(),
            k.session_token.as_ref().map_or("-", |t| t.expose())
        ),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn keys_are_found_in_the_environment_then_the_profile_files() {
    let dir = home();
    let home = dir.path().to_str().unwrap_or_default();
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_SESSION_TOKEN", "env-token"),
        ("HOME", home),
    ];
    let cases: [Case<'_>; 6] = [
        (None, &env_keys, "AKIDENV env-secret env-token"),
        (None, &[("HOME", home)], "AKIDDEFAULT default-secret -"),
        (Some("ops"), &env_keys, "AKIDOPS ops-secret ops-token"),
        (
            None,
            &[("HOME", home), ("AWS_PROFILE", "ops")],
            "AKIDOPS ops-secret ops-token",
        ),
        (Some("cfg"), &[("HOME", home)], "AKIDCFG cfg-secret -"),
        (
            None,
            &[("HOME", home), ("AWS_ACCESS_KEY_ID", "")],
            "AKIDDEFAULT default-secret -",
        ),
    ];
    for (profile, env, expected) in cases {
        assert_eq!(
            summary(resolve(profile, env)),
            expected,
            "{profile:?} {env:?}"
        );
    }
}

#[test]
fn the_shared_credentials_file_can_be_moved_by_environment_variable() {
    let dir = home();
    let moved = dir.path().join("elsewhere");
    std::fs::write(
        &moved,
        "[default]\naws_access_key_id=AKIDMOVED\naws_secret_access_key=s\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("HOME", dir.path().to_str().unwrap_or_default()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            moved.to_str().unwrap_or_default(),
        ),
    ];
    assert_eq!(summary(resolve(None, &env)), "AKIDMOVED s -");
}

#[test]
fn missing_keys_are_an_error_naming_where_they_were_looked_for() {
    let dir = home();
    let home = dir.path().to_str().unwrap_or_default();
    let text = summary(resolve(Some("nobody"), &[("HOME", home)]));
    assert!(text.contains("profile 'nobody'"), "{text}");
    assert!(
        text.contains("[nobody] in ") && text.contains("credentials"),
        "{text}"
    );
    assert!(text.contains("[profile nobody] in "), "{text}");
    assert!(text.contains("IMDS"), "{text}");
    assert!(
        !text.contains("AWS_ACCESS_KEY_ID"),
        "explicit profile skips env: {text}"
    );
    let text = summary(resolve(None, &[]));
    assert!(
        text.contains("AWS_ACCESS_KEY_ID") && text.contains("no HOME"),
        "{text}"
    );
}

#[test]
fn half_a_key_pair_is_an_error_naming_the_missing_half() {
    let dir = home();
    let home = dir.path().to_str().unwrap_or_default();
    let cases: [Case<'_>; 3] = [
        (
            None,
            &[("AWS_ACCESS_KEY_ID", "A")],
            "AWS_SECRET_ACCESS_KEY is not",
        ),
        (
            None,
            &[("AWS_SECRET_ACCESS_KEY", "s")],
            "AWS_ACCESS_KEY_ID is not",
        ),
        (Some("half"), &[("HOME", home)], "no aws_secret_access_key"),
    ];
    for (profile, env, expected) in cases {
        let text = summary(resolve(profile, env));
        assert!(text.contains(expected), "{profile:?}: {text}");
    }
}

#[test]
fn ini_sections_are_matched_exactly() {
    let values = ini_section("[a]\nk=1\n[ab]\nk=2\n[ a ]\nj = 3\n", "a");
    assert_eq!(
        values,
        [
            ("k".to_string(), "1".to_string()),
            ("j".to_string(), "3".to_string())
        ]
    );
}
