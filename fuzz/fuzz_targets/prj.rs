//! Any text as a .prj: recognised or refused with a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lacuna::io::prj::recognise(&String::from_utf8_lossy(data));
});
