//! The server picker: natter was started without a server, looked on the
//! LAN, and several natterd answered. Instead of guessing, it lists them
//! on screen; the user moves with ↑↓ (or presses a digit) and Enter
//! connects the first network to the one chosen. Esc or `q` leaves natter,
//! as there is nothing else to connect to. Discovery is unauthenticated, so
//! the chosen server's certificate is still checked (and asked about) as
//! for any address.

use crossterm::event::{KeyCode, KeyEvent};

use super::App;
use crate::discovery::Found;
use crate::event::Effect;
use crate::view::Overlay;
pub use crate::view::questions::{Choice, Picker};

impl Choice {
    /// The choice for a server found on the LAN; `None` when it announced
    /// nothing natter could connect to.
    pub fn from_found(found: &Found) -> Option<Choice> {
        let target = found.target()?;
        let mut ports = Vec::new();
        if let Some(port) = found.tls_port {
            ports.push(format!("TLS {port}"));
        }
        if let Some(port) = found.plain_port {
            ports.push(format!("plaintext {port}"));
        }
        let address = found
            .addresses
            .first()
            .map_or_else(String::new, ToString::to_string);
        Some(Choice {
            name: crate::text::clean(&found.instance),
            detail: crate::text::clean(&format!("{address} · {}", ports.join(", "))),
            fingerprint: found.fingerprint.map(|fingerprint| fingerprint.to_string()),
            link: target.link(),
            address: address_of(&target.host, target.port),
        })
    }
}

impl App {
    /// Opens the picker over `choices` (several servers answered).
    pub fn pick_server(&mut self, choices: Vec<Choice>) {
        self.label_server("LAN");
        self.chat.server_info(format!(
            "{} servers answered on the LAN: pick one (↑↓ and Enter, or its number; Esc quits).",
            choices.len()
        ));
        self.view.overlay = Some(Overlay::PickServer(Picker {
            choices,
            selected: 0,
        }));
    }

    /// A key while the picker is open.
    pub(super) fn picker_key(&mut self, key: KeyEvent, picker: &Picker) {
        let last = picker.choices.len().saturating_sub(1);
        let chosen = match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.set_pick(picker.selected.saturating_sub(1));
                None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.set_pick((picker.selected + 1).min(last));
                None
            }
            KeyCode::Home => {
                self.set_pick(0);
                None
            }
            KeyCode::End => {
                self.set_pick(last);
                None
            }
            KeyCode::Enter => picker.choices.get(picker.selected),
            KeyCode::Char(c @ '1'..='9') => {
                let number = c.to_digit(10).map_or(0, |d| d as usize);
                picker.choices.get(number - 1)
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                self.view.overlay = None;
                self.chat.emit(Effect::Quit("no server chosen".to_owned()));
                None
            }
            _ => None,
        };
        let Some(choice) = chosen else {
            return;
        };
        self.view.overlay = None;
        self.label_server(&choice.address);
        self.chat
            .server_info(format!("Connecting to {} ({})…", choice.name, choice.link));
        self.chat.emit(Effect::ConnectFirst {
            address: choice.link.clone(),
        });
        // A certificate question that came up meanwhile (another network).
        self.next_question();
    }

    /// Names the first network (status line and server tab) after what
    /// it connects to.
    fn label_server(&mut self, label: &str) {
        label.clone_into(&mut self.chat.settings.server_label);
        if let Some(server) = self.chat.buffers.get_mut(0) {
            label.clone_into(&mut server.name);
        }
    }

    fn set_pick(&mut self, to: usize) {
        if let Some(Overlay::PickServer(picker)) = &mut self.view.overlay {
            picker.selected = to;
        }
    }
}

/// `host:port`, IPv6 in brackets.
fn address_of(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
