//! A stream's event channel: the driver pushes a stream's events, the stream's
//! [`RecvStream`](super::RecvStream) takes them.
//!
//! One sender (the driver, which owns it in its stream table) and one receiver, sharing a
//! mutex-guarded queue, the receiver's waker and two closed flags: one allocation per stream
//! (plus the queue's buffer), where a tokio `mpsc` channel allocates its shared state and a
//! block of 32 slots. The lock is held only to push, pop or swap the waker, never across an
//! await, and the two sides rarely meet.
//!
//! The same allocation holds the stream's [`Slot`] (a started request's identifier, which the
//! driver fills in when it opens the stream), and once the last handle of a channel is gone it
//! goes back, reset, to a small per-thread pool ([`pooled`], [`POOL_MAX`]) with its queue's
//! buffer, for the next stream: a client with a hundred calls in flight reuses the channels
//! of the calls before instead of allocating and freeing two blocks per call (with the slot,
//! a third) — `courier bench` -c1 -m100, together with the response head no longer boxed:
//! 14,036 → 12,746 client instructions per call (callgrind).
//!
//! Measured and not kept: a ring of four events inline in the shared state (one allocation
//! per stream instead of two). It saved the queue's allocation but cost the server about 230
//! more instructions per unary call (the bigger block takes glibc's slower paths), and the
//! client's gain was within run-to-run noise.
//!
//! Waking is decoupled from pushing: [`Sender::push`] queues an event and, when the receiver
//! is waiting, moves its waker into a [`Wakeups`] list that the driver wakes once the whole
//! read has been dispatched — so a unary response's headers, message and trailers wake the
//! task reading them once. [`Sender::send`] pushes and wakes at once.
//!
//! The channel is unbounded, like the `mpsc` channel it replaces: what bounds it is HTTP/2
//! itself. DATA is bounded by the stream's receive window (the peer may not send more than
//! this endpoint granted, and credit is returned only as the application takes data), and
//! the other events are few per stream (header sections, a reset, the end).
//!
//! Semantics: events arrive in the order they were pushed; once the sender is dropped the
//! receiver gets what is queued, then `None`; once the receiver is dropped the sender sees
//! [`is_closed`](Sender::is_closed) and pushes fail, handing the event back.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread::LocalKey;

/// A thread's channels whose handles are all gone, kept for the next [`pooled`] channel made
/// on that thread (see [`POOL_MAX`]).
pub(super) type Pool<T> = LocalKey<RefCell<Vec<Arc<Shared<T>>>>>;

/// Channels kept per thread and event type: a connection's worth of calls in flight (100
/// streams) mostly reuse the channels of the round before, without going through the
/// allocator (which, with that many blocks of one size freed and allocated per round, takes
/// its slower paths: `cargo xtask bench cli`'s perf profile had malloc and free at 15%).
/// At most about 64 × 300 octets per thread.
pub(super) const POOL_MAX: usize = 64;

/// Queue buffers larger than this (in events) are not kept in a pooled channel.
const POOL_QUEUE_KEEP: usize = 8;

/// What every handle shares.
#[derive(Debug)]
pub(super) struct Shared<T: 'static> {
    state: Mutex<State<T>>,
    /// A value the driver sets and the handles read (a started stream's identifier, see
    /// [`Slot`]).
    id: AtomicU32,
    /// Where the channel goes once its last handle is dropped; `None`: freed.
    pool: Option<&'static Pool<T>>,
}

#[derive(Debug)]
struct State<T: 'static> {
    queue: VecDeque<T>,
    /// The task to wake when an event arrives or the sender goes away; set by the receiver
    /// only while the queue is empty, taken by whoever wakes it.
    waker: Option<Waker>,
    /// The sender is gone: nothing more will be queued.
    sender_gone: bool,
    /// The receiver is gone: nothing queued will be taken.
    receiver_gone: bool,
}

/// Locks `shared`. A panic while the lock is held leaves the queue consistent (every
/// critical section is a single push, pop or swap), so a poisoned lock is used as is.
fn lock<T: 'static>(shared: &Shared<T>) -> MutexGuard<'_, State<T>> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A new channel: the driver keeps the sender, the stream's receiving half the receiver.
#[cfg(test)]
pub(super) fn channel<T: 'static>() -> (Sender<T>, Receiver<T>) {
    halves(Arc::new(fresh(None, 0)))
}

/// A new channel, taken from this thread's `pool` when it holds one, whose [`Slot`] starts at
/// `id`; once all its handles are gone it goes back to the pool of the thread that dropped
/// the last one (or is freed when that pool is full).
pub(super) fn pooled<T: 'static>(pool: &'static Pool<T>, id: u32) -> (Sender<T>, Receiver<T>) {
    let reused = pool.try_with(|p| p.borrow_mut().pop()).ok().flatten();
    let shared = match reused {
        Some(shared) => {
            shared.id.store(id, Ordering::Relaxed);
            shared
        }
        None => Arc::new(fresh(Some(pool), id)),
    };
    halves(shared)
}

