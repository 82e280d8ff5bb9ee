//! The sans-IO server connection: requests in, responses out, one exchange at a time, in
//! order (pipelined requests wait in the receive buffer until the response before them is
//! complete — RFC 9112 §9.3.2: a server "MUST send the corresponding responses in the same
//! order that the requests were received").

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};

use crate::body::{BodyDecoder, Decoded};
use crate::config::Config;
use crate::encode::{self, ConnectionOption, SendFraming};
use crate::error::{CommandError, CommandErrorKind, Error, ErrorKind};
use crate::framing::{RequestMeta, request_meta};
use crate::head::{BodyKind, Field, Headers, Method, RequestHead, ResponseHead, Version};
use crate::output::RECV_RESERVE;
use crate::output::{Output, Sending};
use crate::parse::{HeadKind, HeadScanner, Limits, RawRequest, parse_request};

/// What the server connection tells the application.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A request head. With `body` [`BodyKind::Empty`] the request is complete; otherwise its
    /// content follows as [`ServerEvent::Data`] and ends with [`ServerEvent::End`]. Answer it
    /// with [`ServerConnection::send_response`].
    Request {
        /// The request-line and header section (field names lowercased).
        head: RequestHead,
        /// How the content is delimited.
        body: BodyKind,
    },
    /// Request content.
    Data(Bytes),
    /// The request content is complete, with the trailer section of a chunked body if it had
    /// fields.
    End {
        /// The trailer fields, kept apart from the header section (RFC 9112 §7.1.2).
        trailers: Option<Headers>,
    },
    /// The request content was malformed or cut short: the request is abandoned. The
    /// connection answers it (when no response has begun) and closes; [`ServerEvent::Closed`]
    /// follows.
    Error(Error),
    /// The connection is finished: write what [`ServerConnection::poll_transmit`] still
    /// returns, then close the transport. `error` says why, for a connection closed because
    /// of bad input or a timeout; `None` for a clean close.
    Closed {
        /// Why, if not cleanly.
        error: Option<Error>,
    },
}

/// How a response's content is delimited, as the application knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// No content.
    None,
    /// Exactly this many octets (sent with Content-Length).
    Length(u64),
    /// Content of a length not known in advance, possibly followed by trailers: chunked to an
    /// HTTP/1.1 peer (or Content-Length, if the application set that field), delimited by
    /// closing the connection to an HTTP/1.0 client.
    Streaming,
}

#[derive(Debug)]
enum Recv {
    /// Waiting for (or reading) a request head.
    Head,
    /// Reading the current request's content.
    Body(BodyDecoder),
    /// Reading and dropping the rest of a request's content after its response: octets so far.
    Discard(BodyDecoder, u64),
    Closed,
}

#[derive(Debug)]
enum Send {
    /// No response yet.
    Waiting,
    Body(Sending),
    Done,
}

/// The request being answered.
#[derive(Debug)]
struct Exchange {
    version: Version,
    head_request: bool,
    keep_alive: bool,
    /// 100 Continue is expected and not sent yet.
    continue_pending: bool,
    request_done: bool,
    send: Send,
}

/// A sans-IO HTTP/1.1 server connection.
///
/// Inputs: [`handle_received`](Self::handle_received) (octets read),
/// [`handle_eof`](Self::handle_eof), [`handle_timeout`](Self::handle_timeout), and the
/// application's commands ([`send_response`](Self::send_response),
/// [`send_data`](Self::send_data), [`finish`](Self::finish), ...). Outputs:
/// [`poll_event`](Self::poll_event), [`poll_transmit`](Self::poll_transmit),
/// [`poll_timeout`](Self::poll_timeout). It never touches a socket or a clock.
///
/// ```
/// use std::time::Instant;
/// use courier_http1::{Content, Headers, ResponseHead, ServerConnection, ServerEvent};
///
/// let mut conn = ServerConnection::new(Default::default(), Instant::now());
/// conn.handle_received(b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n");
/// let Some(ServerEvent::Request { head, .. }) = conn.poll_event() else { panic!() };
/// assert_eq!(&head.target[..], b"/hello");
/// let headers = Headers::new().with("content-type", "text/plain");
/// conn.send_response(ResponseHead::with_headers(200, headers), Content::Length(2)).unwrap();
/// conn.send_data("hi".into()).unwrap();
/// conn.finish(None).unwrap();
/// let mut wire = Vec::new();
/// while let Some(b) = conn.poll_transmit() {
///     wire.extend_from_slice(&b);
/// }
/// assert_eq!(
///     wire,
///     b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nhi"
/// );
/// ```
#[derive(Debug)]
pub struct ServerConnection {
    config: Config,
    limits: Limits,
    recv: BytesMut,
    scanner: HeadScanner,
    state: Recv,
    exchange: Option<Exchange>,
    out: Output,
    events: VecDeque<ServerEvent>,
    raw: RawRequest,
    /// No request after the current exchange: close once it is done.
    closing: bool,
    /// The peer closed its side.
    eof: bool,
    closed: bool,
    /// The first octet of the head being read arrived then.
    head_started: Option<Instant>,
    /// Waiting for a request since then.
    idle_since: Instant,
    /// An exchange ended: the clocks restart at the next time the connection learns.
    clock_restart: bool,
    date: Option<Bytes>,
}

