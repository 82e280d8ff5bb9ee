//! A server reflection client: `grpc.reflection.v1`, falling back to `v1alpha` (servers in
//! the wild still run v1alpha only), over one bidirectional stream per command.
//!
//! The two versions' messages are the same on the wire (v1 is v1alpha renamed), so both are
//! spoken with v1's generated messages; only the method path differs.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;
use courier_reflect::DescriptorPool;
use courier_rpc::reflection::v1::server_reflection_request::MessageRequest;
use courier_rpc::reflection::v1::server_reflection_response::MessageResponse;
use courier_rpc::reflection::v1::{ServerReflectionRequest, ServerReflectionResponse};
use courier_rpc::reflection::{v1, v1alpha};
use courier_rpc::{
    Channel, Code, Metadata, MethodDescriptor, Request, Status, Streaming, Transport as _,
    encode_requests, receiver_stream,
};
use courier_types::FileDescriptorProto;
use courier_wire::Message as _;
use tokio::sync::mpsc;

/// Why reflection did not answer.
#[derive(Debug)]
pub(crate) enum ReflectError {
    /// The server has neither v1 nor v1alpha.
    Unsupported,
    /// The reflection call failed (connection, permissions, ...).
    Call(Status),
    /// The server answered a request with an error (an unknown symbol: NOT_FOUND).
    Answer(Code, String),
    /// A descriptor the server sent does not decode or link.
    Descriptor(String),
}

/// One reflection stream.
#[derive(Debug)]
pub(crate) struct ReflectionClient {
    tx: mpsc::Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
    version: &'static str,
    /// Every file received, by name.
    files: BTreeMap<String, FileDescriptorProto>,
}

static V1: MethodDescriptor = v1::server_reflection_rpc::SERVER_REFLECTION_INFO;
static V1ALPHA: MethodDescriptor = v1alpha::server_reflection_rpc::SERVER_REFLECTION_INFO;

fn request(r: MessageRequest) -> ServerReflectionRequest {
    ServerReflectionRequest {
        message_request: Some(r),
        ..Default::default()
    }
}

