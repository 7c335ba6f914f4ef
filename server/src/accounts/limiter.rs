//! Failed logins, counted per connection and per address over a window, so
//! that guessing passwords is slow: past the limit an attempt is refused
//! without even looking at the password.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Addresses tracked at most; beyond, the oldest windows are forgotten first.
const MAX_ADDRESSES: usize = 4096;

/// Failures of one key within the current window.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    started: Instant,
    failures: u32,
}

impl Window {
    /// A window with no failures.
    pub fn new() -> Window {
        Window {
            started: Instant::now(),
            failures: 0,
        }
    }

    fn current(&mut self, length: Duration) -> &mut Window {
        if self.started.elapsed() >= length {
            *self = Window::new();
        }
        self
    }

    /// Seconds until the window ends, for the refusal message.
    fn remaining(&self, length: Duration) -> u64 {
        length
            .saturating_sub(self.started.elapsed())
            .as_secs()
            .max(1)
    }
}

impl Default for Window {
    fn default() -> Window {
        Window::new()
    }
}

/// The per-address table (per-connection windows live in the sessions).
#[derive(Debug, Default)]
pub struct Limiter {
    addresses: Mutex<HashMap<IpAddr, Window>>,
}

/// Limits to check one attempt against.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per connection.
    pub per_connection: u32,
    /// Per address.
    pub per_address: u32,
    /// Window length.
    pub window: Duration,
}

impl Limiter {
    /// `Err(seconds to wait)` when `connection` or `address` has used up its failures.
    pub fn check(
        &self,
        connection: &mut Window,
        address: IpAddr,
        limits: Limits,
    ) -> Result<(), u64> {
        let connection = connection.current(limits.window);
        if connection.failures >= limits.per_connection {
            return Err(connection.remaining(limits.window));
        }
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(window) = addresses.get_mut(&address) {
            let window = window.current(limits.window);
            if window.failures >= limits.per_address {
                return Err(window.remaining(limits.window));
            }
        }
        Ok(())
    }

    /// Counts a failed attempt against both.
    pub fn failed(&self, connection: &mut Window, address: IpAddr, limits: Limits) {
        connection.current(limits.window).failures += 1;
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if addresses.len() >= MAX_ADDRESSES {
            addresses.retain(|_, window| window.started.elapsed() < limits.window);
        }
        if addresses.len() < MAX_ADDRESSES {
            addresses
                .entry(address)
                .or_default()
                .current(limits.window)
                .failures += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_apply_per_connection_and_per_address() {
        let limiter = Limiter::default();
        let limits = Limits {
            per_connection: 2,
            per_address: 3,
            window: Duration::from_secs(60),
        };
        let address = IpAddr::from([127, 0, 0, 1]);
        let (mut first, mut second) = (Window::new(), Window::new());
        for _ in 0..2 {
            assert!(limiter.check(&mut first, address, limits).is_ok());
            limiter.failed(&mut first, address, limits);
        }
        assert!(limiter.check(&mut first, address, limits).is_err());
        assert!(limiter.check(&mut second, address, limits).is_ok());
        limiter.failed(&mut second, address, limits);
        // The address has used its three.
        assert!(limiter.check(&mut second, address, limits).is_err());
        let other = IpAddr::from([127, 0, 0, 2]);
        assert!(limiter.check(&mut Window::new(), other, limits).is_ok());
    }
}
