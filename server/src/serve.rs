//! Serving the router on a TCP listener with time limits on every connection.
//!
//! `axum::serve` gives hyper no timer, so a client that opens a connection and sends its
//! request headers one byte a minute holds that connection (and its memory) for ever. Here every
//! connection is served by hyper's HTTP/1 server with a timer: a client that has not sent a
//! complete request head within `limits.header_read_timeout_secs` (also between two requests on
//! a kept-alive connection) is disconnected. The time a request may take once its head has
//! arrived is bounded by the router's own time limit (`startup::request_time_limit`).

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// The most request headers a client may send (hyper's default is 100).
const MAX_HEADERS: usize = 64;

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. Each request carries the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // Dropping `stop_sender` tells every connection to finish its current request and close;
    // each connection holds a `done_receiver` until it has closed.
    let (stop_sender, stop_receiver) = watch::channel(());
    let (done_sender, done_receiver) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(Body::new)
            });
        let mut stop = stop_receiver.clone();
        let done = done_receiver.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .max_headers(MAX_HEADERS);
            let connection = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.as_mut().await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    drop(stop_sender);
    drop(done_receiver);
    done_sender.closed().await;
}

/// Binds `addr`; used by the binary and by tests that need a real socket.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn started(
        header_read_timeout: Duration,
    ) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = bind("127.0.0.1:0".parse().expect("address"))
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("address");
        let router = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, router, header_read_timeout, async move {
            let _ = stopped.await;
        }));
        (addr, stop)
    }

    #[tokio::test]
    async fn a_client_that_sends_its_headers_too_slowly_is_disconnected() {
        let (addr, _stop) = started(Duration::from_millis(300)).await;
        let mut slow = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connects");
        slow.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("writes");
        let mut answer = Vec::new();
        // hyper answers 408 and closes, or just closes (the read may end in a reset): either
        // way the connection ends, and no request ran.
        let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer))
            .await
            .expect("the server closed the connection instead of waiting for ever");
        assert!(
            !String::from_utf8_lossy(&answer).contains("127.0.0.1"),
            "the half-sent request must not have been served"
        );
    }

    #[tokio::test]
    async fn a_complete_request_is_served_with_the_peer_address() {
        let (addr, stop) = started(Duration::from_secs(5)).await;
        let mut client = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connects");
        client
            .write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("writes");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut answer))
            .await
            .expect("answered")
            .expect("read");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
        let _ = stop.send(());
    }
}
