//! The sled implementation of [`Storage`]: one sled tree per entity and index.

use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::trees::{self, Tree};
use super::writeset::index_keys;
use super::{bad_key, codec, DueEntry, PeriodIndex, Span, Storage, StoreError, WriteSet};
use crate::domain::kpi::CaseFacts;
use crate::domain::{
    ApprovalPolicy, CampaignDef, CampaignRun, Case, CaseId, CaseState, CertItem, Event, Group,
    Notification, OrgSettings, OrgUnit, Policy, Product, Request, RequestId, Resource, Shadow,
    User, WorkItem, WorkItemId,
};

/// A store open on sled. After a write that could not be saved (a full disk), the sled
/// handle is dropped and reopened, so what is served is what is on disk.
pub struct Store {
    pub(super) path: PathBuf,
    pub(super) inner: RwLock<Option<Inner>>,
}

pub(super) struct Inner {
    pub(super) db: sled::Db,
    pub(super) trees: Vec<sled::Tree>,
}

impl Store {
    /// The open sled handle, reopened first if a failed write closed it.
    pub(super) fn inner(&self) -> Result<RwLockReadGuard<'_, Option<Inner>>, StoreError> {
        {
            let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
            if g.is_some() {
                return Ok(g);
            }
        }
        self.reopen()?;
        Ok(self.inner.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn trees(&self) -> Result<Vec<sled::Tree>, StoreError> {
        let g = self.inner()?;
        Ok(g.as_ref().map(|i| i.trees.clone()).unwrap_or_default())
    }

    pub(super) fn tree(&self, t: Tree) -> Result<sled::Tree, StoreError> {
        let g = self.inner()?;
        g.as_ref()
            .map(|i| i.trees[t as usize].clone())
            .ok_or_else(|| self.closed())
    }

    /// Test and migration hook: overwrite the schema version.
    pub fn set_schema_version(&self, v: u32) -> Result<(), StoreError> {
        self.tree(Tree::Meta)?
            .insert(trees::KEY_SCHEMA, v.to_be_bytes().to_vec())?;
        self.flush()
    }

    fn get<T: DeserializeOwned>(&self, t: Tree, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.tree(t)?.get(key)? {
            Some(v) => Ok(Some(codec::decode(trees::NAMES[t as usize], &v)?)),
            None => Ok(None),
        }
    }

    fn values<T: DeserializeOwned>(
        &self,
        t: Tree,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Vec<T>, StoreError> {
        iter.map(|kv| {
            let (_, v) = kv?;
            codec::decode(trees::NAMES[t as usize], &v)
        })
        .collect()
    }

    fn work_items_by(&self, t: Tree, name: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError> {
        let mut out = vec![];
        for kv in self.tree(t)?.scan_prefix(trees::name_prefix(name)) {
            let (k, v) = kv?;
            let wi = trees::work_item_of(&k).ok_or_else(|| bad_key(trees::NAMES[t as usize]))?;
            let case = trees::read_u64(&v).ok_or_else(|| bad_key(trees::NAMES[t as usize]))?;
            out.push((wi, CaseId(case)));
        }
        Ok(out)
    }

    /// The expected index keys derived from the entities, for invariant checks.
    pub fn derived_index_keys(item: &WorkItem) -> Vec<(&'static str, Vec<u8>)> {
        index_keys(item)
            .into_iter()
            .map(|(t, k)| (trees::NAMES[t as usize], k))
            .collect()
    }
}

impl Storage for Store {
    fn path(&self) -> &Path {
        &self.path
    }

    fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .tree(Tree::Meta)?
            .get(trees::KEY_SCHEMA)?
            .and_then(|v| Some(u32::from_be_bytes(v.as_ref().try_into().ok()?))))
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.flush_sealed()
    }

    /// The bytes of every key and value in every tree: what the store holds, unpacked.
    fn raw_size(&self) -> Result<u64, StoreError> {
        let mut n = 0u64;
        for t in &self.trees()? {
            for kv in t.iter() {
                let (k, v) = kv?;
                n += (k.len() + v.len()) as u64;
            }
        }
        Ok(n)
    }

    /// Applies a write set atomically over all trees, then flushes to disk.
    fn commit(&self, ws: WriteSet) -> Result<(), StoreError> {
        self.commit_unflushed(ws)?;
        self.flush()
    }

    /// Applies a write set atomically; durable only after the next [`Store::flush`].
    fn commit_unflushed(&self, ws: WriteSet) -> Result<(), StoreError> {
        if ws.ops.is_empty() && ws.counts.is_empty() && ws.events.is_empty() {
            return Ok(());
        }
        use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
        let trees = self.trees()?;
        // No room to keep the reserve: no room for this write either (nothing is written).
        super::reserve::ensure(&self.path)?;
        let result: Result<(), TransactionError<String>> = trees.as_slice().transaction(|txs| {
            let meta = &txs[Tree::Meta as usize];
            for (key, delta) in &ws.counts {
                let cur = meta
                    .get(key.as_slice())?
                    .and_then(|v| trees::read_u64(&v))
                    .unwrap_or(0) as i64;
                let next = (cur + delta).max(0) as u64;
                meta.insert(key.as_slice(), next.to_be_bytes().to_vec())?;
            }
            // In order; `idx_token` changes keep `idx_vocab` (`store::vocab`).
            super::vocab::apply_ops(txs, &ws.ops)?;
            // The events into their subjects' chunks (`store::events`).
            super::events::append(&txs[Tree::Events as usize], &ws.events)?;
            Ok::<(), ConflictableTransactionError<String>>(())
        });
        drop(trees);
        result.map_err(|e| match e {
            TransactionError::Abort(why) => StoreError::Corrupt(why),
            TransactionError::Storage(e) => self.failed_write(e),
        })
    }

    fn compact_copy(&self) -> Result<super::compact::Copied, StoreError> {
        self.copy_live()
    }

    fn counter(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self
            .tree(Tree::Meta)?
            .get(key)?
            .and_then(|v| trees::read_u64(&v))
            .unwrap_or(1))
    }

    fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        self.get(Tree::Cases, &trees::u64_key(id.0))
    }

    fn work_item(&self, id: WorkItemId) -> Result<Option<WorkItem>, StoreError> {
        self.get(Tree::WorkItems, &trees::u64_key(id.0))
    }

    fn user(&self, login: &str) -> Result<Option<User>, StoreError> {
        self.get(Tree::Users, login.as_bytes())
    }

    fn group(&self, name: &str) -> Result<Option<Group>, StoreError> {
        self.get(Tree::Groups, name.as_bytes())
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        self.values(Tree::Users, self.tree(Tree::Users)?.iter())
    }

    fn groups(&self) -> Result<Vec<Group>, StoreError> {
        self.values(Tree::Groups, self.tree(Tree::Groups)?.iter())
    }

    fn group_members(&self, group: &str) -> Result<Vec<String>, StoreError> {
        let prefix = trees::name_prefix(group);
        let mut out = vec![];
        for kv in self.tree(Tree::Members)?.scan_prefix(&prefix) {
            let (k, _) = kv?;
            out.push(String::from_utf8_lossy(&k[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// The events of one case, oldest first.
    fn case_events(&self, case: CaseId) -> Result<Vec<Event>, StoreError> {
        super::events::read_subject(&self.tree(Tree::Events)?, case.0)
    }

    /// Every event, in order (for audits and invariant checks).
    fn all_events(&self) -> Result<Vec<Event>, StoreError> {
        super::events::read_all(&self.tree(Tree::Events)?)
    }

    /// Events, not keys: every chunk's length is read (tests and audits only).
    fn event_count(&self) -> usize {
        let tree = self.tree(Tree::Events).ok();
        tree.and_then(|t| super::events::count(&t).ok())
            .unwrap_or(0)
    }

    /// How many cases are in `state`, from the counter kept with the state index.
    fn count_in_state(&self, state: CaseState) -> Result<usize, StoreError> {
        Ok(self
            .tree(Tree::Meta)?
            .get(trees::state_count_key(state.code()))?
            .and_then(|v| trees::read_u64(&v))
            .unwrap_or(0) as usize)
    }

    /// Open work items in deadline order (no deadline last), skipping `skip`, as
    /// (work item, case), until `keep` says stop.
    fn scan_open_by_deadline(
        &self,
        until: Option<DateTime<Utc>>,
        keep: &mut dyn FnMut(WorkItemId, CaseId) -> bool,
    ) -> Result<(), StoreError> {
        let end = trees::deadline_key(until, u64::MAX);
        for kv in self.tree(Tree::Deadline)?.range(..=end.as_slice()) {
            let (k, v) = kv?;
            let wi = trees::read_u64(&k[8..]).ok_or_else(|| bad_key("idx_deadline"))?;
            let case = trees::read_u64(&v).ok_or_else(|| bad_key("idx_deadline"))?;
            if !keep(WorkItemId(wi), CaseId(case)) {
                break;
            }
        }
        Ok(())
    }

    /// Case ids in any of `states`, newest first, at most `limit` (a merge of the states'
    /// chunks, `store::state_chunk`).
    fn cases_in_states(
        &self,
        states: &[CaseState],
        limit: usize,
    ) -> Result<Vec<CaseId>, StoreError> {
        super::state_chunk::cases_in_states(&self.tree(Tree::State)?, states, limit)
    }

    /// All case ids, newest first, at most `limit`.
    fn case_ids(&self, limit: usize) -> Result<Vec<CaseId>, StoreError> {
        let mut out = vec![];
        for k in self.tree(Tree::Cases)?.iter().keys().rev() {
            if out.len() >= limit {
                break;
            }
            out.push(CaseId(
                trees::read_u64(&k?).ok_or_else(|| bad_key("cases"))?,
            ));
        }
        Ok(out)
    }

    /// Open work items assigned to `login`.
    fn assigned_to(&self, login: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError> {
        self.work_items_by(Tree::Assignee, login)
    }

    /// Open work items offered to `group`.
    fn offered_to(&self, group: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError> {
        self.work_items_by(Tree::Candidate, group)
    }

    /// Open work items `login` delegated away.
    fn delegated_by(&self, login: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError> {
        self.work_items_by(Tree::Delegator, login)
    }

    /// Open work items whose deadline is at or before `until`, oldest deadline first.
    fn deadlines_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(WorkItemId, CaseId)>, StoreError> {
        let mut out = vec![];
        let (start, end) = (
            trees::time_id_key(since, 0),
            trees::time_id_key(until, u64::MAX),
        );
        for kv in self
            .tree(Tree::Deadline)?
            .range(start.as_slice()..=end.as_slice())
        {
            let (k, v) = kv?;
            let (_, wi) = trees::read_time_id_key(&k).ok_or_else(|| bad_key("idx_deadline"))?;
            let case = trees::read_u64(&v).ok_or_else(|| bad_key("idx_deadline"))?;
            out.push((WorkItemId(wi), CaseId(case)));
        }
        Ok(out)
    }

    fn resource(&self, id: &str) -> Result<Option<Resource>, StoreError> {
        self.get(Tree::Resources, id.as_bytes())
    }

    fn resource_by_seq(&self, seq: u64) -> Result<Option<Resource>, StoreError> {
        match self.tree(Tree::ResourceSeq)?.get(trees::u64_key(seq))? {
            Some(id) => self.resource(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        self.values(Tree::Resources, self.tree(Tree::Resources)?.iter())
    }

    fn shadow(&self, resource: &str, account: &str) -> Result<Option<Shadow>, StoreError> {
        self.get(Tree::Shadows, &trees::shadow_key(resource, account))
    }

    /// Every shadow of a resource, by account.
    fn shadows(&self, resource: &str) -> Result<Vec<Shadow>, StoreError> {
        let prefix = trees::name_prefix(resource);
        self.values(Tree::Shadows, self.tree(Tree::Shadows)?.scan_prefix(prefix))
    }

    /// Shadows of a resource with operations waiting for propagation.
    fn queued_shadows(&self, resource: &str) -> Result<Vec<Shadow>, StoreError> {
        let prefix = trees::name_prefix(resource);
        let mut out = vec![];
        for k in self.tree(Tree::Queued)?.scan_prefix(&prefix).keys() {
            let k = k?;
            let account = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            if let Some(s) = self.shadow(resource, &account)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        self.get(Tree::Requests, &trees::u64_key(id.0))
    }

    /// Requests, newest first; only those for `recipient` when given.
    fn requests(&self, recipient: Option<&str>, limit: usize) -> Result<Vec<Request>, StoreError> {
        let mut out = vec![];
        match recipient {
            Some(login) => {
                for k in self
                    .tree(Tree::Recipient)?
                    .scan_prefix(trees::name_prefix(login))
                    .keys()
                    .rev()
                {
                    if out.len() >= limit {
                        break;
                    }
                    let id = trees::work_item_of(&k?).ok_or_else(|| bad_key("idx_recipient"))?;
                    if let Some(r) = self.request(RequestId(id.0))? {
                        out.push(r);
                    }
                }
            }
            None => {
                for kv in self.tree(Tree::Requests)?.iter().rev() {
                    if out.len() >= limit {
                        break;
                    }
                    let (_, v) = kv?;
                    out.push(codec::decode("requests", &v)?);
                }
            }
        }
        Ok(out)
    }

    /// The events of one request, oldest first.
    fn request_events(&self, id: RequestId) -> Result<Vec<Event>, StoreError> {
        let subject = trees::request_subject(id.0);
        super::events::read_subject(&self.tree(Tree::Events)?, subject)
    }

    fn policy(&self, name: &str) -> Result<Option<Policy>, StoreError> {
        self.get(Tree::Policies, name.as_bytes())
    }

    fn policies(&self) -> Result<Vec<Policy>, StoreError> {
        self.values(Tree::Policies, self.tree(Tree::Policies)?.iter())
    }

    /// Timers due at or before `until`, in firing order: (time, kind, id, slot, case id).
    fn due_until(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueEntry>, StoreError> {
        let mut out = vec![];
        let end = trees::due_key(until, u8::MAX, u64::MAX, u16::MAX);
        for kv in self.tree(Tree::Due)?.range(..=end.as_slice()) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = kv?;
            let (t, kind, id, slot) = trees::read_due_key(&k).ok_or_else(|| bad_key("due"))?;
            let case = trees::read_u64(&v).ok_or_else(|| bad_key("due"))?;
            out.push((t, kind, id, slot, CaseId(case)));
        }
        Ok(out)
    }

    /// How many timers are scheduled in all.
    fn due_count(&self) -> usize {
        self.tree(Tree::Due).map_or(0, |t| t.len())
    }

    fn notification(&self, seq: u64) -> Result<Option<Notification>, StoreError> {
        self.get(Tree::Outbox, &trees::u64_key(seq))
    }

    /// The outbox, newest first, at most `limit`; only unsent ones when `unsent`.
    fn notifications(&self, unsent: bool, limit: usize) -> Result<Vec<Notification>, StoreError> {
        let mut out = vec![];
        if unsent {
            for k in self.tree(Tree::Unsent)?.iter().keys() {
                if out.len() >= limit {
                    break;
                }
                let seq = trees::read_u64(&k?).ok_or_else(|| bad_key("idx_unsent"))?;
                if let Some(n) = self.notification(seq)? {
                    out.push(n);
                }
            }
            return Ok(out);
        }
        for kv in self.tree(Tree::Outbox)?.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (_, v) = kv?;
            out.push(codec::decode("outbox", &v)?);
        }
        Ok(out)
    }

    /// Raw access for invariant checks in tests: every key of an index tree (every logical
    /// entry of `idx_token` and `idx_state`).
    fn index_keys(&self, name: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        // Their logical entries, not their chunks.
        match name {
            "idx_token" => return super::token_chunk::logical_keys(&self.tree(Tree::Token)?),
            "idx_state" => return super::state_chunk::logical_keys(&self.tree(Tree::State)?),
            _ => {}
        }
        let i = trees::NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| StoreError::Sled(format!("no tree {name}")))?;
        self.trees()?[i]
            .iter()
            .keys()
            .map(|k| Ok(k?.to_vec()))
            .collect()
    }

    /// Every case and work item, for invariant checks and exports.
    fn all_cases(&self) -> Result<Vec<Case>, StoreError> {
        self.values(Tree::Cases, self.tree(Tree::Cases)?.iter())
    }

    fn all_work_items(&self) -> Result<Vec<WorkItem>, StoreError> {
        self.values(Tree::WorkItems, self.tree(Tree::WorkItems)?.iter())
    }

    fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        self.get(Tree::Products, id.as_bytes())
    }

    fn products(&self) -> Result<Vec<Product>, StoreError> {
        self.values(Tree::Products, self.tree(Tree::Products)?.iter())
    }

    fn approval_policy(&self, name: &str) -> Result<Option<ApprovalPolicy>, StoreError> {
        self.get(Tree::ApprovalPolicies, name.as_bytes())
    }

    fn approval_policies(&self) -> Result<Vec<ApprovalPolicy>, StoreError> {
        self.values(
            Tree::ApprovalPolicies,
            self.tree(Tree::ApprovalPolicies)?.iter(),
        )
    }

    fn org_unit(&self, id: &str) -> Result<Option<OrgUnit>, StoreError> {
        self.get(Tree::OrgUnits, id.as_bytes())
    }

    fn org_units(&self) -> Result<Vec<OrgUnit>, StoreError> {
        self.values(Tree::OrgUnits, self.tree(Tree::OrgUnits)?.iter())
    }

    fn campaign(&self, name: &str) -> Result<Option<CampaignDef>, StoreError> {
        self.get(Tree::Campaigns, name.as_bytes())
    }

    fn campaigns(&self) -> Result<Vec<CampaignDef>, StoreError> {
        self.values(Tree::Campaigns, self.tree(Tree::Campaigns)?.iter())
    }

    fn campaign_run(&self, id: u64) -> Result<Option<CampaignRun>, StoreError> {
        self.get(Tree::CampaignRuns, &trees::u64_key(id))
    }

    fn cert_item(&self, run: u64, no: u32) -> Result<Option<CertItem>, StoreError> {
        self.get(Tree::CertItems, &trees::cert_item_key(run, no))
    }

    fn scan_cert_items(
        &self,
        run: u64,
        from: u32,
        keep: &mut dyn FnMut(CertItem) -> bool,
    ) -> Result<(), StoreError> {
        self.scan_items(run, from, keep)
    }

    fn cert_item_of(&self, work_item: WorkItemId) -> Result<Option<(u64, u32)>, StoreError> {
        self.item_of(work_item)
    }

    fn org_settings(&self) -> Result<OrgSettings, StoreError> {
        Ok(self
            .get(Tree::Meta, trees::KEY_ORG_SETTINGS)?
            .unwrap_or_default())
    }

    fn shop_settings(&self) -> Result<crate::domain::ShopSettings, StoreError> {
        Ok(self
            .get(Tree::Meta, trees::KEY_SHOP_SETTINGS)?
            .unwrap_or_default())
    }

    fn calendar(&self, name: &str) -> Result<Option<crate::domain::Calendar>, StoreError> {
        self.get(Tree::Calendars, name.as_bytes())
    }

    fn calendars(&self) -> Result<Vec<crate::domain::Calendar>, StoreError> {
        self.values(Tree::Calendars, self.tree(Tree::Calendars)?.iter())
    }

    fn default_calendar(&self) -> Result<Option<String>, StoreError> {
        self.get(Tree::Meta, trees::KEY_DEFAULT_CALENDAR)
    }

    fn ids_between(&self, index: PeriodIndex, span: Span) -> Result<Vec<u64>, StoreError> {
        super::period::ids_between(&self.tree(index.tree())?, index, span)
    }

    fn closed_between(&self, span: Span) -> Result<Vec<(u64, Option<CaseFacts>)>, StoreError> {
        super::period::closed_between(&self.tree(Tree::Closed)?, span)
    }
}
