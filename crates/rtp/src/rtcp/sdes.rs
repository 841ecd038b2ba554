//! SDES chunks (RFC 3550 §6.5), parsed and written here rather than by `rtc-rtcp`: its item
//! type enum maps every type above 8 to END, which cuts the chunk short and misaligns the rest
//! of the packet (RFC 3550 §6.5 leaves room for new types, e.g. RFC 6776's APSI = 10), and it
//! writes the chunk's trailing pad with a non-zero count octet where §6.5 requires nulls.

use bytes::Bytes;

use crate::RtpError;

/// SDES item type CNAME (RFC 3550 §6.5.1).
pub const SDES_CNAME: u8 = 1;
/// RTCP packet type SDES.
pub(super) const PT_SDES: u8 = 202;

/// One SDES item: its type and text (UTF-8 by the RFC, kept as bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// Item type, 1-255 (1 = CNAME).
    pub kind: u8,
    /// Item text, at most 255 bytes.
    pub text: Bytes,
}

/// The items describing one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its items, in order.
    pub items: Vec<SdesItem>,
}

fn malformed(reason: &'static str) -> RtpError {
    RtpError::RtcpMalformed {
        packet_type: PT_SDES,
        reason,
    }
}

/// Parses `count` chunks from an SDES body (the bytes after the 4-byte header, padding
/// removed). Bytes after the last chunk are ignored.
pub(super) fn parse_chunks(body: &Bytes, count: u8) -> Result<Vec<SdesChunk>, RtpError> {
    let mut chunks = Vec::with_capacity(usize::from(count));
    let mut at = 0usize;
    for _ in 0..count {
        let Some(&[a, b, c, d]) = body.get(at..at + 4) else {
            return Err(malformed("chunk SSRC past the end"));
        };
        at += 4;
        let mut items = Vec::new();
        loop {
            let Some(&kind) = body.get(at) else {
                return Err(malformed("chunk not terminated by a null octet"));
            };
            if kind == 0 {
                // The null item ends the list; skip to the next 32-bit boundary.
                at = (at + 4) & !3;
                break;
            }
            let Some(&len) = body.get(at + 1) else {
                return Err(malformed("item length past the end"));
            };
            let start = at + 2;
            let end = start + usize::from(len);
            if end > body.len() {
                return Err(malformed("item text past the end"));
            }
            items.push(SdesItem {
                kind,
                text: body.slice(start..end),
            });
            at = end;
        }
        chunks.push(SdesChunk {
            ssrc: u32::from_be_bytes([a, b, c, d]),
            items,
        });
    }
    Ok(chunks)
}

/// Bytes the chunks take on the wire (a multiple of 4).
pub(super) fn chunks_len(chunks: &[SdesChunk]) -> usize {
    chunks
        .iter()
        .map(|c| {
            let items: usize = c.items.iter().map(|i| 2 + i.text.len()).sum();
            (4 + items + 4) & !3
        })
        .sum()
}

/// Appends the chunks: items, then one to four null octets up to the next 32-bit boundary.
pub(super) fn write_chunks(chunks: &[SdesChunk], out: &mut Vec<u8>) -> Result<(), RtpError> {
    for chunk in chunks {
        for item in &chunk.items {
            if item.kind == 0 {
                return Err(malformed("item type 0 is the list terminator"));
            }
            if item.text.len() > 255 {
                let value = item.text.len();
                return Err(RtpError::RtcpFieldOverflow {
                    what: "SDES text length",
                    value,
                });
            }
        }
    }
    for chunk in chunks {
        let start = out.len();
        out.extend_from_slice(&chunk.ssrc.to_be_bytes());
        for item in &chunk.items {
            out.push(item.kind);
            out.push(item.text.len() as u8);
            out.extend_from_slice(&item.text);
        }
        let used = out.len() - start;
        out.resize(start + ((used + 4) & !3), 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(ssrc: u32, items: &[(u8, &'static str)]) -> SdesChunk {
        let items = items.iter().map(|(k, t)| SdesItem {
            kind: *k,
            text: Bytes::from_static(t.as_bytes()),
        });
        SdesChunk {
            ssrc,
            items: items.collect(),
        }
    }

    #[test]
    fn writes_nulls_to_the_boundary_and_reads_back() {
        let chunks = vec![
            chunk(7, &[(SDES_CNAME, "ab")]),
            chunk(8, &[(1, "abcd"), (10, "x")]),
        ];
        let mut out = Vec::new();
        write_chunks(&chunks, &mut out).unwrap();
        // 4 + 2 + 2 = 8, then 4 nulls; 4 + 6 + 3 = 13, then 3 nulls.
        assert_eq!(out.len(), 12 + 16);
        assert_eq!(&out[8..12], &[0, 0, 0, 0]);
        assert_eq!(&out[25..28], &[0, 0, 0]);
        assert_eq!(chunks_len(&chunks), out.len());
        assert_eq!(parse_chunks(&Bytes::from(out), 2).unwrap(), chunks);
    }

    #[test]
    fn unknown_item_types_do_not_end_the_chunk() {
        // APSI (10) before CNAME, which rtc-rtcp would read as the end of the list.
        let body = Bytes::from_static(&[0, 0, 0, 5, 10, 1, b'z', 1, 1, b'c', 0, 0]);
        let chunks = parse_chunks(&body, 1).unwrap();
        assert_eq!(chunks, vec![chunk(5, &[(10, "z"), (1, "c")])]);
    }

    #[test]
    fn truncated_chunks_are_errors() {
        let e = |b: &'static [u8], n| parse_chunks(&Bytes::from_static(b), n).unwrap_err();
        assert_eq!(e(&[0, 0, 0], 1), malformed("chunk SSRC past the end"));
        assert_eq!(
            e(&[0, 0, 0, 1, 1], 1),
            malformed("item length past the end")
        );
        assert_eq!(
            e(&[0, 0, 0, 1, 1, 5, b'a'], 1),
            malformed("item text past the end")
        );
        assert_eq!(
            e(&[0, 0, 0, 1, 1, 1, b'a'], 1),
            malformed("chunk not terminated by a null octet")
        );
        assert_eq!(
            e(&[0, 0, 0, 1, 0, 0, 0, 0], 2),
            malformed("chunk SSRC past the end")
        );
    }

    #[test]
    fn refuses_unwritable_items() {
        let mut out = Vec::new();
        let long = SdesItem {
            kind: 1,
            text: Bytes::from(vec![b'a'; 256]),
        };
        let err = write_chunks(
            &[SdesChunk {
                ssrc: 1,
                items: vec![long],
            }],
            &mut out,
        );
        assert_eq!(
            err,
            Err(RtpError::RtcpFieldOverflow {
                what: "SDES text length",
                value: 256
            })
        );
        let end = SdesItem {
            kind: 0,
            text: Bytes::new(),
        };
        let err = write_chunks(
            &[SdesChunk {
                ssrc: 1,
                items: vec![end],
            }],
            &mut out,
        );
        assert_eq!(err, Err(malformed("item type 0 is the list terminator")));
        assert!(out.is_empty());
    }
}
