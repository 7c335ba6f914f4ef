//! Message parsing and serialization tests.

use super::*;

fn parse(line: &str) -> Message {
    Message::parse(line).unwrap()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---- parsing ----

#[test]
fn parses_privmsg_with_crlf() {
    let msg = parse("PRIVMSG #a :hello world\r\n");
    assert_eq!(msg.command, "PRIVMSG");
    assert_eq!(msg.params, strings(&["#a", "hello world"]));
    assert_eq!(msg.source, None);
    assert!(msg.tags.is_empty());
}

#[test]
fn strips_lone_lf_or_cr() {
    assert_eq!(parse("PING x\n").params, strings(&["x"]));
    assert_eq!(parse("PING x\r").params, strings(&["x"]));
    assert_eq!(parse("PING :a b\r\n\r\n").params, strings(&["a b"]));
}

#[test]
fn tolerates_extra_spaces() {
    let msg = parse("  :nick!u@h   PRIVMSG   #a   :x");
    assert_eq!(msg.source.as_deref(), Some("nick!u@h"));
    assert_eq!(msg.command, "PRIVMSG");
    assert_eq!(msg.params, strings(&["#a", "x"]));
}

#[test]
fn trailing_spaces_after_middle_params_are_ignored() {
    assert_eq!(parse("JOIN #a   ").params, strings(&["#a"]));
}

#[test]
fn trailing_keeps_spaces_and_colons() {
    assert_eq!(
        parse("PRIVMSG #a :  two  spaces :colon ").params,
        strings(&["#a", "  two  spaces :colon "])
    );
}

#[test]
fn empty_trailing_is_a_param() {
    assert_eq!(parse("TOPIC #a :").params, strings(&["#a", ""]));
}

#[test]
fn middle_param_may_contain_colon() {
    assert_eq!(
        parse("MODE #a +k a:b").params,
        strings(&["#a", "+k", "a:b"])
    );
}

#[test]
fn parses_tags_and_source() {
    let msg = parse("@time=2026-01-01T00:00:00.000Z;+draft/reply=abc :n PRIVMSG #a :hi");
    assert_eq!(
        msg.tags,
        vec![
            Tag::new("time", Some("2026-01-01T00:00:00.000Z".to_owned())),
            Tag::new("+draft/reply", Some("abc".to_owned())),
        ]
    );
    assert_eq!(msg.tag_value("time"), Some("2026-01-01T00:00:00.000Z"));
    assert_eq!(msg.tag_value("+draft/reply"), Some("abc"));
    assert_eq!(msg.source.as_deref(), Some("n"));
    assert_eq!(msg.params, strings(&["#a", "hi"]));
}

#[test]
fn tag_values_are_unescaped() {
    let msg = parse(r"@k=a\:b\sc\\d\re\nf\x\ PING");
    assert_eq!(msg.tag_value("k"), Some("a;b c\\d\re\nfx"));
}

#[test]
fn tag_without_value_or_with_empty_value_is_none() {
    let msg = parse("@a;b=;c=1 PING");
    assert_eq!(msg.tag("a"), Some(&Tag::new("a", None)));
    assert_eq!(msg.tag("b"), Some(&Tag::new("b", None)));
    assert_eq!(msg.tag_value("a"), None);
    assert_eq!(msg.tag_value("c"), Some("1"));
    assert_eq!(msg.tag("missing"), None);
}

#[test]
fn duplicate_tag_keeps_the_last_value() {
    let msg = parse("@a=1;b;a=2 PING");
    assert_eq!(msg.tags.len(), 2);
    assert_eq!(msg.tag_value("a"), Some("2"));
}

#[test]
fn empty_tag_pieces_are_skipped() {
    assert_eq!(parse("@a=1;;b; PING").tags.len(), 2);
}

#[test]
fn tags_with_empty_key_are_invalid() {
    assert_eq!(Message::parse("@=v PING"), Err(ParseError::InvalidTags));
    assert_eq!(Message::parse("@a;=v PING"), Err(ParseError::InvalidTags));
    assert_eq!(Message::parse("@ PING"), Err(ParseError::InvalidTags));
}

#[test]
fn cap_ls_302() {
    let msg = parse("CAP LS 302");
    assert_eq!(msg.command, "CAP");
    assert_eq!(msg.params, strings(&["LS", "302"]));
}

#[test]
fn command_without_params() {
    let msg = parse("PING");
    assert_eq!(msg, Message::new("PING"));
    assert_eq!(msg.arg(0), None);
}

#[test]
fn unicode_params() {
    let msg = parse("NICK 小明");
    assert_eq!(msg.arg(0), Some("小明"));
}

#[test]
fn numeric_command() {
    let msg = parse(":irc.local 001 alice :Welcome to natter, alice");
    assert_eq!(msg.command, "001");
    assert_eq!(msg.arg(0), Some("alice"));
    assert_eq!(msg.arg(1), Some("Welcome to natter, alice"));
    assert_eq!(msg.source_nick(), Some("irc.local"));
}

#[test]
fn command_is_uppercased() {
    assert_eq!(parse("privmsg #a :x").command, "PRIVMSG");
    assert_eq!(parse("Nick bob").command, "NICK");
}

#[test]
fn many_params_are_accepted() {
    let line = format!("MODE #a {}", vec!["x"; 40].join(" "));
    assert_eq!(parse(&line).params.len(), 41);
}

#[test]
fn empty_lines_are_errors() {
    for line in ["", "\r\n", "   ", "  \r\n", "\n"] {
        assert_eq!(Message::parse(line), Err(ParseError::Empty), "{line:?}");
    }
}

#[test]
fn missing_command() {
    for line in [
        ":nick!u@h",
        ":nick   ",
        "@a=b",
        "@a=b :src",
        "@a=b :src  \r\n",
    ] {
        assert_eq!(
            Message::parse(line),
            Err(ParseError::MissingCommand),
            "{line:?}"
        );
    }
}

#[test]
fn invalid_commands() {
    for (line, command) in [
        ("12 x", "12"),
        ("1234 x", "1234"),
        ("PRIV-MSG x", "PRIV-MSG"),
        ("PRIV1 x", "PRIV1"),
        ("小明 x", "小明"),
        ("\u{1b}[2J", "\u{1b}[2J"),
    ] {
        assert_eq!(
            Message::parse(line),
            Err(ParseError::InvalidCommand(command.to_owned())),
            "{line:?}"
        );
    }
}

#[test]
fn nul_cr_or_lf_inside_a_line_is_refused_with_its_position() {
    for (line, character, offset) in [
        ("PRIVMSG #a :nul\0here", '\0', 15),
        ("PRIVMSG #a :cr\rinside", '\r', 14),
        ("PRIVMSG #a :lf\ninside\r\n", '\n', 14),
        (":sr!\0.3 ME = #c :x", '\0', 4),
        ("NI\0CK a", '\0', 2),
        ("@k=a\0b PING", '\0', 4),
        ("@k\r=v PING", '\r', 2),
        ("\0", '\0', 0),
        ("PING x\r\0\r\n", '\r', 6),
    ] {
        assert_eq!(
            Message::parse(line),
            Err(ParseError::ForbiddenCharacter { character, offset }),
            "{line:?}"
        );
    }
}

#[test]
fn line_terminators_at_the_end_are_not_forbidden() {
    assert_eq!(parse("NICK a\r\r\n").params, strings(&["a"]));
    assert_eq!(parse("NICK a\n\r").params, strings(&["a"]));
}

#[test]
fn forbidden_character_errors_name_the_character() {
    let error = Message::parse("@k=a\0b PING").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the line contains a NUL byte at byte 4; no IRC message may carry NUL, CR or LF"
    );
    let error = Message::parse("PING a\rb").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the line contains a carriage return (CR) at byte 6; no IRC message may carry NUL, CR or LF"
    );
}

