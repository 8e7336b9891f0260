//! The demo store: an organisation and a few weeks of cases at every stage, built from
//! `assets/demo/` through the engine, as if people had worked them over time.
//!
//! `cases.csv` columns: `days_ago,kind,title,requester,target,deadline_days,script`; the
//! script is `|`-separated steps `HOURS:ACTOR:VERB[:ARG]` (hours after the case was created)
//! with verbs claim, comment, delegate, delegate-add, escalate, complete, correlate (`ARG`:
//! the owner; none: an orphan), cancel, close. It holds no correlation, remediation or
//! certification cases: the first two come from exports, as they do for real, the last from
//! the demo's certification campaigns (`campaigns.rs`).
//!
//! `exports/*.csv` are what each semi-manual resource's export showed over time: a row is in
//! the exports read from `seen_from` to `seen_until` days ago (empty or no column: always).
//! `feeds.csv` (`days_ago,resource,account,script`) reads them through the engine
//! (`Command::ReadFeed`, at 6 h before that day's time) in its order, and plays the script on
//! the case that reading opened for the account (hours after the reading).

mod campaigns;
mod shop;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::api::{ApiError, Command, NewCase, ServiceExt};
use crate::domain::{
    CaseId, CaseKind, DelegationMethod, OpKind, Outcome, Resource, ResourceKind, Target,
};
use crate::engine::{Engine, ManualClock};
use crate::import::{in_file, parse_policies_toml, parse_users_csv};

pub const USERS_CSV: &str = include_str!("../../assets/demo/users.csv");
pub const CASES_CSV: &str = include_str!("../../assets/demo/cases.csv");
pub const CALENDARS_TOML: &str = include_str!("../../assets/demo/calendars.toml");
pub const POLICIES_TOML: &str = include_str!("../../assets/demo/policies.toml");
pub const RESOURCES_TOML: &str = include_str!("../../assets/demo/resources.toml");
pub const BADGE_EXPORT: &str = include_str!("../../assets/demo/exports/badge.csv");
pub const FEEDS_CSV: &str = include_str!("../../assets/demo/feeds.csv");
/// What each semi-manual resource's export showed over time (see [`export_at`]).
const TIMELINES: [(&str, &str); 3] = [
    ("badge", BADGE_EXPORT),
    ("racf", include_str!("../../assets/demo/exports/racf.csv")),
    ("dwh", include_str!("../../assets/demo/exports/dwh.csv")),
];
pub const ADMIN: &str = "admin";

/// Builds the demo store at `path` with "now" = `now`. Fails if a store exists there. The
/// exports its semi-manual resources read are written to `exports`.
pub fn build(path: &Path, exports: &Path, now: DateTime<Utc>) -> Result<Engine, ApiError> {
    let clock = Arc::new(ManualClock::new(now - Duration::days(60)));
    let mut engine = Engine::init(path, clock.clone(), ADMIN, &[])?;
    engine.set_batch_mode(true);
    let cals = crate::import::parse_calendars_toml("assets/demo/calendars.toml", CALENDARS_TOML)?;
    engine.execute(
        ADMIN,
        Command::ImportCalendars {
            calendars: cals.calendars,
            default: cals.default,
        },
    )?;
    let users = parse_users_csv("assets/demo/users.csv", USERS_CSV.as_bytes())?;
    engine
        .execute(ADMIN, Command::ImportUsers { users })
        .map_err(|e| in_file("assets/demo/users.csv", e))?;
    let policies = parse_policies_toml("assets/demo/policies.toml", POLICIES_TOML)?;
    engine.execute(ADMIN, Command::ImportPolicies { policies })?;

    for (line, rec) in records("cases.csv", CASES_CSV)? {
        let at = |e: String| ApiError::BadInput(format!("assets/demo/cases.csv: line {line}: {e}"));
        let field = |n: usize| rec.get(n).unwrap_or("").to_string();
        let days_ago: i64 = field(0).parse().map_err(|_| at("bad days_ago".into()))?;
        // Spread cases of one day over its working hours.
        let minutes = ((line - 2) * 37 % 480) as i64;
        let created = now - Duration::days(days_ago) - Duration::minutes(minutes);
        let created = created.min(now - Duration::minutes(5));
        clock.set(created);
        let deadline = match field(5).as_str() {
            "" => None,
            d => Some(
                created
                    + Duration::days(
                        d.parse::<i64>()
                            .map_err(|_| at("bad deadline_days".into()))?,
                    ),
            ),
        };
        let kind: CaseKind = field(1).parse().map_err(|e| at(format!("{e}")))?;
        if matches!(
            kind,
            CaseKind::Correlation | CaseKind::Remediation | CaseKind::Certification
        ) {
            return Err(at(format!(
                "a {kind} case comes from an export (feeds.csv), not from cases.csv"
            )));
        }
        // Recent untouched cases run under the demo's escalation policies, so the live
        // sweep has timers to fire; scripted ones are left to their script.
        let policy = match kind {
            _ if !field(6).trim().is_empty() || days_ago > 3 => None,
            CaseKind::Approval => Some("approval-timeout".to_string()),
            _ if deadline.is_some() => Some("standard".to_string()),
            _ => None,
        };
        let applied = engine
            .execute(
                &field(3),
                Command::CreateCase(NewCase {
                    kind,
                    title: field(2),
                    description: None,
                    resource: None,
                    object: None,
                    target: field(4).parse().map_err(|e| at(format!("{e}")))?,
                    deadline,
                    deadline_in: None,
                    policy,
                }),
            )
            .map_err(|e| at(e.to_string()))?;
        let case = applied.case.expect("a new case");
        play(&engine, &clock, case, created, now, &field(6)).map_err(at)?;
    }
    resources(&engine, &clock, exports, now)?;
    shop::shop(&engine, &clock, now)?;
    campaigns::campaigns(&engine, &clock, now)?;
    clock.set(now);
    // What the timers would have done by now.
    engine.sweep_at(now, now, false)?;
    engine.flush()?;
    Ok(engine)
}

