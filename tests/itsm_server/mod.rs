//! A checking HTTP/1.1 server on 127.0.0.1 for the ITSM adapter tests: it answers a script of
//! expected exchanges in order, each checking the method, the path with its query, the
//! `Authorization` header and the JSON body; a request the script does not expect is answered
//! 500 and fails the test (at [`Server::finish`]) with what came. One connection per request
//! (`Connection: close`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

type Check = Box<dyn Fn(&Value) -> Result<(), String> + Send>;

/// How an expected request's body is checked.
pub enum Body {
    /// No body (or an empty one).
    Empty,
    /// Exactly this JSON value.
    Json(Value),
    /// Checked by a closure (Err says what is wrong).
    With(Check),
}

/// One expected exchange.
pub struct Expect {
    pub method: String,
    pub path: String,
    pub auth: String,
    pub body: Body,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub reply: String,
    /// Request headers that must be there with these values.
    pub required: Vec<(String, String)>,
}

impl Expect {
    pub fn new(method: &str, path: &str, auth: &str) -> Expect {
        Expect {
            method: method.into(),
            path: path.into(),
            auth: auth.into(),
            body: Body::Empty,
            status: 200,
            headers: vec![],
            reply: String::new(),
            required: vec![],
        }
    }

    pub fn json(mut self, body: Value) -> Expect {
        self.body = Body::Json(body);
        self
    }

    pub fn check(mut self, f: impl Fn(&Value) -> Result<(), String> + Send + 'static) -> Expect {
        self.body = Body::With(Box::new(f));
        self
    }

    pub fn answer(mut self, status: u16, reply: impl ToString) -> Expect {
        self.status = status;
        self.reply = reply.to_string();
        self
    }

    pub fn require(mut self, name: &str, value: &str) -> Expect {
        self.required.push((name.into(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Expect {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as it came.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn shown(&self) -> String {
        format!(
            "{} {} (Authorization: {:?}) {}",
            self.method,
            self.path,
            self.header("Authorization"),
            String::from_utf8_lossy(&self.body)
        )
    }
}

enum Mode {
    Script(Vec<Expect>),
    /// Reads each request and never answers (until the server is finished).
    Silent,
    /// Answers each request with bytes that are not HTTP.
    Garbage,
}

pub struct Server {
    pub url: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl Server {
    /// A server answering `script` in order.
    pub fn start(script: Vec<Expect>) -> Server {
        Server::run(Mode::Script(script))
    }

    /// A server that takes requests and never answers.
    pub fn silent() -> Server {
        Server::run(Mode::Silent)
    }

    /// A server that answers garbage.
    pub fn garbage() -> Server {
        Server::run(Mode::Garbage)
    }

    fn run(mode: Mode) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || serve(listener, mode, &flag));
        Server {
            url,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the server; fails the test with every unexpected request and every expected
    /// request that did not come.
    pub fn finish(mut self) {
        let failures = self.stop_thread();
        assert!(
            failures.is_empty(),
            "the server saw:\n{}",
            failures.join("\n")
        );
    }

    fn stop_thread(&mut self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| vec!["the server panicked".into()]),
            None => vec![],
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A test that panicked before finish(): stop the thread, report nothing more.
        let _ = self.stop_thread();
    }
}

fn serve(listener: TcpListener, mode: Mode, stop: &AtomicBool) -> Vec<String> {
    let mut failures = vec![];
    let (mut script, silent, garbage) = match mode {
        Mode::Script(s) => (s.into_iter(), false, false),
        Mode::Silent => (vec![].into_iter(), true, false),
        Mode::Garbage => (vec![].into_iter(), false, true),
    };
    let mut held = vec![];
    while !stop.load(Ordering::SeqCst) {
        let mut stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(e) => {
                failures.push(format!("accept: {e}"));
                break;
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let req = match read_request(&stream) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("a request that could not be read: {e}"));
                continue;
            }
        };
        if silent {
            held.push(stream);
        } else if garbage {
            let _ = stream.write_all(b"\x00\x01 this is not HTTP {{{\r\n\r\n");
        } else {
            answer(&mut stream, &req, &mut script, &mut failures);
        }
    }
    drop(held);
    for e in script {
        failures.push(format!("expected {} {}: it never came", e.method, e.path));
    }
    failures
}

/// Answers `req` with the script's next exchange, or 500 and a failure when it is not that.
fn answer(
    stream: &mut TcpStream,
    req: &Request,
    script: &mut std::vec::IntoIter<Expect>,
    failures: &mut Vec<String>,
) {
    let Some(e) = script.next() else {
        failures.push(format!("unexpected request: {}", req.shown()));
        respond(stream, 500, &[], "{\"error\":\"unexpected\"}");
        return;
    };
    match mismatch(&e, req) {
        None => respond(stream, e.status, &e.headers, &e.reply),
        Some(why) => {
            failures.push(format!("{why}, got: {}", req.shown()));
            respond(stream, 500, &[], "{\"error\":\"unexpected\"}");
        }
    }
}

fn read_request(stream: &TcpStream) -> Result<Request, String> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(format!("request line {line:?}"));
    };
    let (method, path) = (method.to_string(), path.to_string());
    let mut headers = vec![];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).map_err(|e| e.to_string())?;
        let h = h.trim_end();
        if h.is_empty() || Instant::now() > deadline {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: vec![],
    };
    if let Some(n) = req.header("Content-Length") {
        let n: usize = n.parse().map_err(|_| format!("Content-Length {n:?}"))?;
        let mut body = vec![0; n];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        req.body = body;
    } else if req
        .header("Transfer-Encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        req.body = read_chunked(&mut reader)?;
    }
    Ok(req)
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = vec![];
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).map_err(|e| e.to_string())?;
        let n = usize::from_str_radix(size.trim(), 16).map_err(|_| format!("chunk {size:?}"))?;
        let mut chunk = vec![0; n + 2];
        reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

/// What is wrong with `req` for `e`, if anything.
fn mismatch(e: &Expect, req: &Request) -> Option<String> {
    if req.method != e.method || req.path != e.path {
        return Some(format!("expected {} {}", e.method, e.path));
    }
    if req.header("Authorization") != Some(e.auth.as_str()) {
        return Some(format!("expected Authorization {:?}", e.auth));
    }
    for (n, v) in &e.required {
        if req.header(n) != Some(v.as_str()) {
            return Some(format!("expected the header {n}: {v}"));
        }
    }
    let body = if req.body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => Some(v),
            Err(err) => return Some(format!("a body that is not JSON: {err}")),
        }
    };
    match (&e.body, body) {
        (Body::Empty, None) => None,
        (Body::Empty, Some(_)) => Some("expected no body".into()),
        (_, None) => Some("expected a JSON body".into()),
        (Body::Json(want), Some(got)) if *want == got => None,
        (Body::Json(want), Some(_)) => Some(format!("expected the body {want}")),
        (Body::With(f), Some(got)) => f(&got).err(),
    }
}

pub fn respond(stream: &mut TcpStream, status: u16, headers: &[(String, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}
