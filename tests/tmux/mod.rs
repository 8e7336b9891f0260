//! Driving the real binary in a private tmux server: shared by the TUI end-to-end tests.

#![allow(dead_code)]

use std::process::Command as Process;
use std::time::{Duration, Instant};

/// Whether tmux can be run here.
pub fn available() -> bool {
    Process::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One tmux call on the test's own server.
pub fn tmux(socket: &str, args: &[&str]) -> std::process::Output {
    Process::new("tmux")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .output()
        .expect("run tmux")
}

/// Kills the private server at the end, also when a check fails.
pub struct Server(pub String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = tmux(&self.0, &["kill-server"]);
    }
}

impl Server {
    pub fn send(&self, keys: &[&str]) {
        let args: Vec<&str> = ["send-keys", "-t", "t"]
            .iter()
            .chain(keys)
            .copied()
            .collect();
        assert!(tmux(&self.0, &args).status.success(), "send-keys {keys:?}");
    }

    pub fn screen(&self) -> String {
        let out = tmux(&self.0, &["capture-pane", "-p", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen once it shows `text` (fails with the screen after `secs`).
    pub fn until(&self, text: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "no {text:?} after {secs}s:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The screen once it no longer shows `text` (a refresh that follows a reply; fails
    /// with the screen after `secs`).
    pub fn until_gone(&self, text: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "still {text:?} after {secs}s:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