/// Manual and semi-manual resources with work at every stage: done, waiting, queued for
/// propagation, confirmed by an export, diverged, and accounts nobody owns.
fn resources(
    engine: &Engine,
    clock: &ManualClock,
    exports: &Path,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    std::fs::create_dir_all(exports)
        .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", exports.display())))?;
    let resources =
        crate::import::parse_resources_toml("assets/demo/resources.toml", RESOURCES_TOML, exports)?;
    clock.set(now - Duration::days(30));
    engine.execute(
        ADMIN,
        Command::ImportResources {
            resources: resources.clone(),
        },
    )?;
    let w = Work { engine, clock, now };
    w.sap_hr()?;
    w.fileserver()?;
    w.badge()?;
    w.feeds(&resources)
}

/// The demo's provisioning work, replayed at its times.
struct Work<'a> {
    engine: &'a Engine,
    clock: &'a ManualClock,
    now: DateTime<Utc>,
}

impl Work<'_> {
    fn ago(&self, days: i64, hours: i64) -> DateTime<Utc> {
        self.now - Duration::days(days) - Duration::hours(hours)
    }

    /// Asks for an operation on `account` (owned by the user of that login, but for `svc*`);
    /// returns the case opened for it, if one was.
    fn provision(
        &self,
        at: DateTime<Utc>,
        resource: &str,
        account: &str,
        kind: OpKind,
        attrs: &[(&str, &str)],
    ) -> Result<Option<CaseId>, ApiError> {
        self.clock.set(at);
        let set = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        let applied = self.engine.execute(
            ADMIN,
            Command::Provision {
                resource: resource.into(),
                account: account.into(),
                owner: Some(account.into()).filter(|a: &String| !a.starts_with("svc")),
                kind,
                set,
            },
        )?;
        Ok(applied.case)
    }

    /// `who` claims and completes the case.
    fn work(
        &self,
        at: DateTime<Utc>,
        who: &str,
        case: Option<CaseId>,
        outcome: Outcome,
        comment: &str,
    ) -> Result<(), ApiError> {
        let case = case.expect("a provisioning case");
        self.clock.set(at);
        self.engine.execute(
            who,
            Command::Claim {
                case,
                work_item: None,
            },
        )?;
        self.engine.execute(
            who,
            Command::Complete {
                case,
                work_item: None,
                outcome,
                comment: Some(comment.into()),
            },
        )?;
        Ok(())
    }

    /// SAP-HR: one done, one failed, two waiting for the HR systems team.
    fn sap_hr(&self) -> Result<(), ApiError> {
        let attrs = [("mail", "lbernard@example.com"), ("org", "HR-Payroll")];
        let c = self.provision(self.ago(3, 5), "sap-hr", "lbernard", OpKind::Add, &attrs)?;
        let done = "created in SU01, initial password by letter";
        self.work(self.ago(3, 2), "pdubois", c, Outcome::Success, done)?;
        let attrs = [("org", "HR-Benefits")];
        let c = self.provision(self.ago(2, 6), "sap-hr", "lbernard", OpKind::Modify, &attrs)?;
        let failed = "org unit HR-Benefits does not exist yet in SAP";
        self.work(self.ago(2, 1), "pdubois", c, Outcome::Failure, failed)?;
        let attrs = [("mail", "wzhang@example.com"), ("org", "HR-Reporting")];
        self.provision(self.ago(1, 3), "sap-hr", "wzhang", OpKind::Add, &attrs)?;
        let attrs = [("mail", "amoreau@example.com"), ("org", "HR-Payroll")];
        self.provision(self.ago(0, 5), "sap-hr", "amoreau", OpKind::Add, &attrs)?;
        Ok(())
    }

    /// FileServer-02: operations queued for the next propagation case.
    fn fileserver(&self) -> Result<(), ApiError> {
        for (acc, quota) in [
            ("alice", "20G"),
            ("jdoe", "10G"),
            ("tkraus", "10G"),
            ("alice", "50G"),
        ] {
            let kind = if acc == "alice" && quota == "50G" {
                OpKind::Modify
            } else {
                OpKind::Add
            };
            self.provision(self.ago(0, 1), "fileserver", acc, kind, &[("quota", quota)])?;
        }
        Ok(())
    }

    /// Badge-Access: done and confirmed, done and diverged, done and not in the export, and
    /// one waiting.
    fn badge(&self) -> Result<(), ApiError> {
        for (acc, zone, who) in [
            ("alice", "B2", "kyamamoto"),
            ("mnovak", "B1", "evolkova"),
            ("ocohen", "B1", "hsato"),
            ("nmeyer", "B1", "hsato"),
        ] {
            let mail = format!("{acc}@example.com");
            let attrs = [("mail", mail.as_str()), ("zone", zone)];
            let c = self.provision(self.ago(3, 0), "badge", acc, OpKind::Add, &attrs)?;
            let done = "badge printed and handed over";
            self.work(self.ago(2, 20), who, c, Outcome::Success, done)?;
        }
        let attrs = [("mail", "hsato@example.com"), ("zone", "B1")];
        self.provision(self.ago(0, 2), "badge", "hsato", OpKind::Add, &attrs)?;
        Ok(())
    }
}

