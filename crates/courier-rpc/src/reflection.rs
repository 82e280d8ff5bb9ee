//! `grpc.reflection.v1.ServerReflection` and its `v1alpha` twin: serve the descriptors of the
//! registered `.proto` files, so tools (grpcurl, grpc_cli, Postman) can discover services.
//!
//! Register the files as a serialized `FileDescriptorSet` (what `protoc
//! --include_imports --descriptor_set_out` writes, or courier-idl's compilation).
//!
//! ```
//! use courier_rpc::reflection::Reflection;
//! let reflection = Reflection::builder().build();
//! let server = courier_rpc::Server::builder()
//!     .add_service(reflection.v1())
//!     .add_service(reflection.v1alpha())
//!     .build();
//! # drop(server);
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use courier_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet};
use courier_wire::{DecodeError, Message};

use crate::body::unfold;
use crate::call::{BoxStream, Request, Response, Streaming};
use crate::code::Code;
use crate::status::Status;

/// Generated from `proto/grpc/reflection/v1/reflection.proto`.
#[allow(missing_docs, clippy::all, rustdoc::all)]
pub mod v1 {
    include!("generated/grpc.reflection.v1.rs");
}

/// Generated from `proto/grpc/reflection/v1alpha/reflection.proto`.
#[allow(missing_docs, clippy::all, rustdoc::all)]
pub mod v1alpha {
    include!("generated/grpc.reflection.v1alpha.rs");
}

/// What reflection knows: files by name, and the file defining each symbol.
#[derive(Debug, Default)]
struct Index {
    files: HashMap<String, (Bytes, Vec<String>)>,
    symbols: HashMap<String, String>,
    extensions: HashMap<(String, i32), String>,
    extension_numbers: HashMap<String, Vec<i32>>,
    services: Vec<String>,
}

impl Index {
    fn add(&mut self, file: FileDescriptorProto) {
        let name = file.name.clone().unwrap_or_default();
        let package = file.package.clone().unwrap_or_default();
        let prefix = |n: &str| {
            if package.is_empty() {
                n.to_owned()
            } else {
                format!("{package}.{n}")
            }
        };
        for m in &file.message_type {
            self.add_message(&name, &prefix(m.name.as_deref().unwrap_or("")), m);
        }
        for e in &file.enum_type {
            self.add_enum(&name, &prefix(e.name.as_deref().unwrap_or("")), e);
        }
        for s in &file.service {
            let full = prefix(s.name.as_deref().unwrap_or(""));
            for m in &s.method {
                self.symbols.insert(
                    format!("{full}.{}", m.name.as_deref().unwrap_or("")),
                    name.clone(),
                );
            }
            self.symbols.insert(full.clone(), name.clone());
            self.services.push(full);
        }
        for x in &file.extension {
            self.add_extension(&name, &package, x);
        }
        let bytes = file.encode_to_bytes();
        self.files.insert(name, (bytes, file.dependency));
    }

    fn add_extension(&mut self, file: &str, scope: &str, x: &courier_types::FieldDescriptorProto) {
        let extendee = x
            .extendee
            .as_deref()
            .unwrap_or("")
            .trim_start_matches('.')
            .to_owned();
        let number = x.number.unwrap_or(0);
        let full = if scope.is_empty() {
            x.name.clone().unwrap_or_default()
        } else {
            format!("{scope}.{}", x.name.as_deref().unwrap_or(""))
        };
        self.symbols.insert(full, file.to_owned());
        self.extensions
            .insert((extendee.clone(), number), file.to_owned());
        self.extension_numbers
            .entry(extendee)
            .or_default()
            .push(number);
    }

    fn add_message(&mut self, file: &str, full: &str, m: &DescriptorProto) {
        self.symbols.insert(full.to_owned(), file.to_owned());
        for f in &m.field {
            self.symbols.insert(
                format!("{full}.{}", f.name.as_deref().unwrap_or("")),
                file.to_owned(),
            );
        }
        for n in &m.nested_type {
            self.add_message(
                file,
                &format!("{full}.{}", n.name.as_deref().unwrap_or("")),
                n,
            );
        }
        for e in &m.enum_type {
            self.add_enum(
                file,
                &format!("{full}.{}", e.name.as_deref().unwrap_or("")),
                e,
            );
        }
        for x in &m.extension {
            self.add_extension(file, full, x);
        }
    }

