//! The special JSON forms of the well-known types, as functions over their fields: what the
//! ProtoJSON code courier-codegen generates for `google.protobuf.Timestamp`, `Duration`,
//! `FieldMask`, `Value` and `Any` calls (the forms of `Struct`, `ListValue` and the wrappers are
//! those of a map, a list and a scalar, in [`rt`](crate::rt)).
//! <https://protobuf.dev/programming-guides/json/#any>

use crate::message::{Parser, Printer};
use crate::reader::{Error, Reader};
use crate::registry::AnyCodec;
use crate::rt::print_error;
use crate::time;
use crate::writer::Writer;

/// The full type name of an `Any` type URL: what follows the last `/` (which must be there).
pub fn type_name_of_url(type_url: &str) -> Option<&str> {
    let (_, name) = type_url.rsplit_once('/')?;
    (!name.is_empty()).then_some(name)
}

/// `snake_case` → `lowerCamelCase` for a FieldMask path, or `None` when the path would not
/// come back the same (an upper-case letter, or `_` not followed by a lower-case letter).
pub fn field_mask_path_to_json(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            return None;
        }
        if c == '_' {
            if upper {
                return None;
            }
            upper = true;
            continue;
        }
        if upper {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if upper {
        return None;
    }
    Some(out)
}

/// A FieldMask path from its JSON form: `fooBar.baz` → `foo_bar.baz`. Underscores cannot
/// appear in the JSON form.
pub fn field_mask_path_from_json(p: &str) -> Option<String> {
    let mut out = String::with_capacity(p.len() + 4);
    for c in p.chars() {
        if c == '_' {
            return None;
        }
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Writes a `google.protobuf.Timestamp` as its RFC 3339 string.
pub fn write_timestamp(w: &mut Writer, seconds: i64, nanos: i32) -> Result<(), Error> {
    w.quoted_with(|out| time::format_timestamp(out, seconds, nanos))
        .map_err(print_error)
}

/// Reads a `google.protobuf.Timestamp` from its RFC 3339 string: `(seconds, nanos)`.
pub fn read_timestamp(r: &mut Reader<'_>) -> Result<(i64, i32), Error> {
    read_time(r, time::parse_timestamp_prefix, time::parse_timestamp)
}

/// Reads a timestamp's or a duration's string: straight from the text with `prefix` when the
/// string is plainly one (the common case); anything else (escapes, malformed text) is read as
/// a string first and given to `parse`, for the right value or error. Inlined into each
/// caller, where the two parsers are known (direct calls, not through pointers).
#[inline(always)]
fn read_time(
    r: &mut Reader<'_>,
    prefix: time::PrefixParser,
    parse: fn(&str) -> Result<(i64, i32), &'static str>,
) -> Result<(i64, i32), Error> {
    if let Some(v) = r.read_plain_string_with(|s| prefix(s.as_bytes()).ok()) {
        return Ok(v);
    }
    let s = r.read_string()?;
    parse(&s).map_err(|e| r.error(e))
}

/// Writes a `google.protobuf.Duration` as its string (`"1.5s"`).
pub fn write_duration(w: &mut Writer, seconds: i64, nanos: i32) -> Result<(), Error> {
    w.quoted_with(|out| time::format_duration(out, seconds, nanos))
        .map_err(print_error)
}

/// Reads a `google.protobuf.Duration` from its string: `(seconds, nanos)`.
pub fn read_duration(r: &mut Reader<'_>) -> Result<(i64, i32), Error> {
    read_time(r, time::parse_duration_prefix, time::parse_duration)
}

/// Writes a `google.protobuf.FieldMask`: its paths in lowerCamelCase, joined by commas.
pub fn write_field_mask(w: &mut Writer, paths: &[String]) -> Result<(), Error> {
    let mut joined = String::new();
    for (i, p) in paths.iter().enumerate() {
        let j = field_mask_path_to_json(p).ok_or_else(|| {
            print_error(format!(
                "FieldMask path \"{p}\" has no lowerCamelCase form that reads back the same"
            ))
        })?;
        if i > 0 {
            joined.push(',');
        }
        joined.push_str(&j);
    }
    w.string(&joined);
    Ok(())
}

/// Reads a `google.protobuf.FieldMask` from its string: the paths in `snake_case`.
pub fn read_field_mask(r: &mut Reader<'_>) -> Result<Vec<String>, Error> {
    let s = r.read_string()?;
    let mut paths = Vec::new();
    if !s.is_empty() {
        for p in s.split(',') {
            let snake = field_mask_path_from_json(p)
                .ok_or_else(|| r.error(format!("invalid FieldMask path \"{p}\"")))?;
            paths.push(snake);
        }
    }
    Ok(paths)
}

/// Writes `google.protobuf.Value`'s `number_value` (which must be finite: JSON has no NaN).
pub fn write_value_number(w: &mut Writer, v: f64) -> Result<(), Error> {
    if !v.is_finite() {
        return Err(print_error(
            "a Value's number_value is NaN or infinite, which JSON cannot hold",
        ));
    }
    // Struct numbers are often whole (ids, counts): those without the float formatter.
    match crate::number::whole(v) {
        Some(i) => w.int(i),
        None => w.f64(v),
    }
    Ok(())
}

/// Reads `google.protobuf.Value`'s `number_value` (a JSON number).
pub fn read_value_number(r: &mut Reader<'_>) -> Result<f64, Error> {
    let n = r.read_number()?;
    n.to_f64()
        .ok_or_else(|| r.error(format!("{} is out of range for a double", n.as_str())))
}

/// The error for a `google.protobuf.Value` with no kind set, which has no JSON form.
#[cold]
pub fn value_without_kind() -> Error {
    print_error("a Value with no kind set")
}

/// The error for a `null` given to a wrapper where `null` cannot leave a field unset (a list
/// element, the top level, an `Any`'s value).
#[cold]
pub fn null_wrapper(r: &Reader<'_>) -> Error {
    r.error("null is not a valid wrapper value here")
}

/// The codec of the type an `Any` type URL names: from the registry of the printer or parser,
/// else from `fallback` (the types generated in the `Any`'s own package: the well-known types).
fn resolve<'a>(
    type_url: &str,
    registry: Option<&'a crate::TypeRegistry>,
    fallback: fn(&str) -> Option<&'static dyn AnyCodec>,
) -> Option<&'a dyn AnyCodec> {
    let name = type_name_of_url(type_url)?;
    registry
        .and_then(|reg| reg.message(name))
        .or_else(|| fallback(name))
}

