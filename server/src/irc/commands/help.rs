//! HELP (and HELPOP, its other common name): what each command natterd
//! understands does and takes, as 704/705/706 (modern ircdocs), so an IRC
//! user can ask the server itself (`/quote HELP JOIN` in irssi).

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// The subject of `HELP` without one: the list of commands.
const INDEX: &str = "index";

/// Every command natterd answers, with its usage first and a line or two on
/// what it does. Kept in the order of the README's command list.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "CAP",
        &[
            "CAP LS [302] | CAP REQ :<caps> | CAP LIST | CAP END",
            "Negotiates IRCv3 capabilities; CAP LS lists what natterd offers.",
        ],
    ),
    (
        "PASS",
        &[
            "PASS <password> | PASS <account>:<password>",
            "Before NICK/USER: the server password, or (without one) the password of",
            "your nick's account (or of the named account) to log in with.",
        ],
    ),
    (
        "NICK",
        &["NICK <nickname>", "Sets or changes your nickname."],
    ),
    (
        "USER",
        &[
            "USER <username> 0 * :<real name>",
            "Completes registration with your user name and real name.",
        ],
    ),
    (
        "AUTHENTICATE",
        &[
            "AUTHENTICATE PLAIN | AUTHENTICATE EXTERNAL",
            "Logs in with SASL (needs CAP sasl): PLAIN with a password, EXTERNAL with",
            "a TLS client certificate added with /msg NickServ CERT ADD.",
        ],
    ),
    (
        "REGISTER",
        &[
            "REGISTER <account|*> * <password>",
            "Registers an account (IRCv3 draft/account-registration); * means your nick.",
        ],
    ),
    (
        "PING",
        &["PING <token>", "Asks the server to answer PONG <token>."],
    ),
    ("PONG", &["PONG <token>", "Answers the server's PING."]),
    (
        "JOIN",
        &[
            "JOIN <#channel>[,<#channel>...] [<key>[,<key>...]] | JOIN 0",
            "Joins channels (creating them; the first member is operator). JOIN 0",
            "leaves every channel.",
        ],
    ),
    (
        "PART",
        &[
            "PART <#channel>[,<#channel>...] [:<reason>]",
            "Leaves channels.",
        ],
    ),
    (
        "PRIVMSG",
        &[
            "PRIVMSG <target>[,<target>...] :<text>",
            "Sends a message to channels or nicks (a whisper).",
        ],
    ),
    (
        "NOTICE",
        &[
            "NOTICE <target>[,<target>...] :<text>",
            "Like PRIVMSG, but nothing answers it: no automatic replies, no error replies.",
        ],
    ),
    (
        "TAGMSG",
        &[
            "@<tags> TAGMSG <target>",
            "Sends only message tags, such as typing notifications (needs CAP message-tags).",
        ],
    ),
    (
        "CHATHISTORY",
        &[
            "CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <reference> <limit>",
            "CHATHISTORY BETWEEN <target> <reference> <reference> <limit>",
            "CHATHISTORY TARGETS <timestamp> <timestamp> <limit>",
            "Fetches stored messages of a channel you are in or of a private chat",
            "(needs CAP draft/chathistory; references: * , timestamp=..., msgid=...).",
        ],
    ),
    (
        "NAMES",
        &["NAMES [<#channel>]", "Lists a channel's members."],
    ),
    (
        "WHO",
        &[
            "WHO <mask|#channel> [%<fields>[,<token>]]",
            "Lists users matching a mask or in a channel; % asks for WHOX fields.",
        ],
    ),
    (
        "WHOIS",
        &[
            "WHOIS <nick>",
            "Shows who a user is, where they are and their account.",
        ],
    ),
    (
        "WHOWAS",
        &[
            "WHOWAS <nick> [<count>]",
            "Shows who recently used a nickname.",
        ],
    ),
    (
        "LIST",
        &[
            "LIST [<#channel>[,<#channel>...]]",
            "Lists channels with their size and topic.",
        ],
    ),
    (
        "TOPIC",
        &[
            "TOPIC <#channel> [:<new topic>]",
            "Shows a channel's topic, or sets it (operators only when the channel is +t).",
        ],
    ),
    (
        "AWAY",
        &[
            "AWAY [:<message>]",
            "Marks you away with a message; without one, back.",
        ],
    ),
    (
        "KICK",
        &[
            "KICK <#channel> <nick>[,<nick>...] [:<reason>]",
            "Removes someone from a channel (channel operators only).",
        ],
    ),
    (
        "INVITE",
        &[
            "INVITE <nick> <#channel>",
            "Invites someone into a channel, past +i.",
        ],
    ),
    (
        "MODE",
        &[
            "MODE <#channel> [<+|-modes> [<params>...]] | MODE <your nick> [<+|-modes>]",
            "Channel modes: o v (operator, voice), t n s k l i m b; user modes: i w o.",
        ],
    ),
    (
        "ISON",
        &[
            "ISON <nick> [<nick>...]",
            "Tells which of these nicks are online.",
        ],
    ),
    (
        "USERHOST",
        &[
            "USERHOST <nick> [<nick>...]",
            "Shows the user@host of up to five nicks.",
        ],
    ),
    ("MOTD", &["MOTD", "Shows the message of the day."]),
    (
        "LUSERS",
        &["LUSERS", "Counts users, operators and channels."],
    ),
    (
        "VERSION",
        &[
            "VERSION",
            "Shows natterd's version and what it supports (ISUPPORT).",
        ],
    ),
    ("TIME", &["TIME", "Shows the server's clock."]),
    (
        "INFO",
        &["INFO", "Tells about natterd and since when it runs."],
    ),
    (
        "ADMIN",
        &[
            "ADMIN [<server>]",
            "Tells who runs this server and how to reach them ([admin] in natterd.toml).",
        ],
    ),
    (
        "LINKS",
        &[
            "LINKS [[<server>] <mask>]",
            "Lists the servers of this network: this one and, in a cluster, the other live nodes.",
        ],
    ),
    (
        "STATS",
        &[
            "STATS <letter> [<server>]",
            "Server figures: u uptime, m command counts; for IRC operators also",
            "o operators, l the cluster's NATS connection, c its NATS servers.",
        ],
    ),
    (
        "OPER",
        &[
            "OPER <name> <password>",
            "Makes you an IRC operator, with an [[operators]] block of natterd.toml.",
        ],
    ),
    (
        "KILL",
        &[
            "KILL <nick> [:<reason>]",
            "Disconnects a user (IRC operators only).",
        ],
    ),
    (
        "WALLOPS",
        &[
            "WALLOPS :<text>",
            "Sends text to every user with user mode +w (IRC operators only).",
        ],
    ),
    (
        "QUIT",
        &[
            "QUIT [:<reason>]",
            "Disconnects, telling your channels why.",
        ],
    ),
    (
        "HELP",
        &[
            "HELP [<command>]",
            "Lists the commands, or explains one (HELPOP is the same).",
        ],
    ),
    (
        "NICKSERV",
        &[
            "PRIVMSG NickServ :<command>",
            "Accounts: REGISTER, IDENTIFY, LOGOUT, INFO, SET PASSWORD, CERT, DROP;",
            "/msg NickServ HELP explains them.",
        ],
    ),
    (
        "CHANSERV",
        &[
            "PRIVMSG ChanServ :<command>",
            "Registered channels: REGISTER, INFO, DROP; /msg ChanServ HELP explains them.",
        ],
    ),
];

