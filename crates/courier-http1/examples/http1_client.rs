//! An HTTP/1.1 client on the courier-http1 tokio driver: sends the requests named on the
//! command line, one after another, on one keep-alive connection, and prints each response.
//!
//! `cargo run -p courier-http1 --example http1_client -- --port 8080 / /stream`

use courier_http1::driver::{self, Body};
use courier_http1::{Config, Method, RequestHead};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 8080u16;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port takes a number")?;
            }
            p => paths.push(p.to_owned()),
        }
    }
    if paths.is_empty() {
        paths.push("/".to_owned());
    }
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    let (client, connection) = driver::client(tcp, Config::default());
    let conn = tokio::spawn(connection);
    for path in paths {
        let mut head = RequestHead::new(Method::GET, path.clone());
        head.headers.append("host", format!("127.0.0.1:{port}"));
        let mut resp = client.send(head, Body::empty()).await?;
        let body = resp.body.collect().await?;
        println!("{path}: status: {}", resp.head.status);
        for f in &resp.head.headers {
            println!("  {f:?}");
        }
        print!("{}", String::from_utf8_lossy(&body));
        if let Some(t) = resp.body.trailers() {
            println!("  trailers: {t:?}");
        }
    }
    drop(client);
    conn.await??;
    Ok(())
}
