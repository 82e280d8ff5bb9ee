//! A plain-text HTTP/2 client (prior knowledge) on the courier-h2 tokio driver.
//!
//! `cargo run -p courier-h2 --example h2_client -- --port 8080 [--post TEXT] [PATH]`
//!
//! Sends GET PATH (default `/`), or POST with the given body, and prints the status and body.

use bytes::Bytes;
use courier_h2::Config;
use courier_h2::driver;
use courier_hpack::HeaderField;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 8080u16;
    let mut post = None;
    let mut path = "/".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().ok_or("--port takes a number")?.parse()?,
            "--post" => post = Some(args.next().ok_or("--post takes a body")?),
            p => path = p.to_owned(),
        }
    }
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    let (client, connection) = driver::client(tcp, Config::default());
    let conn = tokio::spawn(connection);
    let authority = format!("127.0.0.1:{port}");
    let headers = vec![
        HeaderField::new(":method", if post.is_some() { "POST" } else { "GET" }),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":authority", authority),
        HeaderField::new(":path", path),
    ];
    let (mut send, mut recv) = client.send_request(headers, post.is_none()).await?;
    if let Some(body) = post {
        send.send_data(Bytes::from(body), true).await?;
    }
    let (head, _) = recv.response().await?;
    let body = recv.collect().await?;
    println!("status: {}", head.pseudo.status.unwrap_or(0));
    println!("{}", String::from_utf8_lossy(&body));
    client.shutdown();
    conn.await??;
    Ok(())
}
