//! gRFC A66's per-call instruments, recorded through the OpenTelemetry metrics API.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};

use courier_rpc::Code;
use courier_rpc::observe::{
    Attempt, AttemptEnd, ClientCall, ClientCallEnd, ClientCallObserver, Observer, ServerCall,
    ServerCallEnd, ServerCallObserver,
};

/// A66, "Units": "Latency" buckets (seconds).
pub const LATENCY_BUCKETS: [f64; 41] = [
    0.0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005,
    0.006, 0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16,
    0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
];

/// A66, "Units": "Size" buckets (octets).
pub const SIZE_BUCKETS: [f64; 14] = [
    0.0,
    1024.0,
    2048.0,
    4096.0,
    16384.0,
    65536.0,
    262144.0,
    1048576.0,
    4194304.0,
    16777216.0,
    67108864.0,
    268435456.0,
    1073741824.0,
    4294967296.0,
];

/// The method name A66 records for a method the server does not serve.
pub const OTHER_METHOD: &str = "other";

/// gRFC A66 metrics: an [`Observer`] for channels and servers that records
/// `grpc.client.attempt.started`, `grpc.client.attempt.duration`,
/// `grpc.client.attempt.sent_total_compressed_message_size`,
/// `grpc.client.attempt.rcvd_total_compressed_message_size`, `grpc.client.call.duration`,
/// `grpc.server.call.started`, `grpc.server.call.duration`,
/// `grpc.server.call.sent_total_compressed_message_size` and
/// `grpc.server.call.rcvd_total_compressed_message_size`, with A66's units, attributes
/// (`grpc.method`, `grpc.target`, `grpc.status`) and histogram buckets (given as the
/// instruments' advice; an SDK view may override them). Cheap to clone.
///
/// A server records the method of a call it does not serve as `other` (A66: "unregistered/
/// generic method names should by default be reported with "other" value instead").
/// Courier's client calls always name a method descriptor the application compiled in, so
/// the client records the method as it is.
#[derive(Clone, Debug)]
pub struct Metrics {
    inner: Arc<Instruments>,
    series: Arc<Series>,
    record_unregistered: bool,
}

#[derive(Debug)]
struct Instruments {
    attempt_started: Counter<u64>,
    attempt_duration: Histogram<f64>,
    attempt_sent: Histogram<u64>,
    attempt_rcvd: Histogram<u64>,
    call_duration: Histogram<f64>,
    server_started: Counter<u64>,
    server_duration: Histogram<f64>,
    server_sent: Histogram<u64>,
    server_rcvd: Histogram<u64>,
}

impl Metrics {
    /// The instruments, made with `meter` (`provider.meter("courier")`, say).
    pub fn new(meter: &Meter) -> Metrics {
        let latency = |name: &'static str, description: &'static str| {
            meter
                .f64_histogram(name)
                .with_description(description)
                .with_unit("s")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build()
        };
        let size = |name: &'static str, description: &'static str| {
            meter
                .u64_histogram(name)
                .with_description(description)
                .with_unit("By")
                .with_boundaries(SIZE_BUCKETS.to_vec())
                .build()
        };
        let inner = Instruments {
            attempt_started: meter
                .u64_counter("grpc.client.attempt.started")
                .with_description("Number of client call attempts started")
                .with_unit("{attempt}")
                .build(),
            attempt_duration: latency(
                "grpc.client.attempt.duration",
                "End-to-end time taken to complete a client call attempt",
            ),
            attempt_sent: size(
                "grpc.client.attempt.sent_total_compressed_message_size",
                "Compressed message bytes sent per client call attempt",
            ),
            attempt_rcvd: size(
                "grpc.client.attempt.rcvd_total_compressed_message_size",
                "Compressed message bytes received per call attempt",
            ),
            call_duration: latency(
                "grpc.client.call.duration",
                "Time taken by gRPC to complete an RPC from application's perspective",
            ),
            server_started: meter
                .u64_counter("grpc.server.call.started")
                .with_description("Number of server calls started")
                .with_unit("{call}")
                .build(),
            server_duration: latency(
                "grpc.server.call.duration",
                "End-to-end time taken to complete a call from server transport's perspective",
            ),
            server_sent: size(
                "grpc.server.call.sent_total_compressed_message_size",
                "Compressed message bytes sent per server call",
            ),
            server_rcvd: size(
                "grpc.server.call.rcvd_total_compressed_message_size",
                "Compressed message bytes received per server call",
            ),
        };
        Metrics {
            inner: Arc::new(inner),
            series: Arc::default(),
            record_unregistered: false,
        }
    }

