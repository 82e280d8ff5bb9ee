//! HTTP/2 server push on the courier-h2 tokio driver: `GET /` answers a page and pushes the
//! stylesheet and script it refers to (RFC 9113 §8.4), to clients that allow push.
//!
//! `cargo run -p courier-h2 --example h2_push_server -- --port 8080`, then
//! `nghttp -nv http://127.0.0.1:8080/` shows the PUSH_PROMISE frames and the pushed streams
//! (even stream identifiers). tests/push.rs runs the same code against nghttp.

#[path = "push/site.rs"]
mod site;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut port = 8080u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port takes a number");
            }
            other => panic!("unknown argument {other} (usage: h2_push_server [--port N])"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("h2_push_server listening on {}", listener.local_addr()?);
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(site::serve(tcp));
    }
}
