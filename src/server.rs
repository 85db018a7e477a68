//! Binding and running the HTTP server, apart from building it (`api::app`).

pub mod tls;

use crate::api::{AppState, app};
use axum::serve::ListenerExt as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The listen address when `RELASI_BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Binds `bind` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(bind: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves plain HTTP until Ctrl-C or SIGTERM, then finishes in-flight requests. Signs journal
/// checkpoints on a timer meanwhile (`Config::checkpoint_interval_secs`).
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with(listener, None, state).await
}

/// As [`serve`], over HTTPS when `tls` is given (built-in TLS: `tls::TlsFiles::load`).
pub async fn serve_with(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: AppState,
) -> std::io::Result<()> {
    let store = state.store.clone();
    if state.config.checkpoint_interval_secs > 0 {
        tokio::spawn(checkpoints(state.clone()));
    }
    tokio::spawn(reconcile_closed_months(state.clone()));
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => {
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await?
        }
        Some(config) => {
            // `tap_io` is axum's way to keep the peer address (`ConnectInfo`) on a listener of
            // one's own; the tap itself does nothing.
            let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await?
        }
    }
    store.close().await;
    Ok(())
}

/// Signs a checkpoint every interval when there are new journal rows and this server holds the
/// active signing key. Several instances may run this: one of them appends each checkpoint.
async fn checkpoints(state: AppState) {
    let every = Duration::from_secs(state.config.checkpoint_interval_secs);
    loop {
        tokio::time::sleep(every).await;
        let signer = match state.keys.signer().await {
            Ok(Some(signer)) => signer,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "checkpoint: keys unavailable");
                continue;
            }
        };
        match crate::jobs::audit::checkpoint(&state.store, &state.deployment, &signer).await {
            Ok(Some(c)) => tracing::info!(
                seq = c.facts.seq,
                through = c.facts.last_entry_id,
                "journal checkpoint signed"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; retrying next interval"),
        }
    }
}

/// Once a minute, reconciles the months that closed for programmes with an automatic run set
/// (`recon_auto_day`, `recon_auto_hour`: docs/reconciliation.md).
async fn reconcile_closed_months(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let signer = state.keys.signer().await.ok().flatten();
        let now = chrono::Utc::now();
        match crate::jobs::reconcile::auto_run(
            &state.store,
            &state.deployment,
            signer.as_deref(),
            now,
        )
        .await
        {
            Ok(runs) => {
                for r in runs {
                    tracing::info!(period = %r.period, version = r.version, "month reconciled by itself");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "automatic reconciliation failed; retrying in a minute")
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
