//! The world the campaign tests share: users with managers, org units, a manual resource
//! `sap` owned by ops, a manual resource `net` with a product `vpn` on it, a simulated
//! clock, and helpers that check the store's invariants after every step.
#![allow(dead_code)]

use casebench::domain::duration::Span;
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use casebench::api::{
    Answer, ApiError, CampaignDetail, CampaignRecord, Command, GroupSettings, ItemFilter, ItemPick,
    OrgImport, Query, Service, SweepArgs, UserRecord,
};
use casebench::domain::campaign::{
    CampaignDef, CampaignRun, Decision, NoResponse, Remediate, ReviewerSource, RunState, Scope,
    StageDef, StageItems,
};
use casebench::domain::{CaseId, CertItem, OpKind, OrgUnit, Outcome, Product, RequestId};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_resources_toml;
use casebench::store::trees;

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
kind = "manual"
owners = "ops"

[[resource]]
id = "net"
kind = "manual"
owners = "ops"
"#;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

pub struct World {
    pub e: Engine,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// dora manages ann; ann manages bob and carl; olga is in ops (sap's and net's owners);
/// eve has no manager. Units: fin (ann, bob) with fin-ap (carl) below it; hr (eve).
/// No account yet: `account` makes them.
pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = [
        ("dora", None, "staff"),
        ("ann", Some("dora"), "staff"),
        ("bob", Some("ann"), "staff"),
        ("carl", Some("ann"), "staff"),
        ("olga", None, "ops"),
        ("eve", None, "staff"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (l, m, g))| UserRecord {
        line: i as u64 + 2,
        login: l.to_string(),
        name: l.to_string(),
        email: format!("{l}@example.org"),
        manager: m.map(String::from),
        groups: vec![g.to_string()],
        calendar: None,
    })
    .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let unit = |id: &str, parent: Option<&str>, members: &[&str]| OrgUnit {
        id: id.into(),
        name: id.into(),
        parent: parent.map(String::from),
        manager: None,
        members: members.iter().map(|m| m.to_string()).collect(),
    };
    let orgs = OrgImport {
        chief_approvers: None,
        units: vec![
            unit("fin", None, &["ann", "bob"]),
            unit("fin-ap", Some("fin"), &["carl"]),
            unit("hr", None, &["eve"]),
        ],
        groups: Vec::<GroupSettings>::new(),
    };
    e.execute("root", Command::ImportOrgs(orgs)).unwrap();
    let resources = parse_resources_toml("r.toml", RESOURCES, dir.path()).unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    let w = World {
        e,
        clock,
        _dir: dir,
    };
    w.check();
    w
}

/// A stage of a week with a 48h reminder.
pub fn stage(reviewers: ReviewerSource, items: StageItems, no_response: NoResponse) -> StageDef {
    StageDef {
        name: "review".into(),
        reviewers,
        duration: Span::Wall(7 * 86_400),
        reminders: vec![Span::Wall(48 * 3600)],
        no_response,
        escalate_for: None,
        items,
    }
}

/// Campaign `q4` over sap's accounts, remediated at the end.
pub fn def(stages: Vec<StageDef>) -> CampaignDef {
    CampaignDef {
        name: "q4".into(),
        description: Some("Quarterly review of sap".into()),
        scope: Scope {
            resources: vec!["sap".into()],
            ..Scope::default()
        },
        stages,
        remediate: Remediate::AtEnd,
        runs: vec![],
        calendar: None,
    }
}

/// Two stages: the owner's manager, then the resource's owners on what stage 1 accepted;
/// no response keeps.
pub fn manager_then_owners() -> CampaignDef {
    def(vec![
        stage(ReviewerSource::Manager, StageItems::All, NoResponse::Keep),
        stage(
            ReviewerSource::Owners,
            StageItems::Accepted,
            NoResponse::Keep,
        ),
    ])
}

fn say(a: Result<casebench::api::Applied, ApiError>) -> Result<String, ApiError> {
    a.map(|a| a.message)
}

