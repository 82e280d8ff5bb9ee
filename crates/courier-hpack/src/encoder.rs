//! The HPACK encoder (RFC 7541 §6, §7.1): header fields in, a header block out.

use crate::buf::EncodeBuf;
use crate::decoder::DEFAULT_TABLE_SIZE;
use crate::field::{ENTRY_OVERHEAD, FieldRef};
use crate::table::{DynamicMatch, DynamicTable, StaticMatch, static_match};
use crate::{huffman, integer, precoded};

/// `set-cookie` values shorter than this are sent never-indexed by default: a short secret is
/// the one a compression side channel can guess (RFC 7541 §7.1.3).
const SHORT_SET_COOKIE: usize = 20;

/// Encodes header blocks, keeping a mirror of the peer decoder's dynamic table.
///
/// One `Encoder` per connection and direction; blocks must reach the peer in the order they
/// were encoded.
///
/// Policy:
/// - a field already in the static or dynamic table is sent as one index;
/// - a field the caller marks sensitive, and by default `authorization`,
///   `proxy-authorization`, `cookie` and `set-cookie` values shorter than 20 octets, is sent
///   never-indexed (RFC 7541 §7.1.3), so neither this hop nor the next indexes it;
/// - values that change with nearly every message (`content-length`, `date`-like validators,
///   `grpc-timeout`, `grpc-message`, ...) are sent without indexing, by name index when the name
///   is known; everything else is added to the dynamic table unless it would take more than
///   three quarters of it;
/// - each string is Huffman-coded only when that is strictly shorter.
///
/// The headers every gRPC call repeats hit the fast path: the static table is one `match` on
/// the name, and after the first call `:path`, `:authority`, `content-type`, `te` and
/// `user-agent` are single-octet indexes into the dynamic table, searched newest first.
///
/// Table size: the encoder uses the smaller of the peer's SETTINGS_HEADER_TABLE_SIZE
/// ([`update_max_table_size`](Self::update_max_table_size)) and its own cap
/// ([`set_max_table_size`](Self::set_max_table_size)); a change is signalled with dynamic table
/// size updates at the start of the next block (RFC 7541 §4.2), the smallest size reached first
/// when it went down and up again.
#[derive(Debug)]
pub struct Encoder {
    table: DynamicTable,
    /// The peer's SETTINGS_HEADER_TABLE_SIZE.
    peer_max: usize,
    /// Our own cap on the table size.
    cap: usize,
    /// A size change to signal at the next block start: (smallest size since the last block,
    /// final size).
    pending: Option<(usize, usize)>,
    /// When strings are Huffman-coded.
    huffman: Huffman,
    /// Bumped by every change of the state above ([`generation`](Encoder::generation)).
    generation: u64,
}

/// When the [`Encoder`] Huffman-codes a string literal (RFC 7541 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Huffman {
    /// When the coded string is strictly shorter than the raw one (the default).
    #[default]
    WhenShorter,
    /// Always, even when it is not shorter (as the RFC 7541 C.4 and C.6 examples do).
    Always,
    /// Never: every string is sent raw.
    Never,
}

/// How [`Encoder::encode_with`] represents one field when it is not already in a table.
///
/// A field with an exact match in the static or dynamic table is always sent as an index,
/// except [`NeverIndexed`](Self::NeverIndexed), which is always a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Indexing {
    /// The encoder's policy (see [`Encoder`]).
    Auto,
    /// Literal with incremental indexing (RFC 7541 §6.2.1), if it fits the table.
    Incremental,
    /// Literal without indexing (RFC 7541 §6.2.2).
    WithoutIndexing,
    /// Literal never indexed (RFC 7541 §6.2.3).
    NeverIndexed,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new(DEFAULT_TABLE_SIZE)
    }
}

