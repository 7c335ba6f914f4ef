//! WHO: members of a channel, or users matching a mask; with a `%fields`
//! argument, WHOX (354 with the fields asked for, among them the account).

use super::super::IrcSession;
use crate::hub::MemberInfo;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// WHOX fields in the order 354 gives them, whatever order they were asked in.
const WHOX_ORDER: &str = "tcuihsnfdlaor";
/// The longest query type (`,<token>`) echoed back, as most servers allow.
const MAX_TOKEN_DIGITS: usize = 3;

/// What a `%fields[,token]` argument asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Whox {
    /// The field letters asked for (only known ones), in [`WHOX_ORDER`].
    fields: Vec<char>,
    /// The query type echoed as field `t` (`0` when none was given).
    token: String,
}

impl Whox {
    /// Parses WHO's second argument; `None` when it is not a WHOX request.
    fn parse(argument: &str) -> Option<Whox> {
        let rest = argument.strip_prefix('%')?;
        let (letters, token) = rest.split_once(',').unwrap_or((rest, ""));
        let token = if !token.is_empty()
            && token.len() <= MAX_TOKEN_DIGITS
            && token.bytes().all(|b| b.is_ascii_digit())
        {
            token.to_string()
        } else {
            "0".to_string()
        };
        let fields = WHOX_ORDER
            .chars()
            .filter(|letter| letters.contains(*letter))
            .collect();
        Some(Whox { fields, token })
    }
}

/// Handles `WHO <mask> [%fields[,token]]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let mask = message
        .arg(0)
        .filter(|m| !m.is_empty())
        .unwrap_or("*")
        .to_string();
    let whox = message.arg(1).and_then(Whox::parse);
    let id = connection.id;
    let all_prefixes = session.caps.has("multi-prefix");
    let server = session.context.server_name().to_string();
    let rows = session.context.hub.read(|hub| hub.who(&mask, id));
    for (channel, member) in rows {
        let flags = format!(
            "{}{}{}",
            if member.away { 'G' } else { 'H' },
            if member.oper { "*" } else { "" },
            member.membership.prefixes(all_prefixes)
        );
        let row = Row {
            channel: &channel,
            member: &member,
            server: &server,
            flags: &flags,
        };
        match &whox {
            Some(whox) => {
                let params = row.whox(whox);
                session.reply(connection, numeric::RPL_WHOSPCRPL, params);
            }
            None => {
                let last = format!("0 {}", member.realname);
                session.reply(
                    connection,
                    numeric::RPL_WHOREPLY,
                    [
                        channel.as_str(),
                        member.user.as_str(),
                        member.host.as_str(),
                        server.as_str(),
                        member.nick.as_str(),
                        flags.as_str(),
                        last.as_str(),
                    ],
                );
            }
        }
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFWHO,
        [mask.as_str(), "End of WHO list"],
    );
}

/// One WHO answer before formatting.
struct Row<'a> {
    channel: &'a str,
    member: &'a MemberInfo,
    server: &'a str,
    flags: &'a str,
}

impl Row<'_> {
    /// The 354 parameters for `whox`, in [`WHOX_ORDER`].
    fn whox(&self, whox: &Whox) -> Vec<String> {
        let member = self.member;
        whox.fields
            .iter()
            .map(|field| match field {
                't' => whox.token.clone(),
                'c' => self.channel.to_string(),
                'u' => member.user.clone(),
                // The host is the peer's address.
                'i' | 'h' => member.host.clone(),
                's' => self.server.to_string(),
                'n' => member.nick.clone(),
                'f' => self.flags.to_string(),
                'd' => "0".to_string(),
                'l' => "0".to_string(),
                'a' => member.account.clone().unwrap_or_else(|| "0".to_string()),
                'o' => "n/a".to_string(),
                _ => member.realname.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whox_fields_come_in_the_standard_order_with_the_token() {
        assert_eq!(
            Whox::parse("%nat,42"),
            Some(Whox {
                fields: vec!['t', 'n', 'a'],
                token: "42".into()
            })
        );
        assert_eq!(Whox::parse("%cnfr").map(|w| w.token), Some("0".into()));
        assert_eq!(Whox::parse("%a,1234").map(|w| w.token), Some("0".into()));
        assert_eq!(Whox::parse("o"), None);
    }
}
