//! Huffman codings of the strings every gRPC call sends, computed at compile time: the encoder
//! copies them instead of coding them again (part of its fast path for gRPC headers).

use crate::huffman::{encode_const, encoded_len_const};

macro_rules! precoded {
    ($($s:literal),* $(,)?) => {
        /// The Huffman coding of `s`, if it is one of the precoded strings.
        #[inline]
        pub(crate) fn huffman(s: &[u8]) -> Option<&'static [u8]> {
            match s {
                $($s => {
                    const LEN: usize = encoded_len_const($s);
                    const CODED: [u8; LEN] = encode_const::<LEN>($s);
                    Some(&CODED)
                })*
                _ => None,
            }
        }

        #[cfg(test)]
        const ALL: &[&[u8]] = &[$($s),*];
    };
}

// Only strings that Huffman coding makes shorter: the encoder uses these under every policy
// but `Huffman::Never`.
precoded!(
    b"trailers",
    b"application/grpc",
    b"application/grpc+proto",
    b"grpc-timeout",
    b"grpc-encoding",
    b"grpc-accept-encoding",
    b"grpc-status",
    b"grpc-message",
    b"identity",
    b"identity,deflate,gzip",
    b"gzip",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precoded_strings_match_the_encoder_and_are_shorter() {
        for s in ALL {
            let mut v = Vec::new();
            crate::huffman::encode(s, &mut v);
            assert_eq!(huffman(s), Some(&v[..]));
            assert!(v.len() < s.len(), "{}", String::from_utf8_lossy(s));
        }
        assert_eq!(huffman(b"te"), None);
    }
}
