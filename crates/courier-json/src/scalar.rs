//! ProtoJSON's scalar forms, read from a [`Reader`]: what every message parser (dynamic or
//! generated) accepts for a field of each kind.
//!
//! json.md, field representation: 32-bit integers are numbers, 64-bit ones strings, and
//! "Either numbers or strings are accepted. Empty strings are invalid. Exponent notation (such
//! as `1e2`) is accepted in both quoted and unquoted forms"; floats also take "NaN",
//! "Infinity" and "-Infinity"; `bytes` are base64, "Either standard or URL-safe base64 encoding
//! with/without paddings are accepted". Out-of-range values and non-zero fractions for
//! integers are errors ("Out of range numeric values"). The writing side is [`Writer`]'s
//! methods. <https://protobuf.dev/programming-guides/json/#field-representation>
//!
//! [`Writer`]: crate::Writer

use crate::{Error, Number, Peek, Reader};

fn integer<T>(
    r: &mut Reader<'_>,
    conv: impl Fn(&Number<'_>) -> Option<T>,
    what: &str,
) -> Result<T, Error> {
    match r.peek()? {
        Peek::Number => {
            let n = r.read_number()?;
            conv(&n).ok_or_else(|| r.error(format!("{} is not {what}", n.as_str())))
        }
        Peek::String => {
            // Straight from the text when the string is a plain number (the usual `"123"`);
            // escapes, or anything that is not a number in range, are read as a string first,
            // for the same value or error.
            let plain = r.read_plain_string_with(|s| {
                let len = crate::number::scan(s.as_bytes())?;
                Some((conv(&Number::new(s.get(..len)?))?, len))
            });
            if let Some(v) = plain {
                return Ok(v);
            }
            let s = r.read_string()?;
            let n = Number::parse(&s).ok_or_else(|| r.error(format!("\"{s}\" is not a number")))?;
            conv(&n).ok_or_else(|| r.error(format!("\"{s}\" is not {what}")))
        }
        other => Err(r.error(format!("expected {what}, found {}", other.describe()))),
    }
}

/// An `int32`, `sint32` or `sfixed32` value.
pub fn read_i32(r: &mut Reader<'_>) -> Result<i32, Error> {
    integer(r, |n| n.to_i32(), "a 32-bit integer")
}

/// An `int64`, `sint64` or `sfixed64` value.
pub fn read_i64(r: &mut Reader<'_>) -> Result<i64, Error> {
    integer(r, |n| n.to_i64(), "a 64-bit integer")
}

/// A `uint32` or `fixed32` value.
pub fn read_u32(r: &mut Reader<'_>) -> Result<u32, Error> {
    integer(r, |n| n.to_u32(), "an unsigned 32-bit integer")
}

/// A `uint64` or `fixed64` value.
pub fn read_u64(r: &mut Reader<'_>) -> Result<u64, Error> {
    integer(r, |n| n.to_u64(), "an unsigned 64-bit integer")
}

/// A `double` value: a number, a string holding one, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn read_f64(r: &mut Reader<'_>) -> Result<f64, Error> {
    match r.peek()? {
        Peek::Number => {
            let n = r.read_number()?;
            n.to_f64()
                .ok_or_else(|| r.error(format!("{} is out of range for a double", n.as_str())))
        }
        Peek::String => {
            let s = r.read_string()?;
            match &*s {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => {
                    let n = Number::parse(&s)
                        .ok_or_else(|| r.error(format!("\"{s}\" is not a number")))?;
                    n.to_f64()
                        .ok_or_else(|| r.error(format!("\"{s}\" is out of range for a double")))
                }
            }
        }
        other => Err(r.error(format!("expected a number, found {}", other.describe()))),
    }
}

/// A `float` value: as [`read_f64`], then rounded to `f32`; a finite number that rounds to
/// infinity is out of range.
pub fn read_f32(r: &mut Reader<'_>) -> Result<f32, Error> {
    let v = read_f64(r)?;
    let f = v as f32;
    if v.is_finite() && f.is_infinite() {
        return Err(r.error("number out of range for a float"));
    }
    Ok(f)
}

/// A `bytes` value: base64, standard or URL-safe, padded or not.
pub fn read_bytes(r: &mut Reader<'_>) -> Result<Vec<u8>, Error> {
    r.read_base64()?
        .ok_or_else(|| r.error("invalid base64 in a bytes field"))
}

/// A map key of an integer kind, from the member name `key` (`"-5"`, `"1e2"`): `conv` is one of
/// [`Number`]'s conversions.
pub fn map_key<T>(
    r: &Reader<'_>,
    key: &str,
    conv: impl Fn(&Number<'_>) -> Option<T>,
) -> Result<T, Error> {
    Number::parse(key)
        .and_then(|n| conv(&n))
        .ok_or_else(|| r.error(format!("\"{key}\" is not a valid map key of this map")))
}

/// A `bool` map key: `"true"` or `"false"`.
pub fn map_key_bool(r: &Reader<'_>, key: &str) -> Result<bool, Error> {
    match key {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(r.error(format!("\"{key}\" is not a valid map key of this map"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<T>(
        json: &str,
        f: impl FnOnce(&mut Reader<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut r = Reader::new(json);
        f(&mut r)
    }

    #[test]
    fn forms() {
        assert_eq!(with("\"-12\"", read_i32).unwrap(), -12);
        assert_eq!(with("1e2", read_i32).unwrap(), 100);
        assert_eq!(with("\"1e2\"", read_i64).unwrap(), 100);
        assert!(with("\"\"", read_i64).is_err());
        assert!(with("\" 1\"", read_i64).is_err());
        assert!(with("\"1 \"", read_i64).is_err());
        assert!(with("\"1", read_i64).is_err());
        assert!(with("\"9223372036854775808\"", read_i64).is_err());
        assert_eq!(with("\"\\u0031\"", read_i64).unwrap(), 1);
        assert_eq!(
            with("\"-9223372036854775808\"", read_i64).unwrap(),
            i64::MIN
        );
        assert_eq!(
            with("\"18446744073709551615\"", read_u64).unwrap(),
            u64::MAX
        );
        assert!(with("true", read_i32).is_err());
        assert!(with("-1", read_u64).is_err());
        assert_eq!(with("\"-Infinity\"", read_f64).unwrap(), f64::NEG_INFINITY);
        assert!(with("\"nan\"", read_f64).is_err());
        assert_eq!(with("\"1.5\"", read_f32).unwrap(), 1.5);
        assert_eq!(with("3.4028235e38", read_f32).unwrap(), f32::MAX);
        assert!(with("3.5e38", read_f32).is_err());
        assert_eq!(with("\"AQI\"", read_bytes).unwrap(), [1, 2]);
        let r = Reader::new("");
        assert_eq!(map_key(&r, "-5", |n| n.to_i32()).unwrap(), -5);
        assert!(map_key(&r, "05", |n| n.to_i32()).is_err());
        assert!(map_key_bool(&r, "True").is_err());
    }
}
