//! HTTP/1.1 connections: courier-http1's driver, each request through the web engine
//! ([`serve`](super::serve::serve)) inline in the connection's task; a response stream is
//! pumped by a task of its own while the driver sends what it produces.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use courier_hpack::HeaderField;
use courier_http1::driver::{self, Body, BodySender, Request, Response};
use courier_http1::{BodyKind, Headers, ResponseHead};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

use super::TransportInfo;
use super::serve::{BodySink, Env, NoReset, ReqBody, ResetSignal, RespBody, WebRequest, serve};

/// Serves HTTP/1.1 on `io` until the connection closes, `stop` turns true (graceful: the
/// request in progress is answered, with `connection: close`, within `grace`), or the future
/// is dropped.
pub(crate) async fn serve_connection<T>(
    env: Env,
    io: T,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let cancel_all = env.cancel_all.clone();
    let config = env.shared.config.web.http1_config.clone();
    let secure = env
        .connection
        .extensions
        .get::<TransportInfo>()
        .is_some_and(TransportInfo::is_secure);
    let handler = move |req: Request| {
        let env = env.clone();
        async move { answer(&env, req, secure).await }
    };
    let (shutdown, conn) = driver::server(io, config, handler);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = &mut conn => {}
        () = async { let _ = stop.wait_for(|s| *s).await; } => {
            shutdown.shutdown();
            let _ = tokio::time::timeout(grace, &mut conn).await;
        }
    }
    // Response streams still running end with the connection.
    cancel_all.cancel();
}

/// One request: the web engine's answer as courier-http1's response.
async fn answer(env: &Env, req: Request, secure: bool) -> Response {
    let Request {
        head,
        body_kind,
        body,
    } = req;
    let target = head.target.clone();
    let path_len = head.path().len();
    // The path's position in the target (origin-form starts with it; absolute-form has the
    // scheme and authority first).
    let path_start = target
        .windows(path_len.max(1))
        .position(|w| w == head.path())
        .unwrap_or(0);
    let path = target.slice(path_start..path_start + path_len);
    let query = head.query().map(|q| {
        let start = path_start + path_len + 1;
        target.slice(start..start + q.len())
    });
    // The Host field (the authority, for CORS's same-origin check), shared, not copied.
    let authority = head
        .headers
        .iter()
        .find(|f| f.name() == b"host")
        .map(|f| f.value_bytes().clone());
    let method = match head.method.as_bytes() {
        b"POST" => Bytes::from_static(b"POST"),
        b"GET" => Bytes::from_static(b"GET"),
        b"OPTIONS" => Bytes::from_static(b"OPTIONS"),
        m => Bytes::copy_from_slice(m),
    };
    let fields = head
        .headers
        .into_iter()
        .map(|f| {
            let (n, v) = f.into_parts();
            HeaderField::new(n, v)
        })
        .collect();
    let request = WebRequest {
        method,
        path,
        query,
        fields,
        body: if body_kind == BodyKind::Empty {
            ReqBody::Empty
        } else {
            ReqBody::H1(body)
        },
        http2: false,
        scheme: Bytes::from_static(if secure { b"https" } else { b"http" }),
        authority,
    };
    let resp = serve(env, request, &NoReset).await;
    let mut headers = Headers::with_capacity(resp.fields.len());
    for f in resp.fields {
        let (n, v, _) = f.into_parts();
        headers.append(n, v);
    }
    let head = ResponseHead::with_headers(resp.status, headers);
    match resp.body {
        RespBody::Full(b) => Response {
            head,
            body: Body::full(b),
        },
        RespBody::Stream(stream) => {
            let (tx, body) = Body::channel(8);
            tokio::spawn(stream.pump(H1Sink(tx)));
            Response { head, body }
        }
        RespBody::Chunks(mut chunks) => {
            let (mut tx, body) = Body::channel(8);
            tokio::spawn(async move {
                while let Some(item) =
                    std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx)).await
                {
                    match item {
                        Ok(data) => {
                            if tx.send_data(data).await.is_err() {
                                return;
                            }
                        }
                        // Dropped unfinished: the client sees the content cut short.
                        Err(()) => return,
                    }
                }
                let _ = tx.finish().await;
            });
            Response { head, body }
        }
    }
}

