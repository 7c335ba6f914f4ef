//! The nick to try when the server refuses one during registration.

/// The nick to try after `attempts` refusals of `base`: `base_`, then
/// `base2`, `base3`... cut to 9 characters when the server found the nick
/// erroneous (the RFC limit), falling back to `natter` + digits.
pub fn alternative_nick(base: &str, attempts: u32, erroneous: bool) -> String {
    if erroneous {
        let cut: String = base
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-_[]{}\\|^`".contains(*c))
            .take(7)
            .collect();
        let cut = if cut.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            cut
        } else {
            "natter".to_owned()
        };
        return if attempts <= 1 {
            cut
        } else {
            format!("{cut}{}", fastrand::u32(10..99))
        };
    }
    match attempts {
        0 => base.to_owned(),
        1 => format!("{base}_"),
        n => format!("{base}{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erroneous_nick_falls_back_to_a_short_one() {
        assert_eq!(alternative_nick("verylongnickname", 1, true), "verylon");
        assert_eq!(alternative_nick("1abc", 1, true), "natter");
    }
}
