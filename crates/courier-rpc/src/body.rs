//! Message streams over HTTP/2 streams: reading Length-Prefixed-Messages from a
//! [`RecvStream`], sending a [`FramedMessage`] on a [`SendStream`], and small [`Stream`]
//! constructors for the streams a call sends: [`iter`] (ready items), [`receiver_stream`] (a
//! tokio channel) and [`unfold`] (an async step).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use courier_h2::driver::{Error as H2Error, RecvStream, SendStream};
use futures_core::Stream;
use tokio::sync::mpsc;

use crate::codec::{Deframer, Encoding, FramedMessage, decompress};
use crate::protocol::{Side, stream_failure_status};
use crate::status::Status;

/// Sends `framed`'s pieces in order on `send`, without ending the stream (the server's response
/// loop and the client's request-stream pump).
pub(crate) async fn send_framed(
    send: &mut SendStream,
    framed: FramedMessage,
) -> Result<(), H2Error> {
    let (first, rest) = framed.into_parts();
    send.send_data(first, false).await?;
    if let Some(rest) = rest {
        send.send_data(rest, false).await?;
    }
    Ok(())
}

/// A stream made from a state and an async step (see [`unfold`]), with one allocation for the
/// step's future, reused for every item (the future is replaced in place).
pub struct Unfold<S, F, Fut> {
    f: F,
    fut: Option<Pin<Box<Fut>>>,
    _state: std::marker::PhantomData<fn(S)>,
}

impl<S, F, Fut> std::fmt::Debug for Unfold<S, F, Fut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unfold")
            .field("ended", &self.fut.is_none())
            .finish_non_exhaustive()
    }
}

/// A [`Stream`] from a state and an async step: `f(state)` resolves to the next item and the
/// next state, or `None` to end (like `futures::stream::unfold`, without the dependency).
/// Each step runs only when the stream is polled for its item, so a server handler's response
/// stream made this way produces each message when the server is ready to send it.
///
/// ```
/// use courier_rpc::{Stream, unfold};
///
/// fn countdown(from: u32) -> impl Stream<Item = u32> {
///     unfold(from, |n| async move { (n > 0).then(|| (n, n - 1)) })
/// }
/// # let _ = countdown(3);
/// ```
pub fn unfold<S, T, F, Fut>(state: S, mut f: F) -> Unfold<S, F, Fut>
where
    F: FnMut(S) -> Fut,
    Fut: Future<Output = Option<(T, S)>>,
{
    let fut = Box::pin(f(state));
    Unfold {
        f,
        fut: Some(fut),
        _state: std::marker::PhantomData,
    }
}

impl<S, T, F, Fut> Stream for Unfold<S, F, Fut>
where
    F: FnMut(S) -> Fut + Unpin,
    Fut: Future<Output = Option<(T, S)>>,
{
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        let Some(fut) = this.fut.as_mut() else {
            return Poll::Ready(None);
        };
        match fut.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some((item, state))) => {
                fut.set((this.f)(state));
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                this.fut = None;
                Poll::Ready(None)
            }
        }
    }
}

/// A stream of an iterator's items, each ready at once (see [`iter`]).
#[derive(Clone, Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Iter<I> {
    iter: I,
}

// The iterator is never pinned: `poll_next` only calls `next` on it through `&mut`.
impl<I> Unpin for Iter<I> {}

/// A [`Stream`] of `items`, each ready as soon as it is polled for, ending when the iterator
/// does (like `futures::stream::iter`, without the dependency): how to send a client stream
/// or return a server stream of messages known up front. Its `size_hint` is the iterator's.
///
/// ```
/// use courier_rpc::{Request, Stream, iter};
///
/// // A client-streaming request of three messages (here plain numbers).
/// let request = Request::new(iter(vec![1, 2, 3]));
/// assert_eq!(request.get_ref().size_hint(), (3, Some(3)));
/// ```
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter {
        iter: items.into_iter(),
    }
}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().iter.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

/// A stream of what a tokio [`mpsc::Receiver`] receives (see [`receiver_stream`]).
#[must_use = "streams do nothing unless polled"]
pub struct ReceiverStream<T> {
    rx: mpsc::Receiver<T>,
}

impl<T> std::fmt::Debug for ReceiverStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverStream")
            .field("rx", &self.rx)
            .finish()
    }
}

