//! What the web protocols need to know about a method beyond its [`MethodDescriptor`]: how its
//! messages map to ProtoJSON (Connect's and gRPC-Web's `json` codec) and whether it has side
//! effects (Connect's unary GET).
//!
//! # The JSON seam
//!
//! Handlers take and return binary-encoded messages ([`Service::call`](crate::Service::call)
//! moves `Bytes`), whichever protocol the call came in on. A call with a JSON codec is
//! transcoded at the edge: the request's JSON is turned into its binary encoding before the
//! handler sees it, and the response's binary encoding into JSON after. The [`JsonCodec`] of
//! each method does both, and is found once, when the server is built:
//!
//! 1. from the service itself, [`Service::method_schema`](crate::Service::method_schema) —
//!    where generated code plugs in: once courier-codegen generates ProtoJSON for messages,
//!    its `*Server` adapters can answer with a codec that parses into the generated request
//!    type and encodes it (no descriptors at run time);
//! 2. otherwise from the [`SchemaSource`]s given to
//!    [`ServerBuilder::schema_source`](crate::ServerBuilder::schema_source), in order — such as
//!    [`ReflectSchema`](super::ReflectSchema) (feature `reflect`), which transcodes through
//!    courier-reflect's dynamic messages from the service's descriptors (the
//!    `FileDescriptorSet` the reflection service serves, for one).
//!
//! A method without a JSON codec answers JSON requests with 415 (Connect) — the codec is not
//! supported — and serves the binary codec as usual. Courier's own web client
//! ([`WebChannel`](super::WebChannel)) sends protobuf only; a JSON client would use the same
//! trait in the other direction.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::call::MethodDescriptor;
use crate::status::Status;

/// Which message of a method a [`JsonCodec`] converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageRole {
    /// The request (the method's input type).
    Request,
    /// The response (the method's output type).
    Response,
}

/// Converts one method's messages between ProtoJSON and their binary encoding.
///
/// Errors are statuses: a server answers a request whose JSON does not parse with
/// `decode_json`'s status (INVALID_ARGUMENT is the convention).
pub trait JsonCodec: Send + Sync + 'static {
    /// Parses the ProtoJSON of the `role` message; returns its binary encoding.
    fn decode_json(&self, role: MessageRole, json: &[u8]) -> Result<Bytes, Status>;

    /// Prints the binary-encoded `role` message as ProtoJSON.
    fn encode_json(&self, role: MessageRole, binary: &[u8]) -> Result<Bytes, Status>;
}

/// A method's side effects, from its `idempotency_level` option.
///
/// descriptor.proto, MethodOptions: "Is this method side-effect-free (or safe in HTTP
/// parlance), or idempotent, or neither? HTTP based RPC implementation may choose GET verb for
/// safe methods, and PUT verb for idempotent methods instead of the default POST."
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// `IDEMPOTENCY_UNKNOWN`: may have side effects (the default).
    #[default]
    Unknown,
    /// `NO_SIDE_EFFECTS`: safe; Connect may call it with GET.
    NoSideEffects,
    /// `IDEMPOTENT`: may be repeated.
    Idempotent,
}

impl Idempotency {
    /// The level of an `idempotency_level` option's number (unknown numbers: `Unknown`).
    pub fn from_i32(n: i32) -> Idempotency {
        match n {
            1 => Idempotency::NoSideEffects,
            2 => Idempotency::Idempotent,
            _ => Idempotency::Unknown,
        }
    }
}

/// What the web protocols know about a method: its JSON codec and its side effects.
#[derive(Clone, Default)]
pub struct MethodSchema {
    json: Option<Arc<dyn JsonCodec>>,
    idempotency: Idempotency,
}

impl fmt::Debug for MethodSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MethodSchema")
            .field("json", &self.json.is_some())
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

impl MethodSchema {
    /// A schema with no JSON codec and unknown side effects.
    pub fn new() -> MethodSchema {
        MethodSchema::default()
    }

    /// With `codec` for the `json` codec.
    pub fn with_json(mut self, codec: Arc<dyn JsonCodec>) -> MethodSchema {
        self.json = Some(codec);
        self
    }

    /// With `level` of side effects.
    pub fn with_idempotency(mut self, level: Idempotency) -> MethodSchema {
        self.idempotency = level;
        self
    }

    /// The JSON codec, if the method has one.
    pub fn json(&self) -> Option<&Arc<dyn JsonCodec>> {
        self.json.as_ref()
    }

