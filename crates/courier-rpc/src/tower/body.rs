//! The bodies that cross the tower boundary: [`Messages`] (a call's encoded messages) and
//! [`HttpBody`] (a plain HTTP request's content, for the fallback).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::call::{BoxStream, ByteStream, once, one_message_with_trailers};
use crate::code::Code;
use crate::metadata::Metadata;
use crate::status::Status;

/// The messages of one side of a call, as the body of an [`http::Request`] or
/// [`http::Response`] that crosses a tower stack ([`GrpcRequest`](super::GrpcRequest),
/// [`GrpcResponse`](super::GrpcResponse)).
///
/// Each message is encoded (protobuf bytes, without gRPC's length prefix); as an
/// [`http_body::Body`] every message is one data frame, and a stream that ends with trailing
/// metadata ends with a trailers frame. An error of the stream is the call's [`Status`].
///
/// A unary side holds its one message, which [`try_clone`](Self::try_clone) can copy (what a
/// retry policy needs); a stream cannot be cloned.
pub struct Messages {
    kind: Kind,
}

enum Kind {
    /// No message (or all of them read).
    Empty,
    /// One message, not read yet.
    One(Bytes),
    /// A stream of them.
    Stream(ByteStream),
}

impl Default for Messages {
    fn default() -> Messages {
        Messages::empty()
    }
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Empty => f.write_str("Messages::Empty"),
            Kind::One(b) => f.debug_tuple("Messages::One").field(&b.len()).finish(),
            Kind::Stream(_) => f.write_str("Messages::Stream"),
        }
    }
}

impl Messages {
    /// No message.
    pub const fn empty() -> Messages {
        Messages { kind: Kind::Empty }
    }

    /// One encoded message (a unary side).
    pub fn one(message: Bytes) -> Messages {
        Messages {
            kind: Kind::One(message),
        }
    }

    /// A stream of encoded messages, ending as a [`ByteStream`] does.
    pub fn stream(messages: ByteStream) -> Messages {
        Messages {
            kind: Kind::Stream(messages),
        }
    }

    /// A stream that fails at once with `status`: a response a layer answers in place of the
    /// handler (on a server the client gets `status`, Trailers-Only).
    pub fn error(status: Status) -> Messages {
        Messages::stream(Box::pin(crate::iter(Some(Err(status)))))
    }

    /// A copy, when this is one message (or none): a stream cannot be copied.
    pub fn try_clone(&self) -> Option<Messages> {
        match &self.kind {
            Kind::Empty => Some(Messages::empty()),
            Kind::One(b) => Some(Messages::one(b.clone())),
            Kind::Stream(_) => None,
        }
    }

    /// The one message, when this is one message.
    pub fn as_one(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::One(b) => Some(b),
            _ => None,
        }
    }

    /// The messages as a [`ByteStream`].
    pub fn into_stream(self) -> ByteStream {
        match self.kind {
            Kind::Empty => Box::pin(crate::iter(None)),
            Kind::One(b) => once(b),
            Kind::Stream(s) => s,
        }
    }

    /// The one message of a unary side and the trailing metadata it ended with: exactly one
    /// message must come (else `INTERNAL`, as gRPC says), or the stream's error.
    pub async fn into_one(self) -> Result<(Bytes, Metadata), Status> {
        match self.kind {
            Kind::One(b) => Ok((b, Metadata::new())),
            kind => one_message_with_trailers(Messages { kind }.into_stream()).await,
        }
    }
}

impl http_body::Body for Messages {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        match &mut this.kind {
            Kind::Empty => Poll::Ready(None),
            Kind::One(_) => match std::mem::replace(&mut this.kind, Kind::Empty) {
                Kind::One(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                _ => Poll::Ready(None),
            },
            Kind::Stream(s) => match s.as_mut().poll_next(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
                Poll::Ready(Some(Err(st))) if st.code() == Code::OK => {
                    this.kind = Kind::Empty;
                    let trailers = super::header_map(&st.into_metadata());
                    Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                }
                Poll::Ready(Some(Err(st))) => {
                    this.kind = Kind::Empty;
                    Poll::Ready(Some(Err(st)))
                }
                Poll::Ready(None) => {
                    this.kind = Kind::Empty;
                    Poll::Ready(None)
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.kind, Kind::Empty)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::One(b) => SizeHint::with_exact(b.len() as u64),
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}

/// The content of a plain HTTP request, as the fallback service gets it: the chunks as they
/// arrive from the client (HTTP/2 DATA, HTTP/1.1's body, chunked or not). An error is the
/// client's: it reset the stream, closed the connection, or sent malformed chunked framing.
///
/// Courier puts no limit on its size: the service does (axum's extractors take at most 2 MB
/// unless told otherwise, `DefaultBodyLimit`).
pub struct HttpBody {
    chunks: Option<BoxStream<Result<Bytes, Status>>>,
}

impl HttpBody {
    /// A body of `chunks`.
    pub fn new(chunks: BoxStream<Result<Bytes, Status>>) -> HttpBody {
        HttpBody {
            chunks: Some(chunks),
        }
    }

    /// No content.
    pub const fn empty() -> HttpBody {
        HttpBody { chunks: None }
    }
}

impl Default for HttpBody {
    fn default() -> HttpBody {
        HttpBody::empty()
    }
}

impl fmt::Debug for HttpBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBody")
            .field("ended", &self.chunks.is_none())
            .finish()
    }
}

impl http_body::Body for HttpBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let Some(chunks) = self.chunks.as_mut() else {
            return Poll::Ready(None);
        };
        match chunks.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(Some(Err(s))) => {
                self.chunks = None;
                Poll::Ready(Some(Err(s)))
            }
            Poll::Ready(None) => {
                self.chunks = None;
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_none()
    }
}
