//! The interop client: every credential-free test case of the gRPC interop test descriptions,
//! run through the generated `TestServiceClient` over a courier-rpc [`Channel`].
//!
//! Each case returns `Err(reason)` when an assertion fails. Notes on what a Rust client can
//! observe:
//! - Cancelling a call is dropping it (the runtime resets the stream with CANCEL); the status
//!   CANCELLED is then the caller's own. So cancel_after_* check what can fail: the call was
//!   still in flight when dropped (cancel_after_begin), the first response arrived first
//!   (cancel_after_first_response), and the connection serves the next call afterwards.
//! - Compression is chosen per call ([`Request::set_compression`]): in
//!   client_compressed_streaming both messages of the second call are compressed (the second
//!   one does not expect compression, so the server does not check it).
//! - The server_compressed_* cases check each response message's Compressed-Flag through
//!   [`Response::last_message_compressed`](courier_rpc::Response::last_message_compressed)
//!   (set when `response_compressed` / `compressed` asked for compression, unset otherwise),
//!   and the payloads. The streaming case reads its messages through the response
//!   ([`Response::get_mut`](courier_rpc::Response::get_mut)), whose flag follows the stream.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use courier_rpc::{Channel, Code, Encoding, Request, Status, Streaming, iter};

use crate::pb::grpc::testing::test_service_rpc::TestServiceClient;
use crate::pb::grpc::testing::unimplemented_service_rpc::UnimplementedServiceClient;
use crate::pb::grpc::testing::{
    BoolValue, EchoStatus, Empty, Payload, ResponseParameters, SimpleRequest,
    StreamingInputCallRequest, StreamingOutputCallRequest, StreamingOutputCallResponse,
};
use crate::{
    ECHO_INITIAL, ECHO_TRAILING, INPUT_SIZES, LARGE_REQ, LARGE_RESP, OUTPUT_SIZES, SPECIAL_MESSAGE,
    channel_stream, zeros,
};

/// The client stub every case uses.
pub type Client = TestServiceClient<Channel>;

/// What a case returns: `Err` says which assertion failed.
pub type Outcome = Result<(), String>;

type CaseFn = fn(Client) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// Every supported case: (name, function).
        pub const CASES: &[(&str, CaseFn)] = &[$((stringify!($name), |c| Box::pin($name(c)))),*];
    };
}

cases!(
    empty_unary,
    large_unary,
    client_compressed_unary,
    server_compressed_unary,
    client_streaming,
    client_compressed_streaming,
    server_streaming,
    server_compressed_streaming,
    ping_pong,
    empty_stream,
    custom_metadata,
    status_code_and_message,
    special_status_message,
    unimplemented_method,
    unimplemented_service,
    cancel_after_begin,
    cancel_after_first_response,
    timeout_on_sleeping_server,
    concurrent_large_unary,
);

/// Runs the case named `name` against `channel`.
pub async fn run(name: &str, channel: Channel) -> Outcome {
    let (_, f) = CASES
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("unknown test case `{name}`"))?;
    f(TestServiceClient::new(channel)).await
}

fn check(cond: bool, what: impl FnOnce() -> String) -> Outcome {
    if cond { Ok(()) } else { Err(what()) }
}

fn ok<T>(r: Result<T, Status>, what: &str) -> Result<T, String> {
    r.map_err(|s| format!("{what}: unexpected status {s}"))
}

fn expect_code<T>(r: Result<T, Status>, code: Code, what: &str) -> Result<Status, String> {
    match r {
        Ok(_) => Err(format!("{what}: the call succeeded, expected {code:?}")),
        Err(s) if s.code() == code => Ok(s),
        Err(s) => Err(format!("{what}: status {s}, expected {code:?}")),
    }
}

/// A response message's Compressed-Flag is set exactly when compression was asked for.
fn check_flag(flag: Option<bool>, expected: bool, what: &str) -> Outcome {
    check(flag == Some(expected), || {
        let seen = match flag {
            Some(true) => "set",
            Some(false) => "unset",
            None => "unknown",
        };
        let want = if expected { "set" } else { "unset" };
        format!("{what}: the response's Compressed-Flag is {seen}, expected {want}")
    })
}

fn check_zeros(p: Option<&Payload>, size: usize, what: &str) -> Outcome {
    let body = p.map(|p| &p.body[..]).unwrap_or(&[]);
    check(body.len() == size, || {
        format!("{what}: payload is {} bytes, expected {size}", body.len())
    })?;
    check(body.iter().all(|b| *b == 0), || {
        format!("{what}: payload is not all zeros")
    })
}

fn large_request() -> SimpleRequest {
    SimpleRequest {
        response_size: LARGE_RESP as i32,
        payload: Some(zeros(LARGE_REQ)),
        ..Default::default()
    }
}

