//! A change set: entities and the index entries derived from them, applied atomically by
//! [`super::Store::commit`]. Index entries are computed here from the old and new entity, so
//! an index cannot disagree with what it indexes.

use std::collections::BTreeSet;

use super::encode;
use super::trees::{self, Tree};
use crate::domain::{
    ApprovalPolicy, Case, Event, Group, Notification, OrgSettings, OrgUnit, Policy, Product,
    Request, Resource, Shadow, User, WorkItem,
};

/// One write of a change set: the tree, the key, the value (`None`: removed).
pub(super) type Op = (Tree, Vec<u8>, Option<Vec<u8>>);

/// One change set, applied atomically by [`Store::commit`].
#[derive(Default, Debug)]
pub struct WriteSet {
    pub(super) ops: Vec<Op>,
    /// Changes to `meta` counters, applied inside the transaction (read, add, write).
    pub(super) counts: std::collections::BTreeMap<Vec<u8>, i64>,
    /// The cases this set closes (or cancels), for the engine to settle their KPI facts.
    pub(super) closed: Vec<crate::domain::CaseId>,
    /// The events it records, in the order written: filed into their subjects' chunks
    /// inside the transaction (`store::events`).
    pub(super) events: Vec<Event>,
}

/// A point in a [`WriteSet`] to rewind to.
#[derive(Debug, Clone)]
pub struct Mark {
    ops: usize,
    counts: std::collections::BTreeMap<Vec<u8>, i64>,
    closed: usize,
    events: usize,
}

impl WriteSet {
    pub(super) fn put(&mut self, tree: Tree, key: impl Into<Vec<u8>>, value: Vec<u8>) {
        self.ops.push((tree, key.into(), Some(value)));
    }

    pub(super) fn del(&mut self, tree: Tree, key: impl Into<Vec<u8>>) {
        self.ops.push((tree, key.into(), None));
    }

    pub fn set_counter(&mut self, key: &[u8], next: u64) {
        self.put(Tree::Meta, key, next.to_be_bytes().to_vec());
    }

    pub(super) fn count(&mut self, key: Vec<u8>, delta: i64) {
        *self.counts.entry(key).or_default() += delta;
    }

    /// Where the set stands now: [`WriteSet::rewind`] takes back everything added after.
    pub fn mark(&self) -> Mark {
        Mark {
            ops: self.ops.len(),
            counts: self.counts.clone(),
            closed: self.closed.len(),
            events: self.events.len(),
        }
    }

    /// Takes back every change made since `mark` (the generator, for a case it writes
    /// straight to the archive instead).
    pub fn rewind(&mut self, mark: Mark) {
        self.ops.truncate(mark.ops);
        self.counts = mark.counts;
        self.closed.truncate(mark.closed);
        self.events.truncate(mark.events);
    }

    pub fn put_case(&mut self, prev: Option<&Case>, case: &Case) {
        self.put(Tree::Cases, trees::u64_key(case.id.0), encode(case));
        if prev.map(|p| p.state) != Some(case.state) {
            if let Some(p) = prev {
                self.count(trees::state_count_key(p.state.code()), -1);
            }
            self.count(trees::state_count_key(case.state.code()), 1);
        }
        if let Some(p) = prev {
            if p.state != case.state {
                self.del(Tree::State, trees::state_key(p.state.code(), p.id));
            }
        }
        if prev.map(|p| p.state) != Some(case.state) {
            self.put(
                Tree::State,
                trees::state_key(case.state.code(), case.id),
                vec![],
            );
        }
        self.put_closed(prev, case);
        self.put_case_tokens(prev, case);
    }

    pub fn put_work_item(&mut self, prev: Option<&WorkItem>, item: &WorkItem) {
        self.put(Tree::WorkItems, trees::u64_key(item.id.0), encode(item));
        self.put_item_tokens(prev, item);
        let old: BTreeSet<(Tree, Vec<u8>)> = prev.map(index_keys).unwrap_or_default();
        let new = index_keys(item);
        let case = trees::u64_key(item.case.0).to_vec();
        for (tree, key) in old.difference(&new) {
            self.del(*tree, key.clone());
        }
        for (tree, key) in new.difference(&old) {
            self.put(*tree, key.clone(), case.clone());
        }
    }

