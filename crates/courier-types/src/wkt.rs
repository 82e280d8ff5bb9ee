//! Hand-written helpers for the well-known types (the types themselves are generated).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use courier_wire::{DecodeError, Message};

use crate::{
    Any, BoolValue, BytesValue, DoubleValue, Duration, FieldMask, FloatValue, Int32Value,
    Int64Value, ListValue, NullValue, StringValue, Struct, Timestamp, UInt32Value, UInt64Value,
    Value, value,
};

/// A `Timestamp` or `Duration` outside the range its `.proto` documents, or a time that does
/// not fit one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RangeError {
    what: &'static str,
}

impl RangeError {
    #[cold]
    fn new(what: &'static str) -> RangeError {
        RangeError { what }
    }

    /// Which rule was broken.
    pub fn reason(&self) -> &'static str {
        self.what
    }
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
}

impl std::error::Error for RangeError {}

const NANOS_PER_SECOND: i64 = 1_000_000_000;

impl Timestamp {
    /// The earliest valid seconds: 0001-01-01T00:00:00Z. timestamp.proto: "Must be from
    /// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive."
    pub const MIN_SECONDS: i64 = -62_135_596_800;
    /// The latest valid seconds: 9999-12-31T23:59:59Z.
    pub const MAX_SECONDS: i64 = 253_402_300_799;

    /// A timestamp, checked: seconds in range and `0 <= nanos <= 999_999_999`.
    pub fn new(seconds: i64, nanos: i32) -> Result<Timestamp, RangeError> {
        let t = Timestamp {
            seconds,
            nanos,
            ..Default::default()
        };
        t.check()?;
        Ok(t)
    }

    /// The current time.
    pub fn now() -> Timestamp {
        // The clock is after 1970 and before 9999 on any system this runs on; fall back to
        // the epoch rather than panic if it is not.
        Timestamp::try_from(SystemTime::now()).unwrap_or_default()
    }

    /// Whether the value is in the range timestamp.proto documents.
    pub fn is_valid(&self) -> bool {
        self.check().is_ok()
    }

    fn check(&self) -> Result<(), RangeError> {
        // timestamp.proto: "Non-negative fractions of a second at nanosecond resolution. ...
        // Must be from 0 to 999,999,999 inclusive."
        if !(0..NANOS_PER_SECOND as i32).contains(&self.nanos) {
            return Err(RangeError::new("Timestamp.nanos is outside 0..=999999999"));
        }
        if !(Self::MIN_SECONDS..=Self::MAX_SECONDS).contains(&self.seconds) {
            return Err(RangeError::new(
                "Timestamp.seconds is outside 0001-01-01T00:00:00Z..=9999-12-31T23:59:59Z",
            ));
        }
        Ok(())
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = RangeError;

    fn try_from(t: SystemTime) -> Result<Timestamp, RangeError> {
        let too_far = || RangeError::new("time is outside the Timestamp range");
        let (seconds, nanos) = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).map_err(|_| too_far())?,
                d.subsec_nanos() as i32,
            ),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).map_err(|_| too_far())?;
                match d.subsec_nanos() {
                    0 => (-secs, 0),
                    n => (-secs - 1, (NANOS_PER_SECOND - i64::from(n)) as i32),
                }
            }
        };
        Timestamp::new(seconds, nanos).map_err(|_| too_far())
    }
}

impl TryFrom<Timestamp> for SystemTime {
    type Error = RangeError;

    fn try_from(t: Timestamp) -> Result<SystemTime, RangeError> {
        t.check()?;
        let nanos = std::time::Duration::from_nanos(t.nanos as u64);
        let r = if t.seconds >= 0 {
            UNIX_EPOCH.checked_add(std::time::Duration::from_secs(t.seconds as u64) + nanos)
        } else {
            UNIX_EPOCH
                .checked_sub(std::time::Duration::from_secs(t.seconds.unsigned_abs()))
                .and_then(|s| s.checked_add(nanos))
        };
        r.ok_or_else(|| RangeError::new("Timestamp does not fit this system's SystemTime"))
    }
}

impl Duration {
    /// The largest valid magnitude of seconds: duration.proto: "Signed seconds of the span of
    /// time. Must be from -315,576,000,000 to +315,576,000,000 inclusive."
    pub const MAX_SECONDS: i64 = 315_576_000_000;

    /// A duration, checked: seconds in range, `|nanos| <= 999_999_999`, and both of the same
    /// sign.
    pub fn new(seconds: i64, nanos: i32) -> Result<Duration, RangeError> {
        let d = Duration {
            seconds,
            nanos,
            ..Default::default()
        };
        d.check()?;
        Ok(d)
    }

    /// Whether the value is in the range duration.proto documents.
    pub fn is_valid(&self) -> bool {
        self.check().is_ok()
    }

