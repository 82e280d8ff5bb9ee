//! The sans-IO client connection: requests out, responses in, matched in order (RFC 9112
//! §9.2), on a persistent connection for as long as both sides allow it.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::body::{BodyDecoder, Decoded};
use crate::config::Config;
use crate::encode::{self, ConnectionOption, SendFraming};
use crate::error::{CommandError, CommandErrorKind, Error, ErrorKind};
use crate::framing::response_meta;
use crate::head::{BodyKind, Field, Headers, Method, RequestHead, ResponseHead, Version};
use crate::output::RECV_RESERVE;
use crate::output::{Output, Sending};
use crate::parse::{HeadKind, HeadScanner, Limits, RawResponse, parse_response, valid_host};
use crate::server::Content;

/// What the client connection tells the application.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// An interim (1xx) response to the oldest outstanding request.
    Informational(ResponseHead),
    /// The final response head to the oldest outstanding request. With `body`
    /// [`BodyKind::Empty`] the response is complete; otherwise its content follows as
    /// [`ClientEvent::Data`] and ends with [`ClientEvent::End`].
    Response {
        /// The status-line and header section (field names lowercased).
        head: ResponseHead,
        /// How the content is delimited.
        body: BodyKind,
    },
    /// Response content.
    Data(Bytes),
    /// The response is complete, with the trailer section of a chunked body if it had fields.
    End {
        /// The trailer fields.
        trailers: Option<Headers>,
    },
    /// The response was malformed or cut short; [`ClientEvent::Closed`] follows.
    Error(Error),
    /// The connection is finished (after writing what is left, close the transport). Requests
    /// still outstanding got no (complete) response.
    Closed {
        /// Why, if not cleanly.
        error: Option<Error>,
    },
}

#[derive(Debug)]
enum Recv {
    Head,
    Body(BodyDecoder),
    Closed,
}

/// A request whose response has not been received in full.
#[derive(Debug)]
struct Outstanding {
    method: Method,
}

#[derive(Debug)]
enum SendState {
    /// No request being sent.
    Idle,
    Body(Sending),
    /// `Expect: 100-continue`: content is held until 100, a final response, or the deadline.
    Waiting {
        sending: Sending,
        held: Vec<Bytes>,
        /// The application finished the request (with these trailers).
        finished: Option<Option<Headers>>,
        deadline: Instant,
    },
}

/// A sans-IO HTTP/1.1 client connection.
///
/// Inputs: [`send_request`](Self::send_request), [`send_data`](Self::send_data),
/// [`finish`](Self::finish), [`handle_received`](Self::handle_received),
/// [`handle_eof`](Self::handle_eof), [`handle_timeout`](Self::handle_timeout). Outputs:
/// [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
/// [`poll_timeout`](Self::poll_timeout).
///
/// A request may be sent once the previous one has been sent in full, before its response
/// (pipelining); responses are matched to requests in order. The server is assumed to speak
/// HTTP/1.1 (chunked request content is used for [`Content::Streaming`]) until a response says
/// HTTP/1.0.
///
/// ```
/// use courier_http1::{ClientConnection, ClientEvent, Content, Method, RequestHead};
///
/// let mut conn = ClientConnection::new(Default::default(), std::time::Instant::now());
/// let mut req = RequestHead::new(Method::GET, "/");
/// req.headers.append("host", "example.com");
/// conn.send_request(req, Content::None).unwrap();
/// assert_eq!(&conn.poll_transmit().unwrap()[..], b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
/// conn.handle_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// assert!(matches!(conn.poll_event(), Some(ClientEvent::Response { .. })));
/// assert_eq!(conn.poll_event(), Some(ClientEvent::Data("hi".into())));
/// assert_eq!(conn.poll_event(), Some(ClientEvent::End { trailers: None }));
/// assert!(conn.is_idle());
/// ```
#[derive(Debug)]
pub struct ClientConnection {
    config: Config,
    limits: Limits,
    recv: BytesMut,
    scanner: HeadScanner,
    state: Recv,
    outstanding: VecDeque<Outstanding>,
    send: SendState,
    out: Output,
    events: VecDeque<ClientEvent>,
    raw: RawResponse,
    /// No new request: a close option was sent or received, or framing was in doubt.
    no_reuse: bool,
    /// The server answered with HTTP/1.0: no chunked request content.
    server_http10: bool,
    eof: bool,
    closed: bool,
    now: Instant,
}