/// A [`Stream`] of the messages `rx` receives, ending once every sender is dropped and the
/// buffered messages are read (like tokio-stream's `ReceiverStream`, without the
/// dependency): how a task feeds a client stream message by message, or a server handler
/// returns a response stream that a spawned task produces.
///
/// ```
/// use courier_rpc::{Request, receiver_stream};
///
/// let (tx, rx) = tokio::sync::mpsc::channel::<String>(4);
/// let request = Request::new(receiver_stream(rx));
/// // Send on `tx` (from a task) while the call runs; dropping `tx` ends the stream.
/// # drop((tx, request));
/// ```
pub fn receiver_stream<T>(rx: mpsc::Receiver<T>) -> ReceiverStream<T> {
    ReceiverStream { rx }
}

impl<T> ReceiverStream<T> {
    /// The receiver back.
    ///
    /// ```
    /// let (tx, rx) = tokio::sync::mpsc::channel(1);
    /// tx.try_send(7).unwrap();
    /// let mut rx = courier_rpc::receiver_stream(rx).into_inner();
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// ```
    pub fn into_inner(self) -> mpsc::Receiver<T> {
        self.rx
    }

    /// Closes the channel for sending ([`mpsc::Receiver::close`]): sends fail from now on,
    /// and the stream ends after the messages already buffered.
    ///
    /// ```
    /// let (tx, rx) = tokio::sync::mpsc::channel(1);
    /// let mut stream = courier_rpc::receiver_stream(rx);
    /// stream.close();
    /// assert!(tx.try_send(1).is_err());
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }
}

impl<T> Stream for ReceiverStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }
}

/// Reads the messages of one direction of a call.
pub(crate) struct MessageReader {
    pub(crate) recv: RecvStream,
    deframer: Deframer,
    encoding: Encoding,
    max_message: usize,
    side: Side,
    /// Set once the HTTP/2 stream's input ended.
    pub(crate) eof: bool,
}

/// How a read ended.
pub(crate) enum ReadEnd {
    /// A message, whether it arrived compressed, and its size on the wire (without the
    /// 5-octet prefix: compressed, if it was).
    Message(Bytes, bool, usize),
    /// The input ended cleanly (trailers, if any, are in the reader's `recv`).
    End,
    /// The call failed.
    Error(Status),
}

impl MessageReader {
    pub(crate) fn new(
        recv: RecvStream,
        encoding: Encoding,
        max_message: usize,
        side: Side,
    ) -> Self {
        MessageReader {
            recv,
            deframer: Deframer::new(max_message),
            encoding,
            max_message,
            side,
            eof: false,
        }
    }

    /// The encoding of compressed messages (from `grpc-encoding`).
    pub(crate) fn set_encoding(&mut self, e: Encoding) {
        self.encoding = e;
    }

    /// A reader with no input (a request that ended with its headers).
    pub(crate) fn mark_ended(&mut self) {
        self.eof = true;
    }

    pub(crate) async fn next(&mut self) -> ReadEnd {
        loop {
            match self.deframer.next_message() {
                Ok(Some(frame)) => {
                    let wire = frame.data.len();
                    if !frame.compressed {
                        return ReadEnd::Message(frame.data, false, wire);
                    }
                    return match decompress(self.encoding, &frame.data, self.max_message) {
                        Ok(b) => ReadEnd::Message(b, true, wire),
                        Err(s) => ReadEnd::Error(s),
                    };
                }
                Ok(None) => {}
                Err(s) => return ReadEnd::Error(s),
            }
            if self.eof {
                if self.deframer.is_empty() {
                    return ReadEnd::End;
                }
                return ReadEnd::Error(Status::internal(format!(
                    "stream ended inside a message ({} bytes of it buffered)",
                    self.deframer.buffered()
                )));
            }
            match self.recv.data().await {
                Some(Ok(chunk)) => self.deframer.push(chunk),
                None => self.eof = true,
                Some(Err(e)) => return ReadEnd::Error(self.error(e)),
            }
        }
    }

