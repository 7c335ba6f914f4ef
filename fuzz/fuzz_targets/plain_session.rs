//! The plain dialect's line handler, driven through an in-process hub: no
//! panic, the user itself and another plain user never receive a control or
//! bidi character, and an IRC user in the channel gets lines that parse.
#![no_main]

#[path = "harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let context = harness::context();
    let watcher = harness::plain_watcher(&context);
    let mut irc = harness::connection(&context);
    let mut irc_session = natterd::irc::IrcSession::new(context.clone(), &irc);
    harness::drive_open(
        &mut irc_session,
        &mut irc,
        &[b"NICK ircwatch", b"USER i 0 * :i", b"JOIN #lobby"],
    );
    let mut subject = harness::connection(&context);
    let mut session = natterd::plain::PlainSession::new(context.clone(), &subject);
    // The first line is the nickname; the fuzzer chooses it too.
    let lines = harness::lines(data);
    harness::drive(&context, &mut session, &mut subject, &lines);
    harness::assert_plain_safe(&harness::received(&subject));
    harness::assert_plain_safe(&harness::received(&watcher));
    harness::assert_irc_lines(&harness::received(&irc));
});