fn fresh<T: 'static>(pool: Option<&'static Pool<T>>, id: u32) -> Shared<T> {
    Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            waker: None,
            sender_gone: false,
            receiver_gone: false,
        }),
        id: AtomicU32::new(id),
        pool,
    }
}

fn halves<T: 'static>(shared: Arc<Shared<T>>) -> (Sender<T>, Receiver<T>) {
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver {
            shared,
            closed: false,
        },
    )
}

/// Called by each handle as it is dropped: the last one puts a pooled channel back, reset,
/// into this thread's pool. Nobody else holds the channel then (a strong count of one and no
/// weak references), so nobody can see it change; the queue is empty (the receiver took or
/// dropped every event, and the sender pushes nothing once the receiver is gone) but is
/// cleared all the same.
fn recycle<T: 'static>(shared: &Arc<Shared<T>>) {
    let Some(pool) = shared.pool else {
        return;
    };
    if Arc::strong_count(shared) != 1 || Arc::weak_count(shared) != 0 {
        return;
    }
    // The other handles' last uses happen before this one's reuse (as in `Arc`'s own drop:
    // their decrements release, this fence acquires).
    std::sync::atomic::fence(Ordering::Acquire);
    {
        let mut s = lock(shared);
        if s.queue.capacity() > POOL_QUEUE_KEEP {
            s.queue = VecDeque::new();
        } else {
            s.queue.clear();
        }
        s.waker = None;
        s.sender_gone = false;
        s.receiver_gone = false;
    }
    let _ = pool.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < POOL_MAX {
            p.push(Arc::clone(shared));
        }
    });
}
/// Receivers to wake once the driver has dispatched everything one read produced.
#[derive(Debug, Default)]
pub(super) struct Wakeups(Vec<Waker>);

impl Wakeups {
    /// Wakes every receiver collected (each once per [`Sender::push`] that found it
    /// waiting, which is once per read unless it was polled meanwhile), keeping the list's
    /// buffer for the next read.
    pub(super) fn wake_all(&mut self) {
        for waker in self.0.drain(..) {
            waker.wake();
        }
    }
}

/// The driver's half. Not `Clone`: dropping it ends the receiver's stream of events.
#[derive(Debug)]
pub(super) struct Sender<T: 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: 'static> Sender<T> {
    /// Queues `event` without waking the receiver: if it is waiting, its waker goes to
    /// `wakeups`. Fails, handing `event` back, once the receiver is gone.
    pub(super) fn push(&self, event: T, wakeups: &mut Wakeups) -> Result<(), T> {
        let waker = {
            let mut s = lock(&self.shared);
            if s.receiver_gone {
                return Err(event);
            }
            s.queue.push_back(event);
            s.waker.take()
        };
        if let Some(waker) = waker {
            wakeups.0.push(waker);
        }
        Ok(())
    }

    /// Queues `event` and wakes the receiver now. Fails, handing `event` back, once the
    /// receiver is gone.
    pub(super) fn send(&self, event: T) -> Result<(), T> {
        let mut wakeups = Wakeups::default();
        let r = self.push(event, &mut wakeups);
        wakeups.wake_all();
        r
    }

    /// Whether the receiver is gone (nobody will take what is sent).
    pub(super) fn is_closed(&self) -> bool {
        lock(&self.shared).receiver_gone
    }

    /// Sets the channel's [`Slot`] value.
    pub(super) fn set_id(&self, v: u32) {
        self.shared.id.store(v, Ordering::Release);
    }

    /// Whether `slot` is this channel's.
    pub(super) fn owns(&self, slot: &Slot<T>) -> bool {
        Arc::ptr_eq(&self.shared, &slot.shared)
    }
}

impl<T: 'static> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = lock(&self.shared);
            s.sender_gone = true;
            s.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        recycle(&self.shared);
    }
}

/// The stream's half.
#[derive(Debug)]
pub(super) struct Receiver<T: 'static> {
    shared: Arc<Shared<T>>,
    /// [`close`](Self::close) ran: dropping takes no lock.
    closed: bool,
}