    /// Records the methods a server does not serve by their name rather than `other` (A66:
    /// "Implementations should provide the option to override this behavior"). Default off:
    /// the names are the clients' to choose, and each is a new time series.
    pub fn record_unregistered_methods(mut self, enabled: bool) -> Self {
        self.record_unregistered = enabled;
        self
    }
}

/// A66's `grpc.status`: the code's name (`OK`, `CANCELLED`, …).
fn status(code: Code) -> KeyValue {
    KeyValue::new("grpc.status", code.name().unwrap_or("UNKNOWN"))
}

/// How many series (a server's methods; a client's method and target pairs) a [`Metrics`]
/// keeps ready; calls beyond them are recorded all the same, through the attribute lookup of
/// the SDK, only slower. A server records the methods it serves (and `other`), so this bounds
/// only clients with very many targets and servers that record unregistered names.
const MAX_SERIES: usize = 1024;

/// The standard status codes, `OK` to `UNAUTHENTICATED`: an index into per-code handles.
#[cfg(feature = "bound-instruments")]
const CODES: usize = 17;

/// The series of a call, once per method (and target) rather than once per call: its
/// attributes, and, with the `bound-instruments` feature, the SDK's handles bound to them,
/// so that recording is a write into the aggregation without an attribute lookup.
#[derive(Debug, Default)]
struct Series {
    servers: RwLock<FnvMap<Box<str>, Arc<ServerSeries>>>,
    /// By method path, then by target (a channel's calls share one target).
    clients: RwLock<FnvMap<&'static str, Vec<Arc<ClientSeries>>>>,
    count: AtomicUsize,
}

/// One `grpc.method` of a server.
struct ServerSeries {
    method: KeyValue,
    #[cfg(feature = "bound-instruments")]
    bound: Option<bound::Server>,
}

/// One `grpc.method` and `grpc.target` of a client.
struct ClientSeries {
    target: Box<str>,
    /// `grpc.method`, `grpc.target`.
    attrs: [KeyValue; 2],
    #[cfg(feature = "bound-instruments")]
    bound: Option<bound::Client>,
}

impl Metrics {
    /// The series of a server method, made the first time it is seen (up to [`MAX_SERIES`]).
    fn server_series(&self, method: &str) -> Arc<ServerSeries> {
        let series = &self.series;
        if let Some(s) = read(&series.servers).get(method) {
            return Arc::clone(s);
        }
        #[allow(unused_mut)]
        let mut made = ServerSeries {
            method: KeyValue::new("grpc.method", method.to_owned()),
            #[cfg(feature = "bound-instruments")]
            bound: None,
        };
        if series.count.load(Ordering::Relaxed) >= MAX_SERIES {
            return Arc::new(made);
        }
        let mut servers = series.servers.write().unwrap_or_else(|e| e.into_inner());
        let entry = servers.entry(method.into()).or_insert_with(|| {
            series.count.fetch_add(1, Ordering::Relaxed);
            #[cfg(feature = "bound-instruments")]
            {
                made.bound = Some(bound::Server::new(&self.inner, &made.method));
            }
            Arc::new(made)
        });
        Arc::clone(entry)
    }

    /// The series of a client method and target.
    fn client_series(&self, path: &'static str, target: &str) -> Arc<ClientSeries> {
        let series = &self.series;
        let find = |v: &Vec<Arc<ClientSeries>>| v.iter().find(|s| &*s.target == target).cloned();
        if let Some(s) = read(&series.clients).get(path).and_then(find) {
            return s;
        }
        let method = path.strip_prefix('/').unwrap_or(path);
        let make = || ClientSeries {
            target: target.into(),
            attrs: [
                KeyValue::new("grpc.method", method),
                KeyValue::new("grpc.target", target.to_owned()),
            ],
            #[cfg(feature = "bound-instruments")]
            bound: None,
        };
        if series.count.load(Ordering::Relaxed) >= MAX_SERIES {
            return Arc::new(make());
        }
        let mut clients = series.clients.write().unwrap_or_else(|e| e.into_inner());
        let list = clients.entry(path).or_default();
        if let Some(s) = find(list) {
            return s;
        }
        series.count.fetch_add(1, Ordering::Relaxed);
        #[allow(unused_mut)]
        let mut made = make();
        #[cfg(feature = "bound-instruments")]
        {
            made.bound = Some(bound::Client::new(&self.inner, &made.attrs));
        }
        let made = Arc::new(made);
        list.push(Arc::clone(&made));
        made
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

impl Observer for Metrics {
    fn client_call(&self, call: &ClientCall<'_>) -> Option<Box<dyn ClientCallObserver>> {
        Some(Box::new(ClientMetrics {
            inner: Arc::clone(&self.inner),
            series: self.client_series(call.method().path, call.target()),
        }))
    }

    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        let method = if call.is_registered() || self.record_unregistered {
            call.method()
        } else {
            OTHER_METHOD
        };
        let series = self.server_series(method);
        #[cfg(feature = "bound-instruments")]
        if let Some(b) = &series.bound {
            b.started.add(1);
            return Some(Box::new(ServerMetrics {
                inner: Arc::clone(&self.inner),
                series,
            }));
        }
        self.inner
            .server_started
            .add(1, std::slice::from_ref(&series.method));
        Some(Box::new(ServerMetrics {
            inner: Arc::clone(&self.inner),
            series,
        }))
    }
}

/// One client call's recorder.
struct ClientMetrics {
    inner: Arc<Instruments>,
    series: Arc<ClientSeries>,
}

impl ClientMetrics {
    fn with_status(&self, code: Code) -> [KeyValue; 3] {
        let a = &self.series.attrs;
        [a[0].clone(), a[1].clone(), status(code)]
    }
}

impl ClientCallObserver for ClientMetrics {
    fn attempt_started(&self, _: &Attempt<'_>, _: &mut courier_rpc::Metadata) {
        #[cfg(feature = "bound-instruments")]
        if let Some(b) = &self.series.bound {
            b.started.add(1);
            return;
        }
        self.inner.attempt_started.add(1, &self.series.attrs);
    }

