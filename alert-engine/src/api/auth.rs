//! Who may call the API: anyone on a loopback address, otherwise only a caller presenting the
//! configured bearer token.

use std::net::SocketAddr;
use std::sync::Arc;

use alert_core::secret::Secret;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::reply::ApiError;

/// The token a request must carry, if any.
#[derive(Clone, Debug, Default)]
pub struct TokenGate {
    token: Option<Arc<Secret>>,
}

impl TokenGate {
    /// The gate for a server bound to `addr`: loopback binds are open unless a token is
    /// configured and `require_token` asks for it; other binds need a token, and without one
    /// configured the server must not start (the error names `api.token`).
    pub fn for_bind(
        addr: SocketAddr,
        token: Option<Secret>,
        require_token: bool,
    ) -> Result<Self, String> {
        let needed = require_token || !addr.ip().is_loopback();
        match (needed, token) {
            (false, _) => Ok(TokenGate { token: None }),
            (true, Some(token)) if !token.expose().is_empty() => Ok(TokenGate {
                token: Some(Arc::new(token)),
            }),
            (true, _) => Err(format!(
                "the API on {addr} is not on a loopback address and needs api.token in config.yaml"
            )),
        }
    }

    /// Whether the `Authorization` header value lets the request through.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let presented = authorization.and_then(|value| value.strip_prefix("Bearer "));
        presented.is_some_and(|presented| constant_time_eq(presented, token.expose()))
    }
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Middleware answering 401 to a request the gate does not admit.
pub(super) async fn check_token(
    State(gate): State<TokenGate>,
    request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if gate.admits(header) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("test address")
    }

    #[test]
    fn a_loopback_bind_without_a_token_is_open() {
        let gate = TokenGate::for_bind(addr("127.0.0.1:9201"), None, false).expect("gate");
        assert!(gate.admits(None));
    }

    #[test]
    fn a_non_loopback_bind_without_a_token_refuses_to_start() {
        let error = TokenGate::for_bind(addr("0.0.0.0:9201"), None, false).expect_err("no token");
        assert!(error.contains("api.token"), "{error}");
    }

    #[test]
    fn a_gated_bind_admits_only_the_right_bearer_token() {
        let gate = TokenGate::for_bind(addr("10.0.0.1:9201"), Some(Secret::new("s3cret")), false)
            .expect("gate");
        let cases = [
            (None, false),
            (Some("Bearer s3cret"), true),
            (Some("Bearer s3cre"), false),
            (Some("Bearer s3cretx"), false),
            (Some("Basic s3cret"), false),
            (Some("s3cret"), false),
        ];
        for (header, admitted) in cases {
            assert_eq!(gate.admits(header), admitted, "{header:?}");
        }
    }
}
