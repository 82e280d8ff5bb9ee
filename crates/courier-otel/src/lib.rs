//! OpenTelemetry for Courier, as [`courier_rpc::observe::Observer`]s:
//!
//! - [`Metrics`]: gRFC A66's per-call instruments (`grpc.client.attempt.started`,
//!   `grpc.client.attempt.duration`, …, `grpc.server.call.duration`) through the
//!   OpenTelemetry metrics API;
//! - [`Propagation`]: trace context across processes (gRFC A72). A client attempt's
//!   request carries its span's context — through any OpenTelemetry
//!   [`TextMapPropagator`] (W3C `traceparent`/`tracestate` with
//!   `opentelemetry_sdk::propagation::TraceContextPropagator`), and/or as `grpc-trace-bin`
//!   (the OpenCensus binary format gRPC has always used, [`trace_bin`]); a server call's span
//!   takes the request's context as its parent. The spans themselves are courier-rpc's
//!   `tracing` spans, exported through `tracing-opentelemetry`'s layer.
//!
//! ```no_run
//! use courier_otel::Propagation;
//! # fn demo(propagator: impl opentelemetry::propagation::TextMapPropagator + Send + Sync + 'static) {
//! let propagation = Propagation::new().text_map(propagator).grpc_trace_bin(true);
//! let channel = courier_rpc::Channel::builder("localhost:50051")
//!     .observer(propagation.clone())
//!     .build();
//! let server = courier_rpc::Server::builder().observer(propagation);
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use courier_rpc::Metadata;
use courier_rpc::observe::{
    Attempt, ClientCall, ClientCallObserver, Observer, ServerCall, ServerCallObserver,
};

pub mod metrics;
pub mod trace_bin;

pub use metrics::Metrics;

/// The metadata key of the binary trace context (gRFC A72).
pub const GRPC_TRACE_BIN: &str = "grpc-trace-bin";

/// Trace-context propagation through request metadata (gRFC A72): an [`Observer`] for
/// channels (inject) and servers (extract). Cheap to clone.
#[derive(Clone, Default)]
pub struct Propagation {
    text: Option<Arc<dyn TextMapPropagator + Send + Sync>>,
    trace_bin: bool,
}

impl fmt::Debug for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Propagation")
            .field("text_map", &self.text.is_some())
            .field("grpc_trace_bin", &self.trace_bin)
            .finish()
    }
}

impl Propagation {
    /// Propagates nothing yet: add a [`text_map`](Self::text_map) propagator,
    /// [`grpc_trace_bin`](Self::grpc_trace_bin), or both.
    pub fn new() -> Propagation {
        Propagation::default()
    }

    /// Propagates through `propagator`'s text headers (W3C `traceparent` and `tracestate`
    /// with `TraceContextPropagator`; a composite for several). A server tries
    /// `grpc-trace-bin` first, when enabled, then this.
    pub fn text_map(mut self, propagator: impl TextMapPropagator + Send + Sync + 'static) -> Self {
        self.text = Some(Arc::new(propagator));
        self
    }

    /// Sends (client) and accepts (server) `grpc-trace-bin` (default off).
    pub fn grpc_trace_bin(mut self, enabled: bool) -> Self {
        self.trace_bin = enabled;
        self
    }

    /// Writes the context `cx` into `metadata`.
    pub fn inject(&self, cx: &Context, metadata: &mut Metadata) {
        if let Some(p) = &self.text {
            p.inject_context(cx, &mut MetadataInjector(metadata));
        }
        if self.trace_bin {
            let sc = cx.span().span_context().clone();
            if sc.is_valid() {
                // Keys ending `-bin` take any octets: this cannot fail.
                let _ = metadata.insert(GRPC_TRACE_BIN, trace_bin::encode(&sc).to_vec());
            }
        }
    }

    /// The context `metadata` carries (an empty one if none).
    pub fn extract(&self, metadata: &Metadata) -> Context {
        if self.trace_bin {
            if let Some(sc) = metadata
                .get(GRPC_TRACE_BIN)
                .and_then(|v| trace_bin::decode(v))
            {
                return Context::new().with_remote_span_context(sc);
            }
        }
        match &self.text {
            Some(p) => p.extract_with_context(&Context::new(), &MetadataExtractor(metadata)),
            None => Context::new(),
        }
    }
}

impl Observer for Propagation {
    fn client_call(&self, _: &ClientCall<'_>) -> Option<Box<dyn ClientCallObserver>> {
        Some(Box::new(self.clone()))
    }

    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        let cx = self.extract(call.metadata());
        if cx.span().span_context().is_valid() {
            // Without tracing-opentelemetry's layer there is no OpenTelemetry span to parent:
            // nothing to do.
            let _ = call.span().set_parent(cx);
        }
        None
    }
}

impl ClientCallObserver for Propagation {
    fn attempt_started(&self, attempt: &Attempt<'_>, metadata: &mut Metadata) {
        // The attempt span's context, when tracing-opentelemetry exports it; else the
        // application's current OpenTelemetry context.
        let cx = attempt.span().context();
        let cx = if cx.span().span_context().is_valid() {
            cx
        } else {
            Context::current()
        };
        self.inject(&cx, metadata);
    }
}

/// Request metadata as an OpenTelemetry [`Injector`]. Values that are not valid metadata
/// (not printable ASCII) are dropped.
#[derive(Debug)]
pub struct MetadataInjector<'a>(pub &'a mut Metadata);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let key = key.to_ascii_lowercase();
        let _ = self.0.insert(key, value);
    }
}

/// Request metadata as an OpenTelemetry [`Extractor`] (text values only).
#[derive(Debug)]
pub struct MetadataExtractor<'a>(pub &'a Metadata);

impl Extractor for MetadataExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.0.get(&key).and_then(|v| std::str::from_utf8(v).ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !k.ends_with("-bin"))
            .collect()
    }
}