impl Work<'_> {
    /// Replays `feeds.csv`: the exports read at their times, and what people did with the
    /// cases each reading opened.
    fn feeds(&self, resources: &[Resource]) -> Result<(), ApiError> {
        let mut read = BTreeSet::new();
        for (line, rec) in records("feeds.csv", FEEDS_CSV)? {
            let at =
                |e: String| ApiError::BadInput(format!("assets/demo/feeds.csv: line {line}: {e}"));
            let field = |n: usize| rec.get(n).unwrap_or("").to_string();
            let days_ago: i64 = field(0).parse().map_err(|_| at("bad days_ago".into()))?;
            let resource = resources
                .iter()
                .find(|r| r.id == field(1))
                .ok_or_else(|| at(format!("no resource {:?}", field(1))))?;
            let when = self.ago(days_ago, 6);
            if read.insert((days_ago, resource.id.clone())) {
                self.read_export(resource, days_ago, when)
                    .map_err(|e| at(e.to_string()))?;
            }
            let account = field(2);
            if account.is_empty() {
                continue;
            }
            let case = self
                .engine
                .shadow(ADMIN, &resource.id, &account)?
                .and_then(|s| s.remediation)
                .ok_or_else(|| at(format!("the export opened no case for {account}")))?;
            play(self.engine, self.clock, case, when, self.now, &field(3)).map_err(at)?;
        }
        Ok(())
    }

    /// Reads the export `resource` shows `days_ago` days ago, at `when`; the export file is
    /// left as read, for the live sweep.
    fn read_export(
        &self,
        resource: &Resource,
        days_ago: i64,
        when: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let ResourceKind::SemiManual {
            feed,
            key,
            attributes,
        } = &resource.kind
        else {
            return Err(ApiError::BadInput(format!("{} has no export", resource.id)));
        };
        let (_, timeline) = TIMELINES
            .iter()
            .find(|(id, _)| *id == resource.id)
            .ok_or_else(|| ApiError::BadInput(format!("no export for {}", resource.id)))?;
        let text = export_at(timeline, days_ago)?;
        std::fs::write(feed, &text)
            .map_err(|e| ApiError::Internal(format!("cannot write {feed}: {e}")))?;
        let rows = crate::import::feed::parse_feed_csv(feed, text.as_bytes(), key, attributes)?;
        self.clock.set(when);
        self.engine.execute(
            ADMIN,
            Command::ReadFeed {
                resource: resource.id.clone(),
                label: feed.clone(),
                fingerprint: crate::import::feed::fingerprint(text.as_bytes()),
                rows,
            },
        )?;
        Ok(())
    }
}

