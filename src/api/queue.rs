//! A queue's name, read and shown.

use super::Queue;

impl std::str::FromStr for Queue {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        Queue::ALL
            .into_iter()
            .find(|q| q.name() == norm)
            .ok_or_else(|| {
                format!(
                    "invalid queue {s:?}: expected one of mine, claimable, delegated, open, overdue, closed, all"
                )
            })
    }
}

impl std::fmt::Display for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
