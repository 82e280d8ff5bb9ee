//! PING: answering the peer's, the application's own, keepalive PINGs (gRPC A8), and the
//! ping-strike policy a server may enforce on its peer.

use super::*;

impl Connection {
    /// When the next keepalive PING is due, if one is to be sent at all: the keepalive interval
    /// after the last read (gRPC A8: "_keepalive time_ is ideally measured from the time of the
    /// last byte read"), once the connection is established, while streams are open (or always
    /// with [`Config::keepalive_while_idle`]), and no keepalive PING is already out.
    pub(super) fn next_keepalive(&self) -> Option<Instant> {
        let interval = self.config.keepalive_interval?;
        let wanted = self.active_streams() > 0 || self.config.keepalive_while_idle;
        (wanted && self.phase == Phase::Open && self.keepalive_deadline.is_none())
            .then(|| self.last_read + interval)
    }

    pub(super) fn on_ping(&mut self, p: Ping) -> Result<(), Fault> {
        if p.ack {
            // RFC 9113 §6.7: "An endpoint MUST NOT respond to PING frames containing this flag."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
            if self.shutdown_ping_outstanding && p.payload == SHUTDOWN_PING {
                self.shutdown_ping_outstanding = false;
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
                self.maybe_finish_drain();
            } else if p.payload == KEEPALIVE_PING {
                self.keepalive_deadline = None;
            } else {
                self.events.push_back(Event::Pong { payload: p.payload });
            }
            return Ok(());
        }
        self.check_ping_policy()?;
        // RFC 9113 §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send a
        // PING frame with the ACK flag set in response, with an identical frame payload."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
        self.write_frame(&Frame::Ping(Ping {
            ack: true,
            payload: p.payload,
        }));
        self.count_control_frame()
    }

    /// gRPC keepalive Server Enforcement (A8's suggested algorithm), when a [`PingPolicy`] is
    /// set: a PING too soon after the last accepted one is a strike; too many strikes end the
    /// connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
    pub(super) fn check_ping_policy(&mut self) -> Result<(), Fault> {
        let Some(policy) = &self.config.ping_policy else {
            return Ok(());
        };
        if policy.max_ping_strikes == 0 {
            return Ok(());
        }
        // A8: "If `active_streams == 0 && PERMIT_KEEPALIVE_WITHOUT_CALLS == false`, verify
        // `last_valid_ping_time + 2 hours <= now()`. Otherwise verify `last_valid_ping_time +
        // PERMIT_KEEPALIVE_TIME <= now()`".
        let min = if self.active_streams() == 0 && !policy.permit_pings_without_streams {
            IDLE_PING_INTERVAL
        } else {
            policy.min_ping_interval
        };
        let max_strikes = policy.max_ping_strikes;
        let now = self.now;
        let valid = self
            .last_valid_ping
            .is_none_or(|t| now.saturating_duration_since(t) >= min);
        if valid {
            self.last_valid_ping = Some(now);
            return Ok(());
        }
        self.ping_strikes += 1;
        // A8: "if `ping_strikes > MAX_PING_STRIKES`, client is misbehaving"; "Servers need to
        // respond to misbehaving clients by sending GOAWAY with error code ENHANCE_YOUR_CALM and
        // additional debug data of ASCII "too_many_pings" followed by immediately closing the
        // connection." <https://github.com/grpc/proposal/blob/master/A8-client-side-keepalive.md>
        if self.ping_strikes > max_strikes {
            return Err(Fault::conn(Reason::ENHANCE_YOUR_CALM, "too_many_pings"));
        }
        Ok(())
    }

    /// This endpoint sent HEADERS or DATA. A8: "When a HEADERS or DATA frame is *sent*, set
    /// `last_valid_ping_time = epoch; ping_strikes = 0`".
    #[inline]
    pub(super) fn forgive_pings(&mut self) {
        self.ping_strikes = 0;
        self.last_valid_ping = None;
    }

    /// Sends a PING with `payload`; the acknowledgment arrives as [`Event::Pong`]. The
    /// payloads `b"shutdown"` and `b"keepaliv"` are the connection's own (their
    /// acknowledgments raise no event).
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), CommandError> {
        self.check_open()?;
        self.write_frame(&Frame::Ping(Ping {
            ack: false,
            payload,
        }));
        Ok(())
    }
}
