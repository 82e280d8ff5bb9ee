//! The queue of commands from the application's handles to the driver: many senders (every
//! [`Client`](super::Client), [`Server`](super::Server) and stream half holds one), one
//! receiver (the driver).
//!
//! It replaces a tokio `mpsc` unbounded channel, which allocates a block of 32 slots when it is
//! created and keeps it: about 2.4 KiB for each connection, idle or not. This queue allocates
//! nothing until the first command, and when the driver goes idle it gives back any room beyond
//! what a call's few commands need ([`Receiver::release_idle`]). The driver takes every queued command under one lock (it
//! swaps the shared queue with its own empty one), so a burst of commands costs one lock on
//! its side however long it is.
//!
//! Semantics, as the channel's were: commands arrive in the order each sender sent them; once
//! every sender is gone the receiver gets what is queued, then `None`; once the receiver is gone
//! sends fail and hand the command back. Weak senders do not keep the queue open and can be
//! upgraded while a sender exists.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct Shared<T> {
    state: Mutex<State<T>>,
    /// Live [`Sender`]s (weak ones not counted).
    senders: AtomicUsize,
}

#[derive(Debug)]
struct State<T> {
    queue: VecDeque<T>,
    /// The receiver, while it waits on an empty queue.
    waker: Option<Waker>,
    receiver_gone: bool,
}

/// Locks `shared`'s state. Every critical section is a push, a swap or a flag, so a poisoned
/// lock leaves the queue consistent and is used as is.
fn lock<T>(shared: &Shared<T>) -> MutexGuard<'_, State<T>> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The room for commands an idle connection keeps in each buffer: a call's few commands fit,
/// so a connection that goes idle after every call does not allocate per call, and a burst's
/// larger buffers are given back.
const KEPT: usize = 8;

/// A new queue.
pub(super) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            waker: None,
            receiver_gone: false,
        }),
        senders: AtomicUsize::new(1),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver {
            shared,
            taken: VecDeque::new(),
            used: false,
        },
    )
}

/// A handle's end of the queue.
#[derive(Debug)]
pub(super) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver if it waits; hands `value` back once the receiver
    /// is gone.
    pub(super) fn send(&self, value: T) -> Result<(), T> {
        let waker = {
            let mut s = lock(&self.shared);
            if s.receiver_gone {
                return Err(value);
            }
            s.queue.push_back(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// A handle that does not keep the queue open.
    pub(super) fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The last sender: the receiver learns that nothing more will come.
            let waker = lock(&self.shared).waker.take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// A sender that does not keep the queue open (the driver's own, for the handles it makes).
#[derive(Debug)]
pub(super) struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WeakSender<T> {
    /// A sender, unless every sender is gone already.
    pub(super) fn upgrade(&self) -> Option<Sender<T>> {
        let mut n = self.shared.senders.load(Ordering::Acquire);
        loop {
            if n == 0 {
                return None;
            }
            match self.shared.senders.compare_exchange_weak(
                n,
                n + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: Arc::clone(&self.shared),
                    });
                }
                Err(actual) => n = actual,
            }
        }
    }
}

/// The driver's end of the queue.
#[derive(Debug)]
pub(super) struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Commands taken from the shared queue and not yet handed out, oldest first.
    taken: VecDeque<T>,
    /// Commands were taken since the last [`release_idle`](Self::release_idle): the buffers
    /// may have room to give back.
    used: bool,
}

