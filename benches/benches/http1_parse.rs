//! HTTP/1.1 head parsing: courier-http1's parser side by side with `httparse` (the parser
//! hyper uses), in the same run — the measurement behind the choice of parser in
//! docs/architecture.md.
//!
//! Both sides do the same work per iteration: copy the head into a reused buffer (courier's
//! parser lowercases field names in place, so it needs its own copy; httparse gets the same
//! copy for fairness), find the end of the head, validate the start-line and every field line,
//! and record where the method, target and each name and value are. Neither allocates.
//!
//! Rows (criterion groups `http1_parse/ROW`, functions `courier` and `httparse`):
//! - `curl_get`: what `curl` sends for a GET (3 fields, 78 octets);
//! - `browser_get`: a browser navigation (12 fields, ~700 octets);
//! - `grpc_web_post`: a gRPC-Web call from a browser (13 fields, ~600 octets);
//! - `response_chunked`: a response head with 6 fields (the client side).

use std::hint::black_box;

use courier_http1::{Limits, RawRequest, RawResponse, parse_request, parse_response};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CURL_GET: &[u8] =
    b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

const BROWSER_GET: &[u8] = b"GET /docs/guide/getting-started?lang=en&theme=dark HTTP/1.1\r\n\
Host: www.example.com\r\n\
Connection: keep-alive\r\n\
Cache-Control: max-age=0\r\n\
sec-ch-ua: \"Chromium\";v=\"122\", \"Not(A:Brand\";v=\"24\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Upgrade-Insecure-Requests: 1\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: session=8f3b2c9d1e7a4f6b; theme=dark; consent=yes\r\n\r\n";

const GRPC_WEB_POST: &[u8] = b"POST /helloworld.Greeter/SayHello HTTP/1.1\r\n\
Host: api.example.com\r\n\
Connection: keep-alive\r\n\
Content-Length: 12\r\n\
Content-Type: application/grpc-web+proto\r\n\
X-Grpc-Web: 1\r\n\
X-User-Agent: grpc-web-javascript/0.1\r\n\
Accept: application/grpc-web+proto\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\r\n\
Origin: https://app.example.com\r\n\
Sec-Fetch-Mode: cors\r\n\
Referer: https://app.example.com/\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Accept-Language: en-US,en;q=0.9\r\n\r\n";

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
Content-Type: application/grpc-web+proto\r\n\
Transfer-Encoding: chunked\r\n\
Access-Control-Allow-Origin: https://app.example.com\r\n\
Access-Control-Expose-Headers: grpc-status, grpc-message\r\n\
Vary: Origin\r\n\r\n";

fn request_row(c: &mut Criterion, row: &str, input: &'static [u8]) {
    let mut g = c.benchmark_group(format!("http1_parse/{row}"));
    g.throughput(Throughput::Bytes(input.len() as u64));
    let limits = Limits::default();
    let mut buf = vec![0u8; input.len()];
    let mut raw = RawRequest::default();
    g.bench_function("courier", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(input));
            let n = parse_request(&mut buf, &limits, &mut raw).unwrap().unwrap();
            black_box((n, raw.fields.len(), &raw.target));
        })
    });
    let mut buf = vec![0u8; input.len()];
    g.bench_function("httparse", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(input));
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            let n = req.parse(&buf).unwrap().unwrap();
            black_box((n, req.headers.len(), req.path));
        })
    });
    g.finish();
}

fn response_row(c: &mut Criterion) {
    let mut g = c.benchmark_group("http1_parse/response_chunked");
    g.throughput(Throughput::Bytes(RESPONSE.len() as u64));
    let limits = Limits::default();
    let mut buf = vec![0u8; RESPONSE.len()];
    let mut raw = RawResponse::default();
    g.bench_function("courier", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(RESPONSE));
            let n = parse_response(&mut buf, &limits, &mut raw)
                .unwrap()
                .unwrap();
            black_box((n, raw.fields.len(), raw.status));
        })
    });
    let mut buf = vec![0u8; RESPONSE.len()];
    g.bench_function("httparse", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(RESPONSE));
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            let n = resp.parse(&buf).unwrap().unwrap();
            black_box((n, resp.headers.len(), resp.code));
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    request_row(c, "curl_get", CURL_GET);
    request_row(c, "browser_get", BROWSER_GET);
    request_row(c, "grpc_web_post", GRPC_WEB_POST);
    response_row(c);
}

criterion_group!(parse, benches);
criterion_main!(parse);
