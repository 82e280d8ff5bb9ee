//! The interop server: `grpc.testing.TestService` with the server features of the interop test
//! descriptions (EmptyCall, UnaryCall, CacheableUnaryCall, StreamingInputCall,
//! StreamingOutputCall, FullDuplexCall, HalfDuplexCall, Echo Status, Echo Metadata,
//! ResponseParameters.interval_us, CompressedResponse — `response_compressed` and
//! ResponseParameters.compressed, per message). `UnimplementedCall` answers `UNIMPLEMENTED`, as the
//! descriptions ask, and `UnimplementedService` is not served.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use courier_rpc::{
    BoxStream, Code, Encoding, Metadata, Request, Response, Status, Streaming, unfold,
};

use crate::pb::grpc::testing::test_service_rpc::TestService;
use crate::pb::grpc::testing::{
    EchoStatus, Empty, Payload, PayloadType, ResponseParameters, SimpleRequest, SimpleResponse,
    StreamingInputCallRequest, StreamingInputCallResponse, StreamingOutputCallRequest,
    StreamingOutputCallResponse,
};
use crate::{ECHO_INITIAL, ECHO_TRAILING, channel_stream, zeros};

/// The `grpc.testing.TestService` implementation; serve it wrapped in
/// [`TestServiceServer`](crate::pb::grpc::testing::test_service_rpc::TestServiceServer).
#[derive(Debug, Default, Clone, Copy)]
pub struct TestServer;

type OutputStream = BoxStream<Result<StreamingOutputCallResponse, Status>>;

/// Echo Metadata: what the response carries back (initial, trailing).
fn echo(request: &Metadata) -> (Metadata, Metadata) {
    let (mut initial, mut trailing) = (Metadata::new(), Metadata::new());
    for v in request.get_all(ECHO_INITIAL) {
        // The value arrived as valid metadata, so it is valid to send back.
        let _ = initial.append(ECHO_INITIAL, v.clone());
    }
    for v in request.get_all(ECHO_TRAILING) {
        let _ = trailing.append(ECHO_TRAILING, v.clone());
    }
    (initial, trailing)
}

fn respond<T>(message: T, (initial, trailing): (Metadata, Metadata)) -> Response<T> {
    let mut r = Response::new(message);
    *r.metadata_mut() = initial;
    *r.trailers_mut() = trailing;
    r
}

/// Echo Status: the requested status (with the echoed trailers), unless it is OK.
fn echo_status(status: Option<&EchoStatus>, trailing: &Metadata) -> Result<(), Status> {
    match status {
        Some(s) if s.code != 0 => {
            Err(Status::new(Code(s.code), s.message.clone()).with_metadata(trailing.clone()))
        }
        _ => Ok(()),
    }
}

/// UnaryCall: "If the server does not support the `response_type`, then it should fail the RPC
/// with `INVALID_ARGUMENT`." Only COMPRESSABLE exists.
fn payload_of(kind: i32, size: i32) -> Result<Payload, Status> {
    if kind != PayloadType::COMPRESSABLE.0 {
        return Err(Status::new(
            Code::INVALID_ARGUMENT,
            format!("unsupported response_type {kind}"),
        ));
    }
    let size = usize::try_from(size)
        .map_err(|_| Status::new(Code::INVALID_ARGUMENT, format!("negative size {size}")))?;
    Ok(zeros(size))
}

/// Sends one response per ResponseParameters (after its `interval_us`); false once the client
/// is gone.
async fn send_responses(
    tx: &tokio::sync::mpsc::Sender<Result<StreamingOutputCallResponse, Status>>,
    kind: i32,
    params: &[ResponseParameters],
) -> bool {
    for p in params {
        if p.interval_us > 0 {
            tokio::time::sleep(Duration::from_micros(p.interval_us as u64)).await;
        }
        let item = response_of(kind, p);
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return false;
        }
    }
    true
}

impl TestService for TestServer {
    async fn empty_call(&self, request: Request<Empty>) -> Result<Response<Empty>, Status> {
        Ok(respond(Empty::default(), echo(request.metadata())))
    }

    async fn unary_call(
        &self,
        request: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        let echoed = echo(request.metadata());
        let compressed = arrived_compressed(request.metadata());
        let (metadata, req) = request.into_parts();
        check_compressed(
            req.expect_compressed.as_ref().is_some_and(|b| b.value),
            compressed,
        )?;
        // CompressedResponse: "When the client sets `response_compressed` to true, the server's
        // response is sent back compressed."
        if req.response_compressed.as_ref().is_some_and(|b| b.value) {
            compress_response(&metadata);
        }
        echo_status(req.response_status.as_ref(), &echoed.1)?;
        let payload = payload_of(req.response_type, req.response_size)?;
        let resp = SimpleResponse {
            payload: Some(payload),
            ..Default::default()
        };
        Ok(respond(resp, echoed))
    }

