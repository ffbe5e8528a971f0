//! [`ContextGuard`]: releases a search's scroll or point in time even when the search is
//! dropped before it ends (a run cancelled at shutdown, a caller's timeout), so that no
//! search context is left open on the cluster until `scroll_keepalive` runs out.

use std::sync::Arc;

use crate::client::{EsClient, EsRequest};
use crate::query::Request;

/// Holds the request that releases the current search context; on drop, while armed, sends
/// it on the current tokio runtime (fire and forget: it expires anyway).
pub(crate) struct ContextGuard {
    client: Arc<EsClient>,
    release: Option<Request>,
}

impl ContextGuard {
    pub(crate) fn new(client: Arc<EsClient>) -> Self {
        ContextGuard {
            client,
            release: None,
        }
    }

    /// The request that releases the context as it stands now (after each page).
    pub(crate) fn track(&mut self, release: Option<Request>) {
        self.release = release;
    }

    /// The search released its context itself: nothing to do on drop.
    pub(crate) fn disarm(&mut self) {
        self.release = None;
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let Some(release) = self.release.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.client.clone();
        runtime.spawn(async move {
            if let Err(error) = client.send(&EsRequest::from(&release)).await {
                tracing::debug!(%error, "releasing a dropped search's context failed");
            }
        });
    }
}
