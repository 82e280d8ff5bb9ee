//! Message bodies between the driver and the application: [`RecvBody`] (received content,
//! fed by the driver) and [`Body`] (content to send, given by the application).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use super::Error;
use crate::head::Headers;

/// What the driver and a [`RecvBody`] share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    chunks: VecDeque<Bytes>,
    /// Octets in `chunks`.
    pub(crate) buffered: usize,
    /// The content is complete (with these trailers).
    end: Option<Option<Headers>>,
    error: Option<Error>,
    /// The application asked for content (a server then sends 100 Continue).
    pub(crate) wanted: bool,
    /// The application dropped its [`RecvBody`]: further content is dropped.
    pub(crate) gone: bool,
    reader: Option<Waker>,
    /// The driver, woken when the reader frees room or first asks for content.
    driver: Option<Waker>,
}

/// The driver's end of a [`RecvBody`].
#[derive(Clone, Debug)]
pub(crate) struct Feed(Arc<Mutex<Shared>>);

fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic while holding the lock leaves plain data behind: keep going with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Feed {
    pub(crate) fn new(driver: &Waker) -> (Feed, RecvBody) {
        let shared = Arc::new(Mutex::new(Shared {
            driver: Some(driver.clone()),
            ..Shared::default()
        }));
        (
            Feed(Arc::clone(&shared)),
            RecvBody {
                shared: Some(shared),
                trailers: None,
            },
        )
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, Shared> {
        lock(&self.0)
    }

    /// Queues content; false if nobody reads it any more.
    pub(crate) fn data(&self, data: Bytes) -> bool {
        let mut s = lock(&self.0);
        if s.gone {
            return false;
        }
        s.buffered += data.len();
        s.chunks.push_back(data);
        if let Some(w) = s.reader.take() {
            drop(s);
            w.wake();
        }
        true
    }

    pub(crate) fn end(&self, trailers: Option<Headers>) {
        let mut s = lock(&self.0);
        s.end = Some(trailers);
        if let Some(w) = s.reader.take() {
            drop(s);
            w.wake();
        }
    }

    pub(crate) fn fail(&self, e: Error) {
        let mut s = lock(&self.0);
        if s.end.is_none() && s.error.is_none() {
            s.error = Some(e);
        }
        if let Some(w) = s.reader.take() {
            drop(s);
            w.wake();
        }
    }

    pub(crate) fn set_driver(&self, w: &Waker) {
        let mut s = lock(&self.0);
        if !s.driver.as_ref().is_some_and(|d| d.will_wake(w)) {
            s.driver = Some(w.clone());
        }
    }
}

/// Received content: data chunks, then the trailer section if there was one.
///
/// Taking content frees room for more: the driver stops reading the transport while
/// [`Config::max_buffered_body`](crate::Config) octets wait here. On a server, asking for
/// content is what sends `100 Continue` to a client that waits for it.
#[derive(Debug)]
pub struct RecvBody {
    /// `None` for a message without content.
    shared: Option<Arc<Mutex<Shared>>>,
    trailers: Option<Headers>,
}

impl RecvBody {
    /// A body with no content.
    pub(crate) fn empty() -> RecvBody {
        RecvBody {
            shared: None,
            trailers: None,
        }
    }

    /// The next chunk of content; `None` at the end (then [`trailers`](Self::trailers)).
    pub fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let Some(shared) = &self.shared else {
            return Poll::Ready(None);
        };
        let mut s = lock(shared);
        if !s.wanted {
            s.wanted = true;
            if let Some(w) = &s.driver {
                w.wake_by_ref();
            }
        }
        if let Some(chunk) = s.chunks.pop_front() {
            s.buffered -= chunk.len();
            if let Some(w) = &s.driver {
                w.wake_by_ref();
            }
            return Poll::Ready(Some(Ok(chunk)));
        }
        if let Some(trailers) = s.end.take() {
            drop(s);
            self.trailers = trailers;
            self.shared = None;
            return Poll::Ready(None);
        }
        if let Some(e) = s.error.take() {
            drop(s);
            self.shared = None;
            return Poll::Ready(Some(Err(e)));
        }
        if !s.reader.as_ref().is_some_and(|r| r.will_wake(cx.waker())) {
            s.reader = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The next chunk of content; `None` at the end.
    pub async fn data(&mut self) -> Option<Result<Bytes, Error>> {
        std::future::poll_fn(|cx| self.poll_data(cx)).await
    }

    /// Reads the whole remaining content into one buffer.
    pub async fn collect(&mut self) -> Result<Bytes, Error> {
        let first = match self.data().await {
            None => return Ok(Bytes::new()),
            Some(r) => r?,
        };
        let Some(second) = self.data().await else {
            return Ok(first);
        };
        let mut all = BytesMut::from(&first[..]);
        all.extend_from_slice(&second?);
        while let Some(chunk) = self.data().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all.freeze())
    }

    /// The trailer section, once [`data`](Self::data) returned `None` (if the message had
    /// one).
    pub fn trailers(&mut self) -> Option<Headers> {
        self.trailers.take()
    }

    /// Whether the content is complete and taken.
    pub fn is_end(&self) -> bool {
        self.shared.is_none()
    }
}

impl Drop for RecvBody {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut s = lock(&shared);
            s.gone = true;
            s.chunks.clear();
            s.buffered = 0;
            if let Some(w) = s.driver.take() {
                drop(s);
                w.wake();
            }
        }
    }
}