impl ServerConnection {
    /// A new connection, waiting for its first request since `now`.
    pub fn new(config: Config, now: Instant) -> ServerConnection {
        ServerConnection {
            limits: config.limits(),
            config,
            recv: BytesMut::new(),
            scanner: HeadScanner::new(HeadKind::Request),
            state: Recv::Head,
            exchange: None,
            out: Output::default(),
            events: VecDeque::new(),
            raw: RawRequest::default(),
            closing: false,
            eof: false,
            closed: false,
            head_started: None,
            idle_since: now,
            clock_restart: false,
            date: None,
        }
    }

    /// Sets the `date` value added to responses that carry none (the driver refreshes it every
    /// second); `None` adds none.
    pub fn set_date(&mut self, date: Option<Bytes>) {
        self.date = date;
    }

    /// Octets read from the transport (at time `now`, for the timeouts).
    pub fn handle_received_at(&mut self, data: &[u8], now: Instant) {
        self.restart_clock(now);
        if self.closed || self.closing && self.exchange.is_none() {
            return;
        }
        if self.head_started.is_none() && matches!(self.state, Recv::Head) && !data.is_empty() {
            self.head_started = Some(now);
        }
        if self.recv.capacity() - self.recv.len() < data.len() {
            // Room for several requests at once: the heads split off this buffer keep their
            // part of it alive, so a small reservation would mean an allocation per request.
            self.recv.reserve(data.len().max(RECV_RESERVE));
        }
        self.recv.extend_from_slice(data);
        self.process(now);
    }

    /// Octets read from the transport.
    pub fn handle_received(&mut self, data: &[u8]) {
        let now = self
            .idle_since
            .max(self.head_started.unwrap_or(self.idle_since));
        self.handle_received_at(data, now);
    }

    /// The peer closed its sending side. A request being read is incomplete; requests already
    /// received are still answered (a half-close "does not delimit a request message, nor does
    /// it imply that the client is no longer interested in a response", RFC 9112 §9.6).
    pub fn handle_eof(&mut self) {
        if self.closed || self.eof {
            return;
        }
        self.eof = true;
        match &mut self.state {
            Recv::Body(dec) | Recv::Discard(dec, _) => {
                if let Err(e) = dec.eof() {
                    return self.body_error(e);
                }
            }
            Recv::Head | Recv::Closed => {}
        }
        self.after_input();
    }

