//! [`ReflectSchema`]: method schemas from descriptors, with JSON transcoded through
//! courier-reflect's dynamic messages (feature `reflect`).

use std::sync::Arc;

use bytes::Bytes;
use courier_reflect::json::{ParseOptions, PrintOptions};
use courier_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use super::schema::{Idempotency, JsonCodec, MessageRole, MethodSchema, SchemaSource, json_text};
use crate::call::MethodDescriptor;
use crate::code::Code;
use crate::status::Status;

/// Method schemas read from descriptors: each method's JSON codec transcodes through
/// [`DynamicMessage`]s of its input and output types, and its side effects come from its
/// `idempotency_level` option.
///
/// ```
/// # fn f(descriptor_set: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// use courier_rpc::Server;
/// use courier_rpc::web::ReflectSchema;
///
/// let server = Server::builder()
///     .schema_source(ReflectSchema::from_file_descriptor_set(descriptor_set)?)
///     .build();
/// # drop(server);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ReflectSchema {
    pool: DescriptorPool,
    print: PrintOptions,
    parse: ParseOptions,
}

impl ReflectSchema {
    /// Schemas from the services of `pool`.
    pub fn new(pool: DescriptorPool) -> ReflectSchema {
        ReflectSchema {
            pool,
            print: PrintOptions::new(),
            // Connect clients may be newer than the server: fields it does not know are
            // skipped, as the binary codec keeps them unknown rather than failing.
            parse: ParseOptions::new().ignore_unknown_fields(true),
        }
    }

    /// Schemas from an encoded `FileDescriptorSet` (`protoc --include_imports
    /// --descriptor_set_out`, courier-idl's output, or what
    /// [`Reflection::file_descriptor_set`](crate::reflection::Reflection::file_descriptor_set)
    /// returns).
    pub fn from_file_descriptor_set(
        bytes: &[u8],
    ) -> Result<ReflectSchema, courier_reflect::DescriptorError> {
        Ok(ReflectSchema::new(DescriptorPool::decode(bytes)?))
    }

    /// Prints responses with `options` (default: compact, lowerCamelCase, defaults left out).
    pub fn print_options(mut self, options: PrintOptions) -> ReflectSchema {
        self.print = options;
        self
    }

    /// Parses requests with `options` (default: unknown fields ignored).
    pub fn parse_options(mut self, options: ParseOptions) -> ReflectSchema {
        self.parse = options;
        self
    }

    /// The pool.
    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }
}

impl SchemaSource for ReflectSchema {
    fn method_schema(&self, method: &MethodDescriptor) -> Option<MethodSchema> {
        let m = self
            .pool
            .get_method_by_name(&format!("{}.{}", method.service, method.method))?;
        let level = m
            .options()
            .and_then(|o| o.idempotency_level)
            .map_or(Idempotency::Unknown, Idempotency::from_i32);
        let codec = ReflectJson {
            input: m.input(),
            output: m.output(),
            print: self.print.clone(),
            parse: self.parse.clone(),
        };
        Some(
            MethodSchema::new()
                .with_json(Arc::new(codec))
                .with_idempotency(level),
        )
    }
}

/// A method's JSON codec over dynamic messages.
struct ReflectJson {
    input: MessageDescriptor,
    output: MessageDescriptor,
    print: PrintOptions,
    parse: ParseOptions,
}

impl ReflectJson {
    fn desc(&self, role: MessageRole) -> &MessageDescriptor {
        match role {
            MessageRole::Request => &self.input,
            MessageRole::Response => &self.output,
        }
    }
}

impl JsonCodec for ReflectJson {
    fn decode_json(&self, role: MessageRole, json: &[u8]) -> Result<Bytes, Status> {
        let desc = self.desc(role).clone();
        let text = json_text(json, desc.full_name())?;
        let m = DynamicMessage::from_json_with(desc, text, &self.parse).map_err(|e| {
            Status::new(
                Code::INVALID_ARGUMENT,
                format!("{}: {e}", self.desc(role).full_name()),
            )
        })?;
        Ok(Bytes::from(m.encode_to_vec()))
    }

    fn encode_json(&self, role: MessageRole, binary: &[u8]) -> Result<Bytes, Status> {
        let desc = self.desc(role).clone();
        let m = DynamicMessage::decode(desc, binary).map_err(|e| {
            Status::internal(format!(
                "error decoding {}: {e}",
                self.desc(role).full_name()
            ))
        })?;
        let json = m.to_json_with(&self.print).map_err(|e| {
            Status::internal(format!(
                "{} has no JSON form: {e}",
                self.desc(role).full_name()
            ))
        })?;
        Ok(Bytes::from(json))
    }
}
