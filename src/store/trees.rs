//! Key layouts. Every tree and every index the CLI and TUI ask, in one place.
//!
//! Integers are big-endian so that byte order is numeric order; times are UTC milliseconds
//! with the sign bit flipped (`ms ^ 1<<63`), so byte order is time order. Strings inside a key
//! are followed by `0x00` (logins and group names never contain it).
//!
//! | tree           | key                                   | value            |
//! |----------------|---------------------------------------|------------------|
//! | `meta`         | `schema`                              | u32 version      |
//! |                | `count/state/<code>`                  | u64 cases in that state |
//! |                | `next/case`, `next/work-item`, `next/event` | u64 next id |
//! | `cases`        | case id                               | `Case`           |
//! | `work_items`   | work item id                          | `WorkItem`       |
//! | `events`       | subject ‖ chunk no (u32)              | `Vec<Event>`: up to `events::CHUNK` (32) of the subject's events, in seq order; chunks numbered from 0, all but the last full (`store::events`) |
//! | `users`        | login                                 | `User`           |
//! | `groups`       | name                                  | `Group`          |
//! | `idx_members`  | group ‖ 0 ‖ login                     | –                |
//! | `idx_state`    | state code (u8) ‖ chunk (case id >> 12, u64) | the chunk's cases in that state, offsets `case id & 4095`: below 256 cases u16 each, ascending; from 256 on a 512-byte bitmap (`store::state_chunk`); a chunk that empties is removed. Write sets name its logical entries `state code ‖ case id` (`state_key`) |
//! |  `meta`        | `idx/state2`                          | – (`idx_state` is in chunks: packed once at open, from `cases`, for an older store with one key per case) |
//! | `idx_assignee` | login ‖ 0 ‖ work item id              | case id (open items only) |
//! | `idx_candidate`| group ‖ 0 ‖ work item id              | case id (open items only) |
//! | `idx_delegator`| login ‖ 0 ‖ work item id              | case id (open items only) |
//! | `idx_deadline` | deadline ‖ work item id               | case id (every open item; no deadline sorts last as `ff…ff`) |
//! | `policies`     | name                                  | `Policy`         |
//! | `due`          | time ‖ timer kind (u8) ‖ id ‖ slot (u16) | case id       |
//! | `outbox`       | notification seq                      | `Notification`   |
//! | `idx_unsent`   | notification seq                      | –                |
//! | `requests`     | request id                            | `Request`        |
//! | `idx_recipient`| login ‖ 0 ‖ request id                | –                |
//! | `resources`    | resource id                           | `Resource`       |
//! | `idx_resource_seq` | resource seq                      | resource id      |
//! | `shadows`      | resource ‖ 0 ‖ account                | `Shadow`         |
//! | `idx_queued`   | resource ‖ 0 ‖ account                | – (shadows with operations waiting for propagation) |
//! | `products`     | product id                            | `Product`        |
//! | `approval_policies` | name                             | `ApprovalPolicy` |
//! | `org_units`    | org unit id                           | `OrgUnit`        |
//! |  `meta`        | `org/settings`                        | `OrgSettings`    |
//! |  `meta`        | `shop/settings`                       | `ShopSettings`   |
//! | `campaigns`    | name                                  | `CampaignDef`    |
//! | `campaign_runs`| run id                                | `CampaignRun`    |
//! | `cert_items`   | run id ‖ item no (u32)                | `CertItem`       |
//! | `idx_cert_work`| work item id                          | run id ‖ item no (items in review) |
//! | `calendars`    | name                                  | `Calendar`       |
//! |  `meta`        | `calendar/default`                    | the default calendar's name (String) |
//! | `idx_closed`   | closed time ‖ case id                 | `CaseFacts` (closed and cancelled cases; empty until the engine settles them) |
//! | `idx_request_time` | created ‖ request id              | –                |
//! |  `meta`        | `idx/period`                          | – (the two above are complete: built once at open for an older store) |
//! | `idx_token`    | word ‖ 0 ‖ bucket (case id >> 8, u32)  | the bucket's entries (tails), sorted: each a length byte then case id (a word, whole, of an active case's title, requester, resource or object; closed and cancelled cases are not indexed, nor a case's id) or case id ‖ work item id (a word of an open item's assignees or `@group`s); `store::token_chunk` |
//! |                | 0 ‖ bucket                            | the same, for the cases with a word too long or too many words: a candidate for every filter |
//! | `idx_vocab`    | suffix ‖ 0 ‖ word                     | – (a suffix, cut to 16 chars, of a word `idx_token` holds); the whole word's own key holds, u64, how many logical `idx_token` entries it has (`store::vocab`) |
//! |  `meta`        | `idx/token3`                          | – (`idx_token` and `idx_vocab` are complete: built once at open for an older store, or one with `idx/token` or `idx/token2`, the flags of the suffix index and of the one key per entry before; `store::token_index`) |
//! | `idx_evicted`  | case id                               | (seqs, `idx_token` keys): an archived case whose event chunks and `idx_token` keys are still here, until a sweep removes them (`store::evict`); the seqs are empty since schema 6 (the case's chunks are found by its prefix) |
//!
//! An event's subject is its case id, or `1<<63 | request id` for a request's events, or 0
//! for store-wide ones (imports), so a case's or request's history is one prefix scan (one
//! key for nearly every case).
//!
//! `due` holds every timer the sweep fires, in firing order. Timer kind 1 = a work item's
//! policy timer (id = work item id, slot = `TimerRef::slot`, value = case id); entries are
//! derived from the work item's `timers` while it is open, so completing an item removes
//! its timers in the same transaction. Kind 2 = a request's validity timer (id = request
//! id, slot = `ValidityKind::code`, value = request id), derived from `Request::timers`.
//! Kind 3 = a resource's timers (id = resource seq, slot 0 = propagation, 1 = export grace
//! check, value = resource seq), derived from the resource. Kind 4 = an approval step's
//! timer (id = request id, slot = `ApprovalTimer::slot`, value = the approval case id),
//! derived from `Request::approval`. Kind 5 = a campaign run's timer (id = run id, slot =
//! `RunTimer::slot`, value = 0), derived from `CampaignRun::timers`.
//!
//! Schema 2 added `Case::request`, `Request::approval` and `Group::fallback` (schema 1
//! stores are migrated when opened, `store::migrate`). Schema 6 packed `events` into
//! chunks: up to schema 5 it held one key per event, `subject ‖ seq` (16 bytes) → `Event`;
//! a schema-5 store is repacked once when opened (`store::migrate`; the two layouts are
//! told apart by key length, 16 bytes or 12).

