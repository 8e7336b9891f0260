//! Newtype ids that print as `C-123` / `W-45` and parse from that form or the bare number.
//!
//! In the store (bincode, not human readable) they encode as a plain integer; in JSON as the
//! printed form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DomainError;

macro_rules! id_type {
    ($name:ident, $prefix:literal, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{}", $prefix, self.0)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                let prefix = concat!($prefix, "-");
                let digits = match t.get(..prefix.len()) {
                    Some(head) if head.eq_ignore_ascii_case(prefix) => &t[prefix.len()..],
                    _ => t,
                };
                match digits.parse::<u64>() {
                    Ok(n) if n > 0 && !digits.starts_with('+') => Ok($name(n)),
                    _ => Err(DomainError::BadId {
                        what: $what,
                        prefix: $prefix,
                        value: s.to_string(),
                    }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    s.serialize_u64(self.0)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    Ok($name(u64::deserialize(d)?))
                }
            }
        }
    };
}

id_type!(CaseId, "C", "case id");
id_type!(WorkItemId, "W", "work item id");
id_type!(RequestId, "R", "request id");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prints_and_parses() {
        assert_eq!(CaseId(123).to_string(), "C-123");
        assert_eq!(WorkItemId(45).to_string(), "W-45");
        assert_eq!("C-123".parse::<CaseId>().unwrap(), CaseId(123));
        assert_eq!("c-7".parse::<CaseId>().unwrap(), CaseId(7));
        assert_eq!("42".parse::<CaseId>().unwrap(), CaseId(42));
        assert!("W-4".parse::<CaseId>().is_err());
        assert!("C-".parse::<CaseId>().is_err());
        assert!("C-0".parse::<CaseId>().is_err());
        assert!("C-+3".parse::<CaseId>().is_err());
        assert!("x".parse::<WorkItemId>().is_err());
    }

    proptest! {
        #[test]
        fn round_trip(n in 1u64..u64::MAX) {
            prop_assert_eq!(CaseId(n).to_string().parse::<CaseId>().unwrap(), CaseId(n));
            prop_assert_eq!(WorkItemId(n).to_string().parse::<WorkItemId>().unwrap(), WorkItemId(n));
            prop_assert_eq!(n.to_string().parse::<CaseId>().unwrap(), CaseId(n));
        }
    }
}