#[test]
fn from_str_matches_parse() {
    let msg: Message = "PING :x".parse().unwrap();
    assert_eq!(msg, parse("PING :x"));
    assert_eq!("".parse::<Message>(), Err(ParseError::Empty));
}

#[test]
fn source_nick_variants() {
    let with_source = |source: &str| Message::new("X").with_source(source);
    assert_eq!(with_source("nick!user@host").source_nick(), Some("nick"));
    assert_eq!(with_source("nick@host").source_nick(), Some("nick"));
    assert_eq!(
        with_source("server.name").source_nick(),
        Some("server.name")
    );
    assert_eq!(Message::new("X").source_nick(), None);
}

#[test]
fn parse_errors_have_readable_messages() {
    assert_eq!(
        ParseError::InvalidCommand("12".to_owned()).to_string(),
        "invalid command \"12\": a command is letters or a three-digit numeric"
    );
    assert_eq!(ParseError::Empty.to_string(), "empty line");
}

// ---- building ----

#[test]
fn builders_set_every_part() {
    let msg = Message::new("PRIVMSG")
        .with_tag("time", Some("t".to_owned()))
        .with_source("a!b@c")
        .with_param("#a")
        .with_params(["x", "y"]);
    assert_eq!(msg.tags, vec![Tag::new("time", Some("t".to_owned()))]);
    assert_eq!(msg.source.as_deref(), Some("a!b@c"));
    assert_eq!(msg.params, strings(&["#a", "x", "y"]));
}

