//! The IRC dialect's line handler, driven through an in-process hub: no
//! panic, every reply parses, and a plain user in the same channel never
//! receives a control or bidi character whatever the IRC client sends.
#![no_main]

#[path = "harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let context = harness::context();
    let mut watcher = harness::plain_watcher(&context);
    let mut subject = harness::connection(&context);
    let mut session = natterd::irc::IrcSession::new(context.clone(), &subject);
    let mut lines: Vec<&[u8]> = vec![b"NICK fz", b"USER fz 0 * :fz", b"JOIN #lobby"];
    lines.extend(harness::lines(data));
    harness::drive(&context, &mut session, &mut subject, &lines);
    harness::assert_irc_lines(&harness::received(&subject));
    harness::assert_plain_safe(&harness::received(&watcher));
    let id = watcher.id;
    context.hub.with(|hub| hub.quit(id, "done"));
    let _ = &mut watcher;
});
