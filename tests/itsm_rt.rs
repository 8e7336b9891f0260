//! The RT adapter against a real Request Tracker 5 on 127.0.0.1 (skipped, with a NOTICE,
//! where RT is not installed), and against tiny local servers that misbehave.

mod rt;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use casebench::domain::CaseId;
use casebench::itsm::{
    adapter, Adapter, Auth, Draft, ItsmError, Kind, Poll, SecretSource, Target, TicketState,
};

fn draft(case: &str, title: &str) -> Draft {
    let case: CaseId = case.parse().unwrap();
    Draft::new(
        case,
        title,
        format!("Disable the account jdoe on ldap-prod.\nCase {case}."),
    )
}

fn status(a: &dyn Adapter, id: &str) -> casebench::itsm::Status {
    match a.status(id, None).unwrap() {
        Poll::Now(s) => s,
        Poll::Unchanged => panic!("no validator was sent, yet 304"),
    }
}

/// The text of a transaction, read through RT's REST directly (not the adapter).
fn transaction_text(rt: &rt::Rt, transaction: &str) -> String {
    let t = rt.call("GET", &format!("/transaction/{transaction}"), None);
    let link = t["_hyperlinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ref"] == "attachment")
        .expect("an attachment")["_url"]
        .as_str()
        .unwrap()
        .to_string();
    let id = link.rsplit('/').next().unwrap();
    let a = rt.call("GET", &format!("/attachment/{id}"), None);
    let packed: String = a["Content"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(packed)
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

/// One RT instance for every step (starting one costs seconds).
#[test]
fn the_adapter_against_a_real_request_tracker() {
    let started = Instant::now();
    let Some(rt) = rt::Rt::start() else { return };
    eprintln!("RT instance ready in {:?}", started.elapsed());
    let a = adapter(&rt.target("rt")).unwrap();

    // find before create, create, find after.
    let d = draft("C-101", "Disable account jdoe");
    assert_eq!(a.find(&d).unwrap(), None);
    let t = Instant::now();
    let id = a.create(&d).unwrap();
    eprintln!("create: {:?}", t.elapsed());
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    let ticket = rt.ticket(&id);
    assert_eq!(ticket["Subject"], d.subject.as_str());
    assert_eq!(
        rt.count(&format!("id = {id} AND Queue = 'General'")),
        1,
        "{ticket}"
    );
    assert_eq!(
        rt.count(&format!("CF.{{CasebenchCase}} = 'C-101' AND id = {id}")),
        1
    );
    let history = rt.history(&id);
    let create = history.iter().find(|t| t["Type"] == "Create").unwrap();
    let body = transaction_text(&rt, create["id"].as_str().unwrap());
    assert_eq!(body.trim(), d.body.trim());
    assert_eq!(a.find(&d).unwrap(), Some(id.clone()));

    found_by_the_subject_where_the_field_is_not_set(&rt, &*a);
    states_and_validators(&rt, &*a, &id);
    let open = comments_both_ways(&rt, &*a);
    // RT's REST search never returns a deleted ticket (not even by `Status = 'deleted'`).
    assert_eq!(a.find(&d).unwrap(), None);
    a_bad_token_is_401_without_the_token(&rt, &id);
    basic_auth_works_too(&rt, &id);

    for (what, id) in [("an open", &open), ("a final (with its reason)", &id)] {
        let t = Instant::now();
        for _ in 0..100 {
            status(&*a, id);
        }
        eprintln!("100 status calls on {what} ticket: {:?}", t.elapsed());
    }
    let etag = status(&*a, &id).etag.unwrap();
    let t = Instant::now();
    for _ in 0..100 {
        assert_eq!(a.status(&id, Some(&etag)).unwrap(), Poll::Unchanged);
    }
    eprintln!("100 conditional status calls (304): {:?}", t.elapsed());
}

/// A ticket made without the custom field (by hand, or before the field existed) is found by
/// its marker; LIKE ignores case, the exact check of the subject's end does not.
fn found_by_the_subject_where_the_field_is_not_set(rt: &rt::Rt, a: &dyn Adapter) {
    let d = draft("C-102", "Grant role auditor");
    for subject in [
        "Grant role auditor [CASEBENCH c-102]".to_string(),
        "Grant role auditor [casebench C-1020]".to_string(),
        d.subject.clone(),
    ] {
        rt.call(
            "POST",
            "/ticket",
            Some(&serde_json::json!({ "Queue": "General", "Subject": subject, "Content": "x" })),
        );
    }
    let found = a.find(&d).unwrap().expect("found by the subject");
    assert_eq!(rt.ticket(&found)["Subject"], d.subject.as_str());
    assert_eq!(a.find(&draft("C-103", "Nothing")).unwrap(), None);
}

fn states_and_validators(rt: &rt::Rt, a: &dyn Adapter, id: &str) {
    let t = Instant::now();
    let first = status(a, id);
    eprintln!("status: {:?}", t.elapsed());
    assert_eq!(
        (first.state, first.raw.as_str()),
        (TicketState::Open, "new")
    );
    assert!(first.changed.is_some());
    assert_eq!(first.last_comment, None);
    let etag = first.etag.clone().expect("RT sends an ETag");
    assert_eq!(a.status(id, Some(&etag)).unwrap(), Poll::Unchanged);

    rt.set_status(id, "open");
    match a.status(id, Some(&etag)).unwrap() {
        Poll::Now(s) => {
            assert_eq!((s.state, s.raw.as_str()), (TicketState::Open, "open"));
            assert_ne!(s.etag.as_deref(), Some(etag.as_str()));
        }
        Poll::Unchanged => panic!("the ticket changed, yet 304"),
    }
    rt.set_status(id, "stalled");
    assert_eq!(status(a, id).state, TicketState::Open);

    // The reason of a final state: the last comment not written by casebench.
    rt.comment(id, "Account disabled in the directory.");
    a.comment(id, "[casebench] noted").unwrap();
    rt.set_status(id, "resolved");
    let done = status(a, id);
    assert_eq!(done.state, TicketState::Succeeded);
    assert_eq!(
        done.last_comment.as_deref(),
        Some("Account disabled in the directory.")
    );
    rt.comment(id, "Reopened: the account is a service account.");
    rt.set_status(id, "rejected");
    let failed = status(a, id);
    assert_eq!(
        (failed.state, failed.raw.as_str()),
        (TicketState::Failed, "rejected")
    );
    assert_eq!(
        failed.last_comment.as_deref(),
        Some("Reopened: the account is a service account.")
    );
    rt.set_status(id, "deleted");
    assert_eq!(status(a, id).state, TicketState::Rejected);
}

/// The ticket made (still open).
fn comments_both_ways(rt: &rt::Rt, a: &dyn Adapter) -> String {
    let id = a.create(&draft("C-104", "Remove access")).unwrap();
    a.comment(&id, "[casebench] approved by alice").unwrap();
    let history = rt.history(&id);
    let ours = history
        .iter()
        .find(|t| t["Type"] == "Comment")
        .expect("the comment is in RT's history");
    assert_eq!(
        transaction_text(rt, ours["id"].as_str().unwrap()).trim(),
        "[casebench] approved by alice"
    );
    assert_eq!(a.comments_since(&id, None).unwrap(), vec![]);

    rt.comment(&id, "Which account exactly?");
    let all = a.comments_since(&id, None).unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].text, "Which account exactly?");
    assert_eq!(all[0].author, "root");
    let since = all[0].at.expect("a comment has a time");
    // RT's times are whole seconds: a later comment is a later second.
    std::thread::sleep(Duration::from_millis(1100));
    rt.comment(&id, "Found it, done.");
    let later = a.comments_since(&id, Some(since)).unwrap();
    let texts: Vec<&str> = later.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["Found it, done."]);
    assert_eq!(a.comments_since(&id, None).unwrap().len(), 2);
    id
}

