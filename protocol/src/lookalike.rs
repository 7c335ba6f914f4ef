//! Names that look like other names: hidden characters, mixed scripts and
//! confusable skeletons (Unicode TS #39), so that a script-rich name space
//! cannot be used to impersonate someone.

use crate::Casemapping;
use crate::formatting::is_bidi_control;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// A character that changes how a name looks without being seen itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// An invisible (default-ignorable) character such as a zero-width space or joiner.
    Invisible(char),
    /// A bidirectional control such as RIGHT-TO-LEFT OVERRIDE.
    BidiControl(char),
}

/// The first invisible or bidi-control character of `s`, if any.
pub fn find_hidden(s: &str) -> Option<Hidden> {
    s.chars().find_map(|c| {
        if is_bidi_control(c) {
            Some(Hidden::BidiControl(c))
        } else if is_invisible(c) {
            Some(Hidden::Invisible(c))
        } else {
            None
        }
    })
}

/// Default_Ignorable_Code_Point (DerivedCoreProperties.txt), plus the
/// Hangul fillers and the braille blank, which render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The first letter or digit of `s` that Unicode TS #39 does not recommend in
/// identifiers (obsolete, technical or look-alike forms such as `ᴀ`).
pub fn find_not_recommended(s: &str) -> Option<char> {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .find(|c| !c.identifier_allowed())
}

/// Whether the letters and digits of `s` mix scripts the way impersonators do
/// (e.g. Latin with Cyrillic or Greek): anything beyond the TS #39 "moderately
/// restrictive" level. One script, or Latin with Han/Kana/Hangul, is fine.
pub fn is_mixed_script_confusable(s: &str) -> bool {
    let letters: String = s.chars().filter(|c| c.is_alphanumeric()).collect();
    letters.as_str().detect_restriction_level() > RestrictionLevel::ModeratelyRestrictive
}

/// The confusable skeleton of a name (TS #39 `skeleton` of its
/// [`Casemapping::Rfc8265`] folding): two names with equal skeletons look alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Skeleton(String);

impl Skeleton {
    /// The skeleton of `name`.
    pub fn of(name: &str) -> Skeleton {
        let folded = Casemapping::Rfc8265.fold(name);
        Skeleton(
            unicode_security::skeleton(&folded)
                .flat_map(char::to_lowercase)
                .collect(),
        )
    }

    /// The skeleton as text (for storage).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_found() {
        assert_eq!(
            find_hidden("al\u{200B}ice"),
            Some(Hidden::Invisible('\u{200B}'))
        );
        assert_eq!(
            find_hidden("al\u{2060}ice"),
            Some(Hidden::Invisible('\u{2060}'))
        );
        assert_eq!(
            find_hidden("a\u{202E}cila"),
            Some(Hidden::BidiControl('\u{202E}'))
        );
        assert_eq!(
            find_hidden("a\u{200F}b"),
            Some(Hidden::BidiControl('\u{200F}'))
        );
        assert_eq!(find_hidden("Zoë 小明 #x"), None);
    }

    #[test]
    fn not_recommended_letters_are_found() {
        assert_eq!(find_not_recommended("ᴀlice"), Some('ᴀ'));
        assert_eq!(find_not_recommended("alice[1]"), None);
        assert_eq!(find_not_recommended("Straße"), None);
    }

    #[test]
    fn mixed_scripts_are_confusable_single_scripts_are_not() {
        assert!(is_mixed_script_confusable("\u{0430}lice"));
        assert!(is_mixed_script_confusable("p\u{03B1}ul"));
        assert!(!is_mixed_script_confusable("alice[away]"));
        assert!(!is_mixed_script_confusable("алиса"));
        assert!(!is_mixed_script_confusable("小明"));
        assert!(!is_mixed_script_confusable("tanaka田中さん"));
    }

    #[test]
    fn skeletons_equal_for_look_alikes() {
        assert_eq!(Skeleton::of("alice"), Skeleton::of("ALICE"));
        assert_eq!(Skeleton::of("alice"), Skeleton::of("ａlice"));
        // Cyrillic с, о, р, е look like Latin c, o, p, e.
        assert_eq!(
            Skeleton::of("cope"),
            Skeleton::of("\u{0441}\u{043E}\u{0440}\u{0435}")
        );
        assert_eq!(Skeleton::of("martin"), Skeleton::of("rnartin"));
        assert_eq!(Skeleton::of("Zoë"), Skeleton::of("zoe\u{308}"));
        assert_ne!(Skeleton::of("alice"), Skeleton::of("alicia"));
        assert_eq!(Skeleton::of("bob").as_str(), "bob");
    }
}
