//! Reading header fields in tests that look at what went over the wire.

use courier_hpack::HeaderField;

/// The value of the first field named `name` in `fields`.
pub(crate) fn field<'a>(fields: &'a [HeaderField], name: &str) -> Option<&'a [u8]> {
    fields
        .iter()
        .find(|f| &f.name()[..] == name.as_bytes())
        .map(|f| &f.value()[..])
}