impl Encoder {
    /// An encoder for a peer whose decoder's table size is `max_table_size` (its
    /// SETTINGS_HEADER_TABLE_SIZE; 4,096 until its SETTINGS say otherwise). This is also the
    /// encoder's own cap until [`set_max_table_size`](Self::set_max_table_size) changes it.
    pub fn new(max_table_size: usize) -> Self {
        Self {
            table: DynamicTable::new(max_table_size),
            peer_max: max_table_size,
            cap: max_table_size,
            pending: None,
            huffman: Huffman::WhenShorter,
            generation: 0,
        }
    }

    /// Reacts to the peer's SETTINGS_HEADER_TABLE_SIZE: the table never exceeds it, and the
    /// next block starts with the size update(s) the change needs.
    pub fn update_max_table_size(&mut self, peer_setting: usize) {
        self.peer_max = peer_setting;
        self.apply_size();
    }

    /// Sets the encoder's own cap on its table size (memory it is willing to mirror); the
    /// table uses the smaller of this and the peer's setting.
    pub fn set_max_table_size(&mut self, cap: usize) {
        self.cap = cap;
        self.apply_size();
    }

    fn apply_size(&mut self) {
        let new = self.peer_max.min(self.cap);
        let current = self.table.max_size();
        if new == current && self.pending.is_none() {
            return;
        }
        let smallest = self.pending.map_or(current, |(s, _)| s).min(new);
        self.pending = Some((smallest, new));
        self.generation = self.generation.wrapping_add(1);
        // Evicting now is safe: nothing is encoded before the update that tells the peer.
        self.table.set_max_size(new);
    }

    /// When strings are Huffman-coded (by default when that is shorter).
    pub fn set_huffman(&mut self, huffman: Huffman) {
        self.huffman = huffman;
        self.generation = self.generation.wrapping_add(1);
    }

    /// A number that changes whenever the encoder's state changes: an entry added to (or
    /// evicted from) the dynamic table, a size update queued or sent, the Huffman policy.
    /// Encoding is a function of that state and the fields, so a block encoded without the
    /// generation changing (every field was found in a table, or sent without indexing) left the
    /// encoder as it was, and encoding the same fields again while the generation is still the
    /// same would give the same octets: a caller that sends the same header section again and
    /// again may keep the block and send it again instead (courier-h2 does, for a prepared
    /// request head).
    ///
    /// ```
    /// use courier_hpack::{Encoder, FieldRef};
    /// let mut enc = Encoder::new(4096);
    /// let fields = [FieldRef::new(b":path", b"/p.S/M")];
    /// let (mut first, mut second) = (Vec::new(), Vec::new());
    /// let g0 = enc.generation();
    /// enc.encode(fields, &mut first); // `:path: /p.S/M` enters the dynamic table
    /// let g1 = enc.generation();
    /// assert_ne!(g0, g1);
    /// enc.encode(fields, &mut second); // now an index: the state is unchanged
    /// assert_eq!(enc.generation(), g1);
    /// let mut third = Vec::new();
    /// enc.encode(fields, &mut third);
    /// assert_eq!(second, third);
    /// ```
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The dynamic table's maximum size now (what the next block announces, if it changed).
    pub fn table_max_size(&self) -> usize {
        self.table.max_size()
    }

    /// The dynamic table's current size in octets.
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The number of entries in the dynamic table.
    pub fn table_len(&self) -> usize {
        self.table.len()
    }

    /// Encodes one header block: appends it to `dst` (a `Vec<u8>` or `BytesMut`).
    ///
    /// ```
    /// use courier_hpack::{Encoder, FieldRef};
    /// let mut enc = Encoder::new(4096);
    /// let mut block = Vec::new();
    /// enc.encode(
    ///     [
    ///         FieldRef::new(b":method", b"POST"),
    ///         FieldRef::sensitive(b"x-api-key", b"secret"),
    ///     ],
    ///     &mut block,
    /// );
    /// assert_eq!(block[0], 0x83); // `:method: POST` is static entry 3
    /// ```
    pub fn encode<'a, I>(&mut self, fields: I, dst: &mut impl EncodeBuf)
    where
        I: IntoIterator,
        I::Item: Into<FieldRef<'a>>,
    {
        self.begin_block(dst);
        for field in fields {
            self.encode_field(field.into(), Indexing::Auto, dst);
        }
    }