    fn check(&self) -> Result<(), RangeError> {
        if !(-Self::MAX_SECONDS..=Self::MAX_SECONDS).contains(&self.seconds) {
            return Err(RangeError::new("Duration.seconds is outside ±315576000000"));
        }
        // duration.proto: "Must be from -999,999,999 to +999,999,999 inclusive."
        if self.nanos.unsigned_abs() >= NANOS_PER_SECOND as u32 {
            return Err(RangeError::new("Duration.nanos is outside ±999999999"));
        }
        // duration.proto: "For durations of one second or more, a non-zero value for the
        // `nanos` field must be of the same sign as the `seconds` field."
        if (self.seconds > 0 && self.nanos < 0) || (self.seconds < 0 && self.nanos > 0) {
            return Err(RangeError::new(
                "Duration.seconds and nanos have different signs",
            ));
        }
        Ok(())
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = RangeError;

    fn try_from(d: std::time::Duration) -> Result<Duration, RangeError> {
        let seconds = i64::try_from(d.as_secs())
            .map_err(|_| RangeError::new("duration is longer than the Duration range"))?;
        Duration::new(seconds, d.subsec_nanos() as i32)
    }
}

impl TryFrom<Duration> for std::time::Duration {
    type Error = RangeError;

    fn try_from(d: Duration) -> Result<std::time::Duration, RangeError> {
        d.check()?;
        if d.seconds < 0 || d.nanos < 0 {
            return Err(RangeError::new(
                "negative Duration has no std::time::Duration",
            ));
        }
        Ok(std::time::Duration::new(d.seconds as u64, d.nanos as u32))
    }
}

/// Why [`Any::unpack`] failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AnyError {
    expected: &'static str,
    found: String,
    decode: Option<DecodeError>,
}

impl AnyError {
    /// The full name of the type asked for.
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The type URL found.
    pub fn found(&self) -> &str {
        &self.found
    }

    /// The decode error, when the type matched but the value did not decode.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        self.decode.as_ref()
    }
}

impl fmt::Display for AnyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.decode {
            Some(e) => write!(f, "Any holding {}: {e}", self.expected),
            None => write!(f, "Any holds {}, not {}", self.found, self.expected),
        }
    }
}

impl std::error::Error for AnyError {}

impl Any {
    /// The type URL prefix [`pack`](Any::pack) uses.
    pub const TYPE_URL_PREFIX: &'static str = "type.googleapis.com/";

    /// Packs `message` with type URL `type.googleapis.com/<full name>`.
    pub fn pack<M: Message>(message: &M) -> Any {
        Any {
            type_url: format!("{}{}", Self::TYPE_URL_PREFIX, M::NAME),
            value: message.encode_to_bytes(),
            ..Default::default()
        }
    }

    /// The full type name: what follows the last `/` of the type URL. any.proto: "the last
    /// '/' in the path ... The name should be in a canonical form (e.g., leading "." is not
    /// accepted)."
    pub fn type_name(&self) -> &str {
        self.type_url.rsplit('/').next().unwrap_or("")
    }

    /// Whether this holds an `M`.
    pub fn is<M: Message>(&self) -> bool {
        self.type_name() == M::NAME
    }

    /// Decodes the `M` this holds; fails if it holds another type or does not decode.
    pub fn unpack<M: Message>(&self) -> Result<M, AnyError> {
        if !self.is::<M>() {
            return Err(AnyError {
                expected: M::NAME,
                found: self.type_url.clone(),
                decode: None,
            });
        }
        M::decode_bytes(self.value.clone()).map_err(|e| AnyError {
            expected: M::NAME,
            found: self.type_url.clone(),
            decode: Some(e),
        })
    }
}

macro_rules! wrapper {
    ($($w:ident($t:ty)),* $(,)?) => {$(
        impl From<$t> for $w {
            fn from(value: $t) -> $w {
                $w { value, ..Default::default() }
            }
        }

        impl From<$w> for $t {
            fn from(w: $w) -> $t {
                w.value
            }
        }
    )*};
}

wrapper!(
    DoubleValue(f64),
    FloatValue(f32),
    Int64Value(i64),
    UInt64Value(u64),
    Int32Value(i32),
    UInt32Value(u32),
    BoolValue(bool),
    StringValue(String),
    BytesValue(Bytes),
);