    fn add_enum(&mut self, file: &str, full: &str, e: &EnumDescriptorProto) {
        self.symbols.insert(full.to_owned(), file.to_owned());
        // Enum values are scoped to the enum's parent.
        let parent = full.rsplit_once('.').map_or("", |(p, _)| p);
        for v in &e.value {
            let n = v.name.as_deref().unwrap_or("");
            let k = if parent.is_empty() {
                n.to_owned()
            } else {
                format!("{parent}.{n}")
            };
            self.symbols.insert(k, file.to_owned());
        }
    }

    /// `file` and its transitive dependencies not yet in `sent`, file first.
    fn closure(&self, file: &str, sent: &mut HashSet<String>) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut todo = vec![file.to_owned()];
        while let Some(f) = todo.pop() {
            if !sent.insert(f.clone()) {
                continue;
            }
            if let Some((bytes, deps)) = self.files.get(&f) {
                out.push(bytes.clone());
                todo.extend(deps.iter().rev().cloned());
            }
        }
        out
    }
}

/// Builds a [`Reflection`].
#[derive(Debug, Default)]
pub struct ReflectionBuilder {
    index: Index,
}

impl ReflectionBuilder {
    /// Registers every file of a serialized `FileDescriptorSet`.
    pub fn register_file_descriptor_set(mut self, encoded: &[u8]) -> Result<Self, DecodeError> {
        let set = FileDescriptorSet::decode(encoded)?;
        for f in set.file {
            self.index.add(f);
        }
        Ok(self)
    }

    /// Registers one serialized `FileDescriptorProto`.
    pub fn register_file_descriptor(mut self, encoded: &[u8]) -> Result<Self, DecodeError> {
        self.index.add(FileDescriptorProto::decode(encoded)?);
        Ok(self)
    }

    /// The reflection services. Reflection lists itself and the services of the registered
    /// files.
    pub fn build(mut self) -> Reflection {
        for s in [
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ] {
            if !self.index.services.iter().any(|x| x == s) {
                self.index.services.push(s.to_owned());
            }
        }
        self.index.services.sort();
        self.index.services.dedup();
        Reflection {
            index: Arc::new(self.index),
        }
    }
}

/// Server reflection over registered descriptors; serve [`v1`](Self::v1) and
/// [`v1alpha`](Self::v1alpha).
#[derive(Clone, Debug)]
pub struct Reflection {
    index: Arc<Index>,
}

impl Reflection {
    /// A builder with no files.
    pub fn builder() -> ReflectionBuilder {
        ReflectionBuilder::default()
    }

    /// Every registered file as an encoded `FileDescriptorSet`, each file after the files it
    /// imports (those registered), for [`web::ReflectSchema`](crate::web) and other tools that
    /// build a descriptor pool from what reflection serves.
    pub fn file_descriptor_set(&self) -> Vec<u8> {
        let mut names: Vec<&String> = self.index.files.keys().collect();
        names.sort();
        let mut done: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        // Depth-first, imports first; an import cycle (invalid) cannot loop: a file is marked
        // before its imports are visited.
        fn visit<'a>(
            name: &'a str,
            index: &'a Index,
            done: &mut HashSet<&'a str>,
            out: &mut Vec<u8>,
        ) {
            let Some((bytes, deps)) = index.files.get(name) else {
                return;
            };
            if !done.insert(name) {
                return;
            }
            for d in deps {
                visit(d, index, done, out);
            }
            // FileDescriptorSet: `repeated FileDescriptorProto file = 1;`
            let mut enc = courier_wire::Encoder::new(out);
            enc.put_tag(1, courier_wire::WireType::Len);
            enc.put_len_prefixed(bytes);
        }
        for n in names {
            visit(n, &self.index, &mut done, &mut out);
        }
        out
    }

    /// `grpc.reflection.v1.ServerReflection`.
    pub fn v1(&self) -> v1::server_reflection_rpc::ServerReflectionServer<ReflectionService> {
        v1::server_reflection_rpc::ServerReflectionServer::new(ReflectionService {
            index: Arc::clone(&self.index),
        })
    }

    /// `grpc.reflection.v1alpha.ServerReflection` (older clients).
    pub fn v1alpha(
        &self,
    ) -> v1alpha::server_reflection_rpc::ServerReflectionServer<ReflectionService> {
        v1alpha::server_reflection_rpc::ServerReflectionServer::new(ReflectionService {
            index: Arc::clone(&self.index),
        })
    }
}

