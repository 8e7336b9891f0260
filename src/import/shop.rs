//! The shop settings of a products file (`casebench import products FILE.toml`): the zone
//! days are counted in and the store-wide gap rule, both top-level, before any table; and
//! a product's own gap rule:
//!
//! ```toml
//! zone = "Europe/Berlin"            # optional: an IANA zone (default UTC)
//!
//! [gap]                             # optional: the store-wide gap rule
//! counts = ["pending", "approved", "assigned"]  # which requests of the product count
//! fitting = "unchecked"             # overlap | no-overlap | unchecked
//!
//! [[product]]
//! gap = { fitting = "no-overlap" }  # optional: this product's (what it leaves out: [gap]'s, else the default's)
//! ```

use serde::Deserialize;
use toml::Spanned;

use crate::domain::shop::parse_zone;
use crate::domain::{GapCount, GapFitting, GapRule, ShopSettings};

/// A gap rule as written (`[gap]`, `gap = {…}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGap {
    counts: Option<Spanned<Vec<GapCount>>>,
    fitting: Option<GapFitting>,
}

/// A refusal: the byte offset it is about and the message.
pub(super) type Refusal = (usize, String);

impl RawGap {
    /// The rule; what it leaves out is the default's.
    pub(super) fn rule(&self) -> Result<GapRule, Refusal> {
        self.rule_over(&GapRule::default())
    }

    /// The rule; what it leaves out is `base`'s.
    pub(super) fn rule_over(&self, base: &GapRule) -> Result<GapRule, Refusal> {
        let default = base.clone();
        let counts = match &self.counts {
            Some(c) if c.get_ref().is_empty() => {
                let msg = "gap counts names no request state (pending, approved, assigned)";
                return Err((c.span().start, msg.into()));
            }
            Some(c) => {
                let mut counts = c.get_ref().clone();
                counts.sort();
                counts.dedup();
                counts
            }
            None => default.counts,
        };
        Ok(GapRule {
            counts,
            fitting: self.fitting.unwrap_or(default.fitting),
        })
    }
}

/// The settings a file sets (`None` where it leaves the stored ones).
pub(super) fn settings(
    zone: &Option<Spanned<String>>,
    gap: &Option<Spanned<RawGap>>,
) -> Result<ShopSettings, Refusal> {
    let zone = match zone {
        Some(z) => Some(
            parse_zone(z.get_ref())
                .map_err(|e| (z.span().start, e.to_string()))?
                .name()
                .to_string(),
        ),
        None => None,
    };
    Ok(ShopSettings {
        zone,
        gap: gap.as_ref().map(|g| g.get_ref().rule()).transpose()?,
    })
}