/// Handles `HELP [<subject>]` and `HELPOP [<subject>]`: 704, 705..., 706
/// for a command natterd knows (or the index without a subject), else 524.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let wanted = message.arg(0).map(str::trim).filter(|s| !s.is_empty());
    let (subject, lines) = match wanted {
        None => (INDEX.to_string(), index()),
        Some(wanted) => match TOPICS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        {
            Some((name, lines)) => (
                (*name).to_string(),
                lines.iter().map(|line| (*line).to_string()).collect(),
            ),
            None => {
                session.reply(
                    connection,
                    numeric::ERR_HELPNOTFOUND,
                    [wanted, "No help available on this topic"],
                );
                return;
            }
        },
    };
    let last = lines.len().saturating_sub(1);
    for (n, line) in lines.iter().enumerate() {
        let code = match n {
            0 => numeric::RPL_HELPSTART,
            n if n == last => numeric::RPL_ENDOFHELP,
            _ => numeric::RPL_HELPTXT,
        };
        session.reply(connection, code, [subject.as_str(), line.as_str()]);
    }
}

/// The index: what HELP is, then every subject, a few to a line.
fn index() -> Vec<String> {
    let mut lines =
        vec!["natterd understands these commands; HELP <command> explains one:".to_string()];
    for names in TOPICS.chunks(8) {
        let names: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
        lines.push(names.join(" "));
    }
    lines.push("End of HELP".to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_has_a_usage_and_an_explanation_and_fits_a_line() {
        for (name, lines) in TOPICS {
            assert!(lines.len() >= 2, "{name}");
            assert!(
                lines[0].to_ascii_uppercase().contains(name),
                "{name}: the first line is its usage: {}",
                lines[0]
            );
            for line in *lines {
                assert!(line.len() < 300, "{name}: {line}");
            }
        }
    }

    #[test]
    fn the_index_names_every_topic_once() {
        let index = index();
        let index = index[1..index.len() - 1].join(" ");
        for (name, _) in TOPICS {
            assert_eq!(
                index.split(' ').filter(|word| word == name).count(),
                1,
                "{name}"
            );
        }
    }
}