impl ClientConnection {
    /// A new connection.
    pub fn new(config: Config, now: Instant) -> ClientConnection {
        ClientConnection {
            limits: config.limits(),
            config,
            recv: BytesMut::new(),
            scanner: HeadScanner::new(HeadKind::Response),
            state: Recv::Head,
            outstanding: VecDeque::new(),
            send: SendState::Idle,
            out: Output::default(),
            events: VecDeque::new(),
            raw: RawResponse::default(),
            no_reuse: false,
            server_http10: false,
            eof: false,
            closed: false,
            now,
        }
    }

    /// Whether a new request can be sent now: the connection is open and may persist, and no
    /// request is being sent.
    pub fn can_send(&self) -> bool {
        !self.closed && !self.no_reuse && matches!(self.send, SendState::Idle)
    }

    /// Whether nothing is in flight: no request being sent, no response outstanding.
    pub fn is_idle(&self) -> bool {
        self.outstanding.is_empty() && matches!(self.send, SendState::Idle)
    }

    /// Whether the connection is finished.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Sends a request head. The application must include a valid Host field (RFC 9112 §3.2:
    /// "A client MUST send a Host header field (Section 7.2 of \[HTTP\]) in all HTTP/1.1 request
    /// messages"). Framing
    /// follows `content` (Content-Length, or chunked for [`Content::Streaming`]); a
    /// Content-Length the application set is used with [`Content::Streaming`]. With
    /// `Expect: 100-continue`, content is held until the server asks for it.
    pub fn send_request(
        &mut self,
        head: RequestHead,
        content: Content,
    ) -> Result<(), CommandError> {
        if self.closed {
            return Err(CommandError::new(CommandErrorKind::Closed, ""));
        }
        if self.no_reuse || !matches!(self.send, SendState::Idle) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "the connection cannot take a request now",
            ));
        }
        if head.method == Method::CONNECT {
            return Err(CommandError::new(
                CommandErrorKind::InvalidRequestLine,
                "CONNECT tunnels are not supported",
            ));
        }
        let target_ok = !head.target.is_empty()
            && head.target.iter().all(|&b| b > 0x20 && b < 0x7f)
            && (head.target[0] == b'/'
                || (&head.target[..] == b"*" && head.method == Method::OPTIONS)
                || head.target.windows(3).any(|w| w == b"://"));
        if !target_ok {
            return Err(CommandError::new(
                CommandErrorKind::InvalidRequestLine,
                "invalid request-target",
            ));
        }
        encode::check_fields(&head.headers)?;
        let mut hosts = head.headers.get_all(b"host");
        match (hosts.next(), hosts.next()) {
            (Some(h), None) if valid_host(h) => {}
            _ => {
                return Err(CommandError::new(
                    CommandErrorKind::InvalidHeader,
                    "a request needs exactly one valid Host field",
                ));
            }
        }
        if head.headers.contains("transfer-encoding") {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "the connection chooses the transfer coding",
            ));
        }
        let content = match (content, head.headers.get("content-length")) {
            (Content::Streaming, Some(v)) => Content::Length(
                std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or(CommandError::new(
                        CommandErrorKind::InvalidHeader,
                        "invalid content-length",
                    ))?,
            ),
            (c, _) => c,
        };
        let expect = head.headers.has_token(b"expect", b"100-continue");
        // RFC 9110 §10.1.1: "A client MUST NOT generate a 100-continue expectation in a request
        // that does not include content."
        // <https://www.rfc-editor.org/rfc/rfc9110#section-10.1.1>
        if expect && matches!(content, Content::None | Content::Length(0)) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "100-continue expectation without content",
            ));
        }
        let framing = match content {
            // RFC 9110 §8.6: "a user agent normally sends Content-Length in a POST request even
            // when the value is 0".
            Content::None | Content::Length(0)
                if matches!(head.method, Method::POST | Method::PUT | Method::PATCH) =>
            {
                SendFraming::Length(0)
            }
            Content::None => SendFraming::None,
            Content::Length(n) => SendFraming::Length(n),
            // RFC 9112 §6.3: "A client MUST NOT use the chunked transfer coding unless it knows
            // the server will handle HTTP/1.1 (or later) requests".
            // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
            Content::Streaming if self.server_http10 => {
                return Err(CommandError::new(
                    CommandErrorKind::InvalidState,
                    "the server speaks HTTP/1.0: content of unknown length cannot be sent",
                ));
            }
            Content::Streaming => SendFraming::Chunked,
        };
        // RFC 9112 §9.6: "A client that sends a "close" connection option MUST NOT send further
        // requests on that connection".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.6>
        if head.headers.has_token(b"connection", b"close") {
            self.no_reuse = true;
        }
        let before = self.out.buf.len();
        encode::request_head(&mut self.out.buf, &head, framing, ConnectionOption::None);
        self.out.wrote(before);
        let sending = Sending::new(framing, true);
        self.outstanding.push_back(Outstanding {
            method: head.method,
        });
        self.send = if matches!(framing, SendFraming::None | SendFraming::Length(0)) {
            SendState::Idle
        } else if expect {
            SendState::Waiting {
                sending,
                held: Vec::new(),
                finished: None,
                deadline: self.now + self.config.continue_timeout,
            }
        } else {
            SendState::Body(sending)
        };
        Ok(())
    }

    /// Sends request content.
    pub fn send_data(&mut self, data: Bytes) -> Result<(), CommandError> {
        match &mut self.send {
            SendState::Body(s) => s.data(&mut self.out, data),
            SendState::Waiting { held, finished, .. } if finished.is_none() => {
                held.push(data);
                Ok(())
            }
            _ if self.closed => Err(CommandError::new(CommandErrorKind::Closed, "")),
            _ => Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "no request content is being sent",
            )),
        }
    }

    /// Ends the request, with trailers if it is chunked.
    pub fn finish(&mut self, trailers: Option<Headers>) -> Result<(), CommandError> {
        match &mut self.send {
            SendState::Body(s) => {
                s.finish(&mut self.out, trailers.as_ref())?;
                self.send = SendState::Idle;
                self.maybe_close();
                Ok(())
            }
            SendState::Waiting { finished, .. } if finished.is_none() => {
                *finished = Some(trailers);
                Ok(())
            }
            SendState::Idle if !self.outstanding.is_empty() => Ok(()),
            _ if self.closed => Err(CommandError::new(CommandErrorKind::Closed, "")),
            _ => Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "no request is being sent",
            )),
        }
    }

    /// Octets read from the transport.
    pub fn handle_received(&mut self, data: &[u8]) {
        if self.closed {
            return;
        }
        if self.recv.capacity() - self.recv.len() < data.len() {
            // Room for several requests at once: the heads split off this buffer keep their
            // part of it alive, so a small reservation would mean an allocation per request.
            self.recv.reserve(data.len().max(RECV_RESERVE));
        }
        self.recv.extend_from_slice(data);
        self.process();
    }

    /// The server closed its side: a close-delimited response is complete; anything else in
    /// progress is not.
    pub fn handle_eof(&mut self) {
        if self.closed || self.eof {
            return;
        }
        self.eof = true;
        if let Recv::Body(dec) = &mut self.state {
            match dec.eof() {
                Ok(_) => {
                    self.events.push_back(ClientEvent::End { trailers: None });
                    self.response_done();
                }
                Err(e) => return self.fail(e),
            }
        }
        if self.closed {
            return;
        }
        let partial = !self.recv.iter().all(|&b| b == b'\r' || b == b'\n');
        if !self.outstanding.is_empty() || partial {
            self.fail(Error::new(ErrorKind::IncompleteMessage));
        } else {
            self.close(None);
        }
    }

    /// The time is `now`: held content is released once the continue deadline passes.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if let SendState::Waiting { deadline, .. } = &self.send {
            if now >= *deadline {
                self.release_held();
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.send {
            SendState::Waiting { deadline, .. } if !self.closed => Some(*deadline),
            _ => None,
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The next octets to write.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.out.poll()
    }

    /// Octets queued for the transport and not taken yet.
    pub fn pending_output(&self) -> usize {
        self.out.len()
    }

    /// Closes the connection now (requests outstanding are abandoned).
    pub fn close_now(&mut self) {
        self.close(None);
    }

    fn release_held(&mut self) {
        let SendState::Waiting {
            mut sending,
            held,
            finished,
            ..
        } = std::mem::replace(&mut self.send, SendState::Idle)
        else {
            return;
        };
        for d in held {
            if let Err(e) = sending.data(&mut self.out, d) {
                let _ = e;
                return self.close(None);
            }
        }
        match finished {
            Some(trailers) => {
                if sending.finish(&mut self.out, trailers.as_ref()).is_err() {
                    return self.close(None);
                }
                self.maybe_close();
            }
            None => self.send = SendState::Body(sending),
        }
    }

    fn process(&mut self) {
        loop {
            match &mut self.state {
                Recv::Closed => return,
                Recv::Head => {
                    if self.outstanding.is_empty() {
                        // RFC 9112 §9.2: "If a client receives data on a connection that doesn't
                        // have outstanding requests, the client MUST NOT consider that data to
                        // be a valid response; the client SHOULD close the connection, since
                        // message delimitation is now ambiguous, unless the data consists only
                        // of one or more CRLF (which can be discarded per Section 2.2)."
                        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.2>
                        if self.recv.iter().all(|&b| b == b'\r' || b == b'\n') {
                            if self.recv.len() > 1024 {
                                self.recv.clear();
                                self.scanner = HeadScanner::new(HeadKind::Response);
                            }
                            return;
                        }
                        return self.fail(Error::new(ErrorKind::UnexpectedResponse));
                    }
                    // The whole head usually arrives in one read: parse it in one pass. If it is
                    // not complete, the scanner takes over and the head is parsed once it is.
                    let scanned = if self.scanner.is_fresh() {
                        match parse_response(&mut self.recv, &self.limits, &mut self.raw) {
                            Ok(None) => self
                                .scanner
                                .scan(&self.recv, &self.limits, HeadKind::Response)
                                .map(|_| None),
                            r => r,
                        }
                    } else {
                        match self
                            .scanner
                            .scan(&self.recv, &self.limits, HeadKind::Response)
                        {
                            Ok(Some(len)) => {
                                parse_response(&mut self.recv[..len], &self.limits, &mut self.raw)
                            }
                            r => r,
                        }
                    };
                    match scanned {
                        Err(e) => return self.fail(e),
                        Ok(None) => return,
                        Ok(Some(len)) => {
                            if let Err(e) = self.response(len) {
                                return self.fail(e);
                            }
                        }
                    }
                }
                Recv::Body(dec) => match dec.decode(
                    &mut self.recv,
                    &self.limits,
                    self.config.max_chunk_line,
                    self.config.max_body_size,
                ) {
                    Err(e) => return self.fail(e),
                    Ok(Decoded::Need) => return,
                    Ok(Decoded::Data(d)) => self.events.push_back(ClientEvent::Data(d)),
                    Ok(Decoded::End(trailers)) => {
                        self.events.push_back(ClientEvent::End { trailers });
                        self.response_done();
                    }
                },
            }
        }
    }

    fn response(&mut self, len: usize) -> Result<(), Error> {
        let buf = self.recv.split_to(len).freeze();
        self.scanner = HeadScanner::new(HeadKind::Response);
        let raw = &self.raw;
        let mut headers = Headers::with_capacity(raw.fields.len());
        for f in &raw.fields {
            headers.push(Field::new(
                buf.slice(f.name.clone()),
                buf.slice(f.value.clone()),
            ));
        }
        let head = ResponseHead {
            status: raw.status,
            reason: buf.slice(raw.reason.clone()),
            version: if raw.http10 {
                Version::Http10
            } else {
                Version::Http11
            },
            headers,
        };
        if head.status < 200 {
            // RFC 9110 §15.2.2: a 101 switches protocols "via the Upgrade header field", which
            // this client never sends.
            if head.status == 101 {
                return Err(Error::new(ErrorKind::UnexpectedResponse));
            }
            // RFC 9110 §15.2: "A client MUST be able to parse one or more 1xx responses received
            // prior to a final response, even if the client does not expect one."
            // <https://www.rfc-editor.org/rfc/rfc9110#section-15.2>
            if head.status == 100 {
                self.release_held();
            }
            self.events.push_back(ClientEvent::Informational(head));
            return Ok(());
        }
        if head.version == Version::Http10 {
            self.server_http10 = true;
        }
        let method = &self.outstanding[0].method;
        let meta = response_meta(&head, method, self.config.max_body_size)?;
        // RFC 9112 §9.6: "A client that receives a "close" connection option MUST cease sending
        // requests on that connection and close the connection after reading the response
        // message containing the "close" connection option".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.6>
        if !meta.keep_alive {
            self.no_reuse = true;
        }
        if let SendState::Waiting { .. } = self.send {
            // A final response before 100 Continue: the content is not wanted. The request
            // stays incomplete, so the connection cannot be used again.
            self.send = SendState::Idle;
            self.no_reuse = true;
        }
        self.events.push_back(ClientEvent::Response {
            head,
            body: meta.body,
        });
        if meta.body == BodyKind::Empty {
            self.response_done();
        } else {
            self.state = Recv::Body(BodyDecoder::new(meta.body));
        }
        Ok(())
    }

    fn response_done(&mut self) {
        self.outstanding.pop_front();
        if !matches!(self.state, Recv::Closed) {
            self.state = Recv::Head;
        }
        self.maybe_close();
    }

    /// Closes once nothing is in flight on a connection that cannot be reused.
    fn maybe_close(&mut self) {
        if self.no_reuse && self.is_idle() {
            self.close(None);
        }
    }

    fn fail(&mut self, e: Error) {
        self.events.push_back(ClientEvent::Error(e));
        self.close(Some(e));
    }

    fn close(&mut self, error: Option<Error>) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.state = Recv::Closed;
        self.send = SendState::Idle;
        self.events.push_back(ClientEvent::Closed { error });
    }
}