impl World {
    /// An account on `resource` made through its manual case.
    pub fn account_on(&self, resource: &str, login: &str, groups: &str) {
        let a = self
            .e
            .execute(
                "root",
                Command::Provision {
                    resource: resource.into(),
                    account: login.into(),
                    owner: Some(login.into()),
                    kind: OpKind::Add,
                    set: vec![("groups".into(), Some(groups.into()))],
                },
            )
            .unwrap();
        self.complete(a.case.unwrap());
    }

    pub fn account(&self, login: &str, groups: &str) {
        self.account_on("sap", login, groups);
    }

    /// Completes a manual case successfully (as root).
    pub fn complete(&self, case: CaseId) {
        self.e
            .execute(
                "root",
                Command::Complete {
                    case,
                    work_item: None,
                    outcome: Outcome::Success,
                    comment: None,
                },
            )
            .unwrap();
        self.check();
    }

    /// Product `vpn` granting `vpn-users` on net, without approval.
    pub fn vpn_product(&self) {
        let mut p = Product::plain("vpn");
        p.resource = Some("net".into());
        p.entitlement = Some("vpn-users".into());
        self.e
            .execute(
                "root",
                Command::ImportProducts {
                    products: vec![p],
                    policies: vec![],
                },
            )
            .unwrap();
    }

    /// `who` requests vpn; its provisioning case completed, so it is assigned.
    pub fn vpn_request(&self, who: &str) -> RequestId {
        let r = self
            .e
            .execute(
                who,
                Command::RequestAccess {
                    product: "vpn".into(),
                    recipient: None,
                    valid_from: None,
                    valid_until: None,
                    notice_secs: None,
                    reason: None,
                },
            )
            .unwrap()
            .request
            .unwrap();
        let case = self.case_of_request(r);
        self.complete(case);
        r
    }

    /// The case the request's last operation waits for.
    pub fn case_of_request(&self, r: RequestId) -> CaseId {
        let req = self.e.inspect().request(r).unwrap().unwrap();
        let o = req.operations.last().expect("an operation");
        let s = self.e.inspect().shadow(&o.resource, &o.account).unwrap();
        let s = s.unwrap();
        let op = s.pending.iter().find(|p| p.id == o.op).unwrap();
        op.case.unwrap()
    }

    pub fn try_import(&self, d: CampaignDef) -> Result<String, ApiError> {
        let campaigns = vec![CampaignRecord { line: 3, def: d }];
        let r = say(self
            .e
            .execute("root", Command::ImportCampaigns { campaigns }));
        self.check();
        r
    }

    pub fn import(&self, d: CampaignDef) {
        self.try_import(d).unwrap();
    }

    pub fn try_start(&self) -> Result<String, ApiError> {
        let r = say(self.e.execute(
            "root",
            Command::StartCampaign {
                name: "q4".into(),
                deadline: None,
            },
        ));
        self.check();
        r
    }

    pub fn start(&self) -> String {
        self.try_start().unwrap()
    }

    pub fn decide_with(&self, who: &str, items: ItemPick, d: Decision) -> Result<String, ApiError> {
        let r = say(self.e.execute(
            who,
            Command::CertDecide {
                campaign: "q4".into(),
                items,
                decision: d,
                comment: Some("checked".into()),
            },
        ));
        self.check();
        r
    }

    pub fn decide(&self, who: &str, items: Vec<u32>, d: Decision) -> Result<String, ApiError> {
        self.decide_with(who, ItemPick::Items(items), d)
    }

    /// `campaign advance|close|reiterate q4`.
    pub fn run_cmd(&self, verb: &str) -> Result<String, ApiError> {
        let campaign = "q4".to_string();
        let c = match verb {
            "advance" => Command::AdvanceCampaign { campaign },
            "close" => Command::CloseCampaign { campaign },
            "reiterate" => Command::ReiterateCampaign { campaign },
            v => panic!("no verb {v}"),
        };
        let r = say(self.e.execute("root", c));
        self.check();
        r
    }

    pub fn detail(&self) -> CampaignDetail {
        match self.e.query("root", Query::Campaign("q4".into())).unwrap() {
            Answer::Campaign(d) => d,
            a => panic!("{a:?}"),
        }
    }

