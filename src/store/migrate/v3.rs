//! Schema 3 → 4: approval steps' reminders and timeouts became spans (wall-clock or working
//! time; old second counts read as wall-clock), and `calendar` was added at the end of
//! `ApprovalPolicy` (so of the copy a request in approval holds), `Product` and `Group`;
//! certification stages' durations, reminders and escalations became spans too, and
//! `calendar` was added at the end of `CampaignDef` (so of the copy a run holds).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::sled_store::Store;
use super::super::trees::{self, Tree};
use super::super::{encode, StoreError};
use super::{decode_whole, upgrade};
use crate::domain::approval::{
    Approval, ApprovalTimer, Approvers, Level, NoApprover, OnTimeout, Purpose, SelfApproval, Step,
    StepRun,
};
use crate::domain::campaign::{
    CampaignDef, CampaignRun, NoResponse, Remediate, ReviewCase, ReviewerSource, RunState,
    RunTimer, Scope, StageDef, StageItems,
};
use crate::domain::duration::Span;
use crate::domain::{
    ApprovalPolicy, CaseId, Group, OpRef, Product, Request, RequestId, RequestState, ValidityTimer,
};

pub(super) fn migrate(store: &Store) -> Result<(), StoreError> {
    upgrade::<ApprovalPolicy, PolicyV3>(store, Tree::ApprovalPolicies, |p| p.into())?;
    upgrade::<Request, RequestV3>(store, Tree::Requests, |r| r.into())?;
    // `calendar: None` at the end is one zero byte more.
    append_none::<Product>(store, Tree::Products)?;
    append_none::<Group>(store, Tree::Groups)?;
    upgrade::<CampaignDef, CampaignDefV3>(store, Tree::Campaigns, |d| d.into())?;
    upgrade::<CampaignRun, CampaignRunV3>(store, Tree::CampaignRuns, |r| r.into())
}

