//! Message streams over HTTP/2 streams: reading Length-Prefixed-Messages from a
//! [`RecvStream`], sending a [`FramedMessage`] on a [`SendStream`], and a small `unfold` to
//! turn an async step into a [`Stream`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use courier_h2::driver::{Error as H2Error, RecvStream, SendStream};
use futures_core::Stream;

use crate::code::Code;
use crate::codec::{Deframer, Encoding, FramedMessage, decompress};
use crate::protocol::code_from_reset;
use crate::status::Status;

/// Sends `framed`'s pieces in order on `send`, without ending the stream (the server's response
/// loop and the client's request-stream pump).
pub(crate) async fn send_framed(
    send: &mut SendStream,
    framed: FramedMessage,
) -> Result<(), H2Error> {
    let (first, rest) = framed.into_parts();
    send.send_data(first, false).await?;
    if let Some(rest) = rest {
        send.send_data(rest, false).await?;
    }
    Ok(())
}

/// A stream made from a state and an async step (see [`unfold`]), with one allocation for the
/// step's future, reused for every item (the future is replaced in place).
pub struct Unfold<S, F, Fut> {
    f: F,
    fut: Option<Pin<Box<Fut>>>,
    _state: std::marker::PhantomData<fn(S)>,
}

impl<S, F, Fut> std::fmt::Debug for Unfold<S, F, Fut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unfold")
            .field("ended", &self.fut.is_none())
            .finish_non_exhaustive()
    }
}

/// A [`Stream`] from a state and an async step: `f(state)` resolves to the next item and the
/// next state, or `None` to end (like `futures::stream::unfold`, without the dependency).
/// Each step runs only when the stream is polled for its item, so a server handler's response
/// stream made this way produces each message when the server is ready to send it.
///
/// ```
/// use courier_rpc::{Stream, unfold};
///
/// fn countdown(from: u32) -> impl Stream<Item = u32> {
///     unfold(from, |n| async move { (n > 0).then(|| (n, n - 1)) })
/// }
/// # let _ = countdown(3);
/// ```
pub fn unfold<S, T, F, Fut>(state: S, mut f: F) -> Unfold<S, F, Fut>
where
    F: FnMut(S) -> Fut,
    Fut: Future<Output = Option<(T, S)>>,
{
    let fut = Box::pin(f(state));
    Unfold {
        f,
        fut: Some(fut),
        _state: std::marker::PhantomData,
    }
}

impl<S, T, F, Fut> Stream for Unfold<S, F, Fut>
where
    F: FnMut(S) -> Fut + Unpin,
    Fut: Future<Output = Option<(T, S)>>,
{
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        let Some(fut) = this.fut.as_mut() else {
            return Poll::Ready(None);
        };
        match fut.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some((item, state))) => {
                fut.set((this.f)(state));
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                this.fut = None;
                Poll::Ready(None)
            }
        }
    }
}

/// Which end reads: decides how resets and closed connections map to codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// Reads the messages of one direction of a call.
pub(crate) struct MessageReader {
    pub(crate) recv: RecvStream,
    deframer: Deframer,
    encoding: Encoding,
    max_message: usize,
    side: Side,
    /// Set once the HTTP/2 stream's input ended.
    pub(crate) eof: bool,
}

/// How a read ended.
pub(crate) enum ReadEnd {
    /// A message, and whether it arrived compressed.
    Message(Bytes, bool),
    /// The input ended cleanly (trailers, if any, are in the reader's `recv`).
    End,
    /// The call failed.
    Error(Status),
}

impl MessageReader {
    pub(crate) fn new(
        recv: RecvStream,
        encoding: Encoding,
        max_message: usize,
        side: Side,
    ) -> Self {
        MessageReader {
            recv,
            deframer: Deframer::new(max_message),
            encoding,
            max_message,
            side,
            eof: false,
        }
    }

    /// The encoding of compressed messages (from `grpc-encoding`).
    pub(crate) fn set_encoding(&mut self, e: Encoding) {
        self.encoding = e;
    }

    /// A reader with no input (a request that ended with its headers).
    pub(crate) fn mark_ended(&mut self) {
        self.eof = true;
    }

    pub(crate) async fn next(&mut self) -> ReadEnd {
        loop {
            match self.deframer.next_message() {
                Ok(Some(frame)) => {
                    if !frame.compressed {
                        return ReadEnd::Message(frame.data, false);
                    }
                    return match decompress(self.encoding, &frame.data, self.max_message) {
                        Ok(b) => ReadEnd::Message(b, true),
                        Err(s) => ReadEnd::Error(s),
                    };
                }
                Ok(None) => {}
                Err(s) => return ReadEnd::Error(s),
            }
            if self.eof {
                if self.deframer.is_empty() {
                    return ReadEnd::End;
                }
                return ReadEnd::Error(Status::internal(format!(
                    "stream ended inside a message ({} bytes of it buffered)",
                    self.deframer.buffered()
                )));
            }
            match self.recv.data().await {
                Some(Ok(chunk)) => self.deframer.push(chunk),
                None => self.eof = true,
                Some(Err(e)) => return ReadEnd::Error(self.error(e)),
            }
        }
    }

    #[cold]
    pub(crate) fn error(&self, e: H2Error) -> Status {
        h2_error_status(e, self.side)
    }
}

/// The status of a call whose HTTP/2 stream failed.
#[cold]
pub(crate) fn h2_error_status(e: H2Error, side: Side) -> Status {
    match e {
        H2Error::Reset { reason, remote } => Status::new(
            if remote {
                code_from_reset(reason)
            } else {
                Code::INTERNAL
            },
            format!("stream reset: {reason}"),
        ),
        // PROTOCOL-HTTP2: "If a detectable connection failure occurs on the client all calls
        // will be closed with an UNAVAILABLE status. For servers open calls will be closed with
        // a CANCELLED status."
        other => Status::new(
            match side {
                Side::Client => Code::UNAVAILABLE,
                Side::Server => Code::CANCELLED,
            },
            format!("connection failed: {other}"),
        ),
    }
}