impl<T> Receiver<T> {
    /// The next command; `Ready(None)` once every sender is gone and the queue is empty.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(v) = self.taken.pop_front() {
            return Poll::Ready(Some(v));
        }
        {
            let mut s = lock(&self.shared);
            if s.queue.is_empty() {
                if self.shared.senders.load(Ordering::Acquire) == 0 {
                    return Poll::Ready(None);
                }
                match &mut s.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    w => *w = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            // Take the whole queue; the shared side gets this side's empty buffer (and its room).
            std::mem::swap(&mut s.queue, &mut self.taken);
        }
        self.used = true;
        Poll::Ready(self.taken.pop_front())
    }

    /// Gives back the room of both buffers when they are empty and larger than a call needs
    /// (the driver is about to wait): an idle connection holds little or no command buffer.
    pub(super) fn release_idle(&mut self) {
        if !std::mem::take(&mut self.used) {
            return;
        }
        if self.taken.is_empty() && self.taken.capacity() > KEPT {
            self.taken = VecDeque::new();
        }
        let mut s = lock(&self.shared);
        if s.queue.is_empty() && s.queue.capacity() > KEPT {
            s.queue = VecDeque::new();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Sends fail from now on, and what is queued is dropped now, not when the last sender
        // goes: a queued command may carry the only way to answer a caller (a stream opener's
        // reply), which must learn at once that the connection is gone rather than wait on a
        // handle that outlives the driver.
        let queued = {
            let mut s = lock(&self.shared);
            s.receiver_gone = true;
            s.waker = None;
            std::mem::take(&mut s.queue)
        };
        drop(queued);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (Arc::clone(&c), Waker::from(c))
    }

    #[test]
    fn order_wakeups_and_close() {
        let (tx, mut rx) = channel::<u32>();
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(rx.poll_recv(&mut cx).is_pending());
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "a waiting receiver is woken"
        );
        tx2.send(2).unwrap();
        tx.send(3).unwrap();
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "woken once until it waits again"
        );
        for want in 1..=3 {
            assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(want)));
        }
        assert!(rx.poll_recv(&mut cx).is_pending());
        tx.send(4).unwrap();
        drop(tx);
        drop(tx2);
        // What is queued comes first, then the end.
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(4)));
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn the_last_sender_going_wakes_the_receiver() {
        let (tx, mut rx) = channel::<u32>();
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(rx.poll_recv(&mut cx).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn weak_senders_do_not_keep_it_open() {
        let (tx, mut rx) = channel::<u32>();
        let weak = tx.downgrade();
        let tx2 = weak.upgrade().expect("a sender exists");
        drop(tx);
        tx2.send(7).unwrap();
        drop(tx2);
        assert!(weak.upgrade().is_none());
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(7)));
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn what_is_queued_goes_with_the_receiver() {
        // A queued command owns a reply channel; its caller must see it dropped when the
        // driver ends, while handles (senders) are still alive.
        let (tx, rx) = channel::<tokio::sync::oneshot::Sender<()>>();
        let (reply, mut answer) = tokio::sync::oneshot::channel();
        tx.send(reply).unwrap();
        assert!(
            answer
                .try_recv()
                .is_err_and(|e| e == tokio::sync::oneshot::error::TryRecvError::Empty)
        );
        drop(rx);
        assert_eq!(
            answer.try_recv(),
            Err(tokio::sync::oneshot::error::TryRecvError::Closed),
            "the queued reply is dropped with the receiver"
        );
        drop(tx);
    }

    #[test]
    fn sends_fail_once_the_receiver_is_gone() {
        let (tx, rx) = channel::<u32>();
        drop(rx);
        assert_eq!(tx.send(5), Err(5));
    }

    #[test]
    fn idle_release_keeps_no_room() {
        let (tx, mut rx) = channel::<u32>();
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        for i in 0..100 {
            assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(i)));
        }
        rx.release_idle();
        assert!(rx.taken.capacity() <= KEPT);
        assert!(lock(&rx.shared).queue.capacity() <= KEPT);
        tx.send(100).unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(100)));
    }

    #[test]
    fn senders_on_other_threads() {
        let (tx, mut rx) = channel::<u32>();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        tx.send(t * 1000 + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        for t in threads {
            t.join().unwrap();
        }
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        let mut last = [None::<u32>; 4];
        let mut n = 0;
        while let Poll::Ready(Some(v)) = rx.poll_recv(&mut cx) {
            let t = (v / 1000) as usize;
            // Each sender's commands arrive in the order it sent them.
            assert!(last[t].is_none_or(|p| p < v));
            last[t] = Some(v);
            n += 1;
        }
        assert_eq!(n, 4000);
    }
}
