//! A page and its assets, the assets pushed with the page (RFC 9113 §8.4): the code of the
//! `h2_push_server` example, also run by tests/push.rs (against nghttp).

use bytes::Bytes;
use courier_h2::driver::{self, Error, Incoming, SendStream};
use courier_h2::{CommandErrorKind, Config};
use courier_hpack::HeaderField;
use tokio::io::{AsyncRead, AsyncWrite};

/// The page: it refers to both assets.
pub(crate) const PAGE: &str = "<!doctype html>\n<html><head><link rel=\"stylesheet\" href=\"/style.css\">\
<script src=\"/app.js\" defer></script></head><body><h1>pushed</h1></body></html>\n";

/// The assets, with their content types.
pub(crate) const ASSETS: [(&str, &str, &str); 2] = [
    ("/style.css", "text/css", "h1 { color: teal; }\n"),
    ("/app.js", "text/javascript", "document.title = 'pushed';\n"),
];

/// Serves one HTTP/2 connection.
pub(crate) async fn serve<T>(io: T)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut server, connection) = driver::server(io, Config::default());
    tokio::spawn(connection);
    while let Some(req) = server.accept().await {
        tokio::spawn(handle(req));
    }
}

fn response_head(content_type: &str, len: usize) -> Vec<HeaderField> {
    vec![
        HeaderField::new(":status", "200"),
        HeaderField::new("content-type", content_type.to_owned()),
        HeaderField::new("content-length", len.to_string()),
    ]
}

/// Sends a whole response on `stream`.
async fn respond(
    stream: &mut SendStream,
    content_type: &str,
    body: &'static str,
) -> Result<(), Error> {
    stream.send_headers(response_head(content_type, body.len()), false)?;
    stream
        .send_data(Bytes::from_static(body.as_bytes()), true)
        .await
}

async fn handle(mut req: Incoming) {
    let path = req.request.pseudo.path.clone().unwrap_or_default();
    let authority = req
        .request
        .pseudo
        .authority
        .clone()
        .unwrap_or_else(|| Bytes::from_static(b"localhost"));
    let scheme = req
        .request
        .pseudo
        .scheme
        .clone()
        .unwrap_or_else(|| Bytes::from_static(b"http"));
    let result = match &path[..] {
        b"/" => {
            // The promises go before the page that refers to the assets (RFC 9113 §8.4: "The
            // server SHOULD send PUSH_PROMISE frames prior to sending any frames that
            // reference the promised responses").
            let mut pushed = Vec::new();
            for (asset, content_type, body) in ASSETS {
                let request = vec![
                    HeaderField::new(":method", "GET"),
                    HeaderField::new(":scheme", scheme.clone()),
                    HeaderField::new(":authority", authority.clone()),
                    HeaderField::new(":path", asset),
                ];
                match req.respond.push(request).await {
                    Ok(stream) => pushed.push((stream, content_type, body)),
                    // The client turned push off (or has no room for more streams): it
                    // will ask for the asset itself.
                    Err(Error::Command(e))
                        if matches!(
                            e.kind(),
                            CommandErrorKind::PushDisabled | CommandErrorKind::ConcurrencyLimit
                        ) => {}
                    Err(e) => return eprintln!("push {asset}: {e}"),
                }
            }
            let page = respond(&mut req.respond, "text/html; charset=utf-8", PAGE).await;
            for (mut stream, content_type, body) in pushed {
                // A client that refused the push has reset the stream: nothing to send.
                let _ = respond(&mut stream, content_type, body).await;
            }
            page
        }
        p => match ASSETS.iter().find(|(a, _, _)| a.as_bytes() == p) {
            Some((_, content_type, body)) => respond(&mut req.respond, content_type, body).await,
            None => req
                .respond
                .send_headers(vec![HeaderField::new(":status", "404")], true),
        },
    };
    if let Err(e) = result {
        eprintln!("stream {}: {e}", req.stream_id);
    }
}
