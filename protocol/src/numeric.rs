//! Numeric reply codes with their standard names (as documented by ircdocs and IRCv3).

/// Defines one `pub const NAME: &str = "code"` per numeric, plus the [`ALL`] lookup table.
macro_rules! numerics {
    ($($name:ident = $code:literal, $meaning:literal;)*) => {
        $(
            #[doc = concat!("`", $code, "`: ", $meaning)]
            pub const $name: &str = $code;
        )*

        /// Every numeric defined here as `(code, name)`, in code order.
        pub const ALL: &[(&str, &str)] = &[$(($code, stringify!($name))),*];
    };
}

numerics! {
    RPL_WELCOME = "001", "welcome to the network; first reply after registration";
    RPL_YOURHOST = "002", "the server's name and version";
    RPL_CREATED = "003", "when the server was started";
    RPL_MYINFO = "004", "server name, version, user and channel modes";
    RPL_ISUPPORT = "005", "features the server supports (KEY=value tokens)";
    RPL_BOUNCE = "010", "the client should connect to another server";
    RPL_STATSLINKINFO = "211", "STATS l: one connection and its traffic";
    RPL_STATSCOMMANDS = "212", "STATS m: how often one command was used";
    RPL_STATSCLINE = "213", "STATS c: one server this server may link to";
    RPL_ENDOFSTATS = "219", "end of a STATS reply";
    RPL_UMODEIS = "221", "the client's user modes";
    RPL_STATSUPTIME = "242", "how long the server has been running";
    RPL_STATSOLINE = "243", "STATS o: one configured operator";
    RPL_LUSERCLIENT = "251", "number of users and servers";
    RPL_LUSEROP = "252", "number of operators online";
    RPL_LUSERUNKNOWN = "253", "number of unregistered connections";
    RPL_LUSERCHANNELS = "254", "number of channels";
    RPL_LUSERME = "255", "number of clients and servers on this server";
    RPL_ADMINME = "256", "start of an ADMIN reply";
    RPL_ADMINLOC1 = "257", "administrative location, first line";
    RPL_ADMINLOC2 = "258", "administrative location, second line";
    RPL_ADMINEMAIL = "259", "administrator's contact address";
    RPL_TRYAGAIN = "263", "command dropped, try again later";
    RPL_LOCALUSERS = "265", "current and maximum local users";
    RPL_GLOBALUSERS = "266", "current and maximum global users";
    RPL_WHOISCERTFP = "276", "the TLS certificate fingerprint of a user";
    RPL_NONE = "300", "dummy reply, unused";
    RPL_AWAY = "301", "the target user is away, with the away message";
    RPL_USERHOST = "302", "USERHOST reply";
    RPL_ISON = "303", "ISON reply: which of the given nicks are online";
    RPL_UNAWAY = "305", "you are no longer marked as away";
    RPL_NOWAWAY = "306", "you have been marked as away";
    RPL_WHOISREGNICK = "307", "WHOIS: the nick is registered";
    RPL_WHOISUSER = "311", "WHOIS: nick, user, host and real name";
    RPL_WHOISSERVER = "312", "WHOIS: the server the user is on";
    RPL_WHOISOPERATOR = "313", "WHOIS: the user is an operator";
    RPL_WHOWASUSER = "314", "WHOWAS: nick, user, host and real name";
    RPL_ENDOFWHO = "315", "end of a WHO reply";
    RPL_WHOISIDLE = "317", "WHOIS: idle seconds and signon time";
    RPL_ENDOFWHOIS = "318", "end of a WHOIS reply";
    RPL_WHOISCHANNELS = "319", "WHOIS: the channels the user is in";
    RPL_WHOISSPECIAL = "320", "WHOIS: extra information";
    RPL_LISTSTART = "321", "start of a LIST reply";
    RPL_LIST = "322", "LIST: one channel, its user count and topic";
    RPL_LISTEND = "323", "end of a LIST reply";
    RPL_CHANNELMODEIS = "324", "a channel's modes";
    RPL_CREATIONTIME = "329", "when a channel was created";
    RPL_WHOISACCOUNT = "330", "WHOIS: the account the user is logged in as";
    RPL_NOTOPIC = "331", "the channel has no topic";
    RPL_TOPIC = "332", "the channel's topic";
    RPL_TOPICWHOTIME = "333", "who set the topic and when";
    RPL_WHOISACTUALLY = "338", "WHOIS: the user's actual host or IP address";
    RPL_INVITING = "341", "your invitation was sent";
    RPL_INVITELIST = "346", "one entry of a channel's invite list (RFC 2812 numbering)";
    RPL_ENDOFINVITELIST = "347", "end of a channel's invite list";
    RPL_EXCEPTLIST = "348", "one entry of a channel's ban-exception list";
    RPL_ENDOFEXCEPTLIST = "349", "end of a channel's ban-exception list";
    RPL_VERSION = "351", "the server's version";
    RPL_WHOREPLY = "352", "WHO: one user";
    RPL_NAMREPLY = "353", "NAMES: members of a channel";
    RPL_WHOSPCRPL = "354", "WHOX: one user, with the fields asked for";
    RPL_LINKS = "364", "LINKS: one server";
    RPL_ENDOFLINKS = "365", "end of a LINKS reply";
    RPL_ENDOFNAMES = "366", "end of a NAMES reply";
    RPL_BANLIST = "367", "one entry of a channel's ban list";
    RPL_ENDOFBANLIST = "368", "end of a channel's ban list";
    RPL_ENDOFWHOWAS = "369", "end of a WHOWAS reply";
    RPL_INFO = "371", "INFO: one line";
    RPL_MOTD = "372", "one line of the message of the day";
    RPL_ENDOFINFO = "374", "end of an INFO reply";
    RPL_MOTDSTART = "375", "start of the message of the day";
    RPL_ENDOFMOTD = "376", "end of the message of the day";
    RPL_WHOISHOST = "378", "WHOIS: the host the user connects from";
    RPL_WHOISMODES = "379", "WHOIS: the user's modes";
    RPL_YOUREOPER = "381", "you are now an operator";
    RPL_REHASHING = "382", "the server is reloading its configuration";
    RPL_TIME = "391", "the server's local time";
    RPL_VISIBLEHOST = "396", "your displayed host has changed";
    ERR_UNKNOWNERROR = "400", "an error without a more specific numeric";
    ERR_NOSUCHNICK = "401", "no such nick or channel";
    ERR_NOSUCHSERVER = "402", "no such server";
    ERR_NOSUCHCHANNEL = "403", "no such channel";
    ERR_CANNOTSENDTOCHAN = "404", "you cannot send to that channel";
    ERR_TOOMANYCHANNELS = "405", "you have joined too many channels";
    ERR_WASNOSUCHNICK = "406", "WHOWAS: there was no such nick";
    ERR_TOOMANYTARGETS = "407", "too many targets";
    ERR_NOORIGIN = "409", "PING or PONG without an origin";
    ERR_INVALIDCAPCMD = "410", "unknown CAP subcommand";
    ERR_NORECIPIENT = "411", "no recipient given";
    ERR_NOTEXTTOSEND = "412", "no text to send";
    ERR_NOTOPLEVEL = "413", "no top-level domain in the mask";
    ERR_WILDTOPLEVEL = "414", "wildcard in the top-level domain";
    ERR_INPUTTOOLONG = "417", "the input line was too long";
    ERR_UNKNOWNCOMMAND = "421", "unknown command";
    ERR_NOMOTD = "422", "there is no message of the day";
    ERR_NOADMININFO = "423", "no administrative information";
    ERR_FILEERROR = "424", "a file operation failed";
    ERR_NONICKNAMEGIVEN = "431", "no nickname given";
    ERR_ERRONEUSNICKNAME = "432", "the nickname is not valid";
    ERR_NICKNAMEINUSE = "433", "the nickname is already in use";
    ERR_NICKCOLLISION = "436", "nickname collision";
    ERR_UNAVAILRESOURCE = "437", "nick or channel temporarily unavailable";
    ERR_USERNOTINCHANNEL = "441", "that user is not in the channel";
    ERR_NOTONCHANNEL = "442", "you are not in that channel";
    ERR_USERONCHANNEL = "443", "that user is already in the channel";
    ERR_NOLOGIN = "444", "SUMMON: the user is not logged in";
    ERR_SUMMONDISABLED = "445", "SUMMON is disabled";
    ERR_USERSDISABLED = "446", "USERS is disabled";
    ERR_NOTREGISTERED = "451", "you have not registered yet";
    ERR_NEEDMOREPARAMS = "461", "not enough parameters";
    ERR_ALREADYREGISTERED = "462", "you are already registered";
    ERR_NOPERMFORHOST = "463", "your host may not connect";
    ERR_PASSWDMISMATCH = "464", "wrong or missing password";
    ERR_YOUREBANNEDCREEP = "465", "you are banned from this server";
    ERR_KEYSET = "467", "the channel key is already set";
    ERR_CHANNELISFULL = "471", "the channel is full";
    ERR_UNKNOWNMODE = "472", "unknown mode character";
    ERR_INVITEONLYCHAN = "473", "the channel is invite-only";
    ERR_BANNEDFROMCHAN = "474", "you are banned from the channel";
    ERR_BADCHANNELKEY = "475", "wrong channel key";
    ERR_BADCHANMASK = "476", "bad channel mask (not a valid channel name)";
    ERR_NOCHANMODES = "477", "the channel does not support modes";
    ERR_BANLISTFULL = "478", "the channel's list is full";
    ERR_NOPRIVILEGES = "481", "you are not an operator";
    ERR_CHANOPRIVSNEEDED = "482", "you are not a channel operator";
    ERR_CANTKILLSERVER = "483", "you cannot kill a server";
    ERR_RESTRICTED = "484", "your connection is restricted";
    ERR_NOOPERHOST = "491", "no operator block for your host";
    ERR_UMODEUNKNOWNFLAG = "501", "unknown user mode";
    ERR_USERSDONTMATCH = "502", "you cannot change modes of other users";
    ERR_HELPNOTFOUND = "524", "no help for that subject";
    ERR_INVALIDKEY = "525", "the channel key is not valid";
    RPL_STARTTLS = "670", "STARTTLS: start the TLS handshake";
    RPL_WHOISSECURE = "671", "WHOIS: the user is connected securely";
    ERR_STARTTLS = "691", "STARTTLS failed";
    ERR_INVALIDMODEPARAM = "696", "invalid mode parameter";
    RPL_HELPSTART = "704", "start of a HELP reply";
    RPL_HELPTXT = "705", "one line of a HELP reply";
    RPL_ENDOFHELP = "706", "end of a HELP reply";
    ERR_NOPRIVS = "723", "you lack the operator privilege for that";
    RPL_MONONLINE = "730", "MONITOR: targets that are online";
    RPL_MONOFFLINE = "731", "MONITOR: targets that are offline";
    RPL_MONLIST = "732", "MONITOR: the monitor list";
    RPL_ENDOFMONLIST = "733", "end of the monitor list";
    ERR_MONLISTFULL = "734", "the monitor list is full";
    RPL_LOGGEDIN = "900", "you are now logged in";
    RPL_LOGGEDOUT = "901", "you are now logged out";
    ERR_NICKLOCKED = "902", "you cannot log in: the nick is locked";
    RPL_SASLSUCCESS = "903", "SASL authentication succeeded";
    ERR_SASLFAIL = "904", "SASL authentication failed";
    ERR_SASLTOOLONG = "905", "the SASL message was too long";
    ERR_SASLABORTED = "906", "SASL authentication was aborted";
    ERR_SASLALREADY = "907", "you have already authenticated";
    RPL_SASLMECHS = "908", "the SASL mechanisms the server supports";
}

