//! The `bench.Bench` service (benches/protos/grpc/bench.proto) as both stacks serve it, shared
//! by grpc_bench.rs and tls_bench.rs through `#[path]`: Courier's generated messages and its
//! handler, and prost's messages with the tonic service written out the way tonic's generated
//! code is (no protoc at build time). `Unary` echoes the request; `Stream` sends `count`
//! messages of `size` bytes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;

/// Courier's generated code for bench.proto (regenerate: see benches/protos/grpc/README.md).
mod courier_gen {
    #![allow(missing_docs, dead_code, unreachable_pub, clippy::all)]
    include!("courier/mod.rs");
}

pub(crate) use courier_gen::bench as cb;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// prost's side of bench.proto.
pub(crate) mod pb {
    #![allow(missing_docs, unreachable_pub)]
    use std::collections::HashMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Msg {
        #[prost(bytes = "bytes", tag = "1")]
        pub payload: bytes::Bytes,
        #[prost(string, tag = "2")]
        pub name: String,
        #[prost(int64, repeated, tag = "3")]
        pub values: Vec<i64>,
        #[prost(map = "string, string", tag = "4")]
        pub tags: HashMap<String, String>,
        #[prost(message, optional, tag = "5")]
        pub inner: Option<Inner>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Inner {
        #[prost(double, tag = "1")]
        pub score: f64,
        #[prost(bool, tag = "2")]
        pub flag: bool,
        #[prost(string, tag = "3")]
        pub note: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct StreamRequest {
        #[prost(int32, tag = "1")]
        pub count: i32,
        #[prost(int32, tag = "2")]
        pub size: i32,
    }
}

/// `message` as an uncompressed gRPC Length-Prefixed-Message: a request body for h2load.
pub(crate) fn grpc_framed(message: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = bytes::BytesMut::new();
    courier_rpc::codec::encode_message(
        message,
        courier_rpc::Encoding::Identity,
        usize::MAX,
        usize::MAX,
        &mut out,
    )
    .map_err(|e| e.to_string())?;
    Ok(out.to_vec())
}

/// The examples' `main`: runs `run` on the command-line arguments in a multi-thread runtime;
/// an error is printed as `NAME: error` and the process exits with status 1.
pub(crate) fn run_main<F>(name: &str, run: impl FnOnce(Vec<String>) -> F)
where
    F: Future<Output = Result<(), String>>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("{name}: {e}");
        std::process::exit(1);
    }
}

// ---- Courier ----

#[derive(Clone, Copy)]
pub(crate) struct CourierBench;

impl cb::bench_rpc::Bench for CourierBench {
    async fn unary(
        &self,
        request: courier_rpc::Request<cb::Msg>,
    ) -> Result<courier_rpc::Response<cb::Msg>, courier_rpc::Status> {
        Ok(courier_rpc::Response::new(request.into_inner()))
    }

    async fn stream(
        &self,
        request: courier_rpc::Request<cb::StreamRequest>,
    ) -> Result<
        courier_rpc::Response<courier_rpc::BoxStream<Result<cb::Msg, courier_rpc::Status>>>,
        courier_rpc::Status,
    > {
        let r = request.into_inner();
        let item = Ok(cb::Msg {
            payload: Bytes::from(vec![7u8; r.size.max(0) as usize]),
            ..Default::default()
        });
        let s = courier_rpc::iter(std::iter::repeat_n(item, r.count.max(0) as usize));
        Ok(courier_rpc::Response::new(Box::pin(s)))
    }
}

// ---- tonic ----

#[derive(Clone, Copy, Default)]
pub(crate) struct TonicBench;

impl tonic::server::NamedService for TonicBench {
    const NAME: &'static str = "bench.Bench";
}

struct TonicUnary;

impl tonic::server::UnaryService<pb::Msg> for TonicUnary {
    type Response = pb::Msg;
    type Future = BoxFuture<Result<tonic::Response<pb::Msg>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<pb::Msg>) -> Self::Future {
        Box::pin(async move { Ok(tonic::Response::new(request.into_inner())) })
    }
}

struct TonicStream;

type TonicMsgStream =
    Pin<Box<dyn courier_rpc::Stream<Item = Result<pb::Msg, tonic::Status>> + Send>>;

impl tonic::server::ServerStreamingService<pb::StreamRequest> for TonicStream {
    type Response = pb::Msg;
    type ResponseStream = TonicMsgStream;
    type Future = BoxFuture<Result<tonic::Response<TonicMsgStream>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<pb::StreamRequest>) -> Self::Future {
        Box::pin(async move {
            let r = request.into_inner();
            let item = Ok(pb::Msg {
                payload: Bytes::from(vec![7u8; r.size.max(0) as usize]),
                name: String::new(),
                values: Vec::new(),
                tags: HashMap::new(),
                inner: None,
            });
            let s: TonicMsgStream = Box::pin(courier_rpc::iter(std::iter::repeat_n(
                item,
                r.count.max(0) as usize,
            )));
            Ok(tonic::Response::new(s))
        })
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for TonicBench {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        match req.uri().path() {
            "/bench.Bench/Unary" => Box::pin(async move {
                let codec = tonic_prost::ProstCodec::<pb::Msg, pb::Msg>::default();
                Ok(tonic::server::Grpc::new(codec).unary(TonicUnary, req).await)
            }),
            "/bench.Bench/Stream" => Box::pin(async move {
                let codec = tonic_prost::ProstCodec::<pb::Msg, pb::StreamRequest>::default();
                Ok(tonic::server::Grpc::new(codec)
                    .server_streaming(TonicStream, req)
                    .await)
            }),
            _ => Box::pin(async move { Ok(tonic::Status::unimplemented("").into_http()) }),
        }
    }
}
