//! Stream bookkeeping: where a stream identifier stands (§5.1, §5.1.1), state transitions and
//! the concurrency counters, closing and remembering closed streams, stream errors.

use super::*;

impl Connection {
    /// Where a stream id the peer used stands.
    pub(super) fn lookup(&self, id: StreamId) -> Lookup {
        if self.streams.contains_key(&id) {
            return Lookup::Present;
        }
        if let Some(how) = self.closed_ids.get(&id) {
            return Lookup::Closed(*how);
        }
        let local = self.is_local_id(id);
        let idle = if local {
            id.get() >= self.next_local_id
        } else {
            id > self.last_peer_id
        };
        if idle { Lookup::Idle } else { Lookup::Unknown }
    }

    pub(super) fn is_local_id(&self, id: StreamId) -> bool {
        match self.role {
            Role::Client => id.is_client_initiated(),
            Role::Server => id.is_server_initiated(),
        }
    }

    pub(super) fn count_control_frame(&mut self) -> Result<(), Fault> {
        self.pending_control += 1;
        // Ping / settings / reset floods (CVE-2019-9512, -9515, -9514): the peer makes this
        // endpoint queue control frames it does not read. Bound them.
        if self.pending_control > self.config.max_pending_control_frames {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "too many queued control frames",
            ));
        }
        Ok(())
    }

    /// A stream error: RST_STREAM with `reason`, the stream closed, the application told.
    pub(super) fn stream_error(&mut self, id: StreamId, reason: Reason, why: &'static str) {
        if let Some(s) = self.streams.get(&id) {
            if !s.accepted {
                // Never seen by the application: its queued events are dropped.
                self.reset_unaccepted.insert(id);
            }
            self.events.push_back(Event::Reset {
                stream_id: id,
                reason,
                remote: false,
            });
            self.close_stream(id, ClosedHow::LocallyReset);
        } else {
            self.remember_closed(id, ClosedHow::LocallyReset);
        }
        self.write_rst(id, reason);
        // MadeYouReset / reset flood (CVE-2025-8671, CVE-2019-9514): every stream error is
        // caused by the peer; budget them, net of the streams that ended normally. A stream
        // refused before the peer acknowledged this endpoint's SETTINGS is not its fault: it
        // could not know the concurrency limit yet (RFC 9113 §5.1.2; §3.4 lets a client send
        // requests before it has the server's SETTINGS).
        if reason != Reason::REFUSED_STREAM || self.settings_acked {
            self.local_error_resets += 1;
        }
        if self.local_error_resets > self.config.max_local_error_resets {
            return self.connection_error(
                Reason::ENHANCE_YOUR_CALM,
                "too many stream errors caused by the peer".into(),
            );
        }
        // A protocol violation on a stream (MadeYouReset's WINDOW_UPDATE of 0, a window
        // overflow, a malformed message...): a legitimate peer never causes one, so these have
        // a budget of their own, much smaller. Not counted: a refusal (the peer may race the
        // concurrency limit) and a field section over the list size (RFC 9113 §10.5.1 allows
        // sending one).
        if reason != Reason::REFUSED_STREAM && why != super::recv::OVER_HEADER_LIST_SIZE {
            self.protocol_error_resets += 1;
            if self.protocol_error_resets > self.config.max_protocol_error_resets {
                return self.connection_error(
                    Reason::ENHANCE_YOUR_CALM,
                    "too many protocol violations on streams".into(),
                );
            }
        }
        if let Err(f) = self.count_control_frame() {
            self.on_fault(f);
        }
    }

    pub(super) fn write_rst(&mut self, id: StreamId, reason: Reason) {
        self.write_frame(&Frame::RstStream(RstStream {
            stream_id: id,
            reason,
        }));
    }

    pub(super) fn insert_stream(&mut self, id: StreamId, stream: Stream) {
        if stream.state.is_active() {
            if self.is_local_id(id) {
                self.active_local += 1;
            } else {
                self.active_peer += 1;
            }
        }
        self.streams.insert(id, stream);
    }

    pub(super) fn set_state(&mut self, id: StreamId, new: State) {
        let local = self.is_local_id(id);
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        let was = s.state.is_active();
        s.state = new;
        let now = new.is_active();
        let counter = if local {
            &mut self.active_local
        } else {
            &mut self.active_peer
        };
        match (was, now) {
            (false, true) => *counter += 1,
            (true, false) => *counter -= 1,
            _ => {}
        }
    }

    /// The peer ended its side of the stream.
    pub(super) fn recv_end_stream(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        match s.state {
            State::Open => self.set_state(id, State::HalfClosedRemote),
            State::HalfClosedLocal => self.set_state(id, State::Closed),
            _ => {}
        }
        self.maybe_remove(id);
    }

    /// Closes the stream now (reset by either side): queued output is dropped.
    pub(super) fn close_stream(&mut self, id: StreamId, how: ClosedHow) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        match s.state {
            State::ReservedRemote => self.reserved_remote -= 1,
            State::ReservedLocal => self.reserved_local -= 1,
            _ => {}
        }
        // Data the application never consumed is returned to the connection window.
        let unconsumed = s.recv_unconsumed.min(u64::from(u32::MAX)) as u32;
        self.set_state(id, State::Closed);
        if let Some(s) = self.streams.get_mut(&id) {
            s.send_queue.clear();
            self.send_queued_total -= s.send_queued;
            s.send_queued = 0;
            s.send_end = SendEnd::None;
            s.recv_unconsumed = 0;
        }
        self.release_connection(unconsumed);
        self.streams.remove(&id);
        self.remember_closed(id, how);
        self.maybe_finish_drain();
    }

    /// Drops a closed stream once it has nothing left to send.
    pub(super) fn maybe_remove(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        if s.state == State::Closed && !s.has_output() {
            // A stream that ended normally takes one stream error off the peer's count.
            self.local_error_resets = self.local_error_resets.saturating_sub(1);
            self.protocol_error_resets = self.protocol_error_resets.saturating_sub(1);
            let unconsumed = s.recv_unconsumed.min(u64::from(u32::MAX)) as u32;
            if s.notify_close {
                self.events.push_back(Event::StreamClosed { stream_id: id });
            }
            self.streams.remove(&id);
            self.release_connection(unconsumed);
            self.remember_closed(id, ClosedHow::Closed);
            self.maybe_finish_drain();
        }
    }

    pub(super) fn remember_closed(&mut self, id: StreamId, how: ClosedHow) {
        if self.closed_ids.insert(id, how).is_none() {
            self.closed_order.push_back(id);
            if self.closed_order.len() > self.config.max_closed_streams_remembered {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed_ids.remove(&old);
                }
            }
        }
    }

    /// Asks for [`Event::StreamClosed`] when `stream_id` finishes without a reset (a reset
    /// still arrives as [`Event::Reset`]). Returns `false` if the stream is not open (already
    /// finished, reset, or never opened): no event will come.
    pub fn watch_close(&mut self, stream_id: StreamId) -> bool {
        match self.streams.get_mut(&stream_id) {
            Some(s) if self.phase != Phase::Closed => {
                s.notify_close = true;
                true
            }
            _ => false,
        }
    }
}