fn a_bad_token_is_401_without_the_token(rt: &rt::Rt, id: &str) {
    let dir = tempfile::tempdir().unwrap();
    let secret = "1-14-0123456789abcdef0123456789abcdef";
    let mut target = rt.target("rt");
    target.kind = Kind::Rt {
        url: rt.url.clone(),
        queue: "General".into(),
        auth: Auth::Token(token_file(dir.path(), secret)),
    };
    let a = adapter(&target).unwrap();
    for e in [
        a.status(id, None).unwrap_err(),
        a.create(&draft("C-105", "x")).unwrap_err(),
    ] {
        assert!(matches!(e, ItsmError::Http { status: 401, .. }), "{e:?}");
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(secret) && !shown.contains("0123456789abcdef"),
            "{shown}"
        );
        assert!(!shown.contains(&rt.token), "{shown}");
    }
}

/// `user` + password (RT's initial root password is `password`).
fn basic_auth_works_too(rt: &rt::Rt, id: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut target = rt.target("rt");
    target.kind = Kind::Rt {
        url: rt.url.clone(),
        queue: "General".into(),
        auth: Auth::Basic {
            user: "root".into(),
            password: token_file(dir.path(), "password"),
        },
    };
    let a = adapter(&target).unwrap();
    assert_eq!(status(&*a, id).state, TicketState::Rejected);
    std::fs::write(dir.path().join("token"), "wrong").unwrap();
    let e = adapter(&target).unwrap().status(id, None).unwrap_err();
    assert!(matches!(e, ItsmError::Http { status: 401, .. }), "{e:?}");
}

