//! A hand-driven HTTP/2 server end for tests that must answer a request with frames a real
//! server would not send (a GOAWAY before any answer, an answer then a close).

use courier_h2::frame::{Frame, FrameDecoder, FrameEncoder, Settings, StreamId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads the client's preface, sends empty SETTINGS and the ACK of the client's, then reads
/// frames until the first request's HEADERS: its stream, or `None` if the client closed first.
pub(crate) async fn accept_until_headers(
    io: &mut TcpStream,
    enc: &FrameEncoder,
) -> Option<StreamId> {
    let mut out = bytes::BytesMut::new();
    let mut preface = [0u8; 24];
    io.read_exact(&mut preface).await.ok()?;
    let settings = Settings {
        ack: false,
        settings: Vec::new(),
    };
    enc.encode(&Frame::Settings(settings), &mut out).unwrap();
    enc.encode(&Frame::Settings(Settings::ack()), &mut out)
        .unwrap();
    io.write_all(&out).await.ok()?;
    let dec = FrameDecoder::new();
    let mut buf = bytes::BytesMut::new();
    loop {
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            if let Frame::Headers(h) = f {
                return Some(h.stream_id);
            }
        }
        if io.read_buf(&mut buf).await.unwrap_or(0) == 0 {
            return None;
        }
    }
}
