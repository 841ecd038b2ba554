//! Tests for compound RTCP: golden bytes, every error, `rtc-rtcp` findings, round trips.

use super::*;
use proptest::prelude::*;

/// SR (1 report block) + SDES CNAME "cb@host" + BYE "done", as a SIP endpoint sends them.
fn sr_sdes_bye() -> Vec<u8> {
    let mut v = vec![
        0x81, 200, 0, 12, // V=2 RC=1 SR, 13 words
        0, 0, 0x30, 0x39, // SSRC 12345
        0xE9, 0xA1, 0x2B, 0x00, 0x80, 0, 0, 0, // NTP
        0, 0, 0x1F, 0x40, // RTP ts 8000
        0, 0, 0, 50, // packets
        0, 0, 0x1F, 0x40, // octets 8000
        0, 0, 0xD4, 0x31, // report: SSRC 54321
        0x19, 0xFF, 0xFF, 0xFE, // fraction 25, cumulative -2
        0, 1, 0, 5, // ext highest: cycle 1, seq 5
        0, 0, 0, 11, // jitter
        0x2B, 0, 0x80, 0, // LSR
        0, 1, 0, 0, // DLSR 1 s
    ];
    v.extend_from_slice(&[0x81, 202, 0, 4, 0, 0, 0x30, 0x39, 1, 7]);
    v.extend_from_slice(b"cb@host");
    v.extend_from_slice(&[0, 0, 0]); // 4 + 2 + 7 = 13, pad to 16
    v.extend_from_slice(&[0x81, 203, 0, 3, 0, 0, 0x30, 0x39, 4]);
    v.extend_from_slice(b"done");
    v.extend_from_slice(&[0, 0, 0]);
    v
}

#[test]
fn parses_sr_sdes_bye_and_writes_the_same_bytes() {
    let raw = sr_sdes_bye();
    let packets = parse_compound(&raw).unwrap();
    let RtcpPacket::SenderReport(sr) = &packets[0] else {
        panic!("{packets:?}")
    };
    assert_eq!(sr.ssrc, 12345);
    assert_eq!(
        sr.info,
        SenderInfo {
            ntp_time: 0xE9A1_2B00_8000_0000,
            rtp_time: 8000,
            packet_count: 50,
            octet_count: 8000
        }
    );
    let block = ReportBlock {
        ssrc: 54321,
        fraction_lost: 25,
        cumulative_lost: -2,
        extended_highest_seq: 0x0001_0005,
        jitter: 11,
        last_sr: 0x2B00_8000,
        delay_since_last_sr: 65536,
    };
    assert_eq!(sr.reports, vec![block]);
    let RtcpPacket::SourceDescription(chunks) = &packets[1] else {
        panic!("{packets:?}")
    };
    assert_eq!(&chunks[0].items[0].text[..], b"cb@host");
    assert_eq!(
        packets[2],
        RtcpPacket::Bye(Bye {
            sources: vec![12345],
            reason: Bytes::from_static(b"done")
        })
    );
    assert_eq!(serialize_compound(&packets).unwrap(), raw);
}