    /// The status of the call whose stream failed with `e`, as this reader's side sees it.
    #[cold]
    pub(crate) fn error(&self, e: H2Error) -> Status {
        stream_failure_status(e, self.side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls `s` once with a waker that does nothing.
    fn poll_once<S: Stream + Unpin>(s: &mut S) -> Poll<Option<S::Item>> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Pin::new(s).poll_next(&mut cx)
    }

    fn assert_unpin<T: Unpin>(_: &T) {}

    #[test]
    fn iter_yields_items_in_order_then_ends() {
        let mut s = iter(vec!["a", "b", "c"]);
        assert_eq!(poll_once(&mut s), Poll::Ready(Some("a")));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some("b")));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some("c")));
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
    }

    #[test]
    fn iter_of_nothing_ends_at_once() {
        let mut s = iter(std::iter::empty::<u8>());
        assert_eq!(s.size_hint(), (0, Some(0)));
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
    }

    #[test]
    fn iter_forwards_size_hint() {
        let mut s = iter(vec![1, 2, 3]);
        assert_eq!(s.size_hint(), (3, Some(3)));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
        assert_eq!(s.size_hint(), (2, Some(2)));
        let unbounded = iter(std::iter::repeat(0u8));
        assert_eq!(unbounded.size_hint(), (usize::MAX, None));
        let filtered = iter((0..10).filter(|n| n % 2 == 0));
        assert_eq!(filtered.size_hint(), (0, Some(10)));
    }

    #[test]
    fn iter_is_unpin_even_over_a_pinned_iterator() {
        // An iterator holding a !Unpin value: the stream itself is still Unpin.
        struct NotUnpin(std::marker::PhantomPinned, u8);
        impl Iterator for NotUnpin {
            type Item = u8;
            fn next(&mut self) -> Option<u8> {
                self.1 = self.1.checked_sub(1)?;
                Some(self.1)
            }
        }
        let mut s = iter(NotUnpin(std::marker::PhantomPinned, 2));
        assert_unpin(&s);
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(0)));
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
        assert!(format!("{:?}", iter(0..2)).starts_with("Iter"));
    }

    #[test]
    fn receiver_stream_yields_buffered_items_then_ends_after_senders_drop() {
        let (tx, rx) = mpsc::channel(4);
        let tx2 = tx.clone();
        let mut s = receiver_stream(rx);
        assert_unpin(&s);
        tx.try_send(1).unwrap();
        tx2.try_send(2).unwrap();
        tx.try_send(3).unwrap();
        drop(tx);
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(2)));
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(3)));
        // One sender is left: the stream waits for it.
        assert_eq!(poll_once(&mut s), Poll::Pending);
        drop(tx2);
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
    }

    #[test]
    fn receiver_stream_is_pending_while_empty() {
        let (tx, rx) = mpsc::channel::<u8>(1);
        let mut s = receiver_stream(rx);
        assert_eq!(poll_once(&mut s), Poll::Pending);
        assert_eq!(poll_once(&mut s), Poll::Pending);
        tx.try_send(9).unwrap();
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(9)));
        assert_eq!(poll_once(&mut s), Poll::Pending);
    }

    #[tokio::test]
    async fn receiver_stream_wakes_on_send_from_a_task() {
        let (tx, rx) = mpsc::channel(1);
        let mut s = receiver_stream(rx);
        let producer = tokio::spawn(async move {
            for i in 0..5u32 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(i) = std::future::poll_fn(|cx| Pin::new(&mut s).poll_next(cx)).await {
            got.push(i);
        }
        assert_eq!(got, [0, 1, 2, 3, 4]);
        producer.await.unwrap();
    }

    #[test]
    fn receiver_stream_close_ends_after_buffered_items() {
        let (tx, rx) = mpsc::channel(2);
        let mut s = receiver_stream(rx);
        tx.try_send("kept").unwrap();
        s.close();
        assert!(tx.try_send("refused").is_err());
        assert_eq!(poll_once(&mut s), Poll::Ready(Some("kept")));
        // The sender is still alive, but the channel is closed: the stream ends.
        assert_eq!(poll_once(&mut s), Poll::Ready(None));
        assert!(format!("{s:?}").starts_with("ReceiverStream"));
    }

    #[test]
    fn receiver_stream_into_inner_keeps_the_channel() {
        let (tx, rx) = mpsc::channel(2);
        let mut s = receiver_stream(rx);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
        let mut rx = s.into_inner();
        assert_eq!(rx.try_recv(), Ok(2));
        tx.try_send(3).unwrap();
        assert_eq!(rx.try_recv(), Ok(3));
    }
}