#[test]
fn with_tag_replaces_same_key_in_place() {
    let msg = Message::new("PING")
        .with_tag("a", Some("1".to_owned()))
        .with_tag("b", None)
        .with_tag("a", Some("2".to_owned()));
    assert_eq!(
        msg.tags,
        vec![Tag::new("a", Some("2".to_owned())), Tag::new("b", None)]
    );
}

// ---- serializing ----

#[test]
fn serializes_all_parts() {
    let msg = Message::new("PRIVMSG")
        .with_tag("time", Some("2026-01-01T00:00:00.000Z".to_owned()))
        .with_tag("flag", None)
        .with_source("nick!u@h")
        .with_params(["#a", "hello world"]);
    assert_eq!(
        msg.to_string(),
        "@time=2026-01-01T00:00:00.000Z;flag :nick!u@h PRIVMSG #a :hello world"
    );
    assert_eq!(
        msg.to_wire(),
        "@time=2026-01-01T00:00:00.000Z;flag :nick!u@h PRIVMSG #a :hello world\r\n"
    );
}

#[test]
fn trailing_colon_only_when_needed() {
    let with_last = |last: &str| {
        Message::new("PRIVMSG")
            .with_params(["#a", last])
            .to_string()
    };
    assert_eq!(with_last("word"), "PRIVMSG #a word");
    assert_eq!(with_last("two words"), "PRIVMSG #a :two words");
    assert_eq!(with_last(""), "PRIVMSG #a :");
    assert_eq!(with_last(":colon"), "PRIVMSG #a ::colon");
    assert_eq!(with_last("mid:colon"), "PRIVMSG #a mid:colon");
    assert_eq!(Message::new("PING").to_string(), "PING");
}

#[test]
fn tag_values_are_escaped() {
    let msg = Message::new("PING").with_tag("k", Some("a;b c\\d\r\n".to_owned()));
    assert_eq!(msg.to_string(), r"@k=a\:b\sc\\d\r\n PING");
}

#[test]
fn tag_round_trip_with_special_characters() {
    let value = "; \\ \r\n小明 \\s";
    let msg = Message::new("TAGMSG")
        .with_tag("+draft/react", Some(value.to_owned()))
        .with_param("#a");
    assert_eq!(parse(&msg.to_wire()), msg);
}