#[test]
fn rr_blocks_and_unknown_types_round_trip() {
    let mut raw = vec![0x82, 201, 0, 13, 0, 0, 0, 1];
    for ssrc in [2u8, 3] {
        raw.extend_from_slice(&[
            0, 0, 0, ssrc, 0, 0, 0, 9, 0, 0, 0x10, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
    }
    raw.extend_from_slice(&[0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]); // PSFB PLI
    raw.extend_from_slice(&[0x80, 204, 0, 2, 0, 0, 0, 1, b'n', b'a', b'm', b'e']); // APP
    let packets = parse_compound(&raw).unwrap();
    let RtcpPacket::ReceiverReport(rr) = &packets[0] else {
        panic!("{packets:?}")
    };
    assert_eq!(
        rr.reports
            .iter()
            .map(|b| (b.ssrc, b.cumulative_lost))
            .collect::<Vec<_>>(),
        vec![(2, 9), (3, 9)]
    );
    let RtcpPacket::Unknown(pli) = &packets[1] else {
        panic!("{packets:?}")
    };
    assert_eq!((pli.packet_type, pli.count, pli.body.len()), (206, 1, 8));
    assert!(matches!(&packets[2], RtcpPacket::Unknown(u) if u.packet_type == 204));
    assert_eq!(serialize_compound(&packets).unwrap(), raw);
}

#[test]
fn padding_on_the_last_packet_is_removed() {
    // RR without blocks, then 4 padding octets (count 4) under the P bit.
    let raw = [0xA0, 201, 0, 2, 0, 0, 0, 7, 0, 0, 0, 4];
    let packets = parse_compound(&raw).unwrap();
    let rr = ReceiverReport {
        ssrc: 7,
        reports: vec![],
        profile_extensions: Bytes::new(),
    };
    assert_eq!(packets, vec![RtcpPacket::ReceiverReport(rr)]);
}

#[test]
fn every_framing_error_is_precise() {
    assert_eq!(parse_compound(&[]), Err(RtpError::RtcpTooShort { len: 0 }));
    assert_eq!(
        parse_compound(&[0x80, 201, 0]),
        Err(RtpError::RtcpTooShort { len: 3 })
    );
    assert_eq!(
        parse_compound(&[0x40, 201, 0, 0]),
        Err(RtpError::BadVersion(1))
    );
    assert_eq!(
        parse_compound(&[0x80, 201, 0, 1, 0, 0]),
        Err(RtpError::RtcpLengthOverrun {
            declared: 8,
            available: 6
        })
    );
    assert_eq!(
        parse_compound(&[0xA0, 201, 0, 1, 0, 0, 0, 0]),
        Err(RtpError::ZeroPadding)
    );
    assert_eq!(
        parse_compound(&[0xA0, 201, 0, 1, 0, 0, 0, 5]),
        Err(RtpError::PaddingOverrun {
            padding: 5,
            available: 4
        })
    );
    let sr_short = [
        0x81, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(
        parse_compound(&sr_short),
        Err(RtpError::RtcpMalformed {
            packet_type: 200,
            reason: "report blocks past the end"
        })
    );
    let rr_short = [0x81, 201, 0, 1, 0, 0, 0, 1];
    assert_eq!(
        parse_compound(&rr_short),
        Err(RtpError::RtcpMalformed {
            packet_type: 201,
            reason: "report blocks past the end"
        })
    );
    let bye_short = [0x82, 203, 0, 1, 0, 0, 0, 1];
    assert_eq!(
        parse_compound(&bye_short),
        Err(RtpError::RtcpMalformed {
            packet_type: 203,
            reason: "sources past the end"
        })
    );
    let bye_reason = [0x81, 203, 0, 2, 0, 0, 0, 1, 9, b'a', b'b', b'c'];
    assert_eq!(
        parse_compound(&bye_reason),
        Err(RtpError::RtcpMalformed {
            packet_type: 203,
            reason: "reason past the end"
        })
    );
    // A good first packet does not save a bad second one.
    let mut two = sr_sdes_bye();
    two.extend_from_slice(&[0x80, 201]);
    assert_eq!(parse_compound(&two), Err(RtpError::RtcpTooShort { len: 2 }));
}

#[test]
fn refuses_unwritable_packets_and_leaves_out_untouched() {
    let block = ReportBlock::default();
    let rr = ReceiverReport {
        ssrc: 1,
        reports: vec![block; 32],
        profile_extensions: Bytes::new(),
    };
    let mut out = vec![1, 2];
    let packets = [
        RtcpPacket::Bye(Bye {
            sources: vec![1],
            reason: Bytes::new(),
        }),
        RtcpPacket::ReceiverReport(rr),
    ];
    assert_eq!(
        write_compound(&packets, &mut out),
        Err(RtpError::RtcpFieldOverflow {
            what: "report count",
            value: 32
        })
    );
    assert_eq!(out, vec![1, 2]);
    let reason = Bytes::from(vec![b'x'; 256]);
    let bye = RtcpPacket::Bye(Bye {
        sources: vec![],
        reason,
    });
    assert_eq!(
        bye.write_into(&mut out),
        Err(RtpError::RtcpFieldOverflow {
            what: "BYE reason length",
            value: 256
        })
    );
}

#[test]
fn cumulative_lost_is_clamped_to_24_bits_on_write() {
    let mut block = ReportBlock {
        cumulative_lost: 10_000_000,
        ..Default::default()
    };
    let rr = |b| {
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 1,
            reports: vec![b],
            profile_extensions: Bytes::new(),
        })
    };
    let back = |p: RtcpPacket| match &parse_compound(&serialize_compound(&[p]).unwrap()).unwrap()[0]
    {
        RtcpPacket::ReceiverReport(r) => r.reports[0].cumulative_lost,
        other => panic!("{other:?}"),
    };
    assert_eq!(back(rr(block)), 0x7F_FFFF);
    block.cumulative_lost = -10_000_000;
    assert_eq!(back(rr(block)), -0x80_0000);
}

/// Pins the `rtc-rtcp` behaviour the module doc gives as reasons for our own SDES and BYE.
#[test]
fn rtc_rtcp_findings_still_hold() {
    use rtc_rtcp::source_description::SourceDescription;
    let bye = Goodbye {
        sources: vec![1],
        reason: Bytes::from_static(b"x"),
    };
    let wire = bye.marshal().unwrap();
    assert_eq!(
        wire[0] & 0x20,
        0x20,
        "rtc-rtcp pads the BYE reason with the P bit"
    );
    let mut ours = Vec::new();
    write_bye(
        &Bye {
            sources: vec![1],
            reason: Bytes::from_static(b"x"),
        },
        &mut ours,
    )
    .unwrap();
    assert_eq!(ours, vec![0x81, 203, 0, 2, 0, 0, 0, 1, 1, b'x', 0, 0]);
    // SDES with an APSI item (type 10) before the CNAME.
    let sdes = [0x81, 202, 0, 3, 0, 0, 0, 5, 10, 1, b'z', 1, 1, b'c', 0, 0];
    let theirs = SourceDescription::unmarshal(&mut Bytes::copy_from_slice(&sdes));
    assert!(
        theirs.map_or(true, |s| s.chunks[0].items.is_empty()),
        "rtc-rtcp loses the CNAME"
    );
    let RtcpPacket::SourceDescription(chunks) = &parse_compound(&sdes).unwrap()[0] else {
        panic!()
    };
    assert_eq!(chunks[0].items.len(), 2);
}

#[test]
fn ntp_conversion() {
    assert_eq!(ntp_from_unix(Duration::ZERO), NTP_UNIX_OFFSET << 32);
    assert_eq!(
        ntp_from_unix(Duration::from_millis(1500)),
        ((NTP_UNIX_OFFSET + 1) << 32) | 0x8000_0000
    );
}

#[test]
fn report_compound_is_report_then_cname() {
    let info = SenderInfo {
        ntp_time: 1,
        rtp_time: 2,
        packet_count: 3,
        octet_count: 4,
    };
    let packets = report_compound(
        9,
        Some(info),
        vec![ReportBlock::default()],
        "leg-1@callbridge",
    );
    assert!(
        matches!(&packets[0], RtcpPacket::SenderReport(sr) if sr.reports.len() == 1 && sr.info == info)
    );
    let wire = serialize_compound(&packets).unwrap();
    assert_eq!(parse_compound(&wire).unwrap(), packets);
    let rr = report_compound(9, None, vec![], "x");
    assert!(matches!(&rr[0], RtcpPacket::ReceiverReport(r) if r.ssrc == 9));
    let RtcpPacket::SourceDescription(chunks) = &rr[1] else {
        panic!()
    };
    assert_eq!(chunks[0].items[0].kind, SDES_CNAME);
}

fn arb_block() -> impl Strategy<Value = ReportBlock> + Clone {
    (
        any::<u32>(),
        any::<u8>(),
        -0x80_0000i32..=0x7F_FFFF,
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(
                ssrc,
                fraction_lost,
                cumulative_lost,
                extended_highest_seq,
                jitter,
                last_sr,
                dlsr,
            )| ReportBlock {
                ssrc,
                fraction_lost,
                cumulative_lost,
                extended_highest_seq,
                jitter,
                last_sr,
                delay_since_last_sr: dlsr,
            },
        )
}

fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> + Clone {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn arb_packet() -> impl Strategy<Value = RtcpPacket> {
    let blocks = proptest::collection::vec(arb_block(), 0..4);
    let words = proptest::collection::vec(any::<u32>(), 0..3)
        .prop_map(|w| Bytes::from(w.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<_>>()));
    let item = (1u8..=255, arb_bytes(20)).prop_map(|(kind, text)| SdesItem { kind, text });
    let chunk = (any::<u32>(), proptest::collection::vec(item, 0..3))
        .prop_map(|(ssrc, items)| SdesChunk { ssrc, items });
    prop_oneof![
        (
            any::<u32>(),
            any::<(u64, u32, u32, u32)>(),
            blocks.clone(),
            words.clone()
        )
            .prop_map(|(ssrc, (n, r, p, o), reports, ext)| {
                let info = SenderInfo {
                    ntp_time: n,
                    rtp_time: r,
                    packet_count: p,
                    octet_count: o,
                };
                RtcpPacket::SenderReport(SenderReport {
                    ssrc,
                    info,
                    reports,
                    profile_extensions: ext,
                })
            }),
        (any::<u32>(), blocks, words.clone()).prop_map(|(ssrc, reports, ext)| {
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports,
                profile_extensions: ext,
            })
        }),
        proptest::collection::vec(chunk, 0..3).prop_map(RtcpPacket::SourceDescription),
        (proptest::collection::vec(any::<u32>(), 0..4), arb_bytes(40))
            .prop_map(|(sources, reason)| RtcpPacket::Bye(Bye { sources, reason })),
        (any::<u8>(), 0u8..32, words).prop_filter_map("known type", |(pt, count, body)| {
            (!matches!(pt, 200..=203)).then_some(RtcpPacket::Unknown(UnknownRtcp {
                packet_type: pt,
                count,
                padding: false,
                body,
            }))
        }),
    ]
}

proptest! {
    #[test]
    fn compound_round_trip(packets in proptest::collection::vec(arb_packet(), 1..5)) {
        let wire = serialize_compound(&packets);
        prop_assert!(wire.is_ok(), "{:?}", wire);
        let wire = wire.unwrap();
        prop_assert_eq!(wire.len() % 4, 0);
        prop_assert_eq!(parse_compound(&wire), Ok(packets));
    }

    #[test]
    fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = parse_compound(&data);
    }
}
