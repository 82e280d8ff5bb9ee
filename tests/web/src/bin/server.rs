//! `web-test-server [--port P] [--cors-port Q] [--plain-port R] [--site DIR] [--gzip]`: the
//! WebTest service on every protocol at 127.0.0.1:P (and the files of DIR); with
//! `--cors-port`, the same server at 127.0.0.1:Q too, where pages of P's origin may call it
//! (CORS); with `--plain-port`, a server at 127.0.0.1:R that lets no other origin call it.
//! Port 0 picks a free one. Prints `listening port=P [cors=Q] [plain=R]` once ready; runs until
//! killed.

use std::path::PathBuf;

use courier_web_test::Options;
use tokio::net::TcpListener;

fn usage() -> ! {
    panic!(
        "usage: web-test-server [--port P] [--cors-port Q] [--plain-port R] [--site DIR] [--gzip]"
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut port = 0u16;
    let mut cors_port: Option<u16> = None;
    let mut plain_port: Option<u16> = None;
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--cors-port" => cors_port = Some(value().parse().unwrap_or_else(|_| usage())),
            "--plain-port" => plain_port = Some(value().parse().unwrap_or_else(|_| usage())),
            "--site" => options.site = Some(PathBuf::from(value())),
            "--gzip" => options.gzip = true,
            _ => usage(),
        }
    }
    let main = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = main.local_addr()?.port();
    let mut line = format!("listening port={port}");
    let plain = match plain_port {
        Some(r) => {
            let l = TcpListener::bind(("127.0.0.1", r)).await?;
            line.push_str(&format!(" plain={}", l.local_addr()?.port()));
            let plain_options = Options {
                gzip: options.gzip,
                ..Options::default()
            };
            Some((l, courier_web_test::server(&plain_options)))
        }
        None => None,
    };
    let cors = match cors_port {
        Some(q) => {
            options.cors_origins = vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ];
            let l = TcpListener::bind(("127.0.0.1", q)).await?;
            line.push_str(&format!(" cors={}", l.local_addr()?.port()));
            Some(l)
        }
        None => None,
    };
    let server = courier_web_test::server(&options);
    if let Some(l) = cors {
        tokio::spawn(server.clone().serve(l));
    }
    if let Some((l, s)) = plain {
        tokio::spawn(s.serve(l));
    }
    println!("{line}");
    server.serve(main).await
}
