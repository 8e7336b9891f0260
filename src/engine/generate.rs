//! `casebench gen`: a realistic synthetic store, fast. Cases of every kind and state, work
//! items with deadlines spread over ±60 days, comments and events, and a chosen number of
//! policy timers due at the generation time. Written through the engine's own change sets
//! (entities, indexes, counters and audit events together), in large batches with one
//! flush at the end.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Engine, ManualClock, Tx, SYSTEM_ACTOR};
use crate::api::{ApiError, Command, NewCase, UserRecord};
use crate::domain::kpi::CaseFacts;
use crate::domain::{
    ArchivedCase, Case, CaseKind, CaseState, DelegationMethod, EventKind, Outcome, Policy, Shadow,
    ShadowState, Target, WorkItem,
};
use crate::import::parse_policies_toml;

#[derive(Debug, Clone, Serialize)]
pub struct GenSpec {
    pub cases: usize,
    pub open_ratio: f64,
    pub users: usize,
    pub groups: usize,
    pub due_now: usize,
    pub seed: u64,
    /// Closed cases were created over this many days up to now (open ones in the last 90
    /// at most), so a store can hold years of history.
    pub span_days: u32,
    /// Cases closed before this time are written straight to the archive beside the
    /// store, as `casebench archive --closed-before` would have left them (none: all hot).
    pub archive_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GenReport {
    pub spec: GenSpec,
    pub open: usize,
    pub overdue: usize,
    pub timers: usize,
    pub due_now: usize,
    pub events: usize,
    /// Of the cases, those written to the archive.
    pub archived: usize,
    pub millis: u128,
}

/// Archived cases the generator holds in memory before it appends them (a few KiB each,
/// with their events: 2,000 are some 10 MB; appends are neither synced nor indexed until
/// the end, so a smaller batch costs nothing).
const ARCHIVE_BATCH: usize = 2_000;

/// The generator's policy: escalate at the deadline, then a reminder before the next one.
pub const GEN_POLICY: &str = r#"
[[policy]]
name = "gen"
level_deadline = "1d"

[[policy.rule]]
after_deadline = "0m"
escalate = "manager"

[[policy.rule]]
before_deadline = "4h"
levels = [1]
notify = ["assignees"]
"#;

/// xorshift64*: small, fast, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

pub fn user_login(i: usize) -> String {
    format!("u{i:05}")
}

pub fn group_name(i: usize) -> String {
    format!("g{i:03}")
}

const SYSTEMS: [&str; 10] = [
    "SAP-HR",
    "Mainframe-RACF",
    "FileServer-02",
    "Oracle-DWH",
    "Badge-Access",
    "Postgres-Billing",
    "LegacyPayroll",
    "Printer-Quota",
    "VPN-Gateway",
    "Jira-Cloud",
];

const COMMENTS: [&str; 6] = [
    "Ticket opened with the vendor",
    "Waiting for the manager's OK",
    "Account created, password sent by SMS",
    "Needs a second look tomorrow",
    "Checked with the data owner",
    "Done, please verify",
];

fn title(kind: CaseKind, rng: &mut Rng, users: usize) -> String {
    let who = user_login(rng.below(users as u64) as usize);
    let sys = SYSTEMS[rng.below(SYSTEMS.len() as u64) as usize];
    match kind {
        CaseKind::ManualProvisioning => format!("Create account {who} on {sys} (no connector)"),
        CaseKind::Approval => format!("Approve access: {sys} read for {who}"),
        CaseKind::Remediation => format!("Divergence: account {who} on {sys} has extra rights"),
        CaseKind::Correlation => format!("Who owns account svc_{who} on {sys}?"),
        CaseKind::Certification => format!("Quarterly review: assignments of {sys}"),
        CaseKind::Generic => format!("Document the manual procedure for {sys}"),
    }
}

impl Engine {
    /// Generates a store at `path` (which must not exist) as of `now`.
    pub fn generate(
        path: &Path,
        now: DateTime<Utc>,
        spec: &GenSpec,
    ) -> Result<GenReport, ApiError> {
        let started = std::time::Instant::now();
        if spec.users < 2 || spec.groups < 1 {
            return Err(ApiError::BadInput(
                "gen needs at least 2 users and 1 group".into(),
            ));
        }
        if !(0.0..=1.0).contains(&spec.open_ratio) {
            return Err(ApiError::BadInput(
                "--open-ratio must be between 0 and 1".into(),
            ));
        }
        let clock = Arc::new(ManualClock::new(now));
        let mut engine = Engine::init(path, clock, "admin", &[])?;
        engine.set_batch_mode(true);
        let mut rng = Rng::new(spec.seed);
        let users = organisation(spec, &mut rng);
        engine.execute("admin", Command::ImportUsers { users })?;
        let policies = parse_policies_toml("gen policy", GEN_POLICY)?;
        let policy = policies[0].clone();
        engine.execute("admin", Command::ImportPolicies { policies })?;

        let open_target = (spec.cases as f64 * spec.open_ratio).round() as usize;
        let mut g = Generator {
            spec,
            now,
            policy,
            open_target,
            due_now: spec.due_now.min(open_target),
            rng,
            open: 0,
            overdue: 0,
            timers: 0,
            archived: vec![],
        };
        let archive = engine.archive.clone();
        let mut writer = archive.bulk_writer();
        let (mut events, mut archived) = (0, 0);
        let chunk = 1_000;
        let mut i = 0;
        while i < spec.cases {
            let mut tx = engine.begin("gen")?;
            for _ in 0..chunk.min(spec.cases - i) {
                g.case(&mut tx, i)?;
                i += 1;
            }
            if i == spec.cases && archived + g.archived.len() > 0 {
                let count = (archived + g.archived.len()) as u64;
                let before = spec.archive_before.unwrap_or(now);
                (tx.now, tx.actor) = (now, SYSTEM_ACTOR.to_string());
                tx.event(None, EventKind::CasesArchived { count, before }, None);
            }
            events += tx.applied.events.len();
            let (ws, _) = Engine::seal(tx);
            engine.store.commit_unflushed(ws)?;
            if g.archived.len() >= ARCHIVE_BATCH || i == spec.cases {
                writer.append(&g.archived)?;
                archived += std::mem::take(&mut g.archived).len();
            }
            // A flush now and then keeps what sled holds unwritten (and the memory) bounded.
            if i % (chunk * 50) == 0 {
                engine.flush()?;
            }
        }
        writer.finish()?;
        engine.flush()?;
        Ok(GenReport {
            spec: spec.clone(),
            open: g.open,
            overdue: g.overdue,
            timers: g.timers,
            due_now: g.due_now,
            events,
            archived,
            millis: started.elapsed().as_millis(),
        })
    }
}

/// The organisation: a tree of managers, everyone in one or two groups.
fn organisation(spec: &GenSpec, rng: &mut Rng) -> Vec<UserRecord> {
    (0..spec.users)
        .map(|i| {
            let mut groups = vec![group_name(i % spec.groups)];
            if rng.chance(0.3) {
                let g = group_name(rng.below(spec.groups as u64) as usize);
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            UserRecord {
                line: i as u64 + 2,
                login: user_login(i),
                name: format!("User {i}"),
                email: format!("{}@example.com", user_login(i)),
                manager: (i > 0).then(|| user_login((i - 1) / 8)),
                groups,
                calendar: None,
            }
        })
        .collect()
}

/// The cases in the making, and what was made so far.
struct Generator<'a> {
    spec: &'a GenSpec,
    now: DateTime<Utc>,
    policy: Policy,
    open_target: usize,
    due_now: usize,
    rng: Rng,
    open: usize,
    overdue: usize,
    timers: usize,
    /// Cases closed before `spec.archive_before`, not yet appended to the archive.
    archived: Vec<ArchivedCase>,
}

impl Generator<'_> {
    fn user(&mut self) -> String {
        user_login(self.rng.below(self.spec.users as u64) as usize)
    }