    async fn cacheable_unary_call(
        &self,
        request: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        // CacheableUnaryCall: "returns the SimpleResponse proto with the payload set to current
        // timestamp" (nanoseconds, ASCII decimal).
        let echoed = echo(request.metadata());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let resp = SimpleResponse {
            payload: Some(Payload {
                body: nanos.to_string().into_bytes().into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut r = respond(resp, echoed);
        let _ = r
            .metadata_mut()
            .append("cache-control", "max-age=60, public");
        Ok(r)
    }

    async fn streaming_output_call(
        &self,
        request: Request<StreamingOutputCallRequest>,
    ) -> Result<Response<OutputStream>, Status> {
        let echoed = echo(request.metadata());
        let (metadata, req) = request.into_parts();
        echo_status(req.response_status.as_ref(), &echoed.1)?;
        let params = req.response_parameters;
        if params
            .iter()
            .any(|p| p.compressed.as_ref().is_some_and(|b| b.value))
        {
            compress_response(&metadata);
        }
        // Each response is made when the server asks for it, so that its own `compressed`
        // setting applies to exactly it.
        let kind = req.response_type;
        let stream = unfold(
            (params.into_iter(), metadata, false),
            move |(mut params, metadata, failed)| async move {
                let p = params.next().filter(|_| !failed)?;
                if p.interval_us > 0 {
                    tokio::time::sleep(Duration::from_micros(p.interval_us as u64)).await;
                }
                if let Some(ctx) = metadata.context() {
                    ctx.set_message_compression(p.compressed.as_ref().is_some_and(|b| b.value));
                }
                let item = response_of(kind, &p);
                let failed = item.is_err();
                Some((item, (params, metadata, failed)))
            },
        );
        Ok(respond(Box::pin(stream) as OutputStream, echoed))
    }

    async fn streaming_input_call(
        &self,
        request: Request<Streaming<StreamingInputCallRequest>>,
    ) -> Result<Response<StreamingInputCallResponse>, Status> {
        let echoed = echo(request.metadata());
        let (metadata, mut requests) = request.into_parts();
        let mut total = 0usize;
        while let Some(req) = requests.message().await? {
            let expect = req.expect_compressed.as_ref().is_some_and(|b| b.value);
            check_compressed(expect, arrived_compressed(&metadata))?;
            total += req.payload.map_or(0, |p| p.body.len());
        }
        let resp = StreamingInputCallResponse {
            aggregated_payload_size: i32::try_from(total).unwrap_or(i32::MAX),
            ..Default::default()
        };
        Ok(respond(resp, echoed))
    }

    async fn full_duplex_call(
        &self,
        request: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<OutputStream>, Status> {
        let echoed = echo(request.metadata());
        let trailing = echoed.1.clone();
        let mut requests = request.into_inner();
        let (tx, stream) = channel_stream(4);
        tokio::spawn(async move {
            loop {
                let req = match requests.message().await {
                    Ok(Some(req)) => req,
                    Ok(None) => return,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                };
                // Echo Status: "The server will not process any further messages on the
                // stream sent by the client."
                if let Err(status) = echo_status(req.response_status.as_ref(), &trailing) {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
                if !send_responses(&tx, req.response_type, &req.response_parameters).await {
                    return;
                }
            }
        });
        Ok(respond(Box::pin(stream) as OutputStream, echoed))
    }

    async fn half_duplex_call(
        &self,
        request: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<OutputStream>, Status> {
        let echoed = echo(request.metadata());
        let mut requests = request.into_inner();
        let mut all = Vec::new();
        while let Some(req) = requests.message().await? {
            echo_status(req.response_status.as_ref(), &echoed.1)?;
            all.push(req);
        }
        let (tx, stream) = channel_stream(4);
        tokio::spawn(async move {
            for req in all {
                if !send_responses(&tx, req.response_type, &req.response_parameters).await {
                    return;
                }
            }
        });
        Ok(respond(Box::pin(stream) as OutputStream, echoed))
    }

    async fn unimplemented_call(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        // unimplemented_method: the client expects UNIMPLEMENTED from this method.
        Err(Status::unimplemented(
            "grpc.testing.TestService/UnimplementedCall is not implemented",
        ))
    }
}

/// One streaming response as `p` asks.
fn response_of(kind: i32, p: &ResponseParameters) -> Result<StreamingOutputCallResponse, Status> {
    payload_of(kind, p.size).map(|payload| StreamingOutputCallResponse {
        payload: Some(payload),
        ..Default::default()
    })
}

/// CompressedResponse: this call's response goes gzip-compressed (when the client accepts
/// gzip, as every interop client does).
fn compress_response(metadata: &Metadata) {
    if let Some(ctx) = metadata.context() {
        ctx.set_compression(Encoding::Gzip);
    }
}

/// Whether the request message read last arrived compressed (its Compressed-Flag was 1).
fn arrived_compressed(metadata: &Metadata) -> bool {
    metadata
        .context()
        .is_some_and(|ctx| ctx.last_message_compressed())
}

/// The [CompressedRequest] server feature: "When the client sets `expect_compressed` to true,
/// the server expects the client request to be compressed. If it's not, it fails the RPC with
/// `INVALID_ARGUMENT`."
fn check_compressed(expected: bool, compressed: bool) -> Result<(), Status> {
    if expected && !compressed {
        return Err(Status::new(
            Code::INVALID_ARGUMENT,
            "expected a compressed request message, got an uncompressed one",
        ));
    }
    Ok(())
}
