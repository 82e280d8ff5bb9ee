//! Application commands that send (open a stream, headers, data, trailers, reset, push) and
//! writing frames: field blocks, and DATA scheduled round robin within both windows.

use super::*;

/// The request header section [`Connection::open_stream_with`] sends.
#[derive(Clone, Copy)]
enum OpenRequest<'a> {
    /// Fields to check first.
    Unchecked(&'a [HeaderField]),
    /// Fields the caller checked.
    Checked(&'a [HeaderField]),
    /// A head checked when it was made.
    Prepared(&'a RequestHead),
}

impl Connection {
    pub(super) fn check_open(&self) -> Result<(), CommandError> {
        if self.phase == Phase::Closed {
            return Err(CommandError::new(CommandErrorKind::Closed));
        }
        Ok(())
    }

    /// Client: opens a stream with a request header section (pseudo-header fields first) and
    /// returns its identifier. With `end_stream` the request has no content.
    pub fn open_stream(
        &mut self,
        request: &[HeaderField],
        end_stream: bool,
    ) -> Result<StreamId, CommandError> {
        self.open_stream_checked(request, end_stream, false)
    }

    /// Client: [`open_stream`](Self::open_stream) with a request head checked when it was
    /// made. When the last head this connection sent was this one and its HPACK encoder has
    /// not changed since (every field of that block was already in a table), the header block
    /// is the same octets and is sent again without encoding.
    pub fn open_stream_prepared(
        &mut self,
        head: &RequestHead,
        end_stream: bool,
    ) -> Result<StreamId, CommandError> {
        self.open_stream_with(OpenRequest::Prepared(head), end_stream)
    }

    /// [`open_stream`](Self::open_stream); `prechecked`: the caller already checked the
    /// fields with `check_outgoing` (the driver's handles do, before queueing them).
    pub(crate) fn open_stream_checked(
        &mut self,
        request: &[HeaderField],
        end_stream: bool,
        prechecked: bool,
    ) -> Result<StreamId, CommandError> {
        let request = if prechecked {
            OpenRequest::Checked(request)
        } else {
            OpenRequest::Unchecked(request)
        };
        self.open_stream_with(request, end_stream)
    }

    fn open_stream_with(
        &mut self,
        request: OpenRequest<'_>,
        end_stream: bool,
    ) -> Result<StreamId, CommandError> {
        self.check_open()?;
        if self.role != Role::Client {
            return Err(CommandError::new(CommandErrorKind::WrongRole));
        }
        // RFC 9113 §6.8: "Receivers of a GOAWAY frame MUST NOT open additional streams on the
        // connection". <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
        if self.goaway_received.is_some() || self.goaway_sent.is_some() || self.draining {
            return Err(CommandError::new(CommandErrorKind::GoingAway));
        }
        // RFC 9113 §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
        if self.active_local >= self.peer.max_concurrent_streams {
            return Err(CommandError::new(CommandErrorKind::ConcurrencyLimit));
        }
        if self.next_local_id > MAX_WINDOW_SIZE {
            return Err(CommandError::new(CommandErrorKind::StreamIdsExhausted));
        }
        if let OpenRequest::Unchecked(fields) = request {
            message::check_outgoing(fields, SectionKind::Request)?;
        }
        let id = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        // The peer may raise this stream's window (`Config::max_unearned_window_updates`).
        self.window_update_credit += 2;
        let state = if end_stream {
            State::HalfClosedLocal
        } else {
            State::Open
        };
        let mut stream = Stream::new(
            state,
            false,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.sent_final_headers = true;
        stream.no_content_expected = match request {
            OpenRequest::Prepared(head) => head.is_head(),
            OpenRequest::Checked(fields) | OpenRequest::Unchecked(fields) => {
                message::is_head(fields)
            }
        };
        self.insert_stream(id, stream);
        let start = BlockStart::Headers {
            end_stream,
            priority: None,
        };
        match request {
            OpenRequest::Prepared(head) => self.write_head_block(id, start, head),
            OpenRequest::Checked(fields) | OpenRequest::Unchecked(fields) => {
                self.write_field_block(id, start, fields)
            }
        }
        Ok(id)
    }

    /// Sends a header section on `stream_id`: a server's response (or 1xx interim response),
    /// or the response on a stream it promised. With `end_stream` the message has no content.
    pub fn send_headers(
        &mut self,
        stream_id: StreamId,
        fields: &[HeaderField],
        end_stream: bool,
    ) -> Result<(), CommandError> {
        self.send_headers_checked(stream_id, fields, end_stream, false)
    }

    /// [`send_headers`](Self::send_headers); `prechecked` as for
    /// [`open_stream_checked`](Self::open_stream_checked).
    pub(crate) fn send_headers_checked(
        &mut self,
        stream_id: StreamId,
        fields: &[HeaderField],
        end_stream: bool,
        prechecked: bool,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let Some(s) = self.streams.get(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        let reserved = s.state == State::ReservedLocal;
        if !(s.state.can_send() || reserved) || s.sent_final_headers || s.send_end != SendEnd::None
        {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        if !prechecked {
            message::check_outgoing(fields, SectionKind::Response)?;
        }
        let informational = fields
            .iter()
            .find(|f| f.name().as_ref() == b":status")
            .is_some_and(|f| f.value().first() == Some(&b'1'));
        if informational && end_stream {
            return Err(CommandError::with_detail(
                CommandErrorKind::InvalidHeaders,
                "1xx response with END_STREAM",
            ));
        }
        if reserved {
            // RFC 9113 §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer." A
            // promised stream becomes active with its response (the peer may have lowered
            // its limit since the promise).
            // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
            if self.active_local >= self.peer.max_concurrent_streams {
                return Err(CommandError::new(CommandErrorKind::ConcurrencyLimit));
            }
            // §5.1: reserved (local) → half-closed (remote) on sending HEADERS.
            self.reserved_local -= 1;
            self.set_state(stream_id, State::HalfClosedRemote);
        }
        if !informational {
            if let Some(s) = self.streams.get_mut(&stream_id) {
                s.sent_final_headers = true;
            }
        }
        self.write_field_block(
            stream_id,
            BlockStart::Headers {
                end_stream,
                priority: None,
            },
            fields,
        );
        if end_stream {
            self.send_end_stream_sent(stream_id);
        }
        Ok(())
    }

    /// Queues content on `stream_id`; it is sent as flow control allows. With `end_stream`
    /// the message ends after it.
    pub fn send_data(
        &mut self,
        stream_id: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), CommandError> {
        self.send_data_budgeted(stream_id, data, end_stream, true)
    }

    /// [`send_data`](Self::send_data); without `check_room`, the send buffers' limits are not
    /// checked (the tokio driver's handles queue content without asking within a room they
    /// were told of, which the limits already counted).
    pub(crate) fn send_data_budgeted(
        &mut self,
        stream_id: StreamId,
        data: Bytes,
        end_stream: bool,
        check_room: bool,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let max = self.config.max_send_buffer_per_stream;
        let conn_max = self.config.max_send_buffer_per_connection;
        let total = self.send_queued_total;
        let Some(s) = self.streams.get_mut(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        if !s.state.can_send() || !s.sent_final_headers || s.send_end != SendEnd::None {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        // Bounded send buffer (CVE-2019-9511/9517): refuse to queue without limit for a peer
        // that does not open its window, per stream and per connection. An empty chunk (the
        // end-of-stream marker) is always taken, and so is a first chunk of any size (on the
        // stream, on the connection) so that a message larger than the buffer can go.
        if check_room && !data.is_empty() {
            if s.send_queued > 0 && s.send_queued + data.len() > max {
                s.want_writable = true;
                return Err(CommandError::new(CommandErrorKind::SendBufferFull));
            }
            if total > 0 && total + data.len() > conn_max {
                if !s.conn_waiting {
                    s.conn_waiting = true;
                    self.send_waiters.push(stream_id);
                }
                return Err(CommandError::new(CommandErrorKind::SendBufferFull));
            }
        }
        self.send_queued_total += data.len();
        s.send_queued += data.len();
        if !data.is_empty() {
            s.send_queue.push_back(data);
        }
        if end_stream {
            s.send_end = SendEnd::EndStream;
        }
        if !s.scheduled {
            s.scheduled = true;
            self.ready.push_back(stream_id);
        }
        Ok(())
    }

    /// Whether the connection still tracks `stream_id`. Once it does not (the stream closed and
    /// was dropped), the stream's unconsumed receive credit has already gone back to the
    /// connection window and [`consume`](Self::consume) on it changes nothing.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn tracks_stream(&self, stream_id: StreamId) -> bool {
        self.streams.contains_key(&stream_id)
    }

    /// Whether this endpoint has sent all of `stream_id`'s message (END_STREAM is out) while
    /// the peer's is still coming.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn send_ended(&self, stream_id: StreamId) -> bool {
        self.streams
            .get(&stream_id)
            .is_some_and(|s| s.state == State::HalfClosedLocal)
    }

    /// Whether the application may still queue output on some stream: one that can send and
    /// has not ended its message, or a reserved (pushed) one. When none can, everything the
    /// application will send soon is already queued.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn may_queue_more(&self) -> bool {
        self.streams.values().any(|s| {
            s.state == State::ReservedLocal || (s.state.can_send() && s.send_end == SendEnd::None)
        })
    }

    /// Whether `stream_id` is ready for more content: room in its send buffer and in the
    /// connection's, and an open send window. `Ok(room)` with the room (more than 0) when it
    /// is; `Ok(0)` when not, and then an [`Event::Writable`](crate::Event::Writable) comes
    /// once it is (or the stream ends). A server asks before it produces its next message, so
    /// that a peer that reads nothing (SETTINGS_INITIAL_WINDOW_SIZE 0) does not make it
    /// produce and hold one message per stream beyond the handler's own.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn send_ready(&mut self, stream_id: StreamId) -> Result<usize, CommandError> {
        self.check_open()?;
        let room = self.send_capacity(stream_id);
        let conn_full = self.send_queued_total >= self.config.max_send_buffer_per_connection;
        let Some(s) = self.streams.get_mut(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        if !s.state.can_send() || s.send_end != SendEnd::None {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        if room > 0 && s.send_window > 0 {
            return Ok(room);
        }
        if s.send_window <= 0 {
            s.want_window = true;
        } else if conn_full {
            if !s.conn_waiting {
                s.conn_waiting = true;
                self.send_waiters.push(stream_id);
            }
        } else {
            s.want_writable = true;
        }
        Ok(0)
    }

    /// The peer's SETTINGS_INITIAL_WINDOW_SIZE: the send window a new stream starts with.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn peer_initial_window(&self) -> u32 {
        self.peer.initial_window_size
    }

    /// Octets that [`send_data`](Self::send_data) would accept on `stream_id` now: the room
    /// left in its send buffer and in the connection's.
    pub fn send_capacity(&self, stream_id: StreamId) -> usize {
        let conn_room = self
            .config
            .max_send_buffer_per_connection
            .saturating_sub(self.send_queued_total);
        self.streams
            .get(&stream_id)
            .filter(|s| s.state.can_send())
            .map_or(0, |s| {
                self.config
                    .max_send_buffer_per_stream
                    .saturating_sub(s.send_queued)
                    .min(conn_room)
            })
    }

    /// Octets queued for sending on all streams together.
    pub fn send_queued(&self) -> usize {
        self.send_queued_total
    }

    /// Ends `stream_id`'s message with a trailer section, after any queued content.
    pub fn send_trailers(
        &mut self,
        stream_id: StreamId,
        trailers: Vec<HeaderField>,
    ) -> Result<(), CommandError> {
        self.send_trailers_checked(stream_id, trailers, false)
    }

    /// [`send_trailers`](Self::send_trailers); `prechecked` as for
    /// [`open_stream_checked`](Self::open_stream_checked).
    pub(crate) fn send_trailers_checked(
        &mut self,
        stream_id: StreamId,
        trailers: Vec<HeaderField>,
        prechecked: bool,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let Some(s) = self.streams.get_mut(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        if !s.state.can_send() || !s.sent_final_headers || s.send_end != SendEnd::None {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        if !prechecked {
            message::check_outgoing(&trailers, SectionKind::Trailers)?;
        }
        s.send_end = SendEnd::Trailers(trailers);
        if !s.scheduled {
            s.scheduled = true;
            self.ready.push_back(stream_id);
        }
        Ok(())
    }

    /// Resets `stream_id` with `reason` (CANCEL to abandon it): RST_STREAM is sent and queued
    /// output dropped.
    pub fn reset(&mut self, stream_id: StreamId, reason: Reason) -> Result<(), CommandError> {
        self.check_open()?;
        if !self.streams.contains_key(&stream_id) {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        }
        self.close_stream(stream_id, ClosedHow::LocallyReset);
        self.write_rst(stream_id, reason);
        Ok(())
    }

    /// Server: promises a pushed response to `request` on the client's `stream_id`; returns
    /// the reserved stream, on which [`send_headers`](Self::send_headers) sends the response.
    pub fn push_promise(
        &mut self,
        stream_id: StreamId,
        request: &[HeaderField],
    ) -> Result<StreamId, CommandError> {
        self.check_open()?;
        if self.role != Role::Server {
            return Err(CommandError::new(CommandErrorKind::WrongRole));
        }
        // RFC 9113 §6.6: "PUSH_PROMISE MUST NOT be sent if the SETTINGS_ENABLE_PUSH setting of
        // the peer endpoint is set to 0." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !self.peer.enable_push {
            return Err(CommandError::new(CommandErrorKind::PushDisabled));
        }
        if self.goaway_received.is_some() {
            return Err(CommandError::new(CommandErrorKind::GoingAway));
        }
        let Some(s) = self.streams.get(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        // RFC 9113 §6.6: "PUSH_PROMISE frames MUST only be sent on a peer-initiated stream that
        // is in either the "open" or "half-closed (remote)" state."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !s.remote_initiated || !s.state.can_send() {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        // RFC 9113 §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer." Reserved
        // streams do not count toward it, but each promise becomes an active stream when its
        // response starts: promises are refused while the active and promised streams
        // together fill the peer's limit, so that every response can start.
        // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
        if self.active_local + self.reserved_local >= self.peer.max_concurrent_streams {
            return Err(CommandError::new(CommandErrorKind::ConcurrencyLimit));
        }
        if self.next_local_id > MAX_WINDOW_SIZE {
            return Err(CommandError::new(CommandErrorKind::StreamIdsExhausted));
        }
        message::check_outgoing(request, SectionKind::Request)?;
        let promised = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        let stream = Stream::new(
            State::ReservedLocal,
            false,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        self.insert_stream(promised, stream);
        self.reserved_local += 1;
        self.write_field_block(
            stream_id,
            BlockStart::PushPromise {
                promised_id: promised,
            },
            request,
        );
        Ok(promised)
    }

    pub(super) fn write_frame(&mut self, frame: &Frame) {
        // Control frames are far below any legal maximum frame size; an error here would be a
        // bug in this module, and the frame is dropped rather than a panic raised.
        reserve_out(&mut self.out);
        let r = self.encoder.encode(frame, &mut self.out);
        debug_assert!(r.is_ok(), "control frame too large: {r:?}");
    }

    pub(super) fn write_field_block(
        &mut self,
        id: StreamId,
        start: BlockStart,
        fields: &[HeaderField],
    ) {
        self.forgive_pings();
        self.scratch.clear();
        self.hpack_enc.encode(fields.iter(), &mut self.scratch);
        reserve_out(&mut self.out);
        self.encoder
            .encode_field_block(id, start, &self.scratch, &mut self.out);
    }

    /// [`write_field_block`](Self::write_field_block) for a prepared request head: the block
    /// encoded last time when it is known to come out the same (see [`HeadBlock`]).
    fn write_head_block(&mut self, id: StreamId, start: BlockStart, head: &RequestHead) {
        let generation = self.hpack_enc.generation();
        let cached = self
            .head_block
            .take()
            .filter(|c| c.generation == generation && c.head.same(head));
        let Some(c) = cached else {
            self.write_field_block(id, start, head.fields());
            // Encoding it changed nothing in the encoder: the same head encodes to these
            // octets until something does.
            if self.hpack_enc.generation() == generation {
                self.head_block = Some(HeadBlock {
                    head: head.clone(),
                    generation,
                    block: self.scratch.to_vec(),
                });
            }
            return;
        };
        self.forgive_pings();
        reserve_out(&mut self.out);
        self.encoder
            .encode_field_block(id, start, &c.block, &mut self.out);
        self.head_block = Some(c);
    }

    /// This endpoint sent END_STREAM on `id`.
    pub(super) fn send_end_stream_sent(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        match s.state {
            State::Open => self.set_state(id, State::HalfClosedLocal),
            State::HalfClosedRemote => self.set_state(id, State::Closed),
            _ => {}
        }
        self.maybe_remove(id);
    }

    /// Moves queued DATA (and trailers) into the output, round robin over ready streams, as
    /// both flow-control windows allow.
    pub(super) fn write_data(&mut self) {
        let max_frame = self.encoder.max_frame_size() as usize;
        let batch = self.config.max_transmit_batch;
        let mut budget = self.ready.len();
        if budget > 0 {
            reserve_out(&mut self.out);
        }
        while budget > 0 && self.out.len() < batch {
            budget -= 1;
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            let conn_window = self.conn_send_window;
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            s.scheduled = false;
            // Send DATA while both windows allow.
            let mut wrote_end = false;
            let mut trailers = None;
            let mut sent_total = 0i64;
            loop {
                let window = (conn_window - sent_total).min(s.send_window).max(0) as usize;
                let Some(front) = s.send_queue.front_mut() else {
                    break;
                };
                if window == 0 {
                    break;
                }
                let n = front.len().min(window).min(max_frame);
                let chunk = front.split_to(n);
                if front.is_empty() {
                    s.send_queue.pop_front();
                }
                s.send_queued -= n;
                s.send_window -= n as i64;
                sent_total += n as i64;
                let last = s.send_queue.is_empty() && s.send_end == SendEnd::EndStream;
                let r = self.encoder.encode_data(id, &chunk, last, &mut self.out);
                debug_assert!(r.is_ok());
                self.window_update_credit += 8;
                if last {
                    wrote_end = true;
                    s.send_end = SendEnd::None;
                }
                if self.out.len() >= batch {
                    break;
                }
            }
            if s.send_queue.is_empty() && !wrote_end {
                match std::mem::replace(&mut s.send_end, SendEnd::None) {
                    SendEnd::EndStream => {
                        // Empty DATA with END_STREAM may be sent without window (§6.9.1).
                        let r = self.encoder.encode_data(id, &[], true, &mut self.out);
                        debug_assert!(r.is_ok());
                        wrote_end = true;
                    }
                    SendEnd::Trailers(t) => trailers = Some(t),
                    SendEnd::None => {}
                }
            }
            let writable = s.want_writable && s.send_queued == 0;
            if writable {
                s.want_writable = false;
            }
            let more = !s.send_queue.is_empty() && s.send_window > 0;
            self.conn_send_window -= sent_total;
            self.send_queued_total -= sent_total as usize;
            if sent_total > 0 || wrote_end {
                // DATA was sent (trailers forgive through `write_field_block`).
                self.forgive_pings();
            }
            if writable {
                self.events.push_back(Event::Writable { stream_id: id });
            }
            if let Some(t) = trailers {
                self.write_field_block(
                    id,
                    BlockStart::Headers {
                        end_stream: true,
                        priority: None,
                    },
                    &t,
                );
                wrote_end = true;
            }
            if wrote_end {
                self.send_end_stream_sent(id);
            } else if more {
                if let Some(s) = self.streams.get_mut(&id) {
                    s.scheduled = true;
                }
                if self.conn_send_window > 0 {
                    self.ready.push_back(id);
                } else {
                    // Waiting on the connection window: keep its place.
                    self.ready.push_front(id);
                    break;
                }
            }
            // Otherwise it waits on its stream window: WINDOW_UPDATE reschedules it.
        }
        if !self.send_waiters.is_empty()
            && self.send_queued_total <= self.config.max_send_buffer_per_connection / 2
        {
            self.wake_send_waiters();
        }
    }

    /// The connection's send budget has room again: every stream it refused may try again.
    #[cold]
    fn wake_send_waiters(&mut self) {
        for id in std::mem::take(&mut self.send_waiters) {
            if let Some(s) = self.streams.get_mut(&id) {
                s.conn_waiting = false;
                self.events.push_back(Event::Writable { stream_id: id });
            }
        }
    }
}

/// What the output buffer reserves when it is written to with no room (a connection allocates
/// it when it first has something to send, and gives it back when idle: see
/// [`Connection::release_idle_buffers`]).
const OUT_CAPACITY: usize = 16 * 1024;

/// Gives `out` room for a batch of frames if it has none (it starts empty, and is emptied of
/// its allocation when the connection is idle), so that a batch is not built through a series
/// of small reallocations.
fn reserve_out(out: &mut BytesMut) {
    if out.capacity() == 0 {
        out.reserve(OUT_CAPACITY);
    }
}
