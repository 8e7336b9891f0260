//! Outsourcing to a real Request Tracker 5 on 127.0.0.1 (tests/rt starts a private one),
//! through the binary: a manual resource's operation creates an RT ticket, the ticket is
//! resolved through RT's REST API, `itsm sync` completes the case and the shadow shows the
//! account; a rejected ticket fails the operation with RT's reason; a sync of 100 open
//! tickets is timed (printed). Skipped (with a notice) when RT is not installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

mod itsm_env;
mod rt;

use itsm_env::{actions, events, Env};

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
name = "SAP-HR"
kind = "manual"
owners = "ops"
itsm = "rt"
"#;

fn env(rt: &rt::Rt) -> Env {
    let config = format!(
        "[itsm.rt]\nkind = \"rt\"\nurl = {:?}\nqueue = {:?}\ntoken_file = {:?}\ncomments = true\ntimeout = \"20s\"\n",
        rt.url,
        rt.queue,
        rt.token_file.display().to_string()
    );
    Env::new(|_| config, RESOURCES)
}

fn history_text(e: &Env, case: &str) -> String {
    events(&e.json(&["case", "history", case])).join("\n")
}

#[test]
fn rt_tickets_complete_and_fail_their_cases() {
    let Some(rt) = rt::Rt::start() else {
        return;
    };
    let e = env(&rt);
    let case = e.provision("sap", "jdoe");
    let report = e.json(&["itsm", "sync"]);
    assert_eq!(actions(&report), ["created"], "{report}");
    let id = report["lines"][0]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let ticket = rt.ticket(&id);
    let subject = ticket["Subject"].as_str().unwrap();
    assert!(
        subject.ends_with(&format!("[casebench {case}]")),
        "{ticket}"
    );
    println!("RT ticket {id}: {subject:?}, status {}", ticket["Status"]);
    assert_eq!(ticket["Status"], "new");

    // The administrator works it in RT: opens, comments, resolves.
    rt.set_status(&id, "open");
    let report = e.json_at("2026-12-01T09:10:00Z", &["itsm", "sync"]);
    assert_eq!(actions(&report), ["changed"], "{report}");
    rt.comment(&id, "created the account in SAP");
    rt.set_status(&id, "resolved");
    let report = e.json_at("2026-12-01T09:20:00Z", &["itsm", "sync"]);
    assert_eq!(actions(&report), ["completed"], "{report}");
    println!("RT ticket {id}: status now {}", rt.ticket(&id)["Status"]);
    let shown = e.json(&["case", "show", &case]);
    assert_eq!(shown["case"]["state"], "closed", "{shown}");
    assert_eq!(shown["case"]["outcome"], "success", "{shown}");
    assert_eq!(shown["case"]["external_ticket"], id.as_str());
    let shadow = e.json(&["shadow", "show", "sap", "jdoe"]);
    assert_eq!(shadow["state"], "exists", "{shadow}");
    assert_eq!(shadow["attributes"]["mail"], "jdoe@x.org", "{shadow}");
    let text = e.ok_at("root", "2026-12-01T09:21:00Z", &["case", "history", &case]);
    println!("casebench case history {case}:\n{text}");
    assert!(history_text(&e, &case).contains("\"linked\""));

    // A rejected ticket fails the operation with RT's reason.
    let case = e.provision("sap", "jane");
    let report = e.json_at("2026-12-01T09:30:00Z", &["itsm", "sync"]);
    let id = report["lines"][0]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    rt.comment(&id, "no such department in SAP");
    rt.set_status(&id, "rejected");
    let report = e.json_at("2026-12-01T09:40:00Z", &["itsm", "sync"]);
    assert_eq!(actions(&report), ["completed"], "{report}");
    let shown = e.json(&["case", "show", &case]);
    assert_eq!(shown["case"]["outcome"], "failure", "{shown}");
    let shadow = e.json(&["shadow", "show", "sap", "jane"]);
    let reason = shadow["pending"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("no such department in SAP"), "{shadow}");
    assert!(reason.contains(&format!("rt {id} rejected")), "{shadow}");
    e.ok("root", &["check"]);
}

