//! Receiving frames that carry or concern messages: DATA, HEADERS and PUSH_PROMISE with their
//! CONTINUATIONs (field blocks decoded through HPACK and validated as messages), RST_STREAM.

use super::*;

/// How much longer than `Config::max_header_list_size` a field block spread over
/// CONTINUATION frames may be before the connection ends (`on_continuation`): room for the
/// dynamic table size updates a block may start with, far more than an encoder sends.
const BLOCK_OVER_LIST_SLACK: usize = 1024;

/// Why a field section over `Config::max_header_list_size` is reset: a stream error, but not
/// one counted against `Config::max_protocol_error_resets` (RFC 9113 §10.5.1 lets a peer send
/// such a section and risk the reset).
pub(super) const OVER_HEADER_LIST_SIZE: &str = "field section exceeds the maximum header list size";

impl Connection {
    pub(super) fn count_empty_frame(&mut self, empty: bool) -> Result<(), Fault> {
        if !empty {
            self.empty_frames = 0;
            return Ok(());
        }
        self.empty_frames += 1;
        if self.empty_frames > self.config.max_empty_frames {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "too many empty frames",
            ));
        }
        Ok(())
    }

    pub(super) fn on_data(&mut self, d: Data) -> Result<(), Fault> {
        let id = d.stream_id;
        let flow_len = d.flow_len();
        self.count_empty_frame(flow_len == 0 && !d.end_stream)?;
        // RFC 9113 §6.9: "A receiver that receives a flow-controlled frame MUST always account
        // for its contribution against the connection flow-control window, unless the receiver
        // treats this as a connection error (Section 5.4.1)."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
        // RFC 9113 §6.9.1: "The sender MUST NOT send a flow-controlled frame with a length that
        // exceeds the space available in either of the flow-control windows advertised by the
        // receiver." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
        if i64::from(flow_len) > self.conn_recv_window {
            return Err(Fault::conn(
                Reason::FLOW_CONTROL_ERROR,
                "DATA exceeds the connection window",
            ));
        }
        self.conn_recv_window -= i64::from(flow_len);
        match self.lookup(id) {
            Lookup::Present => {}
            // RFC 9113 §5.1: idle: "Receiving any frame other than HEADERS or PRIORITY on a
            // stream in this state MUST be treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Idle => {
                return Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "DATA on an idle stream",
                ));
            }
            Lookup::Closed(ClosedHow::LocallyReset) => {
                // RFC 9113 §5.1: closed: "An endpoint MUST minimally process and then discard any
                // frames it receives in this state. ... the content of DATA frames counts toward
                // the connection flow-control window."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                self.release_connection(flow_len);
                return Ok(());
            }
            // RFC 9113 §5.1: closed: "An endpoint MAY treat receipt of any other type of frame on
            // a closed stream as a connection error (Section 5.4.1) of type STREAM_CLOSED".
            // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Closed(ClosedHow::Closed) | Lookup::Unknown => {
                return Err(Fault::conn(
                    Reason::STREAM_CLOSED,
                    "DATA on a closed stream",
                ));
            }
        }
        let stream = self.streams.get_mut(&id).expect("present");
        // RFC 9113 §6.1: "If a DATA frame is received whose stream is not in the "open" or
        // "half-closed (local)" state, the recipient MUST respond with a stream error
        // (Section 5.4.2) of type STREAM_CLOSED." <https://www.rfc-editor.org/rfc/rfc9113#section-6.1>
        if !stream.state.can_recv() {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::STREAM_CLOSED,
                "DATA on a stream not open for receiving",
            ));
        }
        if i64::from(flow_len) > stream.recv_window {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::FLOW_CONTROL_ERROR,
                "DATA exceeds the stream window",
            ));
        }
        stream.recv_window -= i64::from(flow_len);
        // RFC 9113 §8.1: a message starts with a header section; DATA before it is malformed.
        // "Malformed requests or responses that are detected MUST be treated as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-8.1.1>
        if stream.recv_phase != RecvPhase::Body {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "DATA before the header section",
            ));
        }
        stream.recv_len += d.data.len() as u64;
        // RFC 9113 §8.1.1: "A request or response is also malformed if the value of a
        // content-length header field does not equal the sum of the DATA frame payload lengths
        // that form the content". <https://www.rfc-editor.org/rfc/rfc9113#section-8.1.1>
        if stream.content_length_mismatch(d.end_stream) {
            self.release_connection(flow_len);
            return Err(Fault::content_length_mismatch(id));
        }
        // Padding is not delivered; return its credit at once.
        let padding = flow_len - d.data.len() as u32;
        stream.recv_unconsumed += d.data.len() as u64;
        if padding > 0 {
            self.release_stream_and_connection(id, padding);
        }
        self.events.push_back(Event::Data {
            stream_id: id,
            data: d.data,
            end_stream: d.end_stream,
        });
        if d.end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    pub(super) fn on_headers(&mut self, h: Headers) -> Result<(), Fault> {
        self.count_empty_frame(h.fragment.is_empty() && !h.end_headers)?;
        let kind = BlockKind::Headers {
            end_stream: h.end_stream,
        };
        if h.end_headers {
            return self.on_field_block(
                h.stream_id,
                kind,
                &h.fragment,
                h.priority.map(|p| p.dependency),
            );
        }
        self.start_partial(
            h.stream_id,
            kind,
            &h.fragment,
            h.priority.map(|p| p.dependency),
        );
        Ok(())
    }

    pub(super) fn start_partial(
        &mut self,
        stream_id: StreamId,
        kind: BlockKind,
        fragment: &[u8],
        dependency: Option<StreamId>,
    ) {
        let mut block = BytesMut::with_capacity(fragment.len() * 2);
        block.extend_from_slice(fragment);
        self.partial = Some(PartialBlock {
            stream_id,
            kind,
            block,
            frames: 1,
            dependency,
        });
    }

    pub(super) fn on_continuation(&mut self, c: Continuation) -> Result<(), Fault> {
        // RFC 9113 §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS, PUSH_PROMISE or
        // CONTINUATION frame without the END_HEADERS flag set. A recipient that observes
        // violation of this rule MUST respond with a connection error (Section 5.4.1) of type
        // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.10>
        let Some(partial) = &mut self.partial else {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "CONTINUATION without a preceding field block",
            ));
        };
        partial.frames += 1;
        // CONTINUATION flood (2024): bound the frames and octets of one field block, before
        // the fragment is copied. A block spread over CONTINUATIONs that is longer than the
        // list size plus `BLOCK_OVER_LIST_SLACK` decodes to more than the list size (HPACK
        // spends at most name + value + 9 octets on a literal, which counts name + value + 32,
        // and a few octets on table size updates; encoders use Huffman codes only where they
        // are shorter), so the message would be refused anyway: the connection ends there
        // rather than buffering up to `max_header_block_size` first. h2 does the same (GOAWAY
        // once a block over the list size has more than the list size buffered).
        let limit = (self.config.max_header_block_size as usize)
            .min((self.config.max_header_list_size as usize).saturating_add(BLOCK_OVER_LIST_SLACK));
        if partial.frames > self.config.max_continuation_frames.saturating_add(1)
            || partial.block.len() + c.fragment.len() > limit
        {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "field block too large",
            ));
        }
        partial.block.extend_from_slice(&c.fragment);
        let empty = c.fragment.is_empty() && !c.end_headers;
        self.count_empty_frame(empty)?;
        if !c.end_headers {
            return Ok(());
        }
        let partial = self.partial.take().expect("checked above");
        let block = partial.block.freeze();
        self.on_field_block(partial.stream_id, partial.kind, &block, partial.dependency)
    }

    /// Decodes a field block, always (the HPACK state is shared by every stream), into a
    /// section of `kind`, or discards it when `kind` is `None`.
    pub(super) fn decode_block(
        &mut self,
        block: &[u8],
        kind: Option<SectionKind>,
    ) -> Result<Option<Decoded>, Fault> {
        let mut builder = kind.map(SectionBuilder::new);
        let result = self.hpack_dec.decode(block, |f| {
            if let Some(b) = &mut builder {
                b.push(f);
            }
        });
        match result {
            Ok(()) => Ok(builder.map(SectionBuilder::finish)),
            // Far over the limit: decoding stopped (see `Config::header_list_abort_size`), so
            // the HPACK state is out of step and the connection ends. RFC 9113 §10.5.1: "The
            // field block MUST be processed to ensure a consistent connection state, unless the
            // connection is closed." <https://www.rfc-editor.org/rfc/rfc9113#section-10.5.1>
            Err(e) if e.kind() == HpackErrorKind::HeaderListAborted => Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "field section far over the maximum header list size",
            )),
            Err(e) if e.is_compression_error() => {
                // RFC 9113 §4.3: "A decoding error in a field block MUST be treated as a
                // connection error (Section 5.4.1) of type COMPRESSION_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-4.3>
                Err(Fault::Connection {
                    reason: Reason::COMPRESSION_ERROR,
                    why: e.to_string().into(),
                })
            }
            Err(e) => match e.kind() {
                // RFC 9113 §10.5.1: "endpoints MAY choose to send field blocks that exceed this
                // limit and risk the request or response being treated as malformed. ... A
                // server that receives a larger field block than it is willing to handle can
                // send an HTTP 431 (Request Header Fields Too Large) status code [RFC6585]. ...
                // The field block MUST be processed to ensure a consistent connection state,
                // unless the connection is closed."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-10.5.1>
                // The block was processed in full (the HPACK state stays in step); the message
                // is treated as malformed, a stream error PROTOCOL_ERROR, rather than answered
                // 431 (see `Config::max_header_list_size`).
                HpackErrorKind::HeaderListTooLarge | HpackErrorKind::StringTooLong => {
                    Ok(Some(Err(OVER_HEADER_LIST_SIZE)))
                }
                _ => Err(Fault::Connection {
                    reason: Reason::COMPRESSION_ERROR,
                    why: e.to_string().into(),
                }),
            },
        }
    }

    pub(super) fn on_field_block(
        &mut self,
        id: StreamId,
        kind: BlockKind,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        match kind {
            BlockKind::Headers { end_stream } => {
                self.on_headers_block(id, end_stream, block, dependency)
            }
            BlockKind::PushPromise { promised_id } => {
                self.on_push_promise_block(id, promised_id, block)
            }
        }
    }

    pub(super) fn on_headers_block(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let lookup = self.lookup(id);
        match lookup {
            Lookup::Idle if self.is_local_id(id) || self.role == Role::Client => {
                // RFC 9113 §5.1: idle: "If this stream is initiated by the server, as described
                // in Section 5.1.1, then receiving a HEADERS frame MUST also be treated as a
                // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                self.decode_block(block, None)?;
                Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS on an idle stream this endpoint did not open",
                ))
            }
            Lookup::Idle => self.on_new_request(id, end_stream, block, dependency),
            Lookup::Unknown => {
                self.decode_block(block, None)?;
                // RFC 9113 §5.1.1: "The identifier of a newly established stream MUST be
                // numerically greater than all streams that the initiating endpoint has opened or
                // reserved. ... An endpoint that receives an unexpected stream identifier MUST
                // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.1>
                Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS with an unexpected stream identifier",
                ))
            }
            Lookup::Closed(ClosedHow::LocallyReset) => {
                self.decode_block(block, None)?;
                Ok(())
            }
            // RFC 9113 §5.1: closed: "An endpoint MAY treat receipt of any other type of frame
            // on a closed stream as a connection error (Section 5.4.1) of type STREAM_CLOSED".
            // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Closed(ClosedHow::Closed) => {
                self.decode_block(block, None)?;
                Err(Fault::conn(
                    Reason::STREAM_CLOSED,
                    "HEADERS on a closed stream",
                ))
            }
            Lookup::Present => self.on_headers_existing(id, end_stream, block, dependency),
        }
    }

    pub(super) fn on_new_request(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let decoded = self.decode_block(block, Some(SectionKind::Request))?;
        // §5.1.1: the stream leaves "idle"; lower idle ids the peer skipped are now closed.
        self.last_peer_id = id;
        // It may raise this stream's window (`Config::max_unearned_window_updates`).
        self.window_update_credit += 2;
        if self.goaway_sent.is_some_and(|last| id > last) {
            // RFC 9113 §6.8: "Once the GOAWAY is sent, the sender will ignore frames sent on
            // streams initiated by the receiver if the stream has an identifier higher than the
            // included last stream identifier." <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
            return Ok(());
        }
        if dependency == Some(id) {
            // RFC 7540 §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat this as
            // a stream error (Section 5.4.2) of type PROTOCOL_ERROR."
            // <https://www.rfc-editor.org/rfc/rfc7540#section-5.3.1>
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "stream depends on itself",
            ));
        }
        // RFC 9113 §5.1.2: "An endpoint that receives a HEADERS frame that causes its advertised
        // concurrent stream limit to be exceeded MUST treat this as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR or REFUSED_STREAM."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
        if self.active_peer >= self.local_acked.max_concurrent_streams {
            return Err(Fault::stream(
                id,
                Reason::REFUSED_STREAM,
                "concurrent stream limit",
            ));
        }
        let (section, content_length) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(id, Reason::PROTOCOL_ERROR, why)),
        };
        let mut stream = Stream::new(
            State::Open,
            true,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.recv_phase = RecvPhase::Body;
        stream.content_length = content_length;
        if stream.content_length_mismatch(end_stream) {
            return Err(Fault::content_length_mismatch(id));
        }
        self.insert_stream(id, stream);
        self.events.push_back(Event::Headers {
            stream_id: id,
            section,
            end_stream,
        });
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    pub(super) fn on_headers_existing(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let (state, phase) = {
            let s = &self.streams[&id];
            (s.state, s.recv_phase)
        };
        let kind = match (state, phase) {
            (State::ReservedRemote, _) => Some(SectionKind::Response),
            (State::Open | State::HalfClosedLocal, RecvPhase::AwaitingHeaders) => {
                Some(SectionKind::Response)
            }
            (State::Open | State::HalfClosedLocal, RecvPhase::Body) => Some(SectionKind::Trailers),
            _ => None,
        };
        let decoded = self.decode_block(block, kind)?;
        if dependency == Some(id) {
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "stream depends on itself",
            ));
        }
        let Some(kind) = kind else {
            return match state {
                // RFC 9113 §5.1: half-closed (remote): "If an endpoint receives additional
                // frames, other than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is
                // in this state, it MUST respond with a stream error (Section 5.4.2) of type
                // STREAM_CLOSED." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                State::HalfClosedRemote | State::Closed => Err(Fault::stream(
                    id,
                    Reason::STREAM_CLOSED,
                    "HEADERS after END_STREAM",
                )),
                // RFC 9113 §5.1: reserved (local): "Receiving any type of frame other than
                // RST_STREAM, PRIORITY, or WINDOW_UPDATE on a stream in this state MUST be
                // treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                _ => Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS on a reserved (local) stream",
                )),
            };
        };
        let (section, content_length) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(id, Reason::PROTOCOL_ERROR, why)),
        };
        match kind {
            SectionKind::Trailers => {
                // RFC 9113 §8.1: "An endpoint that receives a HEADERS frame without the
                // END_STREAM flag set after receiving the HEADERS frame that opens a request or
                // after receiving a final (non-informational) status code MUST treat the
                // corresponding request or response as malformed (Section 8.1.1)."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-8.1>
                if !end_stream {
                    return Err(Fault::stream(
                        id,
                        Reason::PROTOCOL_ERROR,
                        "second HEADERS without END_STREAM",
                    ));
                }
                if self.streams[&id].content_length_mismatch(true) {
                    return Err(Fault::content_length_mismatch(id));
                }
                self.events.push_back(Event::Trailers {
                    stream_id: id,
                    fields: section.fields,
                });
            }
            _ => {
                let status = section.pseudo.status.unwrap_or(0);
                let informational = (100..200).contains(&status);
                // RFC 9113 §8.1: "A HEADERS frame with the END_STREAM flag set that carries an
                // informational status code is malformed (Section 8.1.1)."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-8.1>
                if informational && end_stream {
                    return Err(Fault::stream(
                        id,
                        Reason::PROTOCOL_ERROR,
                        "1xx response with END_STREAM",
                    ));
                }
                if state == State::ReservedRemote {
                    // §5.1: reserved (remote) → half-closed (local) on receiving HEADERS.
                    self.reserved_remote -= 1;
                    self.set_state(id, State::HalfClosedLocal);
                }
                let s2 = self.streams.get_mut(&id).expect("present");
                if !informational {
                    s2.recv_phase = RecvPhase::Body;
                    s2.content_length = content_length;
                    if status == 204 || status == 304 {
                        s2.no_content_expected = true;
                    }
                    if s2.content_length_mismatch(end_stream) {
                        return Err(Fault::content_length_mismatch(id));
                    }
                }
                self.events.push_back(Event::Headers {
                    stream_id: id,
                    section,
                    end_stream,
                });
            }
        }
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    pub(super) fn on_push_promise(&mut self, p: PushPromise) -> Result<(), Fault> {
        // RFC 9113 §8.4: "A client cannot push. Thus, servers MUST treat the receipt of a
        // PUSH_PROMISE frame as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-8.4>
        if self.role == Role::Server {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE received by a server",
            ));
        }
        // RFC 9113 §6.6: "An endpoint that has set this setting and has received acknowledgment
        // MUST treat the receipt of a PUSH_PROMISE frame as a connection error (Section 5.4.1)
        // of type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !self.local_acked.enable_push {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE with push disabled",
            ));
        }
        self.count_empty_frame(p.fragment.is_empty() && !p.end_headers)?;
        let kind = BlockKind::PushPromise {
            promised_id: p.promised_id,
        };
        if p.end_headers {
            return self.on_field_block(p.stream_id, kind, &p.fragment, None);
        }
        self.start_partial(p.stream_id, kind, &p.fragment, None);
        Ok(())
    }

    pub(super) fn on_push_promise_block(
        &mut self,
        id: StreamId,
        promised_id: StreamId,
        block: &[u8],
    ) -> Result<(), Fault> {
        let decoded = self.decode_block(block, Some(SectionKind::Request))?;
        // RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE that promises an
        // illegal stream identifier (Section 5.1.1) as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !promised_id.is_server_initiated() || promised_id <= self.last_peer_id {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE promises an illegal stream identifier",
            ));
        }
        self.last_peer_id = promised_id;
        let assoc_ok = match self.lookup(id) {
            Lookup::Present => self.streams[&id].state.can_recv(),
            Lookup::Closed(ClosedHow::LocallyReset) => {
                // RFC 9113 §6.6: "an endpoint that has sent RST_STREAM on the associated stream
                // MUST handle PUSH_PROMISE frames that might have been created before the
                // RST_STREAM frame is received and processed." The promise is refused.
                self.remember_closed(promised_id, ClosedHow::LocallyReset);
                self.write_rst(promised_id, Reason::CANCEL);
                return Ok(());
            }
            _ => false,
        };
        // RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE on a stream that
        // is neither "open" nor "half-closed (local)" as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !assoc_ok || self.streams[&id].remote_initiated {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE on a stream that is not open",
            ));
        }
        let (request, _) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(promised_id, Reason::PROTOCOL_ERROR, why)),
        };
        if self.reserved_remote >= self.local_acked.max_concurrent_streams {
            return Err(Fault::stream(
                promised_id,
                Reason::REFUSED_STREAM,
                "too many reserved streams",
            ));
        }
        let mut stream = Stream::new(
            State::ReservedRemote,
            true,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.accepted = true;
        self.reserved_remote += 1;
        self.streams.insert(promised_id, stream);
        self.events.push_back(Event::PushPromise {
            stream_id: id,
            promised_id,
            request,
        });
        Ok(())
    }

    pub(super) fn on_rst_stream(&mut self, r: RstStream) -> Result<(), Fault> {
        let id = r.stream_id;
        match self.lookup(id) {
            // RFC 9113 §6.4: "If a RST_STREAM frame identifying an idle stream is received, the
            // recipient MUST treat this as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.4>
            Lookup::Idle => Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "RST_STREAM on an idle stream",
            )),
            // §5.1: RST_STREAM may arrive on a closed stream in the race after closing.
            Lookup::Closed(_) | Lookup::Unknown => Ok(()),
            Lookup::Present => {
                let accepted = self.streams[&id].accepted;
                if !accepted {
                    // Rapid reset (CVE-2023-44487): the stream never reaches the application;
                    // bound how many such streams may be outstanding.
                    self.reset_unaccepted.insert(id);
                    if self.reset_unaccepted.len()
                        > self.config.max_pending_accept_reset_streams as usize
                    {
                        return Err(Fault::conn(
                            Reason::ENHANCE_YOUR_CALM,
                            "too many streams reset before being accepted",
                        ));
                    }
                }
                self.events.push_back(Event::Reset {
                    stream_id: id,
                    reason: r.reason,
                    remote: true,
                });
                self.close_stream(id, ClosedHow::Closed);
                Ok(())
            }
        }
    }
}
