//! Per-stream state: the RFC 9113 §5.1 state machine, both flow-control windows, queued
//! output and receive-side message bookkeeping.

use std::collections::VecDeque;

use bytes::Bytes;
use courier_hpack::HeaderField;

/// A stream's state (RFC 9113 §5.1). "idle" streams have no entry; "closed" streams are
/// dropped from the table once nothing is left to send, and remembered in a bounded list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    ReservedLocal,
    ReservedRemote,
    Open,
    HalfClosedLocal,
    HalfClosedRemote,
    Closed,
}

impl State {
    /// Whether the stream counts toward SETTINGS_MAX_CONCURRENT_STREAMS (§5.1.2: "open" and
    /// both "half-closed" states).
    pub(crate) fn is_active(self) -> bool {
        matches!(
            self,
            State::Open | State::HalfClosedLocal | State::HalfClosedRemote
        )
    }

    /// Whether the peer may still send DATA or HEADERS on the stream.
    pub(crate) fn can_recv(self) -> bool {
        matches!(self, State::Open | State::HalfClosedLocal)
    }

    /// Whether this endpoint may still send DATA or trailers on the stream.
    pub(crate) fn can_send(self) -> bool {
        matches!(self, State::Open | State::HalfClosedRemote)
    }
}

/// What ends the stream's output once its queued data is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SendEnd {
    /// Nothing yet: more data may come.
    None,
    /// END_STREAM on the last DATA frame.
    EndStream,
    /// A trailer section with END_STREAM.
    Trailers(Vec<HeaderField>),
}

/// A stream's queued content, in order. Most streams queue one chunk at a time (a unary
/// request or response is one message), which is held inline: no queue buffer is allocated
/// (and freed) per stream unless a second chunk is queued behind the first.
#[derive(Debug, Default)]
pub(crate) enum SendQueue {
    #[default]
    Empty,
    One(Bytes),
    /// Once a second chunk came: kept (with its buffer) for the rest of the stream.
    Many(VecDeque<Bytes>),
}

impl SendQueue {
    pub(crate) fn push_back(&mut self, data: Bytes) {
        match self {
            SendQueue::Empty => *self = SendQueue::One(data),
            SendQueue::One(_) => {
                let SendQueue::One(first) = std::mem::take(self) else {
                    unreachable!("matched One")
                };
                *self = SendQueue::Many(VecDeque::from([first, data]));
            }
            SendQueue::Many(q) => q.push_back(data),
        }
    }