#[test]
fn a_sync_of_100_open_rt_tickets() {
    let Some(rt) = rt::Rt::start() else {
        return;
    };
    let e = env(&rt);
    for n in 0..100 {
        e.provision("sap", &format!("u{n:03}"));
    }
    let t = Instant::now();
    let report = e.json(&["itsm", "sync"]);
    let created = t.elapsed();
    assert_eq!(report["created"], 100, "{report}");
    // The first poll reads each ticket's state (new), the second finds nothing changed.
    e.json_at("2026-12-01T09:05:00Z", &["itsm", "sync"]);
    let t = Instant::now();
    let report: Value = e.json_at("2026-12-01T09:10:00Z", &["itsm", "sync"]);
    let polled = t.elapsed();
    assert_eq!(report["polled"], 100, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    println!(
        "RT: creating 100 tickets took {:.1} s; a sync of 100 open tickets {:.2} s (whole process; the sync itself {} ms)",
        created.as_secs_f64(),
        polled.as_secs_f64(),
        report["millis"]
    );
    assert_eq!(rt.count("Queue = 'General'"), 100);
}

/// A proxy on 127.0.0.1 in front of RT, one request per connection: every request is passed
/// on, except that while `kill` holds a pid, RT's answer to a ticket create is held back and
/// that process is SIGKILLed instead — the crash between the create call and the store write.
fn proxy(upstream: String, kill: Arc<AtomicU32>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { return };
            let (upstream, kill) = (upstream.clone(), kill.clone());
            std::thread::spawn(move || pass_on(client, &upstream, &kill));
        }
    });
    format!("http://{addr}")
}

fn pass_on(mut client: TcpStream, upstream: &str, kill: &AtomicU32) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    let mut up = TcpStream::connect(upstream.trim_start_matches("http://")).unwrap();
    up.write_all(head.as_bytes()).unwrap();
    up.write_all(b"Connection: close\r\n\r\n").unwrap();
    up.write_all(&body).unwrap();
    let mut answer = vec![];
    up.read_to_end(&mut answer).unwrap();
    if head.starts_with("POST /REST/2.0/ticket ") {
        let pid = kill.swap(0, Ordering::SeqCst);
        if pid != 0 {
            // SAFETY: kill(2) on a pid this test spawned.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            return;
        }
    }
    let _ = client.write_all(&answer);
}

#[test]
fn a_sync_killed_between_the_rt_create_and_the_store_write_leaves_one_ticket() {
    let Some(rt) = rt::Rt::start() else {
        return;
    };
    let kill = Arc::new(AtomicU32::new(0));
    let front = proxy(rt.url.clone(), kill.clone());
    let config = format!(
        "[itsm.rt]\nkind = \"rt\"\nurl = {front:?}\nqueue = {:?}\ntoken_file = {:?}\ntimeout = \"20s\"\n",
        rt.queue,
        rt.token_file.display().to_string()
    );
    let e = Env::new(|_| config, RESOURCES);
    let case = e.provision("sap", "kim");
    let mut child = e
        .process("root", "2026-12-01T09:01:00Z", &["itsm", "sync"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    kill.store(child.id(), Ordering::SeqCst);
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "the sync was not killed: {status:?}"
    );
    let query = format!("CF.{{CasebenchCase}} = '{case}'");
    assert_eq!(rt.count(&query), 1, "RT created the ticket");
    let shown = e.json(&["case", "show", &case]);
    assert_eq!(shown["ticket"]["phase"], "creating", "{shown}");

    let report = e.json_at("2026-12-01T09:02:00Z", &["itsm", "sync"]);
    assert_eq!(actions(&report), ["found"], "{report}");
    assert_eq!(rt.count(&query), 1, "no second ticket");
    let shown = e.json(&["case", "show", &case]);
    assert_eq!(
        shown["case"]["external_ticket"],
        report["lines"][0]["reference"]
    );
    println!(
        "killed between create and write, then found again: {}",
        report["lines"][0]
    );
}