fn bool_value(value: bool) -> Option<BoolValue> {
    Some(BoolValue {
        value,
        ..Default::default()
    })
}

fn params(sizes: &[usize]) -> Vec<ResponseParameters> {
    sizes
        .iter()
        .map(|&n| ResponseParameters {
            size: n as i32,
            ..Default::default()
        })
        .collect()
}

async fn collect(
    mut s: Streaming<StreamingOutputCallResponse>,
) -> Result<Vec<StreamingOutputCallResponse>, Status> {
    let mut all = Vec::new();
    while let Some(m) = s.message().await? {
        all.push(m);
    }
    Ok(all)
}

async fn empty_unary(c: Client) -> Outcome {
    let resp = ok(c.empty_call(Empty::default()).await, "empty_unary")?;
    check(*resp.get_ref() == Empty::default(), || {
        "empty_unary: response is not empty".into()
    })
}

async fn large_unary(c: Client) -> Outcome {
    let resp = ok(c.unary_call(large_request()).await, "large_unary")?;
    check_zeros(resp.get_ref().payload.as_ref(), LARGE_RESP, "large_unary")
}

async fn client_compressed_unary(c: Client) -> Outcome {
    let probe = SimpleRequest {
        expect_compressed: bool_value(true),
        ..large_request()
    };
    expect_code(
        c.unary_call(probe.clone()).await,
        Code::INVALID_ARGUMENT,
        "client_compressed_unary probe",
    )?;
    let mut compressed = Request::new(probe);
    compressed.set_compression(Encoding::Gzip);
    let resp = ok(
        c.unary_call(compressed).await,
        "client_compressed_unary compressed",
    )?;
    check_zeros(resp.get_ref().payload.as_ref(), LARGE_RESP, "compressed")?;
    let plain = SimpleRequest {
        expect_compressed: bool_value(false),
        ..large_request()
    };
    let resp = ok(c.unary_call(plain).await, "client_compressed_unary plain")?;
    check_zeros(resp.get_ref().payload.as_ref(), LARGE_RESP, "uncompressed")
}

async fn server_compressed_unary(c: Client) -> Outcome {
    for compressed in [true, false] {
        let req = SimpleRequest {
            response_compressed: bool_value(compressed),
            ..large_request()
        };
        let what = format!("server_compressed_unary({compressed})");
        let resp = ok(c.unary_call(req).await, &what)?;
        check_flag(resp.last_message_compressed(), compressed, &what)?;
        check_zeros(resp.get_ref().payload.as_ref(), LARGE_RESP, &what)?;
    }
    Ok(())
}

fn input(size: usize, expect_compressed: Option<bool>) -> StreamingInputCallRequest {
    StreamingInputCallRequest {
        payload: Some(zeros(size)),
        expect_compressed: expect_compressed.and_then(bool_value),
        ..Default::default()
    }
}

async fn client_streaming(c: Client) -> Outcome {
    let reqs: Vec<_> = INPUT_SIZES.iter().map(|&n| input(n, None)).collect();
    let resp = ok(
        c.streaming_input_call(Request::new(iter(reqs))).await,
        "client_streaming",
    )?;
    let got = resp.get_ref().aggregated_payload_size;
    check(got == 74_922, || {
        format!("client_streaming: aggregated size {got}, expected 74922")
    })
}

async fn client_compressed_streaming(c: Client) -> Outcome {
    let probe = Request::new(iter(vec![input(27_182, Some(true))]));
    expect_code(
        c.streaming_input_call(probe).await,
        Code::INVALID_ARGUMENT,
        "client_compressed_streaming probe",
    )?;
    let reqs = vec![input(27_182, Some(true)), input(45_904, Some(false))];
    let mut req = Request::new(iter(reqs));
    req.set_compression(Encoding::Gzip);
    let resp = ok(
        c.streaming_input_call(req).await,
        "client_compressed_streaming",
    )?;
    let got = resp.get_ref().aggregated_payload_size;
    check(got == 73_086, || {
        format!("client_compressed_streaming: aggregated size {got}, expected 73086")
    })
}

async fn server_streaming(c: Client) -> Outcome {
    let req = StreamingOutputCallRequest {
        response_parameters: params(&OUTPUT_SIZES),
        ..Default::default()
    };
    let resp = ok(c.streaming_output_call(req).await, "server_streaming")?;
    let got = ok(collect(resp.into_inner()).await, "server_streaming")?;
    check(got.len() == 4, || {
        format!("server_streaming: {} responses, expected 4", got.len())
    })?;
    for (m, &n) in got.iter().zip(&OUTPUT_SIZES) {
        check_zeros(m.payload.as_ref(), n, "server_streaming")?;
    }
    Ok(())
}