    /// The `i`th case: opened like any case, then left open, cancelled or completed.
    fn case(&mut self, tx: &mut Tx, i: usize) -> Result<(), ApiError> {
        let mark = tx.ws.mark();
        let (now, rng) = (self.now, &mut self.rng);
        let is_open = i < self.open_target;
        let is_due = i < self.due_now;
        let kind = CaseKind::ALL[match rng.below(10) {
            0..=3 => 0,
            4..=6 => 1,
            7 => 2,
            8 => 3,
            _ => 4 + rng.below(2) as usize,
        }];
        let days = if is_open {
            self.spec.span_days.clamp(1, 90)
        } else {
            self.spec.span_days.max(1)
        };
        let created = now - Duration::minutes(rng.below(u64::from(days) * 24 * 60) as i64 + 1);
        // Deadlines over ±60 days around now; those due now fall just before it; a case
        // created before that window had its deadline within 10 days of its creation.
        let deadline = if is_due {
            Some(now - Duration::seconds(rng.below(3_600) as i64))
        } else if rng.chance(0.85) {
            Some(if created < now - Duration::days(90) {
                created + Duration::minutes(rng.below(10 * 24 * 60) as i64 + 60)
            } else {
                now + Duration::minutes(rng.below(120 * 24 * 60) as i64 - 60 * 24 * 60)
            })
        } else {
            None
        };
        let requester = self.user();
        let target = if self.rng.chance(0.5) {
            Target::User(self.user())
        } else {
            Target::Group(group_name(self.rng.below(self.spec.groups as u64) as usize))
        };
        tx.now = created;
        tx.actor = requester.clone();
        tx.kept = Some(vec![]);
        let new = NewCase {
            kind,
            title: title(kind, &mut self.rng, self.spec.users),
            description: None,
            resource: None,
            object: None,
            target: target.clone(),
            deadline,
            deadline_in: None,
            policy: None,
        };
        let (mut case, mut item) = tx.open_case(new, vec![], None)?;
        case.resource = Some(SYSTEMS[(case.id.0 % 10) as usize].to_string());
        tx.record_case_opened(&case);
        if self.rng.chance(0.3) {
            let text = COMMENTS[self.rng.below(COMMENTS.len() as u64) as usize];
            tx.event(Some(case.id), EventKind::Commented, Some(text.to_string()));
        }
        let worker = match &target {
            Target::User(u) => u.clone(),
            Target::Group(_) => self.user(),
        };
        if is_open {
            self.keep_open(tx, &mut case, &mut item, &worker, is_due)?;
        } else if self.rng.chance(0.06) {
            let end = created + Duration::hours(self.rng.below(72) as i64 + 1);
            tx.now = end.min(now);
            tx.actor = requester;
            tx.cancel_item(&mut item)?;
            let why = Some("no longer needed".into());
            tx.end_case(&mut case, CaseState::Cancelled, None, why)?;
        } else {
            let end = (created + Duration::hours(self.rng.below(240) as i64 + 1)).min(now);
            tx.now = end;
            tx.actor = worker.clone();
            if item.assignees.is_empty() {
                let what = item.claim(&worker)?;
                tx.event(Some(case.id), what, None);
            }
            let outcome = match kind {
                CaseKind::Approval if self.rng.chance(0.2) => Outcome::Rejected,
                CaseKind::Approval => Outcome::Approved,
                _ if self.rng.chance(0.05) => Outcome::Failure,
                _ => Outcome::Success,
            };
            tx.complete_item(&mut item, &worker, outcome, None)?;
            tx.close_case(&mut case, Some(outcome))?;
        }
        tx.ws.put_case(None, &case);
        tx.ws.put_work_item(None, &item);
        let events = tx.kept.take().unwrap_or_default();
        let Some(closed) = case.closed else {
            return Ok(());
        };
        let facts = CaseFacts::of(
            &case,
            std::slice::from_ref(&item),
            &events,
            None,
            SYSTEM_ACTOR,
        );
        if self.spec.archive_before.is_some_and(|b| closed < b) {
            // Nothing of it in the hot store: as an archive run and the sweeps after it
            // leave a case (its ids and event numbers stay taken).
            tx.ws.rewind(mark);
            self.archived.push(ArchivedCase {
                case,
                work_items: vec![item],
                events,
                facts: Some(facts),
                archived: self.now,
                // A generated case links no request, campaign, ticket or operation.
                links: Some(Default::default()),
            });
            return Ok(());
        }
        tx.ws.put_case_facts(&case, &facts);
        Ok(())
    }