/// The standard name of a numeric code, e.g. `name("001") == Some("RPL_WELCOME")`.
pub fn name(code: &str) -> Option<&'static str> {
    ALL.iter()
        .find(|(known, _)| *known == code)
        .map(|(_, name)| *name)
}

/// Whether a command is a numeric reply (exactly three ASCII digits).
pub fn is_numeric(command: &str) -> bool {
    command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a numeric reports an error (`4xx`, `5xx`, or one of the named `ERR_` numerics).
pub fn is_error(code: &str) -> bool {
    is_numeric(code)
        && (code.starts_with('4')
            || code.starts_with('5')
            || name(code).is_some_and(|name| name.starts_with("ERR_")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_three_digits_and_unique() {
        let mut seen = HashSet::new();
        for (code, name) in ALL {
            assert!(is_numeric(code), "{name} = {code}");
            assert!(seen.insert(*code), "{code} is defined twice");
            assert!(
                name.starts_with("RPL_") || name.starts_with("ERR_"),
                "{name}"
            );
        }
    }

    #[test]
    fn codes_are_in_order() {
        assert!(ALL.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn well_known_values() {
        assert_eq!(RPL_WELCOME, "001");
        assert_eq!(RPL_ISUPPORT, "005");
        assert_eq!(RPL_NAMREPLY, "353");
        assert_eq!(ERR_NICKNAMEINUSE, "433");
        assert_eq!(ERR_INPUTTOOLONG, "417");
        assert_eq!(ERR_SASLFAIL, "904");
    }

    #[test]
    fn name_looks_up_codes() {
        assert_eq!(name("001"), Some("RPL_WELCOME"));
        assert_eq!(name("433"), Some("ERR_NICKNAMEINUSE"));
        assert_eq!(name("999"), None);
        assert_eq!(name("PRIVMSG"), None);
    }

    #[test]
    fn error_classification() {
        assert!(is_error(ERR_NOSUCHNICK));
        assert!(is_error(ERR_USERSDONTMATCH));
        assert!(is_error(ERR_SASLFAIL));
        assert!(!is_error(RPL_WELCOME));
        assert!(!is_error(RPL_SASLSUCCESS));
        assert!(!is_error("PRIVMSG"));
    }
}