async fn server_compressed_streaming(c: Client) -> Outcome {
    let req = StreamingOutputCallRequest {
        response_parameters: vec![
            ResponseParameters {
                size: 31_415,
                compressed: bool_value(true),
                ..Default::default()
            },
            ResponseParameters {
                size: 92_653,
                compressed: bool_value(false),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let what = "server_compressed_streaming";
    let mut resp = ok(c.streaming_output_call(req).await, what)?;
    let mut got = Vec::new();
    while let Some(m) = ok(resp.get_mut().message().await, what)? {
        got.push((m, resp.last_message_compressed()));
    }
    check(got.len() == 2, || {
        format!("{what}: {} responses, expected 2", got.len())
    })?;
    for (i, ((m, flag), (size, compressed))) in got
        .iter()
        .zip([(31_415, true), (92_653, false)])
        .enumerate()
    {
        let what = format!("{what} response {i}");
        check_flag(*flag, compressed, &what)?;
        check_zeros(m.payload.as_ref(), size, &what)?;
    }
    Ok(())
}

fn duplex_request(response_size: usize, payload: usize) -> StreamingOutputCallRequest {
    StreamingOutputCallRequest {
        response_parameters: params(&[response_size]),
        payload: Some(zeros(payload)),
        ..Default::default()
    }
}

async fn ping_pong(c: Client) -> Outcome {
    let (tx, stream) = channel_stream(4);
    let send = |m| {
        let tx = tx.clone();
        async move {
            tx.send(m)
                .await
                .map_err(|_| "ping_pong: request stream closed")
        }
    };
    // The first request goes out with the call (a server may answer headers only then).
    send(duplex_request(INPUT_SIZES[0], OUTPUT_SIZES[0])).await?;
    let mut responses =
        ok(c.full_duplex_call(Request::new(stream)).await, "ping_pong")?.into_inner();
    for i in 0..4 {
        if i > 0 {
            send(duplex_request(INPUT_SIZES[i], OUTPUT_SIZES[i])).await?;
        }
        let m = ok(responses.message().await, "ping_pong")?
            .ok_or_else(|| format!("ping_pong: no response {i}"))?;
        check_zeros(m.payload.as_ref(), INPUT_SIZES[i], "ping_pong")?;
    }
    drop(tx);
    let rest = ok(collect(responses).await, "ping_pong end")?;
    check(rest.is_empty(), || {
        format!("ping_pong: {} responses after half-close", rest.len())
    })
}

async fn empty_stream(c: Client) -> Outcome {
    let req = Request::new(iter(Vec::<StreamingOutputCallRequest>::new()));
    let resp = ok(c.full_duplex_call(req).await, "empty_stream")?;
    let got = ok(collect(resp.into_inner()).await, "empty_stream")?;
    check(got.is_empty(), || {
        format!("empty_stream: {} responses, expected none", got.len())
    })
}

const ECHO_INITIAL_VALUE: &str = "test_initial_metadata_value";
const ECHO_TRAILING_VALUE: &[u8] = &[0xab, 0xab, 0xab];

fn with_echo_metadata<T>(message: T) -> Request<T> {
    let mut req = Request::new(message);
    let md = req.metadata_mut();
    md.append(ECHO_INITIAL, ECHO_INITIAL_VALUE)
        .expect("valid key");
    md.append(ECHO_TRAILING, ECHO_TRAILING_VALUE)
        .expect("valid key");
    req
}

fn check_echo(
    initial: &courier_rpc::Metadata,
    trailing: Option<&courier_rpc::Metadata>,
    what: &str,
) -> Outcome {
    let i = initial.get(ECHO_INITIAL);
    check(i.is_some_and(|v| v == ECHO_INITIAL_VALUE), || {
        format!("custom_metadata {what}: initial metadata {i:?}")
    })?;
    let t = trailing.and_then(|t| t.get(ECHO_TRAILING));
    check(t.is_some_and(|v| v == ECHO_TRAILING_VALUE), || {
        format!("custom_metadata {what}: trailing metadata {t:?}")
    })
}

async fn custom_metadata(c: Client) -> Outcome {
    let resp = ok(
        c.unary_call(with_echo_metadata(large_request())).await,
        "custom_metadata unary",
    )?;
    check_zeros(
        resp.get_ref().payload.as_ref(),
        LARGE_RESP,
        "custom_metadata",
    )?;
    check_echo(resp.metadata(), Some(resp.trailers()), "unary")?;

    let req = duplex_request(LARGE_RESP, LARGE_REQ);
    let resp = ok(
        c.full_duplex_call(with_echo_metadata(iter(vec![req])))
            .await,
        "custom_metadata full duplex",
    )?;
    let (initial, mut responses) = resp.into_parts();
    let mut n = 0;
    while let Some(m) = ok(responses.message().await, "custom_metadata full duplex")? {
        check_zeros(
            m.payload.as_ref(),
            LARGE_RESP,
            "custom_metadata full duplex",
        )?;
        n += 1;
    }
    check(n == 1, || {
        format!("custom_metadata full duplex: {n} responses")
    })?;
    check_echo(&initial, responses.trailers(), "full duplex")
}

async fn status_case(c: &Client, message: &str, what: &str, duplex: bool) -> Outcome {
    let status = Some(EchoStatus {
        code: 2,
        message: message.to_owned(),
        ..Default::default()
    });
    let req = SimpleRequest {
        response_status: status.clone(),
        ..Default::default()
    };
    let s = expect_code(c.unary_call(req).await, Code::UNKNOWN, what)?;
    check(s.message() == message, || {
        format!("{what} unary: message {:?}", s.message())
    })?;
    if duplex {
        let req = StreamingOutputCallRequest {
            response_status: status,
            ..Default::default()
        };
        // The status may come at once (trailers only) or after the response headers.
        let result = match c.full_duplex_call(Request::new(iter(vec![req]))).await {
            Ok(resp) => collect(resp.into_inner()).await.map(drop),
            Err(s) => Err(s),
        };
        let s = expect_code(result, Code::UNKNOWN, what)?;
        check(s.message() == message, || {
            format!("{what} full duplex: message {:?}", s.message())
        })?;
    }
    Ok(())
}

async fn status_code_and_message(c: Client) -> Outcome {
    status_case(&c, "test status message", "status_code_and_message", true).await
}

async fn special_status_message(c: Client) -> Outcome {
    status_case(&c, SPECIAL_MESSAGE, "special_status_message", false).await
}

async fn unimplemented_method(c: Client) -> Outcome {
    expect_code(
        c.unimplemented_call(Empty::default()).await,
        Code::UNIMPLEMENTED,
        "unimplemented_method",
    )
    .map(drop)
}

async fn unimplemented_service(c: Client) -> Outcome {
    let other = UnimplementedServiceClient::new(c.transport().clone());
    expect_code(
        other.unimplemented_call(Empty::default()).await,
        Code::UNIMPLEMENTED,
        "unimplemented_service",
    )
    .map(drop)
}

/// After a cancelled call, the same connection still serves calls.
async fn still_serves(c: &Client, what: &str) -> Outcome {
    ok(c.empty_call(Empty::default()).await, what).map(drop)
}

async fn cancel_after_begin(c: Client) -> Outcome {
    let (tx, stream) = channel_stream::<StreamingInputCallRequest>(1);
    let call = c.streaming_input_call(Request::new(stream));
    // The call is under way (headers sent, no message): it must not complete on its own.
    match tokio::time::timeout(Duration::from_millis(200), call).await {
        Err(_elapsed) => {} // Still in flight; timing out dropped it: RST_STREAM(CANCEL).
        Ok(r) => return Err(format!("cancel_after_begin: the call completed: {r:?}")),
    }
    drop(tx);
    still_serves(&c, "cancel_after_begin: next call").await
}

async fn cancel_after_first_response(c: Client) -> Outcome {
    let (tx, stream) = channel_stream(1);
    tx.send(duplex_request(31_415, 27_182))
        .await
        .map_err(|_| "cancel_after_first_response: request stream closed")?;
    let what = "cancel_after_first_response";
    let mut responses = ok(c.full_duplex_call(Request::new(stream)).await, what)?.into_inner();
    let first = ok(responses.message().await, what)?.ok_or("no first response")?;
    check_zeros(first.payload.as_ref(), 31_415, what)?;
    // Cancel: drop the call while the request stream is still open.
    drop(responses);
    drop(tx);
    still_serves(&c, "cancel_after_first_response: next call").await
}

async fn timeout_on_sleeping_server(c: Client) -> Outcome {
    let (tx, stream) = channel_stream(1);
    let req = StreamingOutputCallRequest {
        payload: Some(zeros(27_182)),
        ..Default::default()
    };
    tx.send(req)
        .await
        .map_err(|_| "timeout_on_sleeping_server: request stream closed")?;
    let mut req = Request::new(stream);
    req.set_timeout(Duration::from_millis(1));
    let result = match c.full_duplex_call(req).await {
        Ok(resp) => collect(resp.into_inner()).await.map(drop),
        Err(s) => Err(s),
    };
    drop(tx);
    expect_code(
        result,
        Code::DEADLINE_EXCEEDED,
        "timeout_on_sleeping_server",
    )
    .map(drop)
}

/// How many calls concurrent_large_unary makes ("1000 large_unary tests in parallel").
pub const CONCURRENT_CALLS: usize = 1000;

async fn concurrent_large_unary(c: Client) -> Outcome {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENT_CALLS {
        let c = c.clone();
        set.spawn(async move { large_unary(c).await });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| format!("concurrent_large_unary: task failed: {e}"))??;
    }
    Ok(())
}