    /// Encodes one header block with an explicit representation per field, for callers that
    /// must reproduce a given encoding (an intermediary preserving what it received, or the RFC
    /// examples). See [`Indexing`].
    pub fn encode_with<'a, I, F>(&mut self, fields: I, dst: &mut impl EncodeBuf)
    where
        I: IntoIterator<Item = (F, Indexing)>,
        F: Into<FieldRef<'a>>,
    {
        self.begin_block(dst);
        for (field, indexing) in fields {
            self.encode_field(field.into(), indexing, dst);
        }
    }

    /// Emits the pending dynamic table size updates, which must open the block.
    fn begin_block(&mut self, dst: &mut impl EncodeBuf) {
        if let Some((smallest, last)) = self.pending.take() {
            self.generation = self.generation.wrapping_add(1);
            // RFC 7541 §4.2: "In the case that this size is changed more than once in this
            // interval, the smallest maximum table size that occurs in that interval MUST be
            // signaled in a dynamic table size update. The final maximum size is always
            // signaled, resulting in at most two dynamic table size updates."
            // <https://www.rfc-editor.org/rfc/rfc7541#section-4.2>
            if smallest < last {
                integer::encode(smallest, 5, 0x20, dst);
            }
            integer::encode(last, 5, 0x20, dst);
        }
    }

    #[inline]
    fn encode_field(&mut self, field: FieldRef<'_>, indexing: Indexing, dst: &mut impl EncodeBuf) {
        let FieldRef { name, value, .. } = field;
        let (static_range, policy) = name_info(name);
        let sensitive = match indexing {
            Indexing::Auto => {
                field.sensitive
                    || match policy {
                        Policy::Sensitive => true,
                        Policy::SensitiveIfShort => value.len() < SHORT_SET_COOKIE,
                        Policy::Normal | Policy::Volatile => false,
                    }
            }
            Indexing::NeverIndexed => true,
            Indexing::Incremental | Indexing::WithoutIndexing => field.sensitive,
        };
        let stat = static_match(static_range, value);
        if let (StaticMatch::Full(i), false) = (stat, sensitive) {
            // RFC 7541 §6.1: indexed header field, 1-bit pattern then a 7-bit prefix index.
            integer::encode(i, 7, 0x80, dst);
            return;
        }
        let dynamic = if self.table.len() == 0 {
            DynamicMatch::None
        } else {
            self.table.find(name, value)
        };
        if let (DynamicMatch::Full(i), false) = (dynamic, sensitive) {
            integer::encode(i, 7, 0x80, dst);
            return;
        }
        let name_index = match (stat, dynamic) {
            (StaticMatch::Full(i) | StaticMatch::Name(i), _) => Some(i),
            (_, DynamicMatch::Full(i) | DynamicMatch::Name(i)) => Some(i),
            _ => None,
        };
        let index = match indexing {
            _ if sensitive => false,
            Indexing::Auto => self.worth_indexing(
                name.len() + value.len(),
                name_index.is_some(),
                policy == Policy::Volatile,
            ),
            Indexing::Incremental => true,
            Indexing::WithoutIndexing | Indexing::NeverIndexed => false,
        };
        if sensitive {
            // RFC 7541 §6.2.3: literal header field never indexed, 0001 then a 4-bit prefix.
            self.literal(name_index, name, value, 4, 0x10, dst);
        } else if index {
            // RFC 7541 §6.2.1: literal with incremental indexing, 01 then a 6-bit prefix.
            self.literal(name_index, name, value, 6, 0x40, dst);
            self.table.insert(name, value);
            self.generation = self.generation.wrapping_add(1);
        } else {
            // RFC 7541 §6.2.2: literal without indexing, 0000 then a 4-bit prefix.
            self.literal(name_index, name, value, 4, 0x00, dst);
        }
    }

