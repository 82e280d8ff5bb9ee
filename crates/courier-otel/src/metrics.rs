//! gRFC A66's per-call instruments, recorded through the OpenTelemetry metrics API.

use std::sync::Arc;

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

impl Observer for Metrics {
    fn client_call(&self, call: &ClientCall<'_>) -> Option<Box<dyn ClientCallObserver>> {
        let method = call.method().path;
        let method = method.strip_prefix('/').unwrap_or(method);
        Some(Box::new(ClientMetrics {
            inner: Arc::clone(&self.inner),
            attrs: [
                KeyValue::new("grpc.method", method),
                KeyValue::new("grpc.target", call.target().to_owned()),
            ],
        }))
    }

    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        let method = if call.is_registered() || self.record_unregistered {
            KeyValue::new("grpc.method", call.method().to_owned())
        } else {
            KeyValue::new("grpc.method", OTHER_METHOD)
        };
        self.inner
            .server_started
            .add(1, std::slice::from_ref(&method));
        Some(Box::new(ServerMetrics {
            inner: Arc::clone(&self.inner),
            method,
        }))
    }
}

/// One client call's recorder.
struct ClientMetrics {
    inner: Arc<Instruments>,
    /// `grpc.method`, `grpc.target`.
    attrs: [KeyValue; 2],
}

impl ClientMetrics {
    fn with_status(&self, code: Code) -> [KeyValue; 3] {
        [self.attrs[0].clone(), self.attrs[1].clone(), status(code)]
    }
}

impl ClientCallObserver for ClientMetrics {
    fn attempt_started(&self, _: &Attempt<'_>, _: &mut courier_rpc::Metadata) {
        self.inner.attempt_started.add(1, &self.attrs);
    }

    fn attempt_ended(&self, end: &AttemptEnd) {
        let attrs = self.with_status(end.code);
        let i = &self.inner;
        i.attempt_duration
            .record(end.duration.as_secs_f64(), &attrs);
        i.attempt_sent.record(end.sent_message_bytes, &attrs);
        i.attempt_rcvd.record(end.received_message_bytes, &attrs);
    }

    fn call_ended(&self, end: &ClientCallEnd) {
        let attrs = self.with_status(end.code);
        self.inner
            .call_duration
            .record(end.duration.as_secs_f64(), &attrs);
    }
}

/// One server call's recorder.
struct ServerMetrics {
    inner: Arc<Instruments>,
    /// `grpc.method`.
    method: KeyValue,
}

impl ServerCallObserver for ServerMetrics {
    fn call_ended(&self, end: &ServerCallEnd) {
        let attrs = [self.method.clone(), status(end.code)];
        let i = &self.inner;
        i.server_duration.record(end.duration.as_secs_f64(), &attrs);
        i.server_sent.record(end.sent_message_bytes, &attrs);
        i.server_rcvd.record(end.received_message_bytes, &attrs);
    }
}
