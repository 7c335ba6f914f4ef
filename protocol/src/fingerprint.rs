//! SHA-256 certificate fingerprints, the identity natter pins for a
//! self-signed server (like ssh's host keys), written the way people compare
//! them by eye and the way other clients expect them.
//!
//! Shown as `AB:CD:...` (what `openssl x509 -fingerprint -sha256` and irssi's
//! `-tls_pinned_cert` use); read from that form, from plain hex (weechat's
//! `tls_fingerprint`, the DNS-SD TXT record), with an optional `SHA256:` prefix.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The SHA-256 digest of a certificate's DER encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

/// Why a text is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a SHA-256 fingerprint: expected 64 hex digits, optionally in pairs separated by `:` (as natterd prints it)"
)]
pub struct FingerprintError(pub String);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// The raw digest.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex without separators: weechat's `tls_fingerprint` and the TXT record.
    pub fn hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Display for Fingerprint {
    /// `AB:CD:...`, the form natterd prints and people read out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    fn from_str(text: &str) -> Result<Fingerprint, FingerprintError> {
        let error = || FingerprintError(text.chars().take(120).collect());
        let trimmed = text.trim();
        let body = [
            "SHA256:", "SHA-256:", "sha256:", "sha-256:", "SHA256=", "sha256=",
        ]
        .iter()
        .find_map(|prefix| trimmed.strip_prefix(prefix))
        .unwrap_or(trimmed);
        let digits: Vec<u8> = body
            .bytes()
            .filter(|byte| *byte != b':')
            .map(|byte| (byte as char).to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(error)?;
        if digits.len() != 64 || (body.contains(':') && body.split(':').any(|p| p.len() != 2)) {
            return Err(error());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            *byte = pair[0] << 4 | pair[1];
        }
        Ok(Fingerprint(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_known_input() {
        // SHA-256 of the empty string.
        let fingerprint = Fingerprint::of_der(b"");
        assert_eq!(
            fingerprint.hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(fingerprint.to_string().starts_with("E3:B0:C4:42:"));
        assert_eq!(fingerprint.to_string().len(), 32 * 3 - 1);
    }

    #[test]
    fn every_written_form_reads_back() {
        let fingerprint = Fingerprint::of_der(b"certificate");
        let forms = [
            fingerprint.to_string(),
            fingerprint.hex(),
            fingerprint.hex().to_uppercase(),
            format!("SHA256:{}", fingerprint.hex()),
            format!("  sha256={fingerprint} "),
        ];
        for form in forms {
            assert_eq!(form.parse::<Fingerprint>(), Ok(fingerprint), "{form}");
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        let good = Fingerprint::of_der(b"x").hex();
        for bad in [
            "",
            "abc",
            &good[..62],
            &format!("{good}00"),
            &format!("{}zz", &good[..62]),
            "A:BC:DE",
        ] {
            let error = bad.parse::<Fingerprint>().unwrap_err();
            assert!(error.to_string().contains("64 hex digits"), "{bad}");
        }
    }
}