fn token_file(dir: &Path, secret: &str) -> SecretSource {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("token");
    std::fs::write(&path, secret).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    SecretSource::File(path)
}

/// A target at `port` on 127.0.0.1 with a 1 s timeout.
fn local_target(dir: &Path, port: u16) -> Target {
    Target {
        name: "rt".into(),
        kind: Kind::Rt {
            url: format!("http://127.0.0.1:{port}"),
            queue: "General".into(),
            auth: Auth::Token(token_file(dir, "s3cret-token")),
        },
        kinds: vec![],
        comments: false,
        timeout: Duration::from_secs(1),
    }
}

/// A server answering every request with `reply` (a whole HTTP response), `n` times.
fn serve(reply: &'static str, n: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let Ok(mut s) = stream else { continue };
            let mut seen = vec![];
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => seen.extend_from_slice(&buf[..k]),
                }
            }
            let _ = s.write_all(reply.as_bytes());
        }
    });
    port
}

#[test]
fn no_server_is_a_transport_error() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let a = adapter(&local_target(dir.path(), port)).unwrap();
    let e = a.status("1", None).unwrap_err();
    assert!(matches!(e, ItsmError::Transport { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("s3cret"), "{e:?}");
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    let a = adapter(&local_target(dir.path(), port)).unwrap();
    let t = Instant::now();
    let e = a.status("1", None).unwrap_err();
    assert!(matches!(e, ItsmError::Timeout { secs: 1, .. }), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    held.join().unwrap();
}

#[test]
fn replies_that_are_not_understood_are_reply_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&'static str, &str); 4] = [
        (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<html>hi</html>",
            "expected value",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 19\r\nConnection: close\r\n\r\n{\"Status\":\"weird\"} ",
            "unknown status \"weird\"",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"id\":\"12\"} ",
            "no `Status`",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n[1, 2, 3]",
            "no `Status`",
        ),
    ];
    for (reply, want) in cases {
        let a = adapter(&local_target(dir.path(), serve(reply, 1))).unwrap();
        let e = a.status("12", None).unwrap_err();
        assert!(matches!(e, ItsmError::Reply { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{want}: {e}");
        std::fs::remove_file(dir.path().join("token")).unwrap();
    }
    // A create answered without a ticket number, a search without items.
    let a = adapter(&local_target(
        dir.path(),
        serve(
            "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            2,
        ),
    ))
    .unwrap();
    let e = a.create(&draft("C-1", "x")).unwrap_err();
    assert!(e.to_string().contains("no ticket number"), "{e}");
    let e = a.find(&draft("C-1", "x")).unwrap_err();
    assert!(e.to_string().contains("no `items`"), "{e}");
}

#[test]
fn references_that_are_not_ticket_numbers_are_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens: a call would be a transport error, not a reply error.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let a = adapter(&local_target(dir.path(), port)).unwrap();
    for bad in ["", "1/../2", "12?x=1", "PROJ-1", "1 2"] {
        let e = a.status(bad, None).unwrap_err();
        assert!(matches!(e, ItsmError::Reply { .. }), "{bad}: {e:?}");
        let e = a.comment(bad, "x").unwrap_err();
        assert!(matches!(e, ItsmError::Reply { .. }), "{bad}: {e:?}");
        let e = a.comments_since(bad, None).unwrap_err();
        assert!(matches!(e, ItsmError::Reply { .. }), "{bad}: {e:?}");
    }
}
