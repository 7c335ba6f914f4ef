//! What nickname and channel-name newtypes share: reading the validated
//! string back, case-folding it, and converting it.

/// Implements the string accessors, case-folding and conversions of a
/// validated name newtype `$name(String)`; `$what` names it in the docs.
macro_rules! name_string_impls {
    ($name:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("The ", $what, " as typed.")]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The RFC 8265 case-folded form (natterd's), for comparisons and map keys.
            pub fn folded(&self) -> String {
                $crate::Casemapping::Rfc8265.fold(&self.0)
            }

            /// The case-folded form under the given case-mapping.
            pub fn folded_with(&self, casemapping: $crate::Casemapping) -> String {
                casemapping.fold(&self.0)
            }

            #[doc = concat!("Consumes the ", $what, ", returning its string.")]
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }
    };
}

pub(crate) use name_string_impls;