/// Writes a `google.protobuf.Any`: `{"@type": url, ...the message's members}`, or
/// `{"@type": url, "value": special form}` for a well-known type with a special form; `{}` for
/// an empty `Any`.
pub fn write_any(
    w: &mut Writer,
    p: &mut Printer<'_>,
    type_url: &str,
    value: &[u8],
    fallback: fn(&str) -> Option<&'static dyn AnyCodec>,
) -> Result<(), Error> {
    if type_url.is_empty() {
        if value.is_empty() {
            w.begin_object();
            w.end_object();
            return Ok(());
        }
        return Err(print_error("an Any with a value but no type URL"));
    }
    let codec = resolve(type_url, p.registry(), fallback)
        .ok_or_else(|| print_error(format!("cannot resolve the Any type URL \"{type_url}\"")))?;
    w.begin_object();
    w.key("@type");
    w.string(type_url);
    let r = if codec.special_form() {
        w.key("value");
        codec
            .write(value, w, p, false)
            .map_err(|e| crate::rt::at_key(e, "value"))
    } else {
        codec.write(value, w, p, true)
    };
    w.end_object();
    r
}

/// Opens the object of a `google.protobuf.Any` and finds its `"@type"`, which may come anywhere:
/// the type URL, with the reader back at the object's first member, or `None` for `{}` (an
/// empty Any, the object read). An object with members and no `"@type"`, or two, is an error.
pub fn begin_any(r: &mut Reader<'_>) -> Result<Option<String>, Error> {
    r.begin_object()?;
    let start = r.checkpoint();
    let mut url: Option<String> = None;
    let mut members = 0;
    while let Some(k) = r.next_key()? {
        members += 1;
        if k == "@type" {
            if url.is_some() {
                return Err(r.error("\"@type\" appears twice"));
            }
            url = Some(r.read_string()?.into_owned());
        } else {
            r.skip_value()?;
        }
    }
    match url {
        Some(url) => {
            r.restore(start);
            Ok(Some(url))
        }
        None if members == 0 => Ok(None),
        None => Err(r.error("an Any object must have an \"@type\" member")),
    }
}

