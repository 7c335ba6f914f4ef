//! natterd's line codec: bytes in any chunking frame into lines within the
//! limits, never containing LF, and nothing is buffered beyond one line.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use natterd::net::codec::{Inbound, LineCodec};
use tokio_util::codec::Decoder;

const MAX_TAGS: usize = 64;
const MAX_BODY: usize = 32;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses the chunk size, the rest is the stream.
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk % 16) + 1;
    let mut codec = LineCodec::with_limits(MAX_TAGS, MAX_BODY);
    let mut buffer = BytesMut::new();
    let mut framed = Vec::new();
    for piece in stream.chunks(chunk) {
        buffer.extend_from_slice(piece);
        while let Some(item) = codec.decode(&mut buffer).expect("decode never fails") {
            framed.push(item);
        }
        assert!(
            buffer.len() <= MAX_TAGS + MAX_BODY + 2 + chunk,
            "{} bytes buffered",
            buffer.len()
        );
    }
    while let Some(item) = codec.decode_eof(&mut buffer).expect("decode never fails") {
        framed.push(item);
    }
    let lines = framed
        .iter()
        .filter(|item| matches!(item, Inbound::Line(_)));
    for item in lines {
        let Inbound::Line(line) = item else { continue };
        // Only the CR of the terminator is taken off: in `a\r\r\n` the first
        // CR is content (IRC's parser trims it, the plain dialect's sanitiser
        // drops it), so a line may end in CR, but never holds a LF.
        assert!(!line.contains(&b'\n'), "{line:?}");
        let body = match line.first() {
            Some(b'@') => match line.iter().position(|&b| b == b' ') {
                Some(space) => {
                    assert!(space < MAX_TAGS, "{line:?}");
                    line.len() - space - 1
                }
                None => {
                    assert!(line.len() <= MAX_TAGS, "{line:?}");
                    0
                }
            },
            _ => line.len(),
        };
        assert!(body <= MAX_BODY, "{line:?}");
    }
    // Every LF ends exactly one item; an unterminated tail may add one more.
    let newlines = stream.iter().filter(|&&b| b == b'\n').count();
    assert!(framed.len() == newlines || framed.len() == newlines + 1);
});