    #[inline]
    fn literal(
        &self,
        name_index: Option<usize>,
        name: &[u8],
        value: &[u8],
        prefix: u8,
        flags: u8,
        dst: &mut impl EncodeBuf,
    ) {
        match name_index {
            Some(i) => integer::encode(i, prefix, flags, dst),
            None => {
                dst.push_u8(flags);
                string(name, self.huffman, dst);
            }
        }
        string(value, self.huffman, dst);
    }

    /// Whether adding a field (name and value of `len` octets) to the table is likely to pay
    /// off.
    #[inline]
    fn worth_indexing(&self, len: usize, name_known: bool, volatile: bool) -> bool {
        if len + ENTRY_OVERHEAD > self.table.max_size() / 4 * 3 {
            return false;
        }
        // A value that changes with nearly every message only churns the table; its name is
        // indexed once (when no table has it yet) so later fields can refer to it.
        !(name_known && volatile)
    }
}

/// What the encoder's policy says about a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Index when it fits.
    Normal,
    /// Values rarely repeat: index the name once, never the value.
    Volatile,
    /// Always never-indexed (RFC 7541 §7.1.3): credentials.
    Sensitive,
    /// Never-indexed when the value is shorter than [`SHORT_SET_COOKIE`] (a short secret is
    /// the guessable one).
    SensitiveIfShort,
}

/// One `match` on the name for everything the encoder needs to know about it: the static
/// entries with this name (first and last index) and the policy for its values.
#[inline]
fn name_info(name: &[u8]) -> (Option<(u8, u8)>, Policy) {
    match name {
        b":authority" => (Some((1, 1)), Policy::Normal),
        b":method" => (Some((2, 3)), Policy::Normal),
        b":path" => (Some((4, 5)), Policy::Normal),
        b":scheme" => (Some((6, 7)), Policy::Normal),
        b":status" => (Some((8, 14)), Policy::Normal),
        b"accept-charset" => (Some((15, 15)), Policy::Normal),
        b"accept-encoding" => (Some((16, 16)), Policy::Normal),
        b"accept-language" => (Some((17, 17)), Policy::Normal),
        b"accept-ranges" => (Some((18, 18)), Policy::Normal),
        b"accept" => (Some((19, 19)), Policy::Normal),
        b"access-control-allow-origin" => (Some((20, 20)), Policy::Normal),
        b"age" => (Some((21, 21)), Policy::Volatile),
        b"allow" => (Some((22, 22)), Policy::Normal),
        b"authorization" => (Some((23, 23)), Policy::Sensitive),
        b"cache-control" => (Some((24, 24)), Policy::Normal),
        b"content-disposition" => (Some((25, 25)), Policy::Normal),
        b"content-encoding" => (Some((26, 26)), Policy::Normal),
        b"content-language" => (Some((27, 27)), Policy::Normal),
        b"content-length" => (Some((28, 28)), Policy::Volatile),
        b"content-location" => (Some((29, 29)), Policy::Normal),
        b"content-range" => (Some((30, 30)), Policy::Volatile),
        b"content-type" => (Some((31, 31)), Policy::Normal),
        b"cookie" => (Some((32, 32)), Policy::Sensitive),
        b"date" => (Some((33, 33)), Policy::Normal),
        b"etag" => (Some((34, 34)), Policy::Volatile),
        b"expect" => (Some((35, 35)), Policy::Normal),
        b"expires" => (Some((36, 36)), Policy::Normal),
        b"from" => (Some((37, 37)), Policy::Normal),
        b"host" => (Some((38, 38)), Policy::Normal),
        b"if-match" => (Some((39, 39)), Policy::Normal),
        b"if-modified-since" => (Some((40, 40)), Policy::Volatile),
        b"if-none-match" => (Some((41, 41)), Policy::Volatile),
        b"if-range" => (Some((42, 42)), Policy::Normal),
        b"if-unmodified-since" => (Some((43, 43)), Policy::Normal),
        b"last-modified" => (Some((44, 44)), Policy::Volatile),
        b"link" => (Some((45, 45)), Policy::Normal),
        b"location" => (Some((46, 46)), Policy::Volatile),
        b"max-forwards" => (Some((47, 47)), Policy::Normal),
        b"proxy-authenticate" => (Some((48, 48)), Policy::Normal),
        b"proxy-authorization" => (Some((49, 49)), Policy::Sensitive),
        b"range" => (Some((50, 50)), Policy::Normal),
        b"referer" => (Some((51, 51)), Policy::Normal),
        b"refresh" => (Some((52, 52)), Policy::Normal),
        b"retry-after" => (Some((53, 53)), Policy::Normal),
        b"server" => (Some((54, 54)), Policy::Normal),
        b"set-cookie" => (Some((55, 55)), Policy::SensitiveIfShort),
        b"strict-transport-security" => (Some((56, 56)), Policy::Normal),
        b"transfer-encoding" => (Some((57, 57)), Policy::Normal),
        b"user-agent" => (Some((58, 58)), Policy::Normal),
        b"vary" => (Some((59, 59)), Policy::Normal),
        b"via" => (Some((60, 60)), Policy::Normal),
        b"www-authenticate" => (Some((61, 61)), Policy::Normal),
        b"grpc-timeout" => (None, Policy::Volatile),
        b"grpc-message" => (None, Policy::Volatile),
        b"grpc-status-details-bin" => (None, Policy::Volatile),
        _ => (None, Policy::Normal),
    }
}

