//! Property: however the byte stream is cut into reads, the connection sees the same requests
//! and bodies (frames and field blocks straddling read boundaries).

mod support;

use std::time::Instant;

use bytes::Bytes;
use courier_h2::{Config, Connection, Event, Role};
use proptest::prelude::*;
use support::post;

/// Client output for `n` POST requests with the given body sizes, and what the server should see.
fn client_bytes(bodies: &[usize]) -> Vec<u8> {
    let mut client = Connection::new(Role::Client, Config::default(), Instant::now());
    for (i, &len) in bodies.iter().enumerate() {
        let id = client.open_stream(&post(&format!("/{i}")), false).unwrap();
        client
            .send_data(id, Bytes::from(vec![i as u8; len]), true)
            .unwrap();
    }
    let mut out = Vec::new();
    while let Some(b) = client.poll_transmit() {
        out.extend_from_slice(&b);
    }
    out
}

fn server_view(bytes: &[u8], cuts: &[usize]) -> Vec<(String, Vec<u8>)> {
    let mut server = Connection::new(Role::Server, Config::default(), Instant::now());
    let mut pos = 0;
    for &c in cuts {
        let end = (pos + c).min(bytes.len());
        server.handle_received(&bytes[pos..end]);
        pos = end;
    }
    server.handle_received(&bytes[pos..]);
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    let mut paths = std::collections::HashMap::new();
    while let Some(e) = server.poll_event() {
        match e {
            Event::Headers {
                stream_id, section, ..
            } => {
                let path = String::from_utf8(section.pseudo.path.unwrap().to_vec()).unwrap();
                paths.insert(stream_id, seen.len());
                seen.push((path, Vec::new()));
            }
            Event::Data {
                stream_id, data, ..
            } => seen[paths[&stream_id]].1.extend_from_slice(&data),
            Event::Reset { .. } | Event::Closed { .. } => panic!("{e:?}"),
            _ => {}
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_read_boundaries_give_the_same_messages(
        bodies in proptest::collection::vec(0usize..40_000, 1..6),
        cuts in proptest::collection::vec(1usize..3000, 0..200),
    ) {
        let bytes = client_bytes(&bodies);
        let whole = server_view(&bytes, &[]);
        let cut = server_view(&bytes, &cuts);
        prop_assert_eq!(whole.len(), bodies.len());
        for (i, (path, body)) in whole.iter().enumerate() {
            prop_assert_eq!(path, &format!("/{i}"));
            // What fits the default 65,535-octet initial windows before any WINDOW_UPDATE.
            prop_assert!(body.iter().all(|&b| b == i as u8));
        }
        prop_assert_eq!(whole, cut);
    }
}
