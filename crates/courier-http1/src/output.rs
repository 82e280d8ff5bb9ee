//! What both connection roles share on the sending side: the output queue (small writes
//! gathered in one buffer, large content passed through as its own `Bytes`, never copied) and
//! the framing of an outgoing body.

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};

use crate::encode::{self, SendFraming};
use crate::error::{CommandError, CommandErrorKind};
use crate::head::Headers;

/// Receive buffers grow by at least this much at a time.
pub(crate) const RECV_RESERVE: usize = 16 << 10;

/// Content at least this long goes out as its own segment instead of being copied.
const COPY_BELOW: usize = 2048;

/// Octets waiting to be written, in order.
#[derive(Debug, Default)]
pub(crate) struct Output {
    /// Segments before `buf`.
    segments: VecDeque<Bytes>,
    /// The newest octets.
    pub(crate) buf: BytesMut,
    /// Octets queued in all.
    queued: usize,
}

impl Output {
    pub(crate) fn put(&mut self, data: Bytes) {
        self.queued += data.len();
        if data.len() < COPY_BELOW {
            self.buf.put_slice(&data);
        } else {
            if !self.buf.is_empty() {
                self.segments.push_back(self.buf.split().freeze());
            }
            self.segments.push_back(data);
        }
    }

    /// Notes octets written straight into `buf`.
    pub(crate) fn wrote(&mut self, before: usize) {
        self.queued += self.buf.len() - before;
    }

    pub(crate) fn poll(&mut self) -> Option<Bytes> {
        let b = match self.segments.pop_front() {
            Some(b) => b,
            None if !self.buf.is_empty() => self.buf.split().freeze(),
            None => return None,
        };
        self.queued -= b.len();
        Some(b)
    }

    pub(crate) fn len(&self) -> usize {
        self.queued
    }
}

/// The body being sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sending {
    pub(crate) framing: SendFraming,
    /// Content octets still owed (Content-Length framing).
    pub(crate) remaining: u64,
    /// Content may be sent (false for HEAD/204/304 responses, whatever their framing fields).
    pub(crate) body_allowed: bool,
}

impl Sending {
    pub(crate) fn new(framing: SendFraming, body_allowed: bool) -> Sending {
        Sending {
            framing,
            remaining: match framing {
                SendFraming::Length(n) if body_allowed => n,
                _ => 0,
            },
            body_allowed,
        }
    }

    /// Queues content.
    pub(crate) fn data(&mut self, out: &mut Output, data: Bytes) -> Result<(), CommandError> {
        if data.is_empty() {
            return Ok(());
        }
        if !self.body_allowed || self.framing == SendFraming::None {
            return Err(CommandError::new(
                CommandErrorKind::NoContentAllowed,
                "this message has no content",
            ));
        }
        match self.framing {
            SendFraming::Length(_) => {
                if data.len() as u64 > self.remaining {
                    return Err(CommandError::new(
                        CommandErrorKind::LengthMismatch,
                        "more content than the Content-Length",
                    ));
                }
                self.remaining -= data.len() as u64;
                out.put(data);
            }
            SendFraming::Chunked => {
                let before = out.buf.len();
                encode::chunk_header(&mut out.buf, data.len());
                out.wrote(before);
                out.put(data);
                let before = out.buf.len();
                out.buf.put_slice(b"\r\n");
                out.wrote(before);
            }
            SendFraming::Close => out.put(data),
            SendFraming::None => unreachable!("refused above"),
        }
        Ok(())
    }

    /// Ends the body. Trailers go out only in a chunked body (the only framing of HTTP/1.1
    /// that can carry them, RFC 9110 §6.5.1); elsewhere they are dropped.
    pub(crate) fn finish(
        &mut self,
        out: &mut Output,
        trailers: Option<&Headers>,
    ) -> Result<(), CommandError> {
        match self.framing {
            SendFraming::Length(_) if self.remaining > 0 => Err(CommandError::new(
                CommandErrorKind::LengthMismatch,
                "less content than the Content-Length",
            )),
            SendFraming::Chunked if self.body_allowed => {
                if let Some(t) = trailers {
                    encode::check_trailers(t)?;
                }
                let before = out.buf.len();
                encode::last_chunk(&mut out.buf, trailers.filter(|t| !t.is_empty()));
                out.wrote(before);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