/// Reads a `google.protobuf.Any`: its type URL and the binary encoding of the message it holds
/// (`("", [])` for `{}`). `"@type"` may come anywhere in the object.
pub fn read_any(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    fallback: fn(&str) -> Option<&'static dyn AnyCodec>,
) -> Result<(String, Vec<u8>), Error> {
    let Some(url) = begin_any(r)? else {
        return Ok((String::new(), Vec::new()));
    };
    let codec = resolve(&url, p.registry(), fallback)
        .ok_or_else(|| r.error(format!("cannot resolve the Any type URL \"{url}\"")))?;
    let bytes = if codec.special_form() {
        let mut value = None;
        while let Some(k) = r.next_key()? {
            match &*k {
                "@type" => r.skip_value()?,
                "value" if value.is_none() => value = Some(codec.read(r, p, false)?),
                "value" => return Err(r.error("\"value\" appears twice")),
                _ if p.ignore_unknown_fields() => r.skip_value()?,
                other => {
                    return Err(r.error(format!(
                        "an Any holding a {} has only \"@type\" and \"value\", not \"{other}\"",
                        codec.type_name()
                    )));
                }
            }
        }
        value.ok_or_else(|| {
            r.error(format!(
                "an Any holding a {} needs a \"value\"",
                codec.type_name()
            ))
        })?
    } else {
        codec.read(r, p, true)?
    };
    Ok((url, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_the_text_and_through_a_string() {
        let read = |json: &str| {
            let mut r = Reader::new(json);
            read_timestamp(&mut r).map(|v| (v, r.offset()))
        };
        // Straight from the text, with whitespace before it and text after the string.
        assert_eq!(
            read(" \"1970-01-01T00:00:01.5Z\",").unwrap(),
            ((1, 500_000_000), 25)
        );
        // An escape: read as a string first, same value.
        assert_eq!(
            read("\"\\u0031970-01-01T00:00:01Z\"").unwrap(),
            ((1, 0), 27)
        );
        for bad in [
            "\"1970-01-01T00:00:01Zx\"",
            "\"1970-01-01T00:00:01Z",
            "\"1970-01-01T00:00:01\"",
            "\"1970-01-01T00:00:01Z\\\"\"",
            "1",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_from_the_text_and_through_a_string() {
        let read = |json: &str| {
            let mut r = Reader::new(json);
            read_duration(&mut r).map(|v| (v, r.offset()))
        };
        assert_eq!(read("\"-1.5s\"]").unwrap(), ((-1, -500_000_000), 7));
        assert_eq!(read("\"\\u0031s\"").unwrap(), ((1, 0), 9));
        for bad in ["\"1sx\"", "\"1s", "\"1\"", "\"1.s\"", "\"--1s\""] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_mask_paths() {
        assert_eq!(
            field_mask_path_to_json("foo_bar.baz").unwrap(),
            "fooBar.baz"
        );
        assert_eq!(field_mask_path_to_json("foo__bar"), None);
        assert_eq!(field_mask_path_to_json("fooBar"), None);
        assert_eq!(field_mask_path_to_json("foo_"), None);
        assert_eq!(field_mask_path_to_json("foo_1"), None);
        assert_eq!(
            field_mask_path_from_json("fooBar.baz").unwrap(),
            "foo_bar.baz"
        );
        assert_eq!(field_mask_path_from_json("foo_bar"), None);
        assert_eq!(type_name_of_url("type.googleapis.com/a.B"), Some("a.B"));
        assert_eq!(type_name_of_url("a.B"), None);
        assert_eq!(type_name_of_url("x/"), None);
    }
}
