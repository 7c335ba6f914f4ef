//! The tab bar with several networks: the visible network's tabs on the
//! left, and at the right end one collapsed group per other network
//! (`⇄ libera 3!`: its name, unread count, `!` for a mention), coloured by
//! its activity. Clicking a group shows that network. With one network
//! the bar is all tabs, as before.

use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::chat::Chat;
use crate::event::NetworkId;
use crate::text;

/// One collapsed network group in the tab bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSlot {
    /// Which network.
    pub network: NetworkId,
    /// Left column, absolute.
    pub x: u16,
    /// The text shown.
    pub label: String,
    /// How it looks.
    pub style: Style,
}

/// A network's name as its tab shows it: what the server calls itself
/// (ISUPPORT NETWORK), else the address.
pub fn name(chat: &Chat) -> String {
    chat.session
        .network
        .clone()
        .unwrap_or_else(|| chat.settings.server_label.clone())
}

fn group(chat: &Chat, max: usize) -> (String, Style) {
    let theme = &chat.settings.theme;
    let buffers = chat.buffers.all();
    let unread: usize = buffers.iter().map(|b| b.unread).sum();
    let mentions = buffers.iter().any(|b| b.mentions > 0);
    let badge = match (unread, mentions) {
        (0, false) => String::new(),
        (n, true) => format!(" {n}!"),
        (n, false) => format!(" {n}"),
    };
    let room = max.saturating_sub(text::width(&badge) + 4);
    let label = format!(" ⇄ {}{badge} ", text::truncate_marked(&name(chat), room));
    let style = if mentions {
        theme.tab_mention
    } else if unread > 0 {
        theme.tab_unread
    } else {
        theme.tab_idle
    };
    (label, style)
}

/// Splits the tab bar `area`: the part left for the visible network's tabs
/// and the groups of the `others` (at most half the bar; names are cut
/// with `…` to fit).
pub fn split(area: Rect, others: &[(NetworkId, &Chat)]) -> (Rect, Vec<NetworkSlot>) {
    if others.is_empty() {
        return (area, Vec::new());
    }
    let budget = usize::from(area.width / 2);
    let each = (budget / others.len()).max(6);
    let mut labels: Vec<(NetworkId, String, Style)> = Vec::new();
    let mut used = 0;
    for (network, chat) in others {
        let (label, style) = group(chat, each);
        let width = text::width(&label);
        if used + width > budget {
            break;
        }
        used += width;
        labels.push((*network, label, style));
    }
    let used = u16::try_from(used).unwrap_or(area.width);
    let tabs = Rect::new(area.x, area.y, area.width - used, area.height);
    let mut x = tabs.right();
    let slots = labels
        .into_iter()
        .map(|(network, label, style)| {
            let slot = NetworkSlot {
                network,
                x,
                label,
                style,
            };
            x += u16::try_from(text::width(&slot.label)).unwrap_or(0);
            slot
        })
        .collect();
    (tabs, slots)
}

/// The network whose group is at `column`, for mouse clicks.
pub fn network_at(slots: &[NetworkSlot], column: u16) -> Option<NetworkId> {
    slots
        .iter()
        .find(|slot| {
            let width = u16::try_from(text::width(&slot.label)).unwrap_or(0);
            column >= slot.x && column < slot.x.saturating_add(width)
        })
        .map(|slot| slot.network)
}