    fn attempt_ended(&self, end: &AttemptEnd) {
        #[cfg(feature = "bound-instruments")]
        if let Some(h) = self
            .series
            .bound
            .as_ref()
            .and_then(|b| b.ends(end.code, &self.inner, &self.series.attrs))
        {
            h.attempt_duration.record(end.duration.as_secs_f64());
            h.attempt_sent.record(end.sent_message_bytes);
            h.attempt_rcvd.record(end.received_message_bytes);
            return;
        }
        let attrs = self.with_status(end.code);
        let i = &self.inner;
        i.attempt_duration
            .record(end.duration.as_secs_f64(), &attrs);
        i.attempt_sent.record(end.sent_message_bytes, &attrs);
        i.attempt_rcvd.record(end.received_message_bytes, &attrs);
    }

    fn call_ended(&self, end: &ClientCallEnd) {
        #[cfg(feature = "bound-instruments")]
        if let Some(h) = self
            .series
            .bound
            .as_ref()
            .and_then(|b| b.ends(end.code, &self.inner, &self.series.attrs))
        {
            h.call_duration.record(end.duration.as_secs_f64());
            return;
        }
        let attrs = self.with_status(end.code);
        self.inner
            .call_duration
            .record(end.duration.as_secs_f64(), &attrs);
    }
}

/// One server call's recorder.
struct ServerMetrics {
    inner: Arc<Instruments>,
    series: Arc<ServerSeries>,
}

impl ServerCallObserver for ServerMetrics {
    fn call_ended(&self, end: &ServerCallEnd) {
        #[cfg(feature = "bound-instruments")]
        if let Some(h) = self
            .series
            .bound
            .as_ref()
            .and_then(|b| b.ends(end.code, &self.inner, &self.series.method))
        {
            h.duration.record(end.duration.as_secs_f64());
            h.sent.record(end.sent_message_bytes);
            h.rcvd.record(end.received_message_bytes);
            return;
        }
        let attrs = [self.series.method.clone(), status(end.code)];
        let i = &self.inner;
        i.server_duration.record(end.duration.as_secs_f64(), &attrs);
        i.server_sent.record(end.sent_message_bytes, &attrs);
        i.server_rcvd.record(end.received_message_bytes, &attrs);
    }
}

/// Handles bound to a series' attributes (OpenTelemetry's `Bind`, in development in the
/// specification and behind the `experimental_metrics_bound_instruments` feature of the
/// opentelemetry crates, which this crate's `bound-instruments` feature turns on in both the
/// API and the SDK). A bound handle records straight into its aggregation: no attribute
/// hashing, sorting or lookup per measurement.
#[cfg(feature = "bound-instruments")]
mod bound {
    use std::sync::OnceLock;

    use opentelemetry::KeyValue;
    use opentelemetry::metrics::{BoundCounter, BoundHistogram};

    use super::{CODES, Code, Instruments, status};

    /// Handles per status code, bound the first time a call ends with it.
    struct ByCode<T>([OnceLock<T>; CODES]);

    impl<T> Default for ByCode<T> {
        fn default() -> Self {
            ByCode(std::array::from_fn(|_| OnceLock::new()))
        }
    }