/// A string literal (RFC 7541 §5.2), Huffman-coded as the policy says.
#[inline]
fn string(s: &[u8], policy: Huffman, dst: &mut impl EncodeBuf) {
    if policy != Huffman::Never {
        if let Some(coded) = precoded::huffman(s) {
            integer::encode(coded.len(), 7, 0x80, dst);
            dst.push_slice(coded);
            return;
        }
    }
    match policy {
        // Nearly every header string is under 128 octets: code it straight into place behind a
        // one-octet length and keep it if it came out shorter (then its length is below 127 and
        // fits the prefix), so the common case makes a single pass.
        Huffman::WhenShorter if s.len() <= 127 => {
            let start = dst.len();
            dst.push_u8(0);
            huffman::encode(s, dst);
            let coded = dst.len() - start - 1;
            if coded < s.len() {
                dst[start] = 0x80 | coded as u8;
            } else {
                dst.truncate_to(start);
                raw(s, dst);
            }
        }
        Huffman::WhenShorter => {
            let coded = huffman::encoded_len(s);
            if coded < s.len() {
                integer::encode(coded, 7, 0x80, dst);
                huffman::encode(s, dst);
            } else {
                raw(s, dst);
            }
        }
        Huffman::Always => {
            integer::encode(huffman::encoded_len(s), 7, 0x80, dst);
            huffman::encode(s, dst);
        }
        Huffman::Never => raw(s, dst),
    }
}

#[inline]
fn raw(s: &[u8], dst: &mut impl EncodeBuf) {
    integer::encode(s.len(), 7, 0x00, dst);
    dst.push_slice(s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{STATIC_TABLE, static_name_range};

    #[test]
    fn name_info_agrees_with_the_static_table() {
        for (name, _) in STATIC_TABLE {
            assert_eq!(
                name_info(name.as_bytes()).0,
                static_name_range(name.as_bytes()),
                "{name}"
            );
        }
        assert_eq!(name_info(b"x-custom"), (None, Policy::Normal));
        assert_eq!(name_info(b"grpc-timeout"), (None, Policy::Volatile));
        assert_eq!(name_info(b"cookie").1, Policy::Sensitive);
        assert_eq!(name_info(b"set-cookie").1, Policy::SensitiveIfShort);
    }
}
