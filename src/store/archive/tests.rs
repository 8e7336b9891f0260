use super::*;
use crate::domain::{Case, CaseKind, CaseState};

fn archived(id: u64, closed: &str) -> ArchivedCase {
    let t: DateTime<Utc> = closed.parse().unwrap();
    let mut case = Case::new(
        CaseId(id),
        CaseKind::Generic,
        format!("case {id}"),
        "admin",
        t,
    );
    case.state = CaseState::Closed;
    case.closed = Some(t);
    ArchivedCase {
        case,
        work_items: vec![],
        events: vec![],
        facts: None,
        archived: t,
        links: None,
    }
}

#[test]
fn appended_cases_read_back_by_id_by_month_and_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::beside(dir.path());
    assert_eq!(a.get(CaseId(1)).unwrap(), None);
    let cases = [
        archived(1, "2026-01-05T10:00:00Z"),
        archived(2, "2026-02-01T10:00:00Z"),
        archived(3, "2026-01-20T10:00:00Z"),
    ];
    let mut w = a.writer();
    w.append(&cases).unwrap();
    assert!(w.holds(CaseId(3), cases[2].case.closed.unwrap()).unwrap());
    assert_eq!(a.months().unwrap(), ["2026-01", "2026-02"]);
    for c in &cases {
        assert_eq!(a.get(c.case.id).unwrap().as_ref(), Some(c));
    }
    assert_eq!(a.get(CaseId(4)).unwrap(), None);
    assert_eq!(a.count().unwrap(), 3);
    let (total, page) = a.newest(1, 5).unwrap();
    let ids: Vec<u64> = page.iter().map(|c| c.case.id.0).collect();
    assert_eq!((total, ids), (3, vec![3, 1]));
    let jan = (
        "2026-01-10T00:00:00Z".parse().unwrap(),
        "2026-02-01T10:00:00Z".parse().unwrap(),
    );
    let mut ids: Vec<u64> = vec![];
    a.each_closed_between(jan, |c| {
        ids.push(c.case.id.0);
        Ok::<(), StoreError>(())
    })
    .unwrap();
    assert_eq!(ids, vec![3]);
}

#[test]
fn a_torn_tail_is_ignored_then_cut_off_and_a_stale_index_is_completed() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::beside(dir.path());
    a.writer()
        .append(&[archived(1, "2026-01-05T10:00:00Z")])
        .unwrap();
    let seg = a.dir().join("2026-01.seg");
    // A record synced but not indexed, then half a record.
    let whole = segment::record(&archived(2, "2026-01-06T10:00:00Z"));
    let half = segment::record(&archived(3, "2026-01-07T10:00:00Z"));
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&whole).unwrap();
    f.write_all(&half[..half.len() / 2]).unwrap();
    assert!(a.get(CaseId(2)).unwrap().is_some());
    assert_eq!(a.get(CaseId(3)).unwrap(), None);
    assert_eq!(a.findings().unwrap().len(), 1, "the torn tail is reported");
    a.writer()
        .append(&[archived(3, "2026-01-07T10:00:00Z")])
        .unwrap();
    assert!(a.findings().unwrap().is_empty());
    assert_eq!(a.count().unwrap(), 3);
    assert!(a.get(CaseId(3)).unwrap().is_some());
    // A missing index is rebuilt from the segment.
    fs::remove_file(a.dir().join("2026-01.idx")).unwrap();
    assert_eq!(a.count().unwrap(), 3);
}

#[test]
fn a_flipped_byte_is_damage_naming_the_segment_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::beside(dir.path());
    a.writer()
        .append(&[
            archived(1, "2026-01-05T10:00:00Z"),
            archived(2, "2026-01-06T10:00:00Z"),
        ])
        .unwrap();
    let seg = a.dir().join("2026-01.seg");
    let mut bytes = fs::read(&seg).unwrap();
    bytes[40] ^= 0xff;
    fs::write(&seg, bytes).unwrap();
    let err = a.get(CaseId(1)).unwrap_err().to_string();
    assert!(
        err.contains("2026-01.seg") && err.contains("damaged"),
        "{err}"
    );
    assert!(a.get(CaseId(2)).unwrap().is_some());
    assert_eq!(a.findings().unwrap().len(), 1);
}

#[test]
fn a_case_appended_again_reads_as_its_last_copy() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::beside(dir.path());
    let first = archived(1, "2026-01-05T10:00:00Z");
    let mut second = first.clone();
    second.case.title = "changed in between".into();
    let mut w = a.writer();
    w.append(std::slice::from_ref(&first)).unwrap();
    w.append(std::slice::from_ref(&second)).unwrap();
    let closed = first.case.closed.unwrap();
    assert_eq!(w.copy(CaseId(1), closed).unwrap().as_ref(), Some(&second));
    assert_eq!(a.get(CaseId(1)).unwrap().as_ref(), Some(&second));
    assert_eq!(a.count().unwrap(), 1);
    fs::remove_file(a.dir().join("2026-01.idx")).unwrap();
    assert_eq!(a.get(CaseId(1)).unwrap().as_ref(), Some(&second));
}

/// A record as archives wrote it before records carried links: magic `CBR1`, the case alone.
fn record_v1(case: &ArchivedCase) -> Vec<u8> {
    let mut out = segment::record(case);
    let payload = lz4_flex::compress_prepend_size(&super::super::encode(case));
    out.truncate(segment::HEAD);
    out[..4].copy_from_slice(b"CBR1");
    out[4..8].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&payload);
    let crc = crc32fast::hash(&out[12..]);
    out[8..12].copy_from_slice(&crc.to_be_bytes());
    out
}

#[test]
fn links_read_back_and_an_older_record_reads_without_them() {
    use crate::domain::archive::ArchivedLinks;
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::beside(dir.path());
    let mut linked = archived(1, "2026-01-05T10:00:00Z");
    linked.links = Some(ArchivedLinks {
        campaign: Some(("Q1 review".into(), 2)),
        ..ArchivedLinks::default()
    });
    a.writer().append(std::slice::from_ref(&linked)).unwrap();
    assert_eq!(a.get(CaseId(1)).unwrap().as_ref(), Some(&linked));
    // An older record in the same segment: read whole, its links unknown.
    let mut old = archived(2, "2026-01-06T10:00:00Z");
    old.links = Some(ArchivedLinks::default());
    let seg = a.dir().join("2026-01.seg");
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&record_v1(&old)).unwrap();
    drop(f);
    old.links = None;
    assert_eq!(a.get(CaseId(2)).unwrap().as_ref(), Some(&old));
    assert!(a.findings().unwrap().is_empty());
    assert_eq!(a.count().unwrap(), 2);
}