impl Value {
    /// JSON `null`.
    pub fn null() -> Value {
        Value {
            kind: Some(value::Kind::NullValue(NullValue::NULL_VALUE.0)),
            ..Default::default()
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Some(value::Kind::NullValue(_)))
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Some(value::Kind::NumberValue(n)) => Some(n),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Some(value::Kind::StringValue(s)) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Some(value::Kind::BoolValue(b)) => Some(b),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_struct(&self) -> Option<&Struct> {
        match &self.kind {
            Some(value::Kind::StructValue(s)) => Some(s),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_list(&self) -> Option<&ListValue> {
        match &self.kind {
            Some(value::Kind::ListValue(l)) => Some(l),
            _ => None,
        }
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $kind:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Value {
                Value { kind: Some($kind), ..Default::default() }
            }
        }
    )*};
}

value_from!(
    f64 => |v| value::Kind::NumberValue(v),
    bool => |v| value::Kind::BoolValue(v),
    String => |v| value::Kind::StringValue(v),
    &str => |v| value::Kind::StringValue(v.to_owned()),
    Struct => |v| value::Kind::StructValue(v),
    ListValue => |v| value::Kind::ListValue(v),
    Vec<Value> => |v| value::Kind::ListValue(ListValue { values: v, ..Default::default() }),
);

impl FromIterator<(String, Value)> for Struct {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Struct {
        Struct {
            fields: iter.into_iter().collect(),
            ..Default::default()
        }
    }
}

impl FieldMask {
    /// A mask of `paths`.
    pub fn new<I, S>(paths: I) -> FieldMask
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FieldMask {
            paths: paths.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Whether the mask covers `path`: it lists `path` or a prefix of it (`a` covers `a.b`).
    pub fn contains(&self, path: &str) -> bool {
        self.paths.iter().any(|p| {
            path == p
                || (path.starts_with(p.as_str()) && path.as_bytes().get(p.len()) == Some(&b'.'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_range_and_conversions() {
        let t = Timestamp::try_from(UNIX_EPOCH - std::time::Duration::from_millis(1500)).unwrap();
        assert_eq!((t.seconds, t.nanos), (-2, 500_000_000));
        assert_eq!(
            SystemTime::try_from(t).unwrap(),
            UNIX_EPOCH - std::time::Duration::from_millis(1500)
        );
        assert!(Timestamp::new(Timestamp::MAX_SECONDS, 999_999_999).is_ok());
        assert!(Timestamp::new(Timestamp::MAX_SECONDS + 1, 0).is_err());
        assert!(Timestamp::new(Timestamp::MIN_SECONDS - 1, 0).is_err());
        assert!(Timestamp::new(0, -1).is_err());
        assert!(Timestamp::new(0, 1_000_000_000).is_err());
        let bad = Timestamp {
            nanos: -5,
            ..Default::default()
        };
        assert!(SystemTime::try_from(bad).is_err());
        assert!(Timestamp::now().is_valid());
    }

    #[test]
    fn duration_range_and_conversions() {
        let d = Duration::try_from(std::time::Duration::new(5, 7)).unwrap();
        assert_eq!((d.seconds, d.nanos), (5, 7));
        assert_eq!(
            std::time::Duration::try_from(d).unwrap(),
            std::time::Duration::new(5, 7)
        );
        assert!(Duration::new(-1, -5).is_ok());
        assert!(Duration::new(1, -5).is_err());
        assert!(Duration::new(Duration::MAX_SECONDS + 1, 0).is_err());
        assert!(Duration::new(0, 1_000_000_000).is_err());
        assert!(std::time::Duration::try_from(Duration::new(-1, 0).unwrap()).is_err());
        assert!(Duration::try_from(std::time::Duration::from_secs(u64::MAX)).is_err());
    }

    #[test]
    fn any_pack_unpack() {
        let t = Timestamp::new(10, 5).unwrap();
        let any = Any::pack(&t);
        assert_eq!(any.type_name(), "google.protobuf.Timestamp");
        assert!(any.is::<Timestamp>());
        assert_eq!(any.unpack::<Timestamp>().unwrap(), t);
        let err = any.unpack::<Duration>().unwrap_err();
        assert_eq!(err.expected(), "google.protobuf.Duration");
        assert_eq!(err.found(), "type.googleapis.com/google.protobuf.Timestamp");
        let broken = Any {
            type_url: "x/google.protobuf.Timestamp".into(),
            value: Bytes::from_static(&[0x08]),
            ..Default::default()
        };
        assert!(
            broken
                .unpack::<Timestamp>()
                .unwrap_err()
                .decode_error()
                .is_some()
        );
    }

    #[test]
    fn wrappers_values_masks() {
        assert_eq!(i32::from(Int32Value::from(7)), 7);
        assert_eq!(StringValue::from("s".to_owned()).value, "s");
        let v: Value = vec![Value::from(1.5), Value::null(), Value::from("x")].into();
        let l = v.as_list().unwrap();
        assert_eq!(l.values[0].as_f64(), Some(1.5));
        assert!(l.values[1].is_null());
        assert_eq!(l.values[2].as_str(), Some("x"));
        let s: Struct = [("k".to_owned(), Value::from(true))].into_iter().collect();
        assert_eq!(s.fields["k"].as_bool(), Some(true));
        let m = FieldMask::new(["a.b", "c"]);
        assert!(m.contains("a.b") && m.contains("a.b.c") && m.contains("c.d"));
        assert!(!m.contains("a") && !m.contains("a.bc"));
    }
}
