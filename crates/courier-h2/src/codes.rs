//! HTTP/2 wire codes — frame types, setting identifiers and error codes — as open newtypes.
//!
//! Each newtype is generated from one table (name, value, description) by [`wire_codes!`], so
//! unknown values round-trip untouched and every raise site reads like the RFC
//! (`Reason::PROTOCOL_ERROR`).

/// Generates an open newtype over an integer with named constants, a name lookup, a description
/// lookup, and `Debug`/`Display` that print the name when the value is known.
macro_rules! wire_codes {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($int:ty);
        $( $konst:ident = $value:literal, $desc:literal; )*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $int);

        impl $name {
            $(
                #[doc = $desc]
                pub const $konst: $name = $name($value);
            )*

            /// Every code this table names, in table order.
            pub const KNOWN: &'static [$name] = &[$($name::$konst),*];

            /// The raw wire value.
            #[inline]
            pub const fn get(self) -> $int {
                self.0
            }

            /// The registered name (`"PROTOCOL_ERROR"`), or `None` for an unknown value.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($konst)), )*
                    _ => None,
                }
            }

            /// A one-line description from the specification, or `None` for an unknown value.
            pub const fn description(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($desc), )*
                    _ => None,
                }
            }

            /// Whether this table names the value.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl From<$int> for $name {
            #[inline]
            fn from(v: $int) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $int {
            #[inline]
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

wire_codes! {
    /// An HTTP/2 frame type (RFC 9113 §6, §11). Unknown types are carried, never rejected.
    pub struct FrameType(u8);
    DATA = 0x0, "Conveys arbitrary, variable-length sequences of octets associated with a stream (§6.1).";
    HEADERS = 0x1, "Opens a stream and carries a field block fragment (§6.2).";
    PRIORITY = 0x2, "Deprecated priority signal; parsed and ignored (§6.3).";
    RST_STREAM = 0x3, "Immediate termination of a stream (§6.4).";
    SETTINGS = 0x4, "Configuration parameters, and their acknowledgment (§6.5).";
    PUSH_PROMISE = 0x5, "Reserves a stream the sender intends to initiate (§6.6).";
    PING = 0x6, "Round-trip measurement and liveness check (§6.7).";
    GOAWAY = 0x7, "Initiates shutdown of a connection or signals a serious error (§6.8).";
    WINDOW_UPDATE = 0x8, "Flow-control credit for a stream or the connection (§6.9).";
    CONTINUATION = 0x9, "Continues a sequence of field block fragments (§6.10).";
}

wire_codes! {
    /// An HTTP/2 setting identifier (RFC 9113 §6.5.2). Unknown identifiers are ignored on receipt.
    pub struct SettingId(u16);
    HEADER_TABLE_SIZE = 0x1, "Maximum size of the compression table used to decode field blocks; initial 4,096.";
    ENABLE_PUSH = 0x2, "Whether server push is permitted (0 or 1); initial 1.";
    MAX_CONCURRENT_STREAMS = 0x3, "Maximum number of concurrent streams the sender permits the receiver to create; initially unlimited.";
    INITIAL_WINDOW_SIZE = 0x4, "Initial stream-level flow-control window; initial 65,535.";
    MAX_FRAME_SIZE = 0x5, "Largest frame payload the sender is willing to receive; initial 16,384.";
    MAX_HEADER_LIST_SIZE = 0x6, "Advisory maximum field section size the sender accepts; initially unlimited.";
    ENABLE_CONNECT_PROTOCOL = 0x8, "Extended CONNECT support (RFC 8441).";
    NO_RFC7540_PRIORITIES = 0x9, "The sender does not use RFC 7540 priorities (RFC 9218).";
}

wire_codes! {
    /// An HTTP/2 error code (RFC 9113 §7), used in RST_STREAM and GOAWAY. Unknown codes round-trip
    /// and trigger no special behavior.
    pub struct Reason(u32);
    NO_ERROR = 0x0, "The associated condition is not a result of an error.";
    PROTOCOL_ERROR = 0x1, "The endpoint detected an unspecific protocol error.";
    INTERNAL_ERROR = 0x2, "The endpoint encountered an unexpected internal error.";
    FLOW_CONTROL_ERROR = 0x3, "The endpoint detected that its peer violated the flow-control protocol.";
    SETTINGS_TIMEOUT = 0x4, "The endpoint sent a SETTINGS frame but did not receive a response in a timely manner.";
    STREAM_CLOSED = 0x5, "The endpoint received a frame after a stream was half-closed.";
    FRAME_SIZE_ERROR = 0x6, "The endpoint received a frame with an invalid size.";
    REFUSED_STREAM = 0x7, "The endpoint refused the stream prior to performing any application processing.";
    CANCEL = 0x8, "The stream is no longer needed.";
    COMPRESSION_ERROR = 0x9, "The endpoint is unable to maintain the field section compression context for the connection.";
    CONNECT_ERROR = 0xa, "The connection established in response to a CONNECT request was reset or abnormally closed.";
    ENHANCE_YOUR_CALM = 0xb, "The peer is exhibiting a behavior that might be generating excessive load.";
    INADEQUATE_SECURITY = 0xc, "The underlying transport does not meet minimum security requirements.";
    HTTP_1_1_REQUIRED = 0xd, "The endpoint requires that HTTP/1.1 be used instead of HTTP/2.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_and_values() {
        assert_eq!(Reason::PROTOCOL_ERROR.get(), 1);
        assert_eq!(Reason(0xb).name(), Some("ENHANCE_YOUR_CALM"));
        assert_eq!(Reason::KNOWN.len(), 14);
        assert_eq!(FrameType::CONTINUATION.get(), 9);
        assert_eq!(FrameType::KNOWN.len(), 10);
        assert_eq!(SettingId::MAX_HEADER_LIST_SIZE.get(), 6);
    }

    #[test]
    fn unknown_values_round_trip_and_print() {
        let r = Reason(0xdead_beef);
        assert!(!r.is_known());
        assert_eq!(r.name(), None);
        assert_eq!(u32::from(r), 0xdead_beef);
        assert_eq!(format!("{r:?}"), "Reason(0xdeadbeef)");
        assert_eq!(format!("{}", Reason::CANCEL), "CANCEL");
        assert_eq!(format!("{:?}", FrameType(0xfa)), "FrameType(0xfa)");
    }
}
