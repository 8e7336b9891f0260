//! `casebench serve`: owns the store, answers clients on its socket, runs the timers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::{dispatch, Call, Envelope};
use crate::api::ApiError;
use crate::engine::Engine;

/// The login of a uid, from the system's user database.
pub fn login_of(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, which we own and size correctly.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points into `buf`, NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().map(str::to_string)
}

/// Who may act as whom: the server's own OS user and root may act as anyone (they hold the
/// store anyway); any other user acts as their own login only, and every call names its
/// actor (the engine then refuses a login it does not know, for reads, writes and sweeps).
fn authorize(peer_uid: Option<u32>, server_uid: u32, actor: &str) -> Result<(), ApiError> {
    let Some(uid) = peer_uid else {
        return Err(ApiError::NotAllowed("cannot tell who is calling".into()));
    };
    if actor.is_empty() {
        return Err(ApiError::NotAllowed(
            "a call through the server must name its actor".into(),
        ));
    }
    if uid == 0 || uid == server_uid {
        return Ok(());
    }
    match login_of(uid) {
        Some(login) if login == actor => Ok(()),
        Some(login) => Err(ApiError::NotAllowed(format!(
            "{login} may not act as {actor} through the server"
        ))),
        None => Err(ApiError::NotAllowed(format!("uid {uid} has no login"))),
    }
}

/// Whether "disk full writing PATH" was said since the last write that succeeded: the
/// operator hears it once, not once per refused call.
static DISK_FULL_SAID: AtomicBool = AtomicBool::new(false);

/// Tells the operator of a full disk once; a write that succeeds ends it.
fn note<T>(wrote: bool, result: &Result<T, ApiError>) {
    match result {
        Err(e)
            if e.to_string().starts_with("disk full writing")
                && !DISK_FULL_SAID.swap(true, Ordering::SeqCst) =>
        {
            eprintln!("casebench: {e}");
        }
        Ok(_) if wrote => DISK_FULL_SAID.store(false, Ordering::SeqCst),
        _ => {}
    }
}

pub struct ServeOptions {
    pub socket: PathBuf,
    pub sweep_every: Duration,
}

/// Serves until SIGTERM or Ctrl-C; removes its socket on the way out.
pub fn serve(engine: Engine, opts: ServeOptions) -> Result<(), ApiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::Internal(format!("cannot start the runtime: {e}")))?;
    rt.block_on(run(Arc::new(engine), opts))
}

async fn run(engine: Arc<Engine>, opts: ServeOptions) -> Result<(), ApiError> {
    let path = opts.socket.clone();
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Err(ApiError::Busy(format!(
                "a casebench server already answers on {}",
                path.display()
            )));
        }
        let _ = std::fs::remove_file(&path);
    }
    let listener = UnixListener::bind(&path)
        .map_err(|e| ApiError::BadInput(format!("cannot listen on {}: {e}", path.display())))?;
    // Every administrator connects; who they are comes from the peer credentials.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666));
    // SAFETY: getuid has no preconditions.
    let server_uid = unsafe { libc::getuid() };
    println!(
        "casebench serving {} on {} (timers every {}s)",
        engine.path().display(),
        path.display(),
        opts.sweep_every.as_secs()
    );
    let mut ticker = tokio::time::interval(opts.sweep_every);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| ApiError::Internal(format!("cannot watch signals: {e}")))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(engine.clone(), stream, server_uid));
                }
            }
            _ = ticker.tick() => {
                let e = engine.clone();
                let report = tokio::task::spawn_blocking(move || e.sweep_as_system()).await;
                if let Ok(r) = &report {
                    note(r.as_ref().is_ok_and(|r| !r.fired.is_empty()), r);
                }
                match report {
                    Ok(Ok(r)) => {
                        if !r.fired.is_empty() {
                            println!("sweep: fired {}", r.fired.len());
                        }
                        // What became of the exports (read, or why not) is the operator's.
                        for f in r.fired.iter().filter(|f| f.timer == "export") {
                            println!("sweep: {}", f.action);
                        }
                        // Timers that could not fire (recorded on their cases, dropped).
                        for f in &r.failed {
                            let at = f.work_item.map(|w| w.to_string()).unwrap_or_default();
                            eprintln!("casebench: sweep: {at} could not fire: {}", f.action);
                        }
                    }
                    Ok(Err(e)) if !e.to_string().starts_with("disk full writing") => {
                        eprintln!("casebench: sweep failed: {e}")
                    }
                    _ => {}
                }
            }
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let _ = std::fs::remove_file(&path);
    engine.flush()?;
    println!("casebench server stopped");
    Ok(())
}

async fn connection(engine: Arc<Engine>, stream: UnixStream, server_uid: u32) {
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let answer = match serde_json::from_str::<Envelope>(&line) {
            Err(e) => Err(ApiError::BadInput(format!("bad request: {e}"))),
            Ok(env) => match authorize(peer, server_uid, &env.actor) {
                Err(e) => Err(e),
                Ok(()) => {
                    let e = engine.clone();
                    let wrote = matches!(env.call, Call::Execute(_) | Call::Sweep(_));
                    let answer =
                        tokio::task::spawn_blocking(move || dispatch(&e, &env.actor, env.call))
                            .await
                            .unwrap_or_else(|e| {
                                Err(ApiError::Internal(format!("the call failed: {e}")))
                            });
                    note(wrote, &answer);
                    answer
                }
            },
        };
        let mut text = serde_json::to_string(&answer).unwrap_or_else(|e| {
            serde_json::to_string(&Err::<(), _>(ApiError::Internal(format!(
                "cannot encode the answer: {e}"
            ))))
            .unwrap_or_default()
        });
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() {
            break;
        }
    }
}

/// Whether a server answers for the store at `db`.
pub fn running(db: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(super::socket_path(db)).is_ok()
}