    /// An open case: sometimes claimed or delegated, sometimes under the policy.
    fn keep_open(
        &mut self,
        tx: &mut Tx,
        case: &mut Case,
        item: &mut WorkItem,
        worker: &str,
        is_due: bool,
    ) -> Result<(), ApiError> {
        self.open += 1;
        if item.candidates.len() == 1 && self.rng.chance(0.3) {
            let what = item.claim(worker)?;
            tx.actor = worker.to_string();
            tx.event(Some(case.id), what, None);
        }
        if !item.assignees.is_empty() && self.rng.chance(0.1) {
            let by = item.assignees[0].clone();
            let to = Target::User(self.user());
            let what = item.delegate(&by, &to, DelegationMethod::Replace)?;
            tx.actor = by;
            tx.event(Some(case.id), what, Some("over to you".into()));
        }
        let deadline = item.deadline;
        let past = deadline.is_some_and(|d| d <= self.now);
        if past {
            self.overdue += 1;
        }
        // Under the policy: the items due now, and half of those with a future
        // deadline (their timers wait in `due`); overdue ones stay untimed.
        if is_due || (!past && deadline.is_some() && self.rng.chance(0.5)) {
            case.policy = Some(self.policy.name.clone());
            tx.record_case_opened(case);
            item.timers = self.policy.schedule(item, item.level_start, None)?;
            self.timers += item.timers.len();
        }
        Ok(())
    }
}