    /// A timer the caller set from [`poll_timeout`](Self::poll_timeout) fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.restart_clock(now);
        if self.closed || self.exchange.is_some() {
            return;
        }
        let Some(deadline) = self.poll_timeout() else {
            return;
        };
        if now < deadline {
            return;
        }
        match (&self.state, self.head_started) {
            // A head that began and did not end in time: 408.
            (Recv::Head, Some(_)) => self.reject(Error::new(ErrorKind::Timeout)),
            // Idle between requests, or content to discard that stopped coming: close quietly.
            _ => self.close(None),
        }
    }

    /// Tells the connection the time, e.g. right after a response was finished: the idle and
    /// header-read clocks of the next request start from the first time the connection learns
    /// after an exchange (from this, [`handle_received_at`](Self::handle_received_at) or
    /// [`handle_timeout`](Self::handle_timeout)); until then they count from the last request's
    /// arrival, so a deadline may fire early once and is then moved.
    pub fn handle_time(&mut self, now: Instant) {
        self.restart_clock(now);
    }

    fn restart_clock(&mut self, now: Instant) {
        if self.clock_restart {
            self.clock_restart = false;
            self.idle_since = now;
            if self.head_started.is_some() {
                self.head_started = Some(now);
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called: the idle timeout
    /// while waiting for a request (or for content to discard), the header read timeout once a
    /// head has begun. None while a request is being answered: the application bounds its own
    /// work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed || self.exchange.is_some() {
            return None;
        }
        match (&self.state, self.head_started) {
            (Recv::Head, Some(start)) => self.config.header_read_timeout.map(|t| start + t),
            (Recv::Head | Recv::Discard(..), _) => {
                self.config.idle_timeout.map(|t| self.idle_since + t)
            }
            _ => None,
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
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

    /// Whether the connection is finished (once its output is written).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether reading more from the transport is useful now. False while a pipelined request
    /// head is buffered behind an unfinished response (reading resumes once it is answered),
    /// and once the connection no longer reads.
    pub fn wants_read(&self) -> bool {
        if self.closed || self.eof {
            return false;
        }
        match self.state {
            Recv::Head => {
                self.exchange.is_none()
                    || self.recv.len() < self.config.max_request_line + self.config.max_header_size
            }
            Recv::Body(_) | Recv::Discard(..) => true,
            Recv::Closed => false,
        }
    }

    /// Whether the current request expects 100 Continue and has not had it.
    pub fn continue_pending(&self) -> bool {
        self.exchange.as_ref().is_some_and(|x| x.continue_pending)
    }

    /// The application wants the request content: if the client waits for 100 (Continue), it
    /// is sent now (RFC 9110 §10.1.1). Call it before reading content; a driver calls it when
    /// the application first asks for the body.
    pub fn accept_body(&mut self) {
        let Some(x) = &mut self.exchange else {
            return;
        };
        if x.continue_pending && matches!(x.send, Send::Waiting) {
            x.continue_pending = false;
            let before = self.out.buf.len();
            self.out.buf.put_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            self.out.wrote(before);
        }
    }

    /// Starts the response to the current request; [`finish`](Self::finish) completes it
    /// (also when it has no content).
    ///
    /// Framing is the connection's: a Content-Length or Transfer-Encoding field the
    /// application set is not copied (a Content-Length with [`Content::Streaming`] becomes the
    /// framing; Transfer-Encoding is refused). A `connection: close` field makes this the last
    /// response. Interim (1xx) responses go through
    /// [`send_informational`](Self::send_informational).
    pub fn send_response(
        &mut self,
        head: ResponseHead,
        content: Content,
    ) -> Result<(), CommandError> {
        let closing = self.closing;
        let Some(x) = self.exchange.as_mut() else {
            return Err(self.no_exchange());
        };
        if !matches!(x.send, Send::Waiting) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "a response was already sent",
            ));
        }
        if !(200..=999).contains(&head.status) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidStatus,
                "a final response needs a status from 200 to 999",
            ));
        }
        encode::check_fields(&head.headers)?;
        if head.headers.contains("transfer-encoding") {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "the connection chooses the transfer coding",
            ));
        }
        let content = match (content, head.headers.get("content-length")) {
            (Content::Streaming, Some(v)) => Content::Length(parse_decimal(v).ok_or(
                CommandError::new(CommandErrorKind::InvalidHeader, "invalid content-length"),
            )?),
            (c, _) => c,
        };
        if !head.reason.is_empty() && !crate::head::valid_value(&head.reason) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "invalid reason phrase",
            ));
        }
        // RFC 9112 §6.3: a response to HEAD, and a 204 or 304, "cannot contain a message body
        // or trailer section".
        let body_allowed = !x.head_request && head.status != 204 && head.status != 304;
        let framing = match content {
            // RFC 9110 §8.6: "A server MUST NOT send a Content-Length header field in any
            // response with a status code of 1xx (Informational) or 204 (No Content)."
            // <https://www.rfc-editor.org/rfc/rfc9110#section-8.6>
            _ if head.status == 204 => SendFraming::None,
            Content::None if body_allowed => SendFraming::Length(0),
            Content::None => SendFraming::None,
            // A HEAD or 304 response may announce the length the content would have.
            Content::Length(n) => SendFraming::Length(n),
            Content::Streaming if !body_allowed => SendFraming::None,
            // RFC 9112 §6.1: "A server MUST NOT send a response containing Transfer-Encoding
            // unless the corresponding request indicates HTTP/1.1 (or later minor revisions)."
            // <https://www.rfc-editor.org/rfc/rfc9112#section-6.1>
            Content::Streaming if x.version == Version::Http10 => SendFraming::Close,
            Content::Streaming => SendFraming::Chunked,
        };
        if head.headers.has_token(b"connection", b"close") || framing == SendFraming::Close {
            x.keep_alive = false;
        }
        if x.continue_pending && !x.request_done {
            // The client was not asked for its content and may or may not send it: the
            // connection cannot be reused safely.
            x.keep_alive = false;
        }
        if closing {
            x.keep_alive = false;
        }
        // RFC 9112 §9.6: "The server SHOULD send a "close" connection option in its final
        // response on that connection."
        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.6>
        let connection = if !x.keep_alive {
            ConnectionOption::Close
        } else if x.version == Version::Http10 {
            ConnectionOption::KeepAlive
        } else {
            ConnectionOption::None
        };
        x.continue_pending = false;
        let before = self.out.buf.len();
        encode::response_head(
            &mut self.out.buf,
            head.status,
            &head.reason,
            &head.headers,
            self.date.as_deref(),
            framing,
            connection,
        );
        self.out.wrote(before);
        x.send = Send::Body(Sending::new(framing, body_allowed));
        Ok(())
    }

    /// Sends an interim (1xx) response before the final one. Not to an HTTP/1.0 client (RFC
    /// 9110 §15.2: "a server MUST NOT send a 1xx response to an HTTP/1.0 client"); 101 is not
    /// available (this connection does not switch protocols).
    pub fn send_informational(&mut self, head: ResponseHead) -> Result<(), CommandError> {
        let Some(x) = self.exchange.as_mut() else {
            return Err(self.no_exchange());
        };
        if !matches!(x.send, Send::Waiting) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "the final response was already sent",
            ));
        }
        if !(100..200).contains(&head.status) || head.status == 101 {
            return Err(CommandError::new(
                CommandErrorKind::InvalidStatus,
                "an interim response needs a 1xx status other than 101",
            ));
        }
        // <https://www.rfc-editor.org/rfc/rfc9110#section-15.2>
        if x.version == Version::Http10 {
            return Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "no 1xx response to an HTTP/1.0 client",
            ));
        }
        encode::check_fields(&head.headers)?;
        if head.status == 100 {
            x.continue_pending = false;
        }
        let before = self.out.buf.len();
        encode::response_head(
            &mut self.out.buf,
            head.status,
            &head.reason,
            &head.headers,
            None,
            SendFraming::None,
            ConnectionOption::None,
        );
        self.out.wrote(before);
        Ok(())
    }

    /// Sends response content.
    pub fn send_data(&mut self, data: Bytes) -> Result<(), CommandError> {
        let Some(x) = self.exchange.as_mut() else {
            return Err(self.no_exchange());
        };
        match &mut x.send {
            Send::Body(s) => s.data(&mut self.out, data),
            _ => Err(CommandError::new(
                CommandErrorKind::InvalidState,
                "no response content is being sent",
            )),
        }
    }

    /// Ends the response, with trailers if its framing can carry them (chunked); otherwise
    /// they are dropped. Fails (and the connection closes: the response cannot be completed)
    /// if less content was sent than the Content-Length announced.
    pub fn finish(&mut self, trailers: Option<Headers>) -> Result<(), CommandError> {
        let Some(x) = self.exchange.as_mut() else {
            return Err(self.no_exchange());
        };
        let r = match &mut x.send {
            Send::Body(s) => s.finish(&mut self.out, trailers.as_ref()),
            Send::Done => return Ok(()),
            Send::Waiting => {
                return Err(CommandError::new(
                    CommandErrorKind::InvalidState,
                    "no response was started",
                ));
            }
        };
        match r {
            Ok(()) => {
                self.response_done();
                Ok(())
            }
            Err(e) if e.kind() == CommandErrorKind::LengthMismatch => {
                self.close(None);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Abandons the response in progress (the application failed mid-way): the connection
    /// closes, so the client sees an incomplete message rather than a complete wrong one. With
    /// no response started, a 500 is sent first.
    pub fn abort(&mut self) {
        if let Some(x) = &self.exchange {
            if matches!(x.send, Send::Waiting)
                && self
                    .send_response(ResponseHead::new(500), Content::None)
                    .is_ok()
            {
                let _ = self.finish(None);
            }
        }
        self.close(None);
    }

    /// Graceful shutdown: the current exchange (if any) completes, with `connection: close` on
    /// its response if that has not started; no further request is processed.
    pub fn shutdown(&mut self) {
        self.closing = true;
        if self.exchange.is_none() {
            self.close(None);
        }
    }

    fn no_exchange(&self) -> CommandError {
        if self.closed {
            CommandError::new(CommandErrorKind::Closed, "")
        } else {
            CommandError::new(CommandErrorKind::InvalidState, "no request to answer")
        }
    }

    fn process(&mut self, now: Instant) {
        loop {
            match &mut self.state {
                Recv::Closed => return,
                Recv::Head => {
                    if self.exchange.is_some() || self.closing {
                        return;
                    }
                    // The whole head usually arrives in one read: parse it in one pass. If it is
                    // not complete, the scanner takes over and the head is parsed once it is.
                    let scanned = if self.scanner.is_fresh() {
                        match parse_request(&mut self.recv, &self.limits, &mut self.raw) {
                            Ok(None) => self
                                .scanner
                                .scan(&self.recv, &self.limits, HeadKind::Request)
                                .map(|_| None),
                            r => r,
                        }
                    } else {
                        match self
                            .scanner
                            .scan(&self.recv, &self.limits, HeadKind::Request)
                        {
                            Ok(Some(len)) => {
                                parse_request(&mut self.recv[..len], &self.limits, &mut self.raw)
                            }
                            r => r,
                        }
                    };
                    match scanned {
                        Err(e) => return self.reject(e),
                        Ok(None) => {
                            if self.eof {
                                self.after_input();
                            }
                            return;
                        }
                        Ok(Some(len)) => {
                            if let Err(e) = self.request(len, now) {
                                return self.reject(e);
                            }
                        }
                    }
                }
                Recv::Body(dec) => {
                    match dec.decode(
                        &mut self.recv,
                        &self.limits,
                        self.config.max_chunk_line,
                        self.config.max_body_size,
                    ) {
                        Err(e) => return self.body_error(e),
                        Ok(Decoded::Need) => return,
                        Ok(Decoded::Data(d)) => self.events.push_back(ServerEvent::Data(d)),
                        Ok(Decoded::End(trailers)) => {
                            self.events.push_back(ServerEvent::End { trailers });
                            self.request_done();
                        }
                    }
                }
                Recv::Discard(dec, n) => {
                    match dec.decode(
                        &mut self.recv,
                        &self.limits,
                        self.config.max_chunk_line,
                        u64::MAX,
                    ) {
                        Err(e) => return self.close(Some(e)),
                        Ok(Decoded::Need) => return,
                        Ok(Decoded::Data(d)) => {
                            *n += d.len() as u64;
                            if *n > self.config.max_discard {
                                return self.close(None);
                            }
                        }
                        Ok(Decoded::End(_)) => {
                            self.state = Recv::Head;
                            self.next_request(now);
                        }
                    }
                }
            }
        }
    }

    /// A complete head of `len` octets is at the front of the receive buffer.
    fn request(&mut self, len: usize, now: Instant) -> Result<(), Error> {
        let buf = self.recv.split_to(len).freeze();
        let raw = &self.raw;
        let method = match &buf[raw.method.clone()] {
            b"GET" => Method::GET,
            b"POST" => Method::POST,
            m => Method::from_bytes(m).ok_or(Error::new(ErrorKind::InvalidMethod))?,
        };
        let mut headers = Headers::with_capacity(raw.fields.len());
        for f in &raw.fields {
            headers.push(Field::new(
                buf.slice(f.name.clone()),
                buf.slice(f.value.clone()),
            ));
        }
        let head = RequestHead {
            method,
            target: buf.slice(raw.target.clone()),
            version: if raw.http10 {
                Version::Http10
            } else {
                Version::Http11
            },
            headers,
        };
        let RequestMeta {
            body,
            keep_alive,
            expect_continue,
        } = request_meta(&head, self.config.max_body_size)?;
        self.head_started = None;
        self.scanner = HeadScanner::new(HeadKind::Request);
        self.exchange = Some(Exchange {
            version: head.version,
            head_request: head.method == Method::HEAD,
            keep_alive: keep_alive && !self.closing,
            continue_pending: expect_continue,
            request_done: false,
            send: Send::Waiting,
        });
        self.idle_since = now;
        self.events.push_back(ServerEvent::Request { head, body });
        if body == BodyKind::Empty {
            self.request_done();
        } else {
            self.state = Recv::Body(BodyDecoder::for_request(body));
        }
        Ok(())
    }

    fn request_done(&mut self) {
        self.state = Recv::Head;
        if let Some(x) = &mut self.exchange {
            x.request_done = true;
            x.continue_pending = false;
            if matches!(x.send, Send::Done) {
                self.exchange_done();
            }
        }
    }

    fn response_done(&mut self) {
        let Some(x) = &mut self.exchange else { return };
        x.send = Send::Done;
        if x.request_done {
            return self.exchange_done();
        }
        if !x.keep_alive || x.continue_pending {
            return self.close(None);
        }
        // RFC 9112 §9.3: "A server MUST read the entire request message body or close the
        // connection after sending its response; otherwise, the remaining data on a persistent
        // connection would be misinterpreted as the next request." The rest is read and
        // dropped, up to `max_discard`.
        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.3>
        let state = std::mem::replace(&mut self.state, Recv::Head);
        let Recv::Body(dec) = state else {
            return self.close(None);
        };
        if dec.remaining().is_some_and(|r| r > self.config.max_discard) {
            return self.close(None);
        }
        self.exchange = None;
        self.state = Recv::Discard(dec, 0);
        self.clock_restart = true;
        let now = self.idle_since;
        self.process(now);
    }

    fn exchange_done(&mut self) {
        let Some(x) = self.exchange.take() else {
            return;
        };
        // RFC 9112 §9.6: "A server that sends a "close" connection option MUST initiate closure
        // of the connection (see below) after it sends the response containing the "close"
        // connection option. The server MUST NOT process any further requests received on that
        // connection."
        // <https://www.rfc-editor.org/rfc/rfc9112#section-9.6>
        if !x.keep_alive || self.closing {
            return self.close(None);
        }
        self.clock_restart = true;
        let now = self.idle_since;
        self.next_request(now);
    }

    fn next_request(&mut self, now: Instant) {
        self.head_started = if self.recv.is_empty() {
            None
        } else {
            Some(now)
        };
        self.process(now);
        self.after_input();
    }

    /// With the peer's side closed, nothing more can arrive: close once nothing is left.
    fn after_input(&mut self) {
        if self.eof && self.exchange.is_none() && matches!(self.state, Recv::Head) && !self.closed {
            let partial = !self.recv.iter().all(|&b| b == b'\r' || b == b'\n');
            self.close(partial.then(|| Error::new(ErrorKind::IncompleteMessage)));
        }
    }

    /// The request content failed: tell the application, answer if possible, close.
    fn body_error(&mut self, e: Error) {
        self.events.push_back(ServerEvent::Error(e));
        self.reject(e);
    }

    /// Answers a bad request with its status and `connection: close` if no response has
    /// begun, then closes.
    fn reject(&mut self, e: Error) {
        let respond = match &self.exchange {
            None => !(self.eof && e.kind() == ErrorKind::IncompleteMessage),
            Some(x) => matches!(x.send, Send::Waiting) && !self.eof,
        };
        if respond {
            let status = e.status();
            let body = format!("{e}\n");
            let headers = Headers::new().with("content-type", "text/plain; charset=utf-8");
            let before = self.out.buf.len();
            encode::response_head(
                &mut self.out.buf,
                status,
                b"",
                &headers,
                self.date.as_deref(),
                SendFraming::Length(body.len() as u64),
                ConnectionOption::Close,
            );
            self.out.buf.put_slice(body.as_bytes());
            self.out.wrote(before);
        }
        self.close(Some(e));
    }

    fn close(&mut self, error: Option<Error>) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.state = Recv::Closed;
        self.exchange = None;
        self.recv = BytesMut::new();
        self.events.push_back(ServerEvent::Closed { error });
    }
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}