    impl<T> ByCode<T> {
        /// The handles of `code` (`bind` makes them, given the status attribute, the first
        /// time); `None` for a code outside the standard ones, which the caller records
        /// unbound.
        fn get(&self, code: Code, bind: impl FnOnce(KeyValue) -> T) -> Option<&T> {
            let slot = self.0.get(usize::try_from(code.0).ok()?)?;
            Some(slot.get_or_init(|| bind(status(code))))
        }
    }

    /// A server method's handles.
    pub(super) struct Server {
        pub(super) started: BoundCounter<u64>,
        by_code: ByCode<ServerEnd>,
    }

    pub(super) struct ServerEnd {
        pub(super) duration: BoundHistogram<f64>,
        pub(super) sent: BoundHistogram<u64>,
        pub(super) rcvd: BoundHistogram<u64>,
    }

    impl Server {
        pub(super) fn new(i: &Instruments, method: &KeyValue) -> Server {
            Server {
                started: i.server_started.bind(std::slice::from_ref(method)),
                by_code: Default::default(),
            }
        }

        /// The handles of calls ending with `code` (bound the first time); `None` for a code
        /// outside the standard ones.
        pub(super) fn ends(
            &self,
            code: Code,
            i: &Instruments,
            method: &KeyValue,
        ) -> Option<&ServerEnd> {
            self.by_code.get(code, |status| {
                let attrs = [method.clone(), status];
                ServerEnd {
                    duration: i.server_duration.bind(&attrs),
                    sent: i.server_sent.bind(&attrs),
                    rcvd: i.server_rcvd.bind(&attrs),
                }
            })
        }
    }

    /// A client method and target's handles.
    pub(super) struct Client {
        pub(super) started: BoundCounter<u64>,
        by_code: ByCode<ClientEnd>,
    }

    pub(super) struct ClientEnd {
        pub(super) attempt_duration: BoundHistogram<f64>,
        pub(super) attempt_sent: BoundHistogram<u64>,
        pub(super) attempt_rcvd: BoundHistogram<u64>,
        pub(super) call_duration: BoundHistogram<f64>,
    }

    impl Client {
        pub(super) fn new(i: &Instruments, attrs: &[KeyValue; 2]) -> Client {
            Client {
                started: i.attempt_started.bind(attrs),
                by_code: Default::default(),
            }
        }

        pub(super) fn ends(
            &self,
            code: Code,
            i: &Instruments,
            attrs: &[KeyValue; 2],
        ) -> Option<&ClientEnd> {
            self.by_code.get(code, |status| {
                let attrs = [attrs[0].clone(), attrs[1].clone(), status];
                ClientEnd {
                    attempt_duration: i.attempt_duration.bind(&attrs),
                    attempt_sent: i.attempt_sent.bind(&attrs),
                    attempt_rcvd: i.attempt_rcvd.bind(&attrs),
                    call_duration: i.call_duration.bind(&attrs),
                }
            })
        }
    }
}

/// FNV-1a: series keys are short strings looked up once per call; SipHash (the standard
/// map's) costs more than the lookup is worth here, and the keys are not chosen by peers
/// beyond [`MAX_SERIES`] of them.
#[derive(Clone, Copy, Debug, Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

impl fmt::Debug for ServerSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSeries")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ClientSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSeries")
            .field("attrs", &self.attrs)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        Metrics::new(&opentelemetry::metrics::MeterProvider::meter(
            &provider, "t",
        ))
    }

    #[test]
    fn series_are_kept_once_and_up_to_the_limit() {
        let m = metrics();
        let a = m.server_series("a.B/C");
        assert!(Arc::ptr_eq(&a, &m.server_series("a.B/C")));
        let c = m.client_series("/a.B/C", "dns:///x:1");
        assert!(Arc::ptr_eq(&c, &m.client_series("/a.B/C", "dns:///x:1")));
        assert!(!Arc::ptr_eq(&c, &m.client_series("/a.B/C", "dns:///y:1")));
        for i in 0..MAX_SERIES + 10 {
            m.server_series(&format!("s.S/M{i}"));
        }
        assert_eq!(m.series.count.load(Ordering::Relaxed), MAX_SERIES);
        assert_eq!(read(&m.series.servers).len() + 2, MAX_SERIES);
        // Past the limit a series is made for the call and not kept.
        let late = m.server_series("late.L/L");
        assert!(!Arc::ptr_eq(&late, &m.server_series("late.L/L")));
        #[cfg(feature = "bound-instruments")]
        {
            assert!(a.bound.is_some() && c.bound.is_some());
            assert!(late.bound.is_none());
        }
    }
}