/// A store for a campaign over many accounts: `users` users in `groups` groups (the
/// organisation above), a manual resource `resource` owned by the first group, and
/// `accounts` live accounts on it, the `i`th owned by user `i % users`, with groups and a
/// department `d{i % 10}` (written directly, in batches of 10,000, one flush). The engine is
/// left in batch mode.
pub fn account_store(
    path: &Path,
    now: DateTime<Utc>,
    resource: &str,
    accounts: usize,
    spec: &GenSpec,
) -> Result<Engine, ApiError> {
    let clock = Arc::new(ManualClock::new(now));
    let mut engine = Engine::init(path, clock, "admin", &[])?;
    engine.set_batch_mode(true);
    let mut rng = Rng::new(spec.seed);
    let users = organisation(spec, &mut rng);
    engine.execute("admin", Command::ImportUsers { users })?;
    let toml = format!(
        "[[resource]]\nid = \"{resource}\"\nkind = \"manual\"\nowners = \"{}\"\n",
        group_name(0)
    );
    let resources = crate::import::parse_resources_toml("generated resource", &toml, path)?;
    engine.execute("admin", Command::ImportResources { resources })?;
    let mut i = 0;
    while i < accounts {
        let mut tx = engine.begin("gen")?;
        for _ in 0..10_000.min(accounts - i) {
            let owner = user_login(i % spec.users);
            let mut s = Shadow::new(resource, &format!("acct{i:07}"), Some(owner));
            s.state = ShadowState::Exists;
            s.last_seen = Some(now - Duration::hours(rng.below(24 * 30) as i64));
            let groups = format!("USERS;APP{}", rng.below(7));
            s.attributes.insert("groups".into(), groups);
            s.attributes.insert("dept".into(), format!("d{}", i % 10));
            tx.ws.put_shadow(None, &s);
            i += 1;
        }
        let (ws, _) = Engine::seal(tx);
        engine.store.commit_unflushed(ws)?;
    }
    engine.flush()?;
    Ok(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_reproducible_and_spread() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..100).map(|_| a.below(10)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        assert!((0..10).all(|d| xs.contains(&d)));
    }

    #[test]
    fn generated_store_keeps_the_invariants() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::domain::time::from_millis(1_795_000_000_000);
        let spec = GenSpec {
            cases: 3_000,
            open_ratio: 0.2,
            users: 50,
            groups: 5,
            due_now: 100,
            seed: 1,
            span_days: 90,
            archive_before: None,
        };
        let r = Engine::generate(&dir.path().join("g"), now, &spec).unwrap();
        assert_eq!(r.open, 600);
        assert_eq!(r.due_now, 100);
        let engine = Engine::open(&dir.path().join("g"), Arc::new(ManualClock::new(now))).unwrap();
        let s = engine.store();
        assert_eq!(s.all_cases().unwrap().len(), 3_000);
        assert_eq!(s.count_in_state(CaseState::Open).unwrap(), 600);
        assert_eq!(s.due_until(now, usize::MAX).unwrap().len(), 100);
        let fired = engine.sweep_at(now, now, false).unwrap().fired;
        assert_eq!(fired.len(), 100);
        assert!(engine.sweep_at(now, now, false).unwrap().fired.is_empty());
    }

    #[test]
    fn a_span_of_two_years_spreads_closed_cases_and_keeps_open_ones_recent() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::domain::time::from_millis(1_795_000_000_000);
        let spec = GenSpec {
            cases: 2_000,
            open_ratio: 0.1,
            users: 50,
            groups: 5,
            due_now: 50,
            seed: 3,
            span_days: 730,
            archive_before: None,
        };
        Engine::generate(&dir.path().join("g"), now, &spec).unwrap();
        let engine = Engine::open(&dir.path().join("g"), Arc::new(ManualClock::new(now))).unwrap();
        let cases = engine.store().all_cases().unwrap();
        let (open, closed): (Vec<_>, Vec<_>) = cases.iter().partition(|c| c.closed.is_none());
        let window = now - Duration::days(90);
        assert!(open.iter().all(|c| c.created >= window));
        let old = closed.iter().filter(|c| c.created < window).count();
        // About 640 of 730 days lie before the window.
        assert!((1_400..1_750).contains(&old), "{old} of {}", closed.len());
        assert!(closed
            .iter()
            .all(|c| c.created >= now - Duration::days(730)));
        assert!(closed.iter().all(|c| c.closed.unwrap() <= now));
        let findings = engine.check().unwrap();
        assert!(findings.is_empty(), "{findings:?}");
    }
}
