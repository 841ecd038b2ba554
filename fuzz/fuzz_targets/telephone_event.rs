#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| callbridge_rtp::fuzz::telephone_event(data));