    /// The method's side effects.
    pub fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// This schema, with what it leaves open taken from `other`: its JSON codec if it has
    /// none, its side effects if they are unknown.
    pub fn or(self, other: MethodSchema) -> MethodSchema {
        MethodSchema {
            json: self.json.or(other.json),
            idempotency: match self.idempotency {
                Idempotency::Unknown => other.idempotency,
                level => level,
            },
        }
    }
}

/// The JSON codec of a method whose request and response types were generated with
/// courier-codegen's `json` option: ProtoJSON parsed straight into the generated request type
/// and printed from the generated response type, no descriptors at run time. Generated
/// `*Server` adapters answer [`Service::method_schema`](crate::Service::method_schema) with
/// it. Requests are parsed with unknown fields ignored and responses printed with the
/// defaults, as [`ReflectSchema`](super::ReflectSchema) does.
#[cfg(feature = "json")]
pub struct MessageJson<Req, Resp> {
    parse: courier_json::ParseOptions,
    print: courier_json::PrintOptions,
    types: std::marker::PhantomData<fn() -> (Req, Resp)>,
}

#[cfg(feature = "json")]
impl<Req, Resp> fmt::Debug for MessageJson<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageJson")
            .field("request", &std::any::type_name::<Req>())
            .field("response", &std::any::type_name::<Resp>())
            .finish()
    }
}

#[cfg(feature = "json")]
impl<Req, Resp> MessageJson<Req, Resp>
where
    Req: courier_json::ProtoJson + Send + Sync + 'static,
    Resp: courier_json::ProtoJson + Send + Sync + 'static,
{
    /// The codec, shared, as [`MethodSchema::with_json`] takes it.
    pub fn shared() -> Arc<dyn JsonCodec> {
        Arc::new(MessageJson::<Req, Resp> {
            // Connect clients may be newer than the server: fields it does not know are
            // skipped, as the binary codec keeps them unknown rather than failing.
            parse: courier_json::ParseOptions::new().ignore_unknown_fields(true),
            print: courier_json::PrintOptions::new(),
            types: std::marker::PhantomData,
        })
    }

    fn parse<M: courier_json::ProtoJson>(&self, json: &[u8]) -> Result<Bytes, Status> {
        let text = json_text(json, M::NAME)?;
        let m = M::from_json_with(text, &self.parse)
            .map_err(|e| Status::new(crate::Code::INVALID_ARGUMENT, format!("{}: {e}", M::NAME)))?;
        Ok(m.encode_to_bytes())
    }

    fn print<M: courier_json::ProtoJson>(&self, binary: &[u8]) -> Result<Bytes, Status> {
        let m = M::decode(binary)
            .map_err(|e| Status::internal(format!("error decoding {}: {e}", M::NAME)))?;
        let json = m
            .to_json_with(&self.print)
            .map_err(|e| Status::internal(format!("{} has no JSON form: {e}", M::NAME)))?;
        Ok(Bytes::from(json))
    }
}

/// A request's JSON as text: INVALID_ARGUMENT, naming the `message` type, when it is not
/// UTF-8.
#[cfg(feature = "json")]
pub(crate) fn json_text<'a>(json: &'a [u8], message: &str) -> Result<&'a str, Status> {
    std::str::from_utf8(json).map_err(|_| {
        Status::new(
            crate::Code::INVALID_ARGUMENT,
            format!("{message}: JSON is not UTF-8"),
        )
    })
}

#[cfg(feature = "json")]
impl<Req, Resp> JsonCodec for MessageJson<Req, Resp>
where
    Req: courier_json::ProtoJson + Send + Sync + 'static,
    Resp: courier_json::ProtoJson + Send + Sync + 'static,
{
    fn decode_json(&self, role: MessageRole, json: &[u8]) -> Result<Bytes, Status> {
        match role {
            MessageRole::Request => self.parse::<Req>(json),
            MessageRole::Response => self.parse::<Resp>(json),
        }
    }

    fn encode_json(&self, role: MessageRole, binary: &[u8]) -> Result<Bytes, Status> {
        match role {
            MessageRole::Request => self.print::<Req>(binary),
            MessageRole::Response => self.print::<Resp>(binary),
        }
    }
}

/// Finds the [`MethodSchema`] of methods a service does not describe itself (see the module
/// documentation).
pub trait SchemaSource: Send + Sync + 'static {
    /// The schema of `method`; `None` when this source does not know it.
    fn method_schema(&self, method: &MethodDescriptor) -> Option<MethodSchema>;
}

impl<T: SchemaSource + ?Sized> SchemaSource for Arc<T> {
    fn method_schema(&self, method: &MethodDescriptor) -> Option<MethodSchema> {
        (**self).method_schema(method)
    }
}