/// The export a timeline shows `days_ago` days ago: its rows seen then (`seen_from` and
/// `seen_until` days ago, both included; empty or absent: always), without those columns.
fn export_at(timeline: &str, days_ago: i64) -> Result<String, ApiError> {
    let bad = |e: String| ApiError::BadInput(format!("demo export: {e}"));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(timeline.as_bytes());
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (from, until) = (column("seen_from"), column("seen_until"));
    let keep: Vec<usize> = (0..headers.len())
        .filter(|i| Some(*i) != from && Some(*i) != until)
        .collect();
    let mut out = csv::Writer::from_writer(vec![]);
    let write = |out: &mut csv::Writer<Vec<u8>>, rec: &csv::StringRecord| {
        out.write_record(keep.iter().map(|&i| rec.get(i).unwrap_or("")))
            .map_err(|e| bad(e.to_string()))
    };
    write(&mut out, &headers)?;
    for rec in reader.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let day = |c: Option<usize>, default: i64| match c.and_then(|c| rec.get(c)) {
            None | Some("") => Ok(default),
            Some(d) => d.parse::<i64>().map_err(|_| bad(format!("bad day {d:?}"))),
        };
        if day(from, i64::MAX)? >= days_ago && days_ago >= day(until, 0)? {
            write(&mut out, &rec)?;
        }
    }
    let bytes = out.into_inner().map_err(|e| bad(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| bad(e.to_string()))
}

/// The records of a demo CSV file with their line numbers.
fn records(name: &str, text: &str) -> Result<Vec<(usize, csv::StringRecord)>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, rec)| {
            rec.map(|r| (i + 2, r))
                .map_err(|e| ApiError::BadInput(format!("assets/demo/{name}: line {}: {e}", i + 2)))
        })
        .collect()
}

/// Plays a case's script: `|`-separated steps `HOURS:ACTOR:VERB[:ARG]`, hours after `start`.
fn play(
    engine: &Engine,
    clock: &ManualClock,
    case: CaseId,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    script: &str,
) -> Result<(), String> {
    for step in script.split('|').filter(|s| !s.trim().is_empty()) {
        let mut parts = step.splitn(4, ':');
        let hours: f64 = parts
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| format!("bad step {step:?}"))?;
        let actor = parts.next().unwrap_or("").trim().to_string();
        let verb = parts.next().unwrap_or("").trim().to_string();
        let arg = parts.next().map(|a| a.trim().to_string());
        clock.set((start + Duration::minutes((hours * 60.0) as i64)).min(now));
        let command = step_command(case, &verb, arg).map_err(|e| format!("{step:?}: {e}"))?;
        engine
            .execute(&actor, command)
            .map_err(|e| format!("{step:?}: {e}"))?;
    }
    Ok(())
}

/// Where the demo keeps the exports its semi-manual resources read.
pub fn exports_dir(store: &Path) -> std::path::PathBuf {
    let mut name = store
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push("-exports");
    store.with_file_name(name)
}

fn step_command(case: CaseId, verb: &str, arg: Option<String>) -> Result<Command, String> {
    let need = |a: Option<String>| a.filter(|s| !s.is_empty()).ok_or("missing argument");
    let target = |a: Option<String>| -> Result<Target, String> {
        need(a)?.parse::<Target>().map_err(|e| e.to_string())
    };
    let outcome = |a: Option<String>| -> Result<Outcome, String> {
        need(a)?.parse::<Outcome>().map_err(|e| e.to_string())
    };
    Ok(match verb {
        "claim" => Command::Claim {
            case,
            work_item: None,
        },
        "comment" => Command::Comment {
            case,
            text: need(arg)?,
        },
        "delegate" | "delegate-add" => Command::Delegate {
            case,
            work_item: None,
            to: target(arg)?,
            method: if verb == "delegate" {
                DelegationMethod::Replace
            } else {
                DelegationMethod::Add
            },
            comment: None,
        },
        "escalate" => Command::Escalate {
            case,
            work_item: None,
            to: None,
            comment: Some("no reaction in time".into()),
        },
        "complete" => Command::Complete {
            case,
            work_item: None,
            outcome: outcome(arg)?,
            comment: None,
        },
        // Without an owner: an orphan.
        "correlate" => Command::Correlate {
            case,
            owner: arg.filter(|s| !s.is_empty()),
        },
        "cancel" => Command::Cancel {
            case,
            comment: Some("no longer needed".into()),
        },
        "close" => Command::Close {
            case,
            outcome: Some(outcome(arg)?),
            comment: Some("closed by hand".into()),
        },
        other => return Err(format!("unknown verb {other:?}")),
    })
}