#[test]
fn nul_in_a_tag_value_is_left_out_as_irc_v3_has_no_escape_for_it() {
    let msg = Message::new("TAGMSG")
        .with_tag("+k", Some("a\0b".to_owned()))
        .with_param("#a");
    let wire = msg.to_wire();
    assert_eq!(wire, "@+k=ab TAGMSG #a\r\n");
    assert_eq!(parse(&wire).tag_value("+k"), Some("ab"));
}

#[test]
fn empty_tag_value_is_written_without_equals() {
    let msg = Message::new("PING").with_tag("k", Some(String::new()));
    assert_eq!(msg.to_string(), "@k PING");
}

#[test]
fn crlf_injection_in_trailing_is_neutralised() {
    let msg = Message::new("PRIVMSG").with_params(["#a", "hi\r\nQUIT :bye\0"]);
    let wire = msg.to_wire();
    assert_eq!(wire, "PRIVMSG #a :hi  QUIT :bye \r\n");
    assert_eq!(wire.matches(['\r', '\n']).count(), 2);
}

#[test]
fn crlf_injection_in_last_word_param_forces_trailing() {
    // "a\nQUIT" has no space but becomes "a QUIT" on the wire: it must still be one param.
    let msg = Message::new("NICK").with_param("a\nQUIT");
    assert_eq!(msg.to_string(), "NICK :a QUIT");
    assert_eq!(parse(&msg.to_wire()).params, strings(&["a QUIT"]));
}

#[test]
fn line_breaks_in_source_command_and_tag_keys_never_reach_the_wire() {
    let msg = Message::new("PRIV\r\nMSG")
        .with_source("evil\r\nQUIT x")
        .with_tag("k;e y\n", Some("v".to_owned()))
        .with_params(["#a", "x"]);
    assert_eq!(msg.to_string(), "@k_e_y_=v :evil__QUIT_x PRIV__MSG #a x");
}

#[test]
fn invalid_middle_params_keep_the_message_shape() {
    let msg =
        Message::new("432").with_params(["me", "a b", "", ":x", "c\rd", "Erroneous nickname"]);
    assert!(!msg.has_encodable_params());
    let wire = msg.to_wire();
    assert_eq!(wire, "432 me a_b * _x c_d :Erroneous nickname\r\n");
    assert_eq!(parse(&wire).params.len(), 6);
}

#[test]
fn has_encodable_params_accepts_a_free_last_param() {
    assert!(
        Message::new("PRIVMSG")
            .with_params(["#a", ":any thing"])
            .has_encodable_params()
    );
    assert!(Message::new("PING").has_encodable_params());
}

#[test]
fn empty_source_and_tag_keys_are_not_written() {
    let mut msg = Message::new("PING").with_source("");
    msg.tags.push(Tag::new("", Some("x".to_owned())));
    assert_eq!(msg.to_string(), "PING");
}

#[test]
fn write_to_appends_and_serialized_len_matches() {
    let msg = Message::new("PRIVMSG")
        .with_tag("k", Some("v w".to_owned()))
        .with_source("小明!u@h")
        .with_params(["#a", "héllo wörld"]);
    let mut out = String::from("prefix|");
    msg.write_to(&mut out);
    assert_eq!(out, format!("prefix|{msg}"));
    assert_eq!(msg.serialized_len(), msg.to_string().len());
    assert_eq!(msg.to_wire().len(), msg.serialized_len() + 2);
}

#[test]
fn round_trip_of_typical_messages() {
    for line in [
        "PRIVMSG #a :hello world",
        ":nick!u@h JOIN #lobby",
        "@time=2026-01-01T00:00:00.000Z;+draft/reply=abc :n PRIVMSG #a hi",
        ":irc.local 353 alice = #lobby :@alice +bob carol",
        "CAP * LS :server-time sasl=PLAIN",
        "NICK 小明",
    ] {
        assert_eq!(parse(line).to_string(), line);
    }
}