/// The reflection service implementation (both versions).
#[derive(Debug)]
pub struct ReflectionService {
    index: Arc<Index>,
}

macro_rules! reflection_impl {
    ($pb:ident) => {
        impl $pb::server_reflection_rpc::ServerReflection for ReflectionService {
            async fn server_reflection_info(
                &self,
                request: Request<Streaming<$pb::ServerReflectionRequest>>,
            ) -> Result<Response<BoxStream<Result<$pb::ServerReflectionResponse, Status>>>, Status>
            {
                use $pb::server_reflection_request::MessageRequest as Q;
                use $pb::server_reflection_response::MessageResponse as A;
                let index = Arc::clone(&self.index);
                let requests = request.into_inner();
                let state = (requests, index, HashSet::<String>::new());
                let stream = unfold(state, |(mut requests, index, mut sent)| async move {
                    let req = match requests.message().await {
                        Ok(Some(r)) => r,
                        Ok(None) => return None,
                        Err(e) => return Some((Err(e), (requests, index, sent))),
                    };
                    let not_found = |what: String| {
                        A::ErrorResponse($pb::ErrorResponse {
                            error_code: Code::NOT_FOUND.0,
                            error_message: what,
                            ..Default::default()
                        })
                    };
                    let files = |f: &str, sent: &mut HashSet<String>| {
                        A::FileDescriptorResponse($pb::FileDescriptorResponse {
                            file_descriptor_proto: index.closure(f, sent),
                            ..Default::default()
                        })
                    };
                    let answer = match &req.message_request {
                        Some(Q::FileByFilename(name)) => match index.files.contains_key(name) {
                            true => files(name, &mut sent),
                            false => not_found(format!("file {name:?} not found")),
                        },
                        Some(Q::FileContainingSymbol(sym)) => match index.symbols.get(sym) {
                            Some(f) => files(&f.clone(), &mut sent),
                            None => not_found(format!("symbol {sym:?} not found")),
                        },
                        Some(Q::FileContainingExtension(x)) => {
                            match index
                                .extensions
                                .get(&(x.containing_type.clone(), x.extension_number))
                            {
                                Some(f) => files(&f.clone(), &mut sent),
                                None => not_found(format!(
                                    "extension {} of {:?} not found",
                                    x.extension_number, x.containing_type
                                )),
                            }
                        }
                        Some(Q::AllExtensionNumbersOfType(t)) => {
                            if index.symbols.contains_key(t) {
                                A::AllExtensionNumbersResponse($pb::ExtensionNumberResponse {
                                    base_type_name: t.clone(),
                                    extension_number: index
                                        .extension_numbers
                                        .get(t)
                                        .cloned()
                                        .unwrap_or_default(),
                                    ..Default::default()
                                })
                            } else {
                                not_found(format!("type {t:?} not found"))
                            }
                        }
                        Some(Q::ListServices(_)) => {
                            A::ListServicesResponse($pb::ListServiceResponse {
                                service: index
                                    .services
                                    .iter()
                                    .map(|s| $pb::ServiceResponse {
                                        name: s.clone(),
                                        ..Default::default()
                                    })
                                    .collect(),
                                ..Default::default()
                            })
                        }
                        None => A::ErrorResponse($pb::ErrorResponse {
                            error_code: Code::INVALID_ARGUMENT.0,
                            error_message: "empty request".into(),
                            ..Default::default()
                        }),
                    };
                    let resp = $pb::ServerReflectionResponse {
                        valid_host: req.host.clone(),
                        original_request: Some(req),
                        message_response: Some(answer),
                        ..Default::default()
                    };
                    Some((Ok(resp), (requests, index, sent)))
                });
                let mut response = Response::new(Box::pin(stream) as BoxStream<_>);
                // Each answer waits for a request: the headers go now, for clients that wait
                // for them before sending their first request.
                response.send_headers_early();
                Ok(response)
            }
        }
    };
}

reflection_impl!(v1);
reflection_impl!(v1alpha);