    /// Records an event: appended to its subject's last chunk when the set is applied.
    pub fn put_event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }

    pub fn put_resource(&mut self, prev: Option<&Resource>, r: &Resource) {
        self.put(Tree::Resources, r.id.as_bytes(), encode(r));
        self.put(
            Tree::ResourceSeq,
            trees::u64_key(r.seq),
            r.id.as_bytes().to_vec(),
        );
        let keys = |r: &Resource| -> BTreeSet<Vec<u8>> {
            [(r.propagation_due, 0u16), (r.grace_due, 1u16)]
                .into_iter()
                .filter_map(|(t, slot)| {
                    t.map(|t| trees::due_key(t, trees::TIMER_RESOURCE, r.seq, slot).to_vec())
                })
                .collect()
        };
        let old = prev.map(keys).unwrap_or_default();
        let new = keys(r);
        for k in old.difference(&new) {
            self.del(Tree::Due, k.clone());
        }
        for k in new.difference(&old) {
            self.put(Tree::Due, k.clone(), trees::u64_key(r.seq).to_vec());
        }
    }

    /// The shadow this change set writes last, if it writes one (a later change in the
    /// same transaction builds on it).
    /// The org units this change set writes, as it leaves them.
    pub fn org_units(&self) -> Vec<OrgUnit> {
        let mut out: Vec<OrgUnit> = vec![];
        for (t, _, v) in &self.ops {
            if *t != Tree::OrgUnits {
                continue;
            }
            if let Some(u) = v
                .as_ref()
                .and_then(|v| super::codec::decode::<OrgUnit>("org_units", v).ok())
            {
                out.retain(|o| o.id != u.id);
                out.push(u);
            }
        }
        out
    }

    pub fn shadow(&self, resource: &str, key: &str) -> Option<Shadow> {
        let key = trees::shadow_key(resource, key);
        self.ops
            .iter()
            .rev()
            .find(|(t, k, _)| *t == Tree::Shadows && *k == key)
            .and_then(|(_, _, v)| v.as_ref())
            .and_then(|v| super::codec::decode("shadows", v).ok())
    }

    pub fn put_shadow(&mut self, prev: Option<&Shadow>, s: &Shadow) {
        let key = trees::shadow_key(&s.resource, &s.key);
        self.put(Tree::Shadows, key.clone(), encode(s));
        let queued = |s: &Shadow| {
            s.pending
                .iter()
                .any(|o| o.execution == crate::domain::Execution::ExecutionPending)
        };
        match (prev.is_some_and(queued), queued(s)) {
            (true, false) => self.del(Tree::Queued, key),
            (false, true) => self.put(Tree::Queued, key, vec![]),
            _ => {}
        }
    }

    pub fn put_request(&mut self, prev: Option<&Request>, r: &Request) {
        self.put(Tree::Requests, trees::u64_key(r.id.0), encode(r));
        if prev.map(|p| p.created) != Some(r.created) {
            if let Some(p) = prev {
                self.del(Tree::RequestTime, trees::time_id_key(p.created, p.id.0));
            }
            self.put(
                Tree::RequestTime,
                trees::time_id_key(r.created, r.id.0),
                vec![],
            );
        }
        let keys = |r: &Request| -> BTreeSet<(Tree, Vec<u8>)> {
            let mut k = BTreeSet::new();
            k.insert((Tree::Recipient, trees::name_id_key(&r.recipient, r.id.0)));
            for t in &r.timers {
                k.insert((
                    Tree::Due,
                    trees::due_key(t.due, trees::TIMER_REQUEST, r.id.0, t.kind.code()).to_vec(),
                ));
            }
            for t in r.approval.iter().flat_map(|a| &a.timers) {
                k.insert((
                    Tree::Due,
                    trees::due_key(t.due, trees::TIMER_APPROVAL, r.id.0, t.slot()).to_vec(),
                ));
            }
            k
        };
        let old = prev.map(keys).unwrap_or_default();
        let new = keys(r);
        for (tree, key) in old.difference(&new) {
            self.del(*tree, key.clone());
        }
        let case = r.approval.as_ref().map(|a| a.case.0);
        for (tree, key) in new.difference(&old) {
            let value = match (*tree, key.get(8)) {
                (Tree::Due, Some(&trees::TIMER_APPROVAL)) => {
                    trees::u64_key(case.unwrap_or_default()).to_vec()
                }
                (Tree::Due, _) => trees::u64_key(r.id.0).to_vec(),
                _ => vec![],
            };
            self.put(*tree, key.clone(), value);
        }
    }

    pub fn put_product(&mut self, p: &Product) {
        self.put(Tree::Products, p.id.as_bytes(), encode(p));
    }

    pub fn put_approval_policy(&mut self, p: &ApprovalPolicy) {
        self.put(Tree::ApprovalPolicies, p.name.as_bytes(), encode(p));
    }

    pub fn put_org_unit(&mut self, u: &OrgUnit) {
        self.put(Tree::OrgUnits, u.id.as_bytes(), encode(u));
    }

    pub fn put_org_settings(&mut self, s: &OrgSettings) {
        self.put(Tree::Meta, trees::KEY_ORG_SETTINGS, encode(s));
    }

    pub fn put_shop_settings(&mut self, s: &crate::domain::ShopSettings) {
        self.put(Tree::Meta, trees::KEY_SHOP_SETTINGS, encode(s));
    }

    pub fn put_user(&mut self, prev: Option<&User>, user: &User) {
        self.put(Tree::Users, user.login.as_bytes(), encode(user));
        let old: BTreeSet<&String> = prev.map(|p| p.groups.iter().collect()).unwrap_or_default();
        let new: BTreeSet<&String> = user.groups.iter().collect();
        for g in old.difference(&new) {
            self.del(Tree::Members, trees::member_key(g, &user.login));
        }
        for g in new.difference(&old) {
            self.put(Tree::Members, trees::member_key(g, &user.login), vec![]);
        }
    }

    pub fn put_policy(&mut self, policy: &Policy) {
        self.put(Tree::Policies, policy.name.as_bytes(), encode(policy));
    }

    pub fn put_notification(&mut self, n: &Notification) {
        self.put(Tree::Outbox, trees::u64_key(n.seq), encode(n));
        if n.sent.is_none() {
            // Only a message never tried is new to `unsent`: one whose delivery failed
            // (attempts counted) was read from it and is still there.
            if n.attempts == 0 {
                self.put(Tree::Unsent, trees::u64_key(n.seq), vec![]);
            }
        } else {
            self.del(Tree::Unsent, trees::u64_key(n.seq));
        }
    }

    pub fn put_campaign(&mut self, def: &crate::domain::CampaignDef) {
        self.put(Tree::Campaigns, def.name.as_bytes(), encode(def));
    }

    pub fn put_campaign_run(
        &mut self,
        prev: Option<&crate::domain::CampaignRun>,
        run: &crate::domain::CampaignRun,
    ) {
        self.put(Tree::CampaignRuns, trees::u64_key(run.id), encode(run));
        let keys = |r: &crate::domain::CampaignRun| -> BTreeSet<Vec<u8>> {
            r.timers
                .iter()
                .map(|t| trees::due_key(t.at, trees::TIMER_CAMPAIGN, r.id, t.slot()).to_vec())
                .collect()
        };
        let old = prev.map(keys).unwrap_or_default();
        let new = keys(run);
        for k in old.difference(&new) {
            self.del(Tree::Due, k.clone());
        }
        for k in new.difference(&old) {
            self.put(Tree::Due, k.clone(), trees::u64_key(0).to_vec());
        }
    }

    /// An item of a run; its work item (while in review) is indexed back to it.
    pub fn put_cert_item(
        &mut self,
        prev: Option<&crate::domain::CertItem>,
        item: &crate::domain::CertItem,
    ) {
        let key = trees::cert_item_key(item.run, item.no);
        self.put(Tree::CertItems, key, encode(item));
        let (old, new) = (prev.and_then(|p| p.work_item), item.work_item);
        if old != new {
            if let Some(w) = old {
                self.del(Tree::CertWork, trees::u64_key(w.0));
            }
            if let Some(w) = new {
                self.put(Tree::CertWork, trees::u64_key(w.0), key.to_vec());
            }
        }
    }

    pub fn put_group(&mut self, group: &Group) {
        self.put(Tree::Groups, group.name.as_bytes(), encode(group));
    }

    pub fn put_calendar(&mut self, c: &crate::domain::Calendar) {
        self.put(Tree::Calendars, c.name.as_bytes(), encode(c));
    }

    pub fn put_default_calendar(&mut self, name: &str) {
        self.put(
            Tree::Meta,
            trees::KEY_DEFAULT_CALENDAR,
            encode(&name.to_string()),
        );
    }
}

/// The index entries an (open) work item owns.
pub(super) fn index_keys(item: &WorkItem) -> BTreeSet<(Tree, Vec<u8>)> {
    let mut keys = BTreeSet::new();
    if !item.is_open() {
        return keys;
    }
    for a in &item.assignees {
        keys.insert((Tree::Assignee, trees::name_id_key(a, item.id.0)));
    }
    for g in &item.candidates {
        keys.insert((Tree::Candidate, trees::name_id_key(g, item.id.0)));
    }
    for d in &item.delegated_by {
        keys.insert((Tree::Delegator, trees::name_id_key(d, item.id.0)));
    }
    keys.insert((
        Tree::Deadline,
        trees::deadline_key(item.deadline, item.id.0).to_vec(),
    ));
    for t in &item.timers {
        keys.insert((
            Tree::Due,
            trees::due_key(t.due, trees::TIMER_WORK_ITEM, item.id.0, t.slot).to_vec(),
        ));
    }
    keys
}