impl ReflectionClient {
    /// Opens a reflection stream (v1, else v1alpha) and asks `first`; the client and the
    /// answer.
    pub(crate) async fn open(
        channel: &Channel,
        metadata: &Metadata,
        first: MessageRequest,
    ) -> Result<(ReflectionClient, MessageResponse), ReflectError> {
        match Self::open_version(channel, metadata, &V1, "v1", first.clone()).await {
            Err(ReflectError::Call(s)) if s.code() == Code::UNIMPLEMENTED => {
                match Self::open_version(channel, metadata, &V1ALPHA, "v1alpha", first).await {
                    Err(ReflectError::Call(s)) if s.code() == Code::UNIMPLEMENTED => {
                        Err(ReflectError::Unsupported)
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    async fn open_version(
        channel: &Channel,
        metadata: &Metadata,
        method: &'static MethodDescriptor,
        version: &'static str,
        first: MessageRequest,
    ) -> Result<(ReflectionClient, MessageResponse), ReflectError> {
        let (tx, rx) = mpsc::channel(4);
        // The first request is in the stream before the call starts: a server answers the
        // headers with its first response.
        tx.try_send(request(first))
            .map_err(|_| ReflectError::Call(Status::internal("reflection request queue")))?;
        let req = Request::from_parts(metadata.clone(), encode_requests(receiver_stream(rx)));
        let response = channel
            .call(method, req)
            .await
            .map_err(ReflectError::Call)?;
        let mut client = ReflectionClient {
            tx,
            responses: Streaming::new(response.into_inner()),
            version,
            files: BTreeMap::new(),
        };
        let answer = client.next().await?;
        Ok((client, answer))
    }

    /// Which version answered: `v1` or `v1alpha`.
    pub(crate) fn version(&self) -> &'static str {
        self.version
    }

    async fn next(&mut self) -> Result<MessageResponse, ReflectError> {
        match self.responses.message().await {
            Ok(Some(r)) => match r.message_response {
                Some(MessageResponse::ErrorResponse(e)) => {
                    Err(ReflectError::Answer(Code(e.error_code), e.error_message))
                }
                Some(m) => Ok(m),
                None => Err(ReflectError::Call(Status::internal(
                    "the reflection server sent an empty response",
                ))),
            },
            Ok(None) => Err(ReflectError::Call(Status::internal(
                "the reflection stream ended early",
            ))),
            Err(s) => Err(ReflectError::Call(s)),
        }
    }

    /// Asks one more question on the stream.
    pub(crate) async fn ask(&mut self, r: MessageRequest) -> Result<MessageResponse, ReflectError> {
        if self.tx.send(request(r)).await.is_err() {
            // The call ended: its status is the reason.
            return match self.responses.message().await {
                Err(s) => Err(ReflectError::Call(s)),
                _ => Err(ReflectError::Call(Status::internal(
                    "the reflection stream ended early",
                ))),
            };
        }
        self.next().await
    }

    /// The services the server lists.
    pub(crate) fn services_of(answer: MessageResponse) -> Result<Vec<String>, ReflectError> {
        match answer {
            MessageResponse::ListServicesResponse(l) => {
                let mut names: Vec<String> = l.service.into_iter().map(|s| s.name).collect();
                names.sort();
                names.dedup();
                Ok(names)
            }
            _ => Err(ReflectError::Descriptor(
                "the server answered list_services with something else".into(),
            )),
        }
    }

    /// Keeps the files of a file-descriptor answer; their names.
    pub(crate) fn keep_files(
        &mut self,
        answer: MessageResponse,
    ) -> Result<Vec<String>, ReflectError> {
        let MessageResponse::FileDescriptorResponse(f) = answer else {
            return Err(ReflectError::Descriptor(
                "the server answered a file request with something else".into(),
            ));
        };
        let mut names = Vec::new();
        for bytes in f.file_descriptor_proto {
            let file = decode_file(bytes)?;
            let name = file.name().to_owned();
            names.push(name.clone());
            self.files.entry(name).or_insert(file);
        }
        Ok(names)
    }

    /// Fetches the file named `name` (and its imports); `Ok(false)` when the server does not
    /// have it.
    pub(crate) async fn fetch_file(&mut self, name: &str) -> Result<bool, ReflectError> {
        match self
            .ask(MessageRequest::FileByFilename(name.to_owned()))
            .await
        {
            Ok(a) => {
                self.keep_files(a)?;
                self.fetch_imports().await?;
                Ok(true)
            }
            Err(ReflectError::Answer(Code::NOT_FOUND, _)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Fetches the file that defines `symbol` (and its imports); `Ok(false)` when the server
    /// does not know the symbol.
    pub(crate) async fn fetch_symbol(&mut self, symbol: &str) -> Result<bool, ReflectError> {
        match self
            .ask(MessageRequest::FileContainingSymbol(symbol.to_owned()))
            .await
        {
            Ok(a) => {
                self.keep_files(a)?;
                self.fetch_imports().await?;
                Ok(true)
            }
            Err(ReflectError::Answer(Code::NOT_FOUND, _)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Fetches every import that is not here yet: from the server, else from the files
    /// Courier embeds (the well-known types, descriptor.proto), which some servers leave out.
    pub(crate) async fn fetch_imports(&mut self) -> Result<(), ReflectError> {
        let mut asked: HashSet<String> = HashSet::new();
        loop {
            let missing: Vec<String> = self
                .files
                .values()
                .flat_map(|f| f.dependency.iter())
                .filter(|d| !self.files.contains_key(d.as_str()) && !asked.contains(d.as_str()))
                .cloned()
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            for name in missing {
                asked.insert(name.clone());
                match self.ask(MessageRequest::FileByFilename(name.clone())).await {
                    Ok(a) => {
                        self.keep_files(a)?;
                    }
                    Err(ReflectError::Answer(..)) => {}
                    Err(e) => return Err(e),
                }
                if let std::collections::btree_map::Entry::Vacant(v) = self.files.entry(name) {
                    if let Some(f) = embedded(v.key()) {
                        v.insert(f);
                    }
                }
            }
        }
    }

    /// A pool of every file received so far.
    pub(crate) fn pool(&self) -> Result<DescriptorPool, ReflectError> {
        DescriptorPool::from_file_descriptor_set(courier_types::FileDescriptorSet {
            file: self.files.values().cloned().collect(),
            ..Default::default()
        })
        .map_err(|e| ReflectError::Descriptor(e.to_string()))
    }
}

fn decode_file(bytes: Bytes) -> Result<FileDescriptorProto, ReflectError> {
    FileDescriptorProto::decode_bytes(bytes).map_err(|e| {
        ReflectError::Descriptor(format!("a FileDescriptorProto from the server: {e}"))
    })
}

/// One of the files courier-idl embeds (what protoc bundles), compiled.
pub(crate) fn embedded(name: &str) -> Option<FileDescriptorProto> {
    courier_idl::embedded_file(name)?;
    let c = courier_idl::Compiler::new();
    let compiled = c.compile(&[name]).ok()?;
    compiled.file(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_compile() {
        let f = embedded("google/protobuf/timestamp.proto").unwrap();
        assert_eq!(f.package(), "google.protobuf");
        assert!(embedded("no/such.proto").is_none());
    }

    /// The v1 and v1alpha messages are the same on the wire.
    #[test]
    fn versions_share_the_wire_format() {
        let r = request(MessageRequest::FileContainingSymbol("a.B".into()));
        let alpha = v1alpha::ServerReflectionRequest::decode(&r.encode_to_vec()[..]).unwrap();
        assert_eq!(alpha.encode_to_vec(), r.encode_to_vec());
        assert!(matches!(
            alpha.message_request,
            Some(v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(ref s)) if s == "a.B"
        ));
    }
}