/// A frame of an outgoing body.
#[derive(Debug)]
pub(crate) enum Frame {
    Data(Bytes),
    End(Option<Headers>),
}

#[derive(Debug)]
enum Inner {
    Empty,
    Full(Bytes, Option<Headers>),
    Channel(mpsc::Receiver<Frame>),
}

/// Content to send: none, one buffer (with trailers, optionally), or a stream the application
/// feeds through a [`BodySender`].
#[derive(Debug)]
pub struct Body(Inner);

impl Body {
    /// No content.
    pub fn empty() -> Body {
        Body(Inner::Empty)
    }

    /// All the content at once (sent with Content-Length).
    pub fn full(data: impl Into<Bytes>) -> Body {
        Body(Inner::Full(data.into(), None))
    }

    /// All the content at once, then trailers (sent chunked: the only HTTP/1.1 framing that
    /// carries trailers; to an HTTP/1.0 peer the trailers are dropped).
    pub fn full_with_trailers(data: impl Into<Bytes>, trailers: Headers) -> Body {
        Body(Inner::Full(data.into(), Some(trailers)))
    }

    /// A body the application streams: the [`BodySender`] sends content and ends it (with
    /// trailers, optionally). At most `capacity` frames wait between the two (backpressure).
    /// Dropping the sender without ending the body aborts the message (the connection closes,
    /// so the peer sees it incomplete).
    pub fn channel(capacity: usize) -> (BodySender, Body) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (BodySender { tx }, Body(Inner::Channel(rx)))
    }

    /// What the connection is told about the content.
    pub(crate) fn content(&self) -> crate::Content {
        match &self.0 {
            Inner::Empty => crate::Content::None,
            Inner::Full(b, None) => crate::Content::Length(b.len() as u64),
            Inner::Full(_, Some(_)) | Inner::Channel(_) => crate::Content::Streaming,
        }
    }

    /// The next frame; `Ready(None)` when the sender was dropped before the end.
    pub(crate) fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        match &mut self.0 {
            Inner::Empty => Poll::Ready(Some(Frame::End(None))),
            Inner::Full(data, trailers) => {
                if data.is_empty() {
                    let t = trailers.take();
                    Poll::Ready(Some(Frame::End(t)))
                } else {
                    Poll::Ready(Some(Frame::Data(std::mem::take(data))))
                }
            }
            Inner::Channel(rx) => Pin::new(rx).poll_recv(cx),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        Body::full(b)
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Body {
        Body::full(s)
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body::full(v)
    }
}

/// The application's end of a streamed [`Body`].
#[derive(Debug)]
pub struct BodySender {
    tx: mpsc::Sender<Frame>,
}

impl BodySender {
    /// Sends content; waits while the channel is full.
    pub async fn send_data(&mut self, data: Bytes) -> Result<(), Error> {
        self.tx
            .send(Frame::Data(data))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Ends the body.
    pub async fn finish(self) -> Result<(), Error> {
        self.tx
            .send(Frame::End(None))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Ends the body with trailers.
    pub async fn send_trailers(self, trailers: Headers) -> Result<(), Error> {
        self.tx
            .send(Frame::End(Some(trailers)))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Whether the message can no longer be sent (the connection ended).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