    pub(crate) fn front_mut(&mut self) -> Option<&mut Bytes> {
        match self {
            SendQueue::Empty => None,
            SendQueue::One(b) => Some(b),
            SendQueue::Many(q) => q.front_mut(),
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<Bytes> {
        match self {
            SendQueue::Empty => None,
            SendQueue::One(_) => match std::mem::take(self) {
                SendQueue::One(b) => Some(b),
                _ => None,
            },
            SendQueue::Many(q) => q.pop_front(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            SendQueue::Empty => true,
            SendQueue::One(_) => false,
            SendQueue::Many(q) => q.is_empty(),
        }
    }

    pub(crate) fn clear(&mut self) {
        match self {
            SendQueue::Many(q) => q.clear(),
            _ => *self = SendQueue::Empty,
        }
    }
}

/// Where a stream is in receiving its message (RFC 9113 §8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecvPhase {
    /// No final header section yet (a client awaiting its response, possibly after 1xx).
    AwaitingHeaders,
    /// Header section received; DATA or trailers may follow.
    Body,
}

#[derive(Debug)]
pub(crate) struct Stream {
    pub(crate) state: State,
    /// Whether the peer opened (or promised) this stream.
    pub(crate) remote_initiated: bool,
    /// Whether the application has taken this stream's first event (rapid-reset accounting).
    pub(crate) accepted: bool,

    // Receive side.
    pub(crate) recv_phase: RecvPhase,
    /// Space the peer may still use in this stream's receive window.
    pub(crate) recv_window: i64,
    /// Octets consumed by the application and not yet returned in a WINDOW_UPDATE.
    pub(crate) recv_released: u32,
    /// Octets delivered to the application and not yet consumed.
    pub(crate) recv_unconsumed: u64,
    /// The content-length the peer announced, if any, and the DATA octets received so far.
    pub(crate) content_length: Option<u64>,
    pub(crate) recv_len: u64,
    /// A client's request was HEAD: the response has no content whatever content-length says.
    pub(crate) no_content_expected: bool,

    // Send side.
    pub(crate) send_window: i64,
    pub(crate) send_queue: SendQueue,
    pub(crate) send_queued: usize,
    pub(crate) send_end: SendEnd,
    /// Whether this endpoint has sent its final (non-1xx) header section.
    pub(crate) sent_final_headers: bool,
    /// In the connection's ready list.
    pub(crate) scheduled: bool,
    /// The application was told the send buffer is full; tell it when it drains.
    pub(crate) want_writable: bool,
    /// In the connection's list of streams waiting for its send budget.
    pub(crate) conn_waiting: bool,
    /// The application waits for the peer to open this stream's send window (see
    /// `Connection::send_ready`); tell it when it does.
    pub(crate) want_window: bool,
    /// Raise [`Event::StreamClosed`](crate::Event::StreamClosed) when it finishes.
    pub(crate) notify_close: bool,
}

impl Stream {
    pub(crate) fn new(
        state: State,
        remote_initiated: bool,
        send_window: u32,
        recv_window: u32,
    ) -> Self {
        Stream {
            state,
            remote_initiated,
            accepted: !remote_initiated,
            recv_phase: RecvPhase::AwaitingHeaders,
            recv_window: i64::from(recv_window),
            recv_released: 0,
            recv_unconsumed: 0,
            content_length: None,
            recv_len: 0,
            no_content_expected: false,
            send_window: i64::from(send_window),
            send_queue: SendQueue::Empty,
            send_queued: 0,
            send_end: SendEnd::None,
            sent_final_headers: false,
            scheduled: false,
            want_writable: false,
            want_window: false,
            conn_waiting: false,
            notify_close: false,
        }
    }

    /// Whether the content received so far contradicts the announced content-length: more
    /// than it says, or, at the end of the message (`end`), less. Never for a response that
    /// has no content whatever content-length says.
    pub(crate) fn content_length_mismatch(&self, end: bool) -> bool {
        !self.no_content_expected
            && self
                .content_length
                .is_some_and(|cl| self.recv_len > cl || (end && self.recv_len != cl))
    }

    /// Whether the application waits for this stream's send window (`want_window`) and it
    /// is open now; clears the wait, so that one [`Event::Writable`](crate::Event::Writable)
    /// answers it.
    pub(crate) fn window_opened(&mut self) -> bool {
        let opened = self.want_window && self.send_window > 0;
        self.want_window &= !opened;
        opened
    }

    /// Whether output is waiting: queued DATA or an unsent end of stream.
    pub(crate) fn has_output(&self) -> bool {
        self.send_queued > 0 || !self.send_queue.is_empty() || self.send_end != SendEnd::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_send_queue_keeps_order_whatever_its_form() {
        let mut q = SendQueue::default();
        assert!(q.is_empty() && q.front_mut().is_none() && q.pop_front().is_none());
        q.push_back(Bytes::from_static(b"a"));
        assert!(matches!(q, SendQueue::One(_)) && !q.is_empty());
        q.front_mut().unwrap().truncate(0);
        assert_eq!(q.pop_front().unwrap(), "");
        assert!(q.is_empty());
        for c in [&b"b"[..], b"c", b"d"] {
            q.push_back(Bytes::from_static(c));
        }
        assert!(matches!(q, SendQueue::Many(_)));
        assert_eq!(q.pop_front().unwrap(), "b");
        assert_eq!(q.front_mut().unwrap().as_ref(), b"c");
        q.clear();
        assert!(q.is_empty() && q.pop_front().is_none());
        q.push_back(Bytes::from_static(b"e"));
        assert_eq!(q.pop_front().unwrap(), "e");
        assert!(q.is_empty());
    }
}