/// A response stream's content into courier-http1's body channel.
struct H1Sink(BodySender);

impl ResetSignal for H1Sink {
    fn reset_received(
        &self,
    ) -> impl std::future::Future<Output = Option<courier_h2::Reason>> + Send + '_ {
        std::future::pending()
    }
}

impl BodySink for H1Sink {
    async fn send(&mut self, data: Bytes) -> bool {
        self.0.send_data(data).await.is_ok()
    }

    async fn finish(self) {
        let _ = self.0.finish().await;
    }
}

/// A transport with octets already read from it in front: what was read to tell HTTP/2 from
/// HTTP/1.1 is read again by the protocol chosen.
#[derive(Debug)]
pub(crate) struct Rewind<T> {
    prefix: Bytes,
    io: T,
}

impl<T> Rewind<T> {
    pub(crate) fn new(prefix: Bytes, io: T) -> Rewind<T> {
        Rewind { prefix, io }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Rewind<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Rewind<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Which HTTP a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wire {
    Http2,
    Http1,
}

/// Decides from the first octets a client sent: the HTTP/2 connection preface (RFC 9113
/// §3.4), or not; `None` while they are a proper start of the preface.
///
/// RFC 9113 §3.4: "the connection preface starts with the string "PRI *
/// HTTP/2.0\r\n\r\nSM\r\n\r\n". This sequence MUST be followed by a SETTINGS frame". An
/// HTTP/1.1 request line cannot start that way ("PRI" is not a method HTTP/1.1 servers
/// define, and the preface "is selected so that a large proportion of HTTP/1.1 or HTTP/1.0
/// servers and intermediaries do not attempt to process further frames").
/// <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
pub(crate) fn sniff(first: &[u8]) -> Option<Wire> {
    let p = courier_h2::PREFACE;
    let n = first.len().min(p.len());
    if first[..n] != p[..n] {
        Some(Wire::Http1)
    } else if n == p.len() {
        Some(Wire::Http2)
    } else {
        None
    }
}

/// Reads a transport's first octets until [`sniff`] decides; returns the decision and what
/// was read. `Ok(None)` if the client closed first.
pub(crate) async fn sniff_io<T: AsyncRead + Unpin>(
    io: &mut T,
) -> io::Result<Option<(Wire, Bytes)>> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::with_capacity(64);
    loop {
        let mut chunk = [0u8; 64];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(w) = sniff(&buf) {
            return Ok(Some((w, Bytes::from(buf))));
        }
    }
}

/// [`sniff`] on a TCP socket without reading: peeks, so the chosen protocol reads the socket
/// itself. `Ok(None)` if the client closed first.
///
/// While the octets are a proper start of the preface, not all of it yet, a peek would return
/// them again at once: the socket's read readiness is then cleared (the peek runs inside
/// [`try_io`](tokio::net::TcpStream::try_io), which clears it only if no new readiness came
/// since the peek began) and the task sleeps until more octets arrive. It used to poll every
/// millisecond instead, which with 2,000 slowloris connections sending a byte a second was
/// two million wake-ups a second (docs/security.md).
pub(crate) async fn sniff_tcp(tcp: &tokio::net::TcpStream) -> io::Result<Option<Wire>> {
    use tokio::io::Interest;
    let mut buf = [0u8; 24];
    // The usual case: the whole preface (or an HTTP/1.1 request line) in the first octets.
    let n = tcp.peek(&mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if let Some(w) = sniff(&buf[..n]) {
        return Ok(Some(w));
    }
    // A proper start of the preface: peek again, without waiting, each time the socket
    // becomes readable. tokio has no non-waiting peek: `poll_peek` with a waker that does
    // nothing is one while the socket is ready (which `try_io` checked); the task's own waker
    // is registered by `ready` on the next turn. (A duplicate descriptor would do too, but
    // two per slow connection halved the connections a server holds under its fd limit.)
    loop {
        let ready = tcp.ready(Interest::READABLE).await?;
        let peeked = tcp.try_io(Interest::READABLE, || {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let mut rb = ReadBuf::new(&mut buf);
            let n = match tcp.poll_peek(&mut cx, &mut rb) {
                Poll::Ready(r) => r?,
                Poll::Pending => return Err(io::ErrorKind::WouldBlock.into()),
            };
            if n == 0 {
                return Ok(None);
            }
            match sniff(&buf[..n]) {
                Some(w) => Ok(Some(w)),
                // Not decided yet: clear the readiness and wait for more octets.
                None => Err(io::ErrorKind::WouldBlock.into()),
            }
        });
        match peeked {
            Ok(decided) => return Ok(decided),
            // The client closed after part of the preface: the rest will not come (and the
            // closed readiness stays, so waiting again would return at once, for ever).
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && ready.is_read_closed() => {
                return Ok(None);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            Some(Wire::Http2)
        );
        assert_eq!(
            sniff(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"),
            Some(Wire::Http2)
        );
        assert_eq!(sniff(b"PRI * HT"), None);
        assert_eq!(sniff(b"P"), None);
        assert_eq!(sniff(b"POST / HTTP/1.1\r\n"), Some(Wire::Http1));
        assert_eq!(sniff(b"GET"), Some(Wire::Http1));
        assert_eq!(sniff(b"\x16\x03\x01"), Some(Wire::Http1));
    }

    /// A connected client socket and the server's side of it, on loopback.
    async fn tcp_pair() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, server)
    }

    /// A client that sends the preface a few octets at a time: decided once it is all there,
    /// and the sniffing task is not woken while nothing arrives (it used to poll every
    /// millisecond: 2,000 slowloris connections cost the server a core).
    #[tokio::test]
    async fn sniff_tcp_sleeps_until_more_of_the_preface_comes() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tcp_pair().await;
        let polls = AtomicUsize::new(0);
        let sniffing = sniff_tcp(&server);
        tokio::pin!(sniffing);
        let mut sniffing = std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            sniffing.as_mut().poll(cx)
        });
        let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        for part in preface[..20].chunks(5) {
            client.write_all(part).await.unwrap();
            // The task has time to see each part and to go back to sleep.
            tokio::select! {
                biased;
                r = &mut sniffing => panic!("decided early: {r:?}"),
                () = tokio::time::sleep(Duration::from_millis(30)) => {}
            }
        }
        // Four parts, 120 ms: a wake-up or two per part, not one a millisecond.
        let seen = polls.load(Ordering::Relaxed);
        assert!(seen <= 12, "{seen} polls for 4 parts");
        client.write_all(&preface[20..]).await.unwrap();
        assert_eq!(sniffing.await.unwrap(), Some(Wire::Http2));
        // The octets are still there for the protocol to read.
        let mut buf = [0u8; 24];
        assert_eq!(server.peek(&mut buf).await.unwrap(), 24);
        assert_eq!(&buf, preface);
    }

    /// A client that closes after part of the preface: over (it used to wait for the idle
    /// timeout, peeking every millisecond; the first waiting version spun).
    #[tokio::test]
    async fn sniff_tcp_ends_when_the_client_closes_midway() {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tcp_pair().await;
        client.write_all(b"PRI * HT").await.unwrap();
        let sniffing = tokio::spawn(async move { sniff_tcp(&server).await.unwrap() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        client.write_all(b"TP/2.0").await.unwrap();
        drop(client);
        let decided = tokio::time::timeout(Duration::from_secs(10), sniffing)
            .await
            .expect("sniffing ended")
            .unwrap();
        assert_eq!(decided, None);
    }

    #[tokio::test]
    async fn rewind_reads_the_prefix_first() {
        use tokio::io::AsyncReadExt;
        let (mut a, b) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut a, b"tail")
            .await
            .unwrap();
        drop(a);
        let mut r = Rewind::new(Bytes::from_static(b"head-"), b);
        let mut all = Vec::new();
        r.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"head-tail");
    }
}