    pub fn items(&self) -> Vec<CertItem> {
        let q = Query::CertItems {
            campaign: Some("q4".into()),
            filter: ItemFilter::default(),
            from: 1,
            limit: 1000,
        };
        match self.e.query("root", q).unwrap() {
            Answer::CertItems(p) => p.items,
            a => panic!("{a:?}"),
        }
    }

    /// The item whose subject label starts with `label` (`sap/bob`).
    pub fn item(&self, label: &str) -> CertItem {
        let items = self.items();
        let found = items
            .into_iter()
            .find(|i| i.subject.label().starts_with(label));
        found.unwrap_or_else(|| panic!("no item {label}"))
    }

    pub fn sweep_at(&self, t: DateTime<Utc>) {
        self.clock.set(t);
        let args = SweepArgs {
            now: None,
            until: None,
            dry_run: false,
        };
        self.e.sweep("root", args).unwrap();
        self.check();
    }

    /// Every run of every definition.
    pub fn runs(&self) -> Vec<CampaignRun> {
        let s = self.e.inspect();
        let ids: Vec<u64> = s
            .campaigns()
            .unwrap()
            .into_iter()
            .flat_map(|d| d.runs)
            .collect();
        ids.iter()
            .map(|id| s.campaign_run(*id).unwrap().unwrap())
            .collect()
    }

    /// `casebench check` finds nothing; the due tree holds exactly the runs' timers; every
    /// item in review has an open work item in an open case of the running stage; the
    /// detail's counts add up; no open decision lies at or after the deadline.
    pub fn check(&self) {
        let found = self.e.check().unwrap();
        assert!(found.is_empty(), "casebench check: {found:?}");
        let s = self.e.inspect();
        let due: BTreeSet<(DateTime<Utc>, u64, u16)> = s
            .due_until(DateTime::<Utc>::MAX_UTC, usize::MAX)
            .unwrap()
            .into_iter()
            .filter(|d| d.1 == trees::TIMER_CAMPAIGN)
            .map(|d| (d.0, d.2, d.3))
            .collect();
        let runs = self.runs();
        let wanted: BTreeSet<(DateTime<Utc>, u64, u16)> = runs
            .iter()
            .flat_map(|r| r.timers.iter().map(|t| (t.at, r.id, t.slot())))
            .collect();
        assert_eq!(due, wanted, "the due tree holds exactly the runs' timers");
        for run in &runs {
            self.check_run(run);
        }
    }

    /// Beyond `casebench check` (which holds items in review to open work items in active
    /// cases of the running stage): open decisions lie before the deadline, counts add up.
    fn check_run(&self, run: &CampaignRun) {
        let mut items = vec![];
        let s = self.e.inspect();
        s.scan_cert_items(run.id, 1, &mut |i| {
            items.push(i);
            true
        })
        .unwrap();
        for i in &items {
            if let Some(v) = &i.current {
                assert_eq!(
                    run.state,
                    RunState::InReview,
                    "item {}: decided out of review",
                    i.no
                );
                let d = run.stage_deadline.expect("a running stage has a deadline");
                assert!(v.at < d, "item {}: decided at or after the deadline", i.no);
            }
        }
        let d = self.detail_of(run);
        let t = d.tally;
        assert_eq!(t.items, run.items);
        assert_eq!(t.accepted + t.revoked + t.reduced + t.undecided, t.items);
        let by: u32 = d.reviewers.iter().map(|r| r.items).sum();
        let decided: u32 = d.reviewers.iter().map(|r| r.decided).sum();
        assert_eq!(by, d.in_review);
        assert_eq!(decided, d.decided);
        let (open, done, failed) = d.remediations;
        let remediated = items.iter().filter(|i| i.remediation.is_some()).count();
        assert_eq!((open + done + failed) as usize, remediated);
        assert_eq!(
            open as usize,
            run.remediating.len(),
            "open remediations are followed"
        );
    }

    fn detail_of(&self, run: &CampaignRun) -> CampaignDetail {
        match self.e.query("root", Query::Campaign(run.label())).unwrap() {
            Answer::Campaign(d) => d,
            a => panic!("{a:?}"),
        }
    }
}
