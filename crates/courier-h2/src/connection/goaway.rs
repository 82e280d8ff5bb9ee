//! Ending the connection: GOAWAY received and sent, the graceful two-step drain, connection
//! errors, and closing.

use super::*;

impl Connection {
    pub(super) fn on_goaway(&mut self, g: GoAway) {
        let last = g.last_stream_id;
        self.goaway_received = Some(self.goaway_received.map_or(last, |prev| prev.min(last)));
        // RFC 9113 §6.8: "If the receiver of the GOAWAY has sent data on streams with a higher
        // stream identifier than what is indicated in the GOAWAY frame, those streams are not or
        // will not be processed." They are reset for the application, to be retried.
        let refused: Vec<StreamId> = self
            .streams
            .keys()
            .copied()
            .filter(|id| self.is_local_id(*id) && *id > last)
            .collect();
        for id in refused {
            self.events.push_back(Event::Reset {
                stream_id: id,
                reason: Reason::REFUSED_STREAM,
                remote: true,
            });
            self.close_stream(id, ClosedHow::LocallyReset);
        }
        let error = (g.reason != Reason::NO_ERROR).then(|| {
            ConnectionError::remote(
                g.reason,
                String::from_utf8_lossy(&g.debug_data).into_owned(),
            )
        });
        self.events.push_back(Event::GoAway {
            last_stream_id: last,
            reason: g.reason,
            debug_data: g.debug_data,
        });
        if let Some(error) = error {
            // An error GOAWAY ends the connection; there is nothing left to drain.
            self.finish(Some(error));
            return;
        }
        self.draining = true;
        self.maybe_finish_drain();
    }

    /// A connection error: GOAWAY with `reason`, then closed.
    pub(super) fn connection_error(&mut self, reason: Reason, why: std::borrow::Cow<'static, str>) {
        if self.phase == Phase::Closed {
            return;
        }
        // RFC 9113 §5.4.1: "An endpoint that encounters a connection error SHOULD first send a
        // GOAWAY frame (Section 6.8) with the stream identifier of the last stream that it
        // successfully received from its peer."
        let last = self.last_peer_id;
        let debug = Bytes::from(why.clone().into_owned().into_bytes());
        self.send_goaway(last, reason, debug);
        self.finish(Some(ConnectionError::local(reason, why)));
    }

    pub(super) fn send_goaway(&mut self, last: StreamId, reason: Reason, debug_data: Bytes) {
        // RFC 9113 §6.8: "Endpoints MUST NOT increase the value they send in the last stream
        // identifier". <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
        let last = self.goaway_sent.map_or(last, |prev| prev.min(last));
        self.goaway_sent = Some(last);
        self.write_frame(&Frame::GoAway(GoAway {
            last_stream_id: last,
            reason,
            debug_data,
        }));
    }

    pub(super) fn finish(&mut self, error: Option<ConnectionError>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.phase = Phase::Closed;
        let ids: Vec<StreamId> = self.streams.keys().copied().collect();
        let reason = error.as_ref().map_or(Reason::CANCEL, |e| e.reason());
        for id in ids {
            if self.streams[&id].state != State::Closed {
                self.events.push_back(Event::Reset {
                    stream_id: id,
                    reason,
                    remote: false,
                });
            }
        }
        self.streams.clear();
        self.ready.clear();
        self.partial = None;
        if !self.closed_event_sent {
            self.closed_event_sent = true;
            self.events.push_back(Event::Closed { error });
        }
    }

    pub(super) fn maybe_finish_drain(&mut self) {
        if self.draining && !self.shutdown_ping_outstanding && self.streams.is_empty() {
            if self.goaway_sent.is_none() {
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
            }
            self.finish(None);
        }
    }

    /// Starts a graceful shutdown: no new streams, the ones in progress complete, then the
    /// connection closes. A server first sends GOAWAY with the largest stream identifier and a
    /// PING, and once the PING returns (one round trip, so requests in flight are counted) the
    /// final GOAWAY with the last stream it accepted (RFC 9113 §6.8).
    pub fn graceful_shutdown(&mut self) {
        if self.phase == Phase::Closed || self.draining {
            return;
        }
        self.draining = true;
        match self.role {
            Role::Server => {
                self.send_goaway(StreamId::MAX, Reason::NO_ERROR, Bytes::new());
                self.write_frame(&Frame::Ping(Ping {
                    ack: false,
                    payload: SHUTDOWN_PING,
                }));
                self.shutdown_ping_outstanding = true;
            }
            Role::Client => {
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
            }
        }
        self.maybe_finish_drain();
    }

    /// Closes the connection at once with GOAWAY `reason` (an error, or NO_ERROR to abandon
    /// the streams in progress).
    pub fn close(&mut self, reason: Reason, debug_data: &'static str) {
        if self.phase == Phase::Closed {
            return;
        }
        let last = self.last_peer_id;
        self.send_goaway(last, reason, Bytes::from_static(debug_data.as_bytes()));
        let error =
            (reason != Reason::NO_ERROR).then(|| ConnectionError::local(reason, debug_data));
        self.finish(error);
    }
}
