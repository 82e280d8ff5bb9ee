//! Flow control (RFC 9113 §6.9): WINDOW_UPDATE received, and receive credit returned to the
//! peer as the application consumes data.

use super::*;

impl Connection {
    pub(super) fn on_window_update(&mut self, w: WindowUpdate) -> Result<(), Fault> {
        // A WINDOW_UPDATE flood: more than the peer has reason to send
        // (`Config::max_unearned_window_updates`).
        self.window_update_credit -= 1;
        if self.window_update_credit < 0 {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "too many WINDOW_UPDATE frames",
            ));
        }
        let inc = i64::from(w.increment);
        if w.stream_id.is_zero() {
            self.conn_send_window += inc;
            // RFC 9113 §6.9.1: "A sender MUST NOT allow a flow-control window to exceed 2^31-1
            // octets. If a sender receives a WINDOW_UPDATE that causes a flow-control window to
            // exceed this maximum, it MUST terminate either the stream or the connection, as
            // appropriate. ... for the connection, a GOAWAY frame with an error code of
            // FLOW_CONTROL_ERROR is sent." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
            if self.conn_send_window > i64::from(MAX_WINDOW_SIZE) {
                return Err(Fault::conn(
                    Reason::FLOW_CONTROL_ERROR,
                    "connection window overflow",
                ));
            }
            return Ok(());
        }
        let id = w.stream_id;
        match self.lookup(id) {
            // RFC 9113 §5.1: idle: "Receiving any frame other than HEADERS or PRIORITY on a
            // stream in this state MUST be treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Idle => Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "WINDOW_UPDATE on an idle stream",
            )),
            // RFC 9113 §6.9: "WINDOW_UPDATE can be sent by a peer that has sent a frame with the
            // END_STREAM flag set. ... A receiver MUST NOT treat this as an error"
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
            Lookup::Closed(_) | Lookup::Unknown => Ok(()),
            Lookup::Present => {
                let stream = self.streams.get_mut(&id).expect("present");
                // RFC 9113 §5.1: reserved (remote): "Receiving any type of frame other than
                // HEADERS, RST_STREAM, or PRIORITY on a stream in this state MUST be treated as
                // a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                if stream.state == State::ReservedRemote {
                    return Err(Fault::conn(
                        Reason::PROTOCOL_ERROR,
                        "WINDOW_UPDATE on a reserved (remote) stream",
                    ));
                }
                stream.send_window += inc;
                // RFC 9113 §6.9.1: "For streams, the sender sends a RST_STREAM with an error code
                // of FLOW_CONTROL_ERROR". <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
                if stream.send_window > i64::from(MAX_WINDOW_SIZE) {
                    return Err(Fault::stream(
                        id,
                        Reason::FLOW_CONTROL_ERROR,
                        "stream window overflow",
                    ));
                }
                if stream.window_opened() {
                    self.events.push_back(Event::Writable { stream_id: id });
                }
                if stream.has_output() && !stream.scheduled {
                    stream.scheduled = true;
                    self.ready.push_back(id);
                }
                Ok(())
            }
        }
    }

    /// The application processed `n` octets of DATA on `stream_id`: return them to the peer
    /// as flow-control credit. WINDOW_UPDATE frames go out once half a window has been
    /// consumed, not for every call.
    pub fn consume(&mut self, stream_id: StreamId, n: usize) {
        let n = n.min(u32::MAX as usize) as u32;
        if let Some(s) = self.streams.get_mut(&stream_id) {
            let n = u64::from(n).min(s.recv_unconsumed) as u32;
            s.recv_unconsumed -= u64::from(n);
            self.release_stream_and_connection(stream_id, n);
        }
    }

    pub(super) fn release_stream_and_connection(&mut self, id: StreamId, n: u32) {
        let target = self.local_initial_window();
        if let Some(s) = self.streams.get_mut(&id) {
            s.recv_released = s.recv_released.saturating_add(n);
            // No need to extend the window once the peer has finished sending.
            if s.state.can_recv() && s.recv_released >= target / 2 {
                let inc = s.recv_released;
                s.recv_released = 0;
                s.recv_window += i64::from(inc);
                self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                    stream_id: id,
                    increment: inc,
                }));
            }
        }
        self.release_connection(n);
    }

    pub(super) fn release_connection(&mut self, n: u32) {
        if n == 0 || self.phase == Phase::Closed {
            return;
        }
        self.conn_recv_released = self.conn_recv_released.saturating_add(n);
        if self.conn_recv_released >= self.config.connection_window_size / 2 {
            let inc = self.conn_recv_released.min(MAX_WINDOW_SIZE);
            self.conn_recv_released -= inc;
            self.conn_recv_window += i64::from(inc);
            self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::ZERO,
                increment: inc,
            }));
        }
    }
}
