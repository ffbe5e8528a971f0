//! The REST API of `alert run --api-addr`: OpenSearch Alerting's monitor and alert endpoints
//! (reference §6) over the monitor service, open on loopback and behind a bearer token
//! anywhere else.
//!
//! ```no_run
//! # async fn demo(backend: std::sync::Arc<dyn alert_engine::api::MonitorBackend>) {
//! use alert_engine::api::{ApiServer, ApiSettings};
//! let settings = ApiSettings::new("127.0.0.1:9201".parse().unwrap());
//! let server = ApiServer::bind(settings, backend).await.unwrap();
//! println!("API on {}", server.local_addr());
//! server.serve(std::future::pending()).await.unwrap();
//! # }
//! ```

mod alerts;
mod auth;
pub mod backend;
mod monitors;
mod reply;
mod search;
mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;

pub use auth::TokenGate;
pub use backend::{
    AlertChange, AlertPage, AlertQuery, BackendError, ExecuteRequest, ExecuteTarget,
    ExpectedVersion, MonitorBackend, StoredMonitor,
};
pub use reply::ApiError;
pub use settings::ApiSettings;

/// The largest request body accepted (a monitor is a few kilobytes).
const BODY_LIMIT: usize = 1024 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct ApiState {
    backend: Arc<dyn MonitorBackend>,
}

/// The API's routes over `backend`, gated by `gate`.
pub fn router(backend: Arc<dyn MonitorBackend>, gate: TokenGate) -> Router {
    const MONITORS: &str = "/_plugins/_alerting/monitors";
    let routes = Router::new()
        .route(MONITORS, post(monitors::create))
        .route(
            &format!("{MONITORS}/_search"),
            post(monitors::search).get(monitors::search),
        )
        .route(
            &format!("{MONITORS}/_execute"),
            post(monitors::execute_inline),
        )
        .route(&format!("{MONITORS}/alerts"), get(alerts::list))
        .route(
            &format!("{MONITORS}/{{id}}"),
            get(monitors::get)
                .put(monitors::update)
                .delete(monitors::delete),
        )
        .route(
            &format!("{MONITORS}/{{id}}/_execute"),
            post(monitors::execute_stored),
        )
        .route(
            &format!("{MONITORS}/{{id}}/_acknowledge/alerts"),
            post(alerts::acknowledge),
        )
        .route(
            &format!("{MONITORS}/{{id}}/_complete/alerts"),
            post(alerts::complete),
        );
    routes
        .with_state(ApiState { backend })
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(from_fn_with_state(gate, auth::check_token))
}

/// A bound, not yet serving, API server.
pub struct ApiServer {
    listener: TcpListener,
    app: Router,
}

impl ApiServer {
    /// Binds `settings.addr`; fails on a non-loopback address without a token.
    pub async fn bind(
        settings: ApiSettings,
        backend: Arc<dyn MonitorBackend>,
    ) -> Result<Self, std::io::Error> {
        let gate = TokenGate::for_bind(settings.addr, settings.token, settings.require_token)
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let listener = TcpListener::bind(settings.addr).await?;
        Ok(ApiServer {
            listener,
            app: router(backend, gate),
        })
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), std::io::Error> {
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Serves `server` while `run` (the daemon's run loop) runs, and stops it gracefully once `run`
/// has finished, so one shutdown signal stops both; returns `run`'s output and the server's.
pub async fn serve_alongside<T>(
    server: ApiServer,
    run: impl Future<Output = T>,
) -> (T, Result<(), std::io::Error>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async move {
        let _ = stopped.await;
    }));
    let output = run.await;
    let _ = stop.send(());
    let served = match serving.await {
        Ok(served) => served,
        Err(joined) => Err(std::io::Error::other(joined)),
    };
    (output, served)
}