impl<T: 'static> Receiver<T> {
    /// The next event; `None` once the sender is gone and everything it queued was taken.
    /// The waker is registered under the same lock that found the queue empty, so an event
    /// pushed right after is never missed; a waker from another task replaces the last one.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = lock(&self.shared);
        if let Some(event) = s.queue.pop_front() {
            return Poll::Ready(Some(event));
        }
        if s.sender_gone {
            return Poll::Ready(None);
        }
        match &mut s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            w => *w = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next event; `None` once the sender is gone and everything it queued was taken.
    pub(super) async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Closes the channel from this side (the sender's pushes fail from now on) and returns the
    /// events queued but not taken.
    pub(super) fn close(&mut self) -> VecDeque<T> {
        if std::mem::replace(&mut self.closed, true) {
            return VecDeque::new();
        }
        // The waker is dropped after the lock is released.
        let (queue, _waker) = {
            let mut s = lock(&self.shared);
            s.receiver_gone = true;
            // An empty queue keeps its buffer, for the channel's next use (see [`pooled`]).
            let queue = if s.queue.is_empty() {
                VecDeque::new()
            } else {
                std::mem::take(&mut s.queue)
            };
            (queue, s.waker.take())
        };
        queue
    }

    /// The channel's [`Slot`].
    pub(super) fn slot(&self) -> Slot<T> {
        Slot {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T: 'static> Drop for Receiver<T> {
    fn drop(&mut self) {
        // The queued events are dropped after the lock is released.
        drop(self.close());
        recycle(&self.shared);
    }
}

/// A handle on the channel's `id`: a value the driver writes ([`Sender::set_id`]) and the
/// stream's handles read without taking the lock (a started stream's identifier:
/// `driver::StreamRef::Starting`). It keeps the channel (not its sender or receiver) alive.
#[derive(Debug)]
pub(super) struct Slot<T: 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: 'static> Slot<T> {
    pub(super) fn get(&self) -> u32 {
        self.shared.id.load(Ordering::Acquire)
    }
}

impl<T: 'static> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T: 'static> Drop for Slot<T> {
    fn drop(&mut self) {
        recycle(&self.shared);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A waker that counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Count {
        fn get(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&count));
        (count, waker)
    }

    fn poll<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Option<T>> {
        rx.poll_recv(&mut Context::from_waker(waker))
    }

    #[test]
    fn events_arrive_in_order() {
        let (tx, mut rx) = channel();
        let (_, waker) = counting();
        let mut wakeups = Wakeups::default();
        for i in 0..100 {
            tx.push(i, &mut wakeups).unwrap();
        }
        tx.send(100).unwrap();
        for i in 0..=100 {
            assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(i)));
        }
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
    }

    #[test]
    fn dropping_the_sender_ends_the_receiver_after_what_was_queued() {
        let (tx, mut rx) = channel();
        let (count, waker) = counting();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.send(1).unwrap();
        assert_eq!(count.get(), 1);
        tx.send(2).unwrap();
        // Not polled since the first wake-up: nobody waits, nobody is woken.
        assert_eq!(count.get(), 1);
        drop(tx);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(1)));
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(2)));
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
    }

    #[test]
    fn dropping_the_sender_wakes_a_waiting_receiver() {
        let (tx, mut rx) = channel::<u8>();
        let (count, waker) = counting();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        drop(tx);
        assert_eq!(count.get(), 1);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
    }

    #[test]
    fn dropping_the_receiver_closes_the_sender_and_drops_what_was_queued() {
        let (tx, rx) = channel();
        let event = Arc::new(());
        tx.send(Arc::clone(&event)).unwrap();
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        // The queued event was dropped with the receiver.
        assert_eq!(Arc::strong_count(&event), 1);
        let mut wakeups = Wakeups::default();
        let back = tx.push(Arc::clone(&event), &mut wakeups).unwrap_err();
        assert!(Arc::ptr_eq(&back, &event));
        assert!(tx.send(back).is_err());
        assert!(wakeups.0.is_empty());
    }

    #[test]
    fn a_batch_wakes_the_receiver_once() {
        let (tx, mut rx) = channel();
        let (count, waker) = counting();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        let mut wakeups = Wakeups::default();
        // A unary response: headers, message, trailers, then the driver forgets the stream.
        tx.push("headers", &mut wakeups).unwrap();
        tx.push("data", &mut wakeups).unwrap();
        tx.push("trailers", &mut wakeups).unwrap();
        drop(tx);
        assert_eq!(
            count.get(),
            0,
            "nothing is woken before the read is dispatched"
        );
        assert_eq!(wakeups.0.len(), 1);
        wakeups.wake_all();
        assert_eq!(count.get(), 1);
        assert!(wakeups.0.is_empty());
        for want in ["headers", "data", "trailers"] {
            assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(want)));
        }
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
        assert_eq!(count.get(), 1);
    }

    #[test]
    fn a_receiver_polled_between_pushes_is_woken_again() {
        let (tx, mut rx) = channel();
        let (count, waker) = counting();
        let mut wakeups = Wakeups::default();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.push(1, &mut wakeups).unwrap();
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(1)));
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.push(2, &mut wakeups).unwrap();
        wakeups.wake_all();
        assert_eq!(count.get(), 2, "both waits end with a wake-up");
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(2)));
    }

    #[test]
    fn the_waker_of_the_last_poll_is_woken() {
        let (tx, mut rx) = channel();
        let (first, first_waker) = counting();
        let (second, second_waker) = counting();
        assert_eq!(poll(&mut rx, &first_waker), Poll::Pending);
        // Polled again from another task (the future moved): that task is the one to wake.
        assert_eq!(poll(&mut rx, &second_waker), Poll::Pending);
        tx.send(7).unwrap();
        assert_eq!((first.get(), second.get()), (0, 1));
        // The same task polling again keeps its waker.
        assert_eq!(poll(&mut rx, &second_waker), Poll::Ready(Some(7)));
        assert_eq!(poll(&mut rx, &second_waker), Poll::Pending);
        assert_eq!(poll(&mut rx, &second_waker), Poll::Pending);
        tx.send(8).unwrap();
        assert_eq!((first.get(), second.get()), (0, 2));
    }

    #[test]
    fn across_threads_no_event_or_wakeup_is_lost() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..200 {
                let (tx, mut rx) = channel::<u32>();
                let reader = tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                });
                let writer = tokio::task::spawn_blocking(move || {
                    let mut wakeups = Wakeups::default();
                    for i in 0..1000 {
                        tx.push(i, &mut wakeups).unwrap();
                        if i % 7 == 0 {
                            wakeups.wake_all();
                        }
                    }
                    wakeups.wake_all();
                });
                writer.await.unwrap();
                // A lost wake-up would leave the reader waiting for good.
                let got = tokio::time::timeout(std::time::Duration::from_secs(10), reader)
                    .await
                    .expect("the reader was woken for every event and the end")
                    .unwrap();
                assert_eq!(got, (0..1000).collect::<Vec<_>>());
            }
        });
    }

    thread_local! {
        static TEST_POOL: RefCell<Vec<Arc<Shared<u32>>>> = const { RefCell::new(Vec::new()) };
    }

    fn pool_len() -> usize {
        TEST_POOL.with_borrow(Vec::len)
    }

    #[test]
    fn a_channel_goes_back_to_the_pool_once_every_handle_is_gone_and_comes_back_clean() {
        let (tx, mut rx) = pooled(&TEST_POOL, 7);
        let slot = rx.slot();
        assert_eq!(slot.get(), 7);
        assert!(tx.owns(&slot));
        tx.set_id(9);
        assert_eq!(slot.get(), 9);
        let (_, waker) = counting();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let first = Arc::as_ptr(&tx.shared);
        // The receiver goes with an event untaken; the sender and the slot stay.
        drop(rx);
        assert!(tx.is_closed());
        drop(tx);
        assert_eq!(pool_len(), 0, "the slot still holds the channel");
        drop(slot);
        assert_eq!(pool_len(), 1);
        // Reused: same allocation, new id, empty, open both ways, no waker.
        let (tx, mut rx) = pooled(&TEST_POOL, 3);
        assert_eq!(pool_len(), 0);
        assert_eq!(Arc::as_ptr(&tx.shared), first);
        assert_eq!(rx.slot().get(), 3);
        assert!(!tx.is_closed());
        let (count, waker) = counting();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.send(5).unwrap();
        assert_eq!(count.get(), 1);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(5)));
        drop(tx);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
        drop(rx);
        assert_eq!(pool_len(), 1);
        // An unpooled channel is freed; the pool keeps at most `POOL_MAX`.
        drop(channel::<u32>());
        assert_eq!(pool_len(), 1);
        let many: Vec<_> = (0..POOL_MAX + 10)
            .map(|i| pooled(&TEST_POOL, i as u32))
            .collect();
        assert_eq!(pool_len(), 0);
        drop(many);
        assert_eq!(pool_len(), POOL_MAX);
    }

    #[test]
    fn a_pooled_channel_keeps_no_large_queue() {
        let (tx, mut rx) = pooled(&TEST_POOL, 0);
        let mut wakeups = Wakeups::default();
        for i in 0..100 {
            tx.push(i, &mut wakeups).unwrap();
        }
        let (_, waker) = counting();
        for i in 0..100 {
            assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(i)));
        }
        let shared = Arc::clone(&tx.shared);
        drop((tx, rx));
        // Still held here: not pooled yet.
        assert!(lock(&shared).queue.capacity() >= 100);
        let slot = Slot { shared };
        drop(slot);
        let (tx, _rx) = pooled(&TEST_POOL, 0);
        assert!(lock(&tx.shared).queue.capacity() <= POOL_QUEUE_KEEP);
    }
}