/// Values of `tree` not yet in the `New` layout, which is theirs with a last `None` field.
pub(super) fn append_none<New>(store: &Store, tree: Tree) -> Result<(), StoreError>
where
    New: Serialize + for<'de> Deserialize<'de>,
{
    let t = store.tree(tree)?;
    let name = trees::NAMES[tree as usize];
    for kv in t.iter() {
        let (k, v) = kv?;
        if decode_whole::<New>(name, &v).is_ok() {
            continue;
        }
        let mut bytes = v.to_vec();
        bytes.push(0);
        let new: New = decode_whole(name, &bytes)?;
        t.insert(k, encode(&new))?;
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
pub(super) struct StepV3 {
    pub name: String,
    pub approvers: Approvers,
    pub count: u32,
    pub reminder_secs: Option<i64>,
    pub timeout_secs: Option<i64>,
    pub on_timeout: OnTimeout,
    pub no_approver: NoApprover,
    pub self_approval: SelfApproval,
}

#[derive(Serialize, Deserialize)]
pub(super) struct LevelV3 {
    pub steps: Vec<StepV3>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct PolicyV3 {
    pub name: String,
    pub chief: Option<String>,
    pub levels: Vec<LevelV3>,
}

impl From<PolicyV3> for ApprovalPolicy {
    fn from(p: PolicyV3) -> ApprovalPolicy {
        let step = |s: StepV3| Step {
            name: s.name,
            approvers: s.approvers,
            count: s.count,
            reminder: s.reminder_secs.map(Span::Wall),
            timeout: s.timeout_secs.map(Span::Wall),
            on_timeout: s.on_timeout,
            no_approver: s.no_approver,
            self_approval: s.self_approval,
        };
        ApprovalPolicy {
            name: p.name,
            chief: p.chief,
            levels: (p.levels.into_iter())
                .map(|l| Level {
                    steps: l.steps.into_iter().map(step).collect(),
                })
                .collect(),
            calendar: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct ApprovalV3 {
    pub policy: PolicyV3,
    pub chief: Option<String>,
    pub case: CaseId,
    pub level: u32,
    pub steps: Vec<StepRun>,
    pub timers: Vec<ApprovalTimer>,
    pub purpose: Purpose,
}

#[derive(Serialize, Deserialize)]
pub(super) struct RequestV3 {
    pub id: RequestId,
    pub requester: String,
    pub recipient: String,
    pub product: String,
    pub reason: Option<String>,
    pub state: RequestState,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub valid_until: Option<DateTime<Utc>>,
    pub notice_secs: Option<i64>,
    #[serde(with = "crate::domain::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts")]
    pub modified: DateTime<Utc>,
    pub timers: Vec<ValidityTimer>,
    pub approval: Option<ApprovalV3>,
    pub renewals: u32,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub provisioned_at: Option<DateTime<Utc>>,
    pub operations: Vec<OpRef>,
}

impl From<RequestV3> for Request {
    fn from(r: RequestV3) -> Request {
        let approval = r.approval.map(|a| Approval {
            policy: a.policy.into(),
            chief: a.chief,
            case: a.case,
            level: a.level,
            steps: a.steps,
            timers: a.timers,
            purpose: a.purpose,
        });
        Request {
            id: r.id,
            requester: r.requester,
            recipient: r.recipient,
            product: r.product,
            reason: r.reason,
            state: r.state,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            notice_secs: r.notice_secs,
            created: r.created,
            modified: r.modified,
            timers: r.timers,
            approval,
            renewals: r.renewals,
            approved_at: r.approved_at,
            provisioned_at: r.provisioned_at,
            operations: r.operations,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct StageDefV3 {
    pub name: String,
    pub reviewers: ReviewerSource,
    pub duration_secs: i64,
    pub reminders_secs: Vec<i64>,
    pub no_response: NoResponse,
    pub escalate_for_secs: Option<i64>,
    pub items: StageItems,
}

#[derive(Serialize, Deserialize)]
pub(super) struct CampaignDefV3 {
    pub name: String,
    pub description: Option<String>,
    pub scope: Scope,
    pub stages: Vec<StageDefV3>,
    pub remediate: Remediate,
    pub runs: Vec<u64>,
}

impl From<CampaignDefV3> for CampaignDef {
    fn from(d: CampaignDefV3) -> CampaignDef {
        let stage = |s: StageDefV3| StageDef {
            name: s.name,
            reviewers: s.reviewers,
            duration: Span::Wall(s.duration_secs),
            reminders: s.reminders_secs.into_iter().map(Span::Wall).collect(),
            no_response: s.no_response,
            escalate_for: s.escalate_for_secs.map(Span::Wall),
            items: s.items,
        };
        CampaignDef {
            name: d.name,
            description: d.description,
            scope: d.scope,
            stages: d.stages.into_iter().map(stage).collect(),
            remediate: d.remediate,
            runs: d.runs,
            calendar: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct CampaignRunV3 {
    pub id: u64,
    pub name: String,
    pub number: u32,
    pub def: CampaignDefV3,
    pub state: RunState,
    pub stage: u32,
    pub iteration: u32,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub stage_deadline: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub stage_started: Option<DateTime<Utc>>,
    pub escalated: bool,
    pub started_by: String,
    #[serde(with = "crate::domain::time::ts")]
    pub started: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
    pub items: u32,
    pub cases: Vec<ReviewCase>,
    pub timers: Vec<RunTimer>,
    pub remediating: Vec<u32>,
}

impl From<CampaignRunV3> for CampaignRun {
    fn from(r: CampaignRunV3) -> CampaignRun {
        CampaignRun {
            id: r.id,
            name: r.name,
            number: r.number,
            def: r.def.into(),
            state: r.state,
            stage: r.stage,
            iteration: r.iteration,
            stage_deadline: r.stage_deadline,
            stage_started: r.stage_started,
            escalated: r.escalated,
            started_by: r.started_by,
            started: r.started,
            closed: r.closed,
            items: r.items,
            cases: r.cases,
            timers: r.timers,
            remediating: r.remediating,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Storage;
    use super::*;
    use crate::domain::approval::{ApprovalTimerKind, StepState};
    use crate::store::test_support::reopen;
    use chrono::TimeZone;

    fn old_policy() -> PolicyV3 {
        PolicyV3 {
            name: "two".into(),
            chief: Some("approvers".into()),
            levels: vec![LevelV3 {
                steps: vec![StepV3 {
                    name: "manager".into(),
                    approvers: Approvers::Manager,
                    count: 1,
                    reminder_secs: Some(86_400),
                    timeout_secs: Some(3 * 86_400),
                    on_timeout: OnTimeout::EscalateChief,
                    no_approver: NoApprover::Chief,
                    self_approval: SelfApproval::Skipped,
                }],
            }],
        }
    }

    #[test]
    fn a_schema_3_store_reads_step_durations_as_wall_clock_spans_and_no_calendars() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::create(&path).unwrap();
        store.set_schema_version(3).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
        let insert = |tree: Tree, key: &[u8], v: Vec<u8>| {
            store.tree(tree).unwrap().insert(key, v).unwrap();
        };
        insert(Tree::ApprovalPolicies, b"two", encode(&old_policy()));
        let run = StepRun {
            level: 0,
            step: 0,
            name: "manager".into(),
            state: StepState::Open,
            approvers: vec!["mia".into()],
            groups: vec![],
            work_item: None,
            decisions: vec![],
            chance_from: Some(t),
            escalated: false,
            note: None,
        };
        let timer = ApprovalTimer {
            due: t + chrono::Duration::days(3),
            level: 0,
            step: 0,
            kind: ApprovalTimerKind::Timeout,
        };
        let old = RequestV3 {
            id: RequestId(7),
            requester: "ann".into(),
            recipient: "ann".into(),
            product: "vpn".into(),
            reason: None,
            state: RequestState::Request,
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            created: t,
            modified: t,
            timers: vec![],
            approval: Some(ApprovalV3 {
                policy: old_policy(),
                chief: Some("approvers".into()),
                case: CaseId(3),
                level: 0,
                steps: vec![run.clone()],
                timers: vec![timer],
                purpose: Purpose::Request,
            }),
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        };
        insert(Tree::Requests, &trees::u64_key(7), encode(&old));
        // A product and a group of schema 3: the new layout without its last byte.
        let product = Product::plain("vpn");
        let mut bytes = encode(&product);
        bytes.pop();
        insert(Tree::Products, b"vpn", bytes);
        let mut group = Group::new("ops");
        group.fallback = Some("it".into());
        let mut bytes = encode(&group);
        bytes.pop();
        insert(Tree::Groups, b"ops", bytes);
        // A resource of schema 4: without `itsm`, its last byte.
        let text = "[[resource]]\nid = \"erp\"\nkind = \"manual\"\nowners = \"ops\"\n";
        let base = std::path::Path::new("/");
        let resource =
            crate::import::parse_resources_toml("r.toml", text, base).unwrap()[0].clone();
        let mut bytes = encode(&resource);
        bytes.pop();
        insert(Tree::Resources, b"erp", bytes);
        insert_campaigns(&store, t);
        store.flush().unwrap();
        drop(store);
        let store = reopen(&path);
        assert_eq!(store.schema_version().unwrap(), Some(trees::SCHEMA_VERSION));
        let p = store.approval_policy("two").unwrap().unwrap();
        let step = &p.levels[0].steps[0];
        assert_eq!(step.timeout, Some(Span::Wall(3 * 86_400)));
        assert_eq!(step.reminder, Some(Span::Wall(86_400)));
        assert_eq!(step.on_timeout, OnTimeout::EscalateChief);
        assert_eq!(
            (p.chief.as_deref(), p.calendar.as_deref()),
            (Some("approvers"), None)
        );
        let r = store.request(RequestId(7)).unwrap().unwrap();
        let a = r.approval.as_ref().unwrap();
        assert_eq!(a.policy, p);
        assert_eq!(
            (a.case, a.steps.clone(), a.timers.clone()),
            (CaseId(3), vec![run], vec![timer])
        );
        assert_eq!(store.product("vpn").unwrap().unwrap(), product);
        assert_eq!(store.group("ops").unwrap().unwrap(), group);
        assert_eq!(store.resource("erp").unwrap().unwrap(), resource);
        let (def, run) = check_campaigns(&store);
        // A second run changes nothing.
        super::super::migrate(&store, 3).unwrap();
        assert_eq!(check_campaigns(&store), (def, run));
        assert_eq!(store.request(RequestId(7)).unwrap().unwrap(), r);
        assert_eq!(store.approval_policy("two").unwrap().unwrap(), p);
        assert_eq!(store.group("ops").unwrap().unwrap(), group);
    }

    fn old_def() -> CampaignDefV3 {
        CampaignDefV3 {
            name: "q4".into(),
            description: Some("Quarterly".into()),
            scope: Scope {
                resources: vec!["sap".into()],
                ..Scope::default()
            },
            stages: vec![StageDefV3 {
                name: "managers".into(),
                reviewers: ReviewerSource::Manager,
                duration_secs: 14 * 86_400,
                reminders_secs: vec![48 * 3600, 12 * 3600],
                no_response: NoResponse::Escalate,
                escalate_for_secs: Some(3 * 86_400),
                items: StageItems::All,
            }],
            remediate: Remediate::AtEnd,
            runs: vec![5],
        }
    }

    /// A schema 3 campaign definition and its run (holding a copy of it).
    fn insert_campaigns(store: &Store, t: DateTime<Utc>) {
        let deadline = t + chrono::Duration::days(14);
        let run = CampaignRunV3 {
            id: 5,
            name: "q4".into(),
            number: 1,
            def: CampaignDefV3 {
                runs: vec![],
                ..old_def()
            },
            state: RunState::InReview,
            stage: 1,
            iteration: 1,
            stage_deadline: Some(deadline),
            stage_started: Some(t),
            escalated: false,
            started_by: "root".into(),
            started: t,
            closed: None,
            items: 3,
            cases: vec![ReviewCase {
                stage: 1,
                iteration: 1,
                case: CaseId(9),
                reviewer: "mia".into(),
                items: 3,
            }],
            timers: vec![RunTimer {
                at: deadline,
                kind: crate::domain::campaign::RunTimerKind::Deadline,
            }],
            remediating: vec![],
        };
        let t = |tree| store.tree(tree).unwrap();
        t(Tree::Campaigns)
            .insert(b"q4", encode(&old_def()))
            .unwrap();
        t(Tree::CampaignRuns)
            .insert(trees::u64_key(5), encode(&run))
            .unwrap();
    }

    /// The campaign and its run read in the new layout: wall-clock spans, no calendar.
    fn check_campaigns(store: &Store) -> (CampaignDef, CampaignRun) {
        let def = store.campaign("q4").unwrap().unwrap();
        let s = &def.stages[0];
        assert_eq!(s.duration, Span::Wall(14 * 86_400));
        assert_eq!(
            s.reminders,
            vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)]
        );
        assert_eq!(s.escalate_for, Some(Span::Wall(3 * 86_400)));
        assert_eq!((def.runs.clone(), def.calendar.clone()), (vec![5], None));
        let run = store.campaign_run(5).unwrap().unwrap();
        assert_eq!(run.def.stages, def.stages);
        assert_eq!((run.def.calendar.clone(), run.items), (None, 3));
        assert_eq!(run.cases[0].case, CaseId(9));
        assert_eq!(run.timers[0].at, run.stage_deadline.unwrap());
        (def, run)
    }
}
