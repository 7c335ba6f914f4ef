//! The RPL_ISUPPORT (005) tokens that tell clients what this server allows.

use crate::context::Context;
use natter_protocol::Casemapping;

/// The tokens, in a stable order.
pub fn tokens(context: &Context) -> Vec<String> {
    let limits = &context.config.limits;
    let mut tokens = vec![
        format!("AWAYLEN={}", limits.away_length),
        format!("CASEMAPPING={}", Casemapping::Rfc8265.isupport_name()),
        format!("CHANLIMIT=#:{}", limits.max_channels_per_client),
        "CHANMODES=b,k,l,imnst".to_string(),
        format!("CHANNELLEN={}", limits.channel_length),
        "CHANTYPES=#".to_string(),
        format!("KICKLEN={}", limits.kick_length),
        "MAXLIST=b:100".to_string(),
        "MODES=4".to_string(),
        format!("NETWORK={}", context.config.server.network),
        format!("NICKLEN={}", limits.nick_length),
        "PREFIX=(ov)@+".to_string(),
        format!(
            "TARGMAX=PRIVMSG:{0},NOTICE:{0},TAGMSG:{0},JOIN:,PART:,NAMES:,WHOIS:1",
            limits.max_targets
        ),
        format!("TOPICLEN={}", limits.topic_length),
        format!("USERLEN={}", crate::username::MAX_LENGTH),
        "UTF8ONLY".to_string(),
        // WHO <mask> %<fields>[,<token>] answers with 354 (the account is `a`).
        "WHOX".to_string(),
    ];
    if context.history.is_some() {
        // draft/chathistory: the most messages one request returns, and the
        // selectors CHATHISTORY accepts.
        let limit = context.config.history.chathistory_limit;
        tokens.push(format!("CHATHISTORY={limit}"));
        tokens.push("MSGREFTYPES=timestamp,msgid".to_string());
    }
    tokens.sort_by(|a, b| a.split('=').next().cmp(&b.split('=').next()));
    tokens
}
