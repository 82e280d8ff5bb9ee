//! `grpc-trace-bin`: a span context in OpenCensus's binary format, which gRPC has used to
//! propagate trace context and which gRFC A72 keeps (`GrpcTraceBinPropagator`) so that
//! OpenCensus and OpenTelemetry peers share traces. The format
//! (<https://github.com/census-instrumentation/opencensus-specs/blob/master/encodings/BinaryEncoding.md>):
//! a version octet (0), then fields, each a field-id octet and its value, in this order —
//! 0: the trace id (16 octets), 1: the span id (8 octets), 2: the trace options (1 octet,
//! bit 0 "sampled"). 29 octets in all.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

/// The encoded length: version, and three fields with their ids.
pub const LEN: usize = 29;

/// `sc` in the binary format.
pub fn encode(sc: &SpanContext) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    // out[0]: version 0; out[1]: field 0, the trace id.
    out[2..18].copy_from_slice(&sc.trace_id().to_bytes());
    out[18] = 1;
    out[19..27].copy_from_slice(&sc.span_id().to_bytes());
    out[27] = 2;
    out[28] = sc.trace_flags().to_u8() & 1;
    out
}

/// The remote span context `b` encodes; `None` if it is not version 0 or lacks a valid
/// (non-zero) trace id or span id — every field is optional in the format, but a span context
/// without both ids is no parent. A missing trace-options field means "not sampled".
pub fn decode(b: &[u8]) -> Option<SpanContext> {
    // BinaryEncoding.md, "General Format": "Each encoding will have a 1 byte version followed
    // by the version format encoding"; version 0 is the only one defined.
    let (&version, mut rest) = b.split_first()?;
    if version != 0 {
        return None;
    }
    let trace_id = match rest {
        [0, id @ ..] if id.len() >= 16 => {
            let (id, r) = id.split_at(16);
            rest = r;
            TraceId::from_bytes(id.try_into().ok()?)
        }
        _ => return None,
    };
    let span_id = match rest {
        [1, id @ ..] if id.len() >= 8 => {
            let (id, r) = id.split_at(8);
            rest = r;
            SpanId::from_bytes(id.try_into().ok()?)
        }
        _ => return None,
    };
    // "Deserialization Rules": read "until the end of the input ... or until the first unknown
    // field_id. An unknown field id should not be considered a parse error."
    let flags = match rest {
        [2, options, ..] => TraceFlags::new(options & 1),
        _ => TraceFlags::default(),
    };
    let sc = SpanContext::new(trace_id, span_id, flags, true, TraceState::NONE);
    sc.is_valid().then_some(sc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BinaryEncoding.md, "Trace Context", "Valid example".
    const EXAMPLE: [u8; LEN] = [
        0, // version
        0, 75, 249, 47, 53, 119, 179, 77, 166, 163, 206, 146, 157, 0, 14, 71, 54, // trace id
        1, 52, 240, 103, 170, 11, 169, 2, 183, // span id
        2, 1, // trace options
    ];

    #[test]
    fn known_answer() {
        let sc = decode(&EXAMPLE).unwrap();
        // "traceId = {75, 249, 47, 53, 119, 179, 77, 166, 163, 206, 146, 157, 0, 14, 71, 54}"
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d000e4736"
        );
        // "spanId = {52, 240, 103, 170, 11, 169, 2, 183}"
        assert_eq!(sc.span_id().to_string(), "34f067aa0ba902b7");
        // "traceOptions = 1"
        assert!(sc.is_sampled());
        assert!(sc.is_remote());
        assert_eq!(encode(&sc), EXAMPLE);
    }

    #[test]
    fn optional_options_and_later_fields() {
        // Without trace options: not sampled.
        let sc = decode(&EXAMPLE[..27]).unwrap();
        assert!(!sc.is_sampled());
        // A field of a later version after the known ones is ignored.
        let mut longer = EXAMPLE.to_vec();
        longer.extend_from_slice(&[3, 9, 9, 9]);
        assert_eq!(decode(&longer), decode(&EXAMPLE));
        // Only bit 0 of the options is "sampled".
        let mut other_bits = EXAMPLE;
        other_bits[28] = 0xfe;
        assert!(!decode(&other_bits).unwrap().is_sampled());
    }

    #[test]
    fn rejects_what_is_not_a_span_context() {
        assert_eq!(decode(&[]), None);
        let mut v1 = EXAMPLE;
        v1[0] = 1;
        assert_eq!(decode(&v1), None, "an unknown version");
        assert_eq!(decode(&EXAMPLE[..17]), None, "a truncated trace id");
        assert_eq!(decode(&EXAMPLE[..26]), None, "a truncated span id");
        let mut swapped = EXAMPLE;
        swapped[1] = 1;
        assert_eq!(decode(&swapped), None, "no trace id");
        let mut zero_trace = EXAMPLE;
        zero_trace[2..18].fill(0);
        assert_eq!(decode(&zero_trace), None, "an invalid (all-zero) trace id");
        let mut zero_span = EXAMPLE;
        zero_span[19..27].fill(0);
        assert_eq!(decode(&zero_span), None, "an invalid (all-zero) span id");
    }

    #[test]
    fn round_trips_every_byte_pattern_we_try() {
        for seed in 1u8..=255 {
            let t: [u8; 16] = std::array::from_fn(|i| seed.wrapping_mul(i as u8 + 1) | 1);
            let s: [u8; 8] = std::array::from_fn(|i| seed.wrapping_add(i as u8) | 1);
            let sc = SpanContext::new(
                TraceId::from_bytes(t),
                SpanId::from_bytes(s),
                TraceFlags::new(seed & 1),
                true,
                TraceState::NONE,
            );
            assert_eq!(decode(&encode(&sc)), Some(sc));
        }
    }
}
