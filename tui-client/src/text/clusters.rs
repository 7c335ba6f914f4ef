//! Grapheme clusters without the segmentation tables where they cannot
//! matter: printable ASCII (what most chat lines are) has one cluster per
//! byte, one cell wide, since no rule of UAX #29 joins two printable ASCII
//! characters (only CR LF, which are controls). Drawing a busy room spent
//! about a third of each frame segmenting and measuring such text.

use unicode_segmentation::{Graphemes, UnicodeSegmentation};

/// Whether every byte of `text` is printable ASCII (space to `~`).
pub fn printable_ascii(text: &str) -> bool {
    text.bytes().all(|byte| (b' '..=b'~').contains(&byte))
}

/// The extended grapheme clusters of `text`, in order.
pub fn clusters(text: &str) -> Clusters<'_> {
    if printable_ascii(text) {
        Clusters::Ascii(text)
    } else {
        Clusters::Unicode(text.graphemes(true))
    }
}

/// Iterator over the grapheme clusters of a string (see [`clusters`]).
#[derive(Debug, Clone)]
pub enum Clusters<'a> {
    /// Printable ASCII not yet walked: one cluster per byte.
    Ascii(&'a str),
    /// Anything else, segmented by UAX #29.
    Unicode(Graphemes<'a>),
}

impl<'a> Iterator for Clusters<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Clusters::Ascii(rest) => {
                if rest.is_empty() {
                    return None;
                }
                let (cluster, after) = rest.split_at(1);
                *rest = after;
                Some(cluster)
            }
            Clusters::Unicode(graphemes) => graphemes.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ascii_pair_segments_like_uax29() {
        // All 128 x 128 two-character ASCII strings, controls included.
        for a in 0u8..128 {
            for b in 0u8..128 {
                let text = String::from_utf8(vec![a, b]).unwrap_or_default();
                let fast: Vec<&str> = clusters(&text).collect();
                let tables: Vec<&str> = text.graphemes(true).collect();
                assert_eq!(fast, tables, "{:?}", text.as_bytes());
            }
        }
    }

    #[test]
    fn only_printable_ascii_takes_the_short_way() {
        assert!(matches!(clusters("hello, world ~"), Clusters::Ascii(_)));
        assert!(matches!(clusters("a\r\nb"), Clusters::Unicode(_)));
        assert!(matches!(clusters("e\u{301}"), Clusters::Unicode(_)));
        assert!(matches!(clusters("\u{7f}"), Clusters::Unicode(_)));
        let accented: Vec<&str> = clusters("ae\u{301}").collect();
        assert_eq!(accented, ["a", "e\u{301}"]);
    }
}