use chrono::{DateTime, Utc};

use crate::domain::{time::from_millis, CaseId, WorkItemId};

pub const SCHEMA_VERSION: u32 = 6;

/// Tree names, in the order of `Tree` below.
pub const NAMES: [&str; 37] = [
    "meta",
    "cases",
    "work_items",
    "events",
    "users",
    "groups",
    "idx_members",
    "idx_state",
    "idx_assignee",
    "idx_candidate",
    "idx_delegator",
    "idx_deadline",
    "policies",
    "due",
    "outbox",
    "idx_unsent",
    "requests",
    "idx_recipient",
    "resources",
    "idx_resource_seq",
    "shadows",
    "idx_queued",
    "products",
    "approval_policies",
    "org_units",
    "campaigns",
    "campaign_runs",
    "cert_items",
    "idx_cert_work",
    "calendars",
    "idx_closed",
    "idx_request_time",
    "itsm",
    "idx_itsm",
    "idx_token",
    "idx_evicted",
    "idx_vocab",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tree {
    Meta = 0,
    Cases,
    WorkItems,
    Events,
    Users,
    Groups,
    Members,
    State,
    Assignee,
    Candidate,
    Delegator,
    Deadline,
    Policies,
    Due,
    Outbox,
    Unsent,
    Requests,
    Recipient,
    Resources,
    ResourceSeq,
    Shadows,
    Queued,
    Products,
    ApprovalPolicies,
    OrgUnits,
    Campaigns,
    CampaignRuns,
    CertItems,
    CertWork,
    Calendars,
    Closed,
    RequestTime,
    Itsm,
    ItsmLive,
    Token,
    Evicted,
    Vocab,
}

pub const KEY_SCHEMA: &[u8] = b"schema";
pub const KEY_NEXT_CASE: &[u8] = b"next/case";
pub const KEY_NEXT_WORK_ITEM: &[u8] = b"next/work-item";
pub const KEY_NEXT_EVENT: &[u8] = b"next/event";
pub const KEY_NEXT_NOTIFICATION: &[u8] = b"next/notification";
pub const KEY_NEXT_REQUEST: &[u8] = b"next/request";

pub const TIMER_WORK_ITEM: u8 = 1;
pub const TIMER_REQUEST: u8 = 2;
pub const TIMER_RESOURCE: u8 = 3;
pub const TIMER_APPROVAL: u8 = 4;
pub const TIMER_CAMPAIGN: u8 = 5;
pub const KEY_NEXT_CAMPAIGN_RUN: &[u8] = b"next/campaign-run";
pub const KEY_ORG_SETTINGS: &[u8] = b"org/settings";
pub const KEY_SHOP_SETTINGS: &[u8] = b"shop/settings";
pub const KEY_NEXT_RESOURCE: &[u8] = b"next/resource";
pub const KEY_NEXT_OPERATION: &[u8] = b"next/operation";
pub const KEY_DEFAULT_CALENDAR: &[u8] = b"calendar/default";
/// Set once `idx_closed` and `idx_request_time` hold every case and request.
pub const KEY_PERIOD_INDEXED: &[u8] = b"idx/period";

/// `resource ‖ 0 ‖ account`.
pub fn shadow_key(resource: &str, account: &str) -> Vec<u8> {
    member_key(resource, account)
}

/// The subject of a request's events in the `events` tree.
pub fn request_subject(request: u64) -> u64 {
    (1 << 63) | request
}

pub fn u64_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

pub fn time_key(t: DateTime<Utc>) -> [u8; 8] {
    ((t.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()
}

pub fn read_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    read_u64(bytes).map(|n| from_millis((n ^ (1 << 63)) as i64))
}

/// `name ‖ 0` — the prefix of all keys of one login or group.
pub fn name_prefix(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(name.len() + 9);
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k
}

/// `name ‖ 0 ‖ id`.
pub fn name_id_key(name: &str, id: u64) -> Vec<u8> {
    let mut k = name_prefix(name);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// `group ‖ 0 ‖ login`.
pub fn member_key(group: &str, login: &str) -> Vec<u8> {
    let mut k = name_prefix(group);
    k.extend_from_slice(login.as_bytes());
    k
}

/// `subject ‖ no`: chunk `no` of a subject's events (`store::events`).
pub fn event_chunk_key(subject: u64, no: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&subject.to_be_bytes());
    k[8..].copy_from_slice(&no.to_be_bytes());
    k
}

pub fn read_event_chunk_key(k: &[u8]) -> Option<(u64, u32)> {
    if k.len() != 12 {
        return None;
    }
    Some((read_u64(k)?, u32::from_be_bytes(k[8..].try_into().ok()?)))
}

/// `state code ‖ case id`: a logical `idx_state` entry (its chunk key has the same shape,
/// the chunk's number for the id: `store::state_chunk`).
pub fn state_key(state_code: u8, case: CaseId) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = state_code;
    k[1..].copy_from_slice(&case.0.to_be_bytes());
    k
}

/// `time ‖ kind ‖ id ‖ slot`: a timer in the `due` tree.
pub fn due_key(t: DateTime<Utc>, kind: u8, id: u64, slot: u16) -> [u8; 19] {
    let mut k = [0u8; 19];
    k[..8].copy_from_slice(&time_key(t));
    k[8] = kind;
    k[9..17].copy_from_slice(&id.to_be_bytes());
    k[17..].copy_from_slice(&slot.to_be_bytes());
    k
}

pub fn read_due_key(k: &[u8]) -> Option<(DateTime<Utc>, u8, u64, u16)> {
    if k.len() != 19 {
        return None;
    }
    Some((
        read_time(&k[..8])?,
        k[8],
        read_u64(&k[9..17])?,
        u16::from_be_bytes([k[17], k[18]]),
    ))
}

/// The `meta` key counting cases in one state.
pub fn state_count_key(code: u8) -> Vec<u8> {
    let mut k = b"count/state/".to_vec();
    k.push(code);
    k
}

/// `deadline ‖ id`, a missing deadline sorting after every time.
pub fn deadline_key(t: Option<DateTime<Utc>>, id: u64) -> [u8; 16] {
    match t {
        Some(t) => time_id_key(t, id),
        None => {
            let mut k = [0xffu8; 16];
            k[8..].copy_from_slice(&id.to_be_bytes());
            k
        }
    }
}

/// `time ‖ id`: deadlines (and later timers) in time order.
pub fn time_id_key(t: DateTime<Utc>, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&time_key(t));
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

pub fn read_time_id_key(k: &[u8]) -> Option<(DateTime<Utc>, u64)> {
    if k.len() != 16 {
        return None;
    }
    Some((read_time(&k[..8])?, read_u64(&k[8..])?))
}

pub fn work_item_of(k: &[u8]) -> Option<WorkItemId> {
    read_u64(&k[k.len().checked_sub(8)?..]).map(WorkItemId)
}

/// `run ‖ no`: an item of a campaign run.
pub fn cert_item_key(run: u64, no: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&run.to_be_bytes());
    k[8..].copy_from_slice(&no.to_be_bytes());
    k
}

pub fn read_cert_item_key(k: &[u8]) -> Option<(u64, u32)> {
    if k.len() != 12 {
        return None;
    }
    Some((
        read_u64(&k[..8])?,
        u32::from_be_bytes(k[8..].try_into().ok()?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn time_keys_sort_like_times(a in -4_000_000_000_000i64..4_000_000_000_000, b in -4_000_000_000_000i64..4_000_000_000_000) {
            let (ta, tb) = (from_millis(a), from_millis(b));
            prop_assert_eq!(ta.cmp(&tb), time_key(ta).cmp(&time_key(tb)));
            prop_assert_eq!(read_time(&time_key(ta)), Some(ta));
        }

        #[test]
        fn due_keys_round_trip(a in 0i64..4_000_000_000_000, kind: u8, id: u64, slot: u16) {
            let t = from_millis(a);
            prop_assert_eq!(read_due_key(&due_key(t, kind, id, slot)), Some((t, kind, id, slot)));
        }

        #[test]
        fn time_id_keys_round_trip(a in 0i64..4_000_000_000_000, id: u64) {
            let t = from_millis(a);
            prop_assert_eq!(read_time_id_key(&time_id_key(t, id)), Some((t, id)));
        }
    }
}
