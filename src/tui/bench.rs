//! Keystroke-to-frame figures for the TUI on any store: the key is resolved, `update` runs,
//! a frame is drawn on ratatui's `TestBackend`, exactly as the event loop does; the work the
//! loop hands to background threads (loading a case, filtering the rows) is timed separately
//! and as "key → frame with the result". Nothing here asserts a time; `benches/tui.rs` prints
//! these figures for a 100k-case store.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{self, Action, Effect};
use super::driver::Driver;
use super::jobs;
use super::keymap::{Key, Keymap};
use crate::api::Service;

/// Timings of one kind of step.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub samples: Vec<Duration>,
}

impl Figure {
    fn new(name: impl Into<String>) -> Figure {
        Figure {
            name: name.into(),
            samples: vec![],
        }
    }

    fn quantile(&self, q: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        if s.is_empty() {
            return Duration::ZERO;
        }
        s[((s.len() - 1) as f64 * q).round() as usize]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p95(&self) -> Duration {
        self.quantile(0.95)
    }

    pub fn max(&self) -> Duration {
        self.samples.iter().max().copied().unwrap_or_default()
    }

    /// `name  n=…  median …  p95 …  max …` in milliseconds.
    pub fn line(&self) -> String {
        let ms = |d: Duration| format!("{:8.2} ms", d.as_secs_f64() * 1000.0);
        format!(
            "{:<44} n={:<4} median {}  p95 {}  max {}",
            self.name,
            self.samples.len(),
            ms(self.median()),
            ms(self.p95()),
            ms(self.max())
        )
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// One key through the resolver and `update`, then a frame; returns the effects left for the
/// background and the time to the frame.
fn key_to_frame(d: &mut Driver, ev: KeyEvent, size: (u16, u16)) -> (Vec<Effect>, Duration) {
    let start = Instant::now();
    let fx = match app::resolve(&d.app, ev) {
        Some(a) => app::update(&mut d.app, a),
        None => vec![],
    };
    d.draw(size.0, size.1);
    (fx, start.elapsed())
}

/// Carries out background effects as the worker threads would, each reply's follow-ups
/// first (they would run alongside the rest); returns the time spent in the jobs and in
/// applying their replies and drawing. `seen` is called after each reply is drawn.
fn finish_with(
    d: &mut Driver,
    fx: Vec<Effect>,
    size: (u16, u16),
    mut seen: impl FnMut(&Driver),
) -> (Duration, Duration) {
    let mut work = Duration::ZERO;
    let mut apply = Duration::ZERO;
    let mut queue: VecDeque<Effect> = fx.into();
    while let Some(e) = queue.pop_front() {
        let actor = d.app.session.actor.clone();
        let service = d.service().clone();
        let (reply, t) = timed(|| jobs::perform(&*service, &actor, e));
        work += t;
        if let Some(r) = reply {
            let (more, t) = timed(|| {
                let more = app::update(&mut d.app, Action::Reply(r));
                d.draw(size.0, size.1);
                more
            });
            apply += t;
            seen(d);
            for m in more.into_iter().rev() {
                queue.push_front(m);
            }
        }
    }
    (work, apply)
}

fn finish(d: &mut Driver, fx: Vec<Effect>, size: (u16, u16)) -> (Duration, Duration) {
    finish_with(d, fx, size, |_| {})
}

fn key(s: &str) -> KeyEvent {
    Key::parse(s).expect("a key").event()
}

/// Runs the figures on `service` as `actor`, on the queue at `queue` (an inbox tab index).
pub fn run(
    service: Arc<dyn Service + Send + Sync>,
    actor: &str,
    queue: usize,
    size: (u16, u16),
    reps: usize,
) -> Vec<Figure> {
    let keymap = Keymap::defaults().expect("the default keymap");
    let mut figures = vec![];

    let (mut d, t) = timed(|| Driver::new(service.clone(), actor, keymap, size));
    let mut startup = Figure::new("startup: load Mine, counts, org, sweep");
    startup.samples.push(t);
    figures.push(startup);

    // Switch to the big queue: the key's frame, then the first page, then every row.
    let mut switch = Figure::new("switch queue: key → frame (loading…)");
    let mut first = Figure::new("switch queue: key → frame with a first page");
    let mut shown = Figure::new("switch queue: key → frame with every row");
    let mut load = Figure::new("  background: queue jobs (page, rows, counts)");
    for _ in 0..reps.clamp(1, 3) {
        let other = if queue == 0 { "2" } else { "1" };
        d.press(other);
        d.app.inbox.forget_counts();
        let target = char::from_digit(queue as u32 + 1, 10).expect("a queue digit");
        let start = Instant::now();
        let (fx, t) = key_to_frame(
            &mut d,
            KeyEvent::new(KeyCode::Char(target), KeyModifiers::NONE),
            size,
        );
        switch.samples.push(t);
        let mut t_first = None;
        let mut t_all = None;
        let (work, _) = finish_with(&mut d, fx, size, |d| {
            if !d.app.inbox.is_empty() && t_first.is_none() {
                t_first = Some(start.elapsed());
            }
            if !d.app.inbox.partial() && !d.app.inbox.is_empty() && t_all.is_none() {
                t_all = Some(start.elapsed());
            }
        });
        first.samples.extend(t_first);
        shown.samples.extend(t_all);
        load.samples.push(work);
    }
    let rows = d.app.inbox.len();
    figures.push(switch);
    figures.push(first);
    figures.push(shown);
    figures.push(load);

    // Navigation: each key's frame; the case load is background work.
    let mut nav = Figure::new(format!("navigate j/k/pgdn/G/g ({rows} rows): key → frame"));
    let mut case = Figure::new("  background: load the selected case");
    let mut case_frame = Figure::new("navigate: key → frame with the case");
    let keys = [
        "j", "j", "k", "pagedown", "ctrl-d", "G", "k", "g", "j", "pageup",
    ];
    for i in 0..reps * keys.len() {
        let (fx, t) = key_to_frame(&mut d, key(keys[i % keys.len()]), size);
        nav.samples.push(t);
        let (work, apply) = finish(&mut d, fx, size);
        if work > Duration::ZERO {
            case.samples.push(work);
            case_frame.samples.push(t + work + apply);
        }
    }
    figures.push(nav);
    figures.push(case);
    figures.push(case_frame);

    // Filtering, one character at a time.
    let mut echo = Figure::new("filter: key → frame (typed text shown)");
    let mut work = Figure::new("  background: filter and sort the rows");
    let mut result = Figure::new("filter: key → frame with the matches");
    let queries = ["account", "u17", "oracle dwh", "zzq"];
    d.press("/");
    for r in 0..reps {
        let q = queries[r % queries.len()];
        for c in q.chars() {
            let ev = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            let (fx, t) = key_to_frame(&mut d, ev, size);
            echo.samples.push(t);
            let (w, apply) = finish(&mut d, fx, size);
            work.samples.push(w);
            result.samples.push(t + w + apply);
        }
        let (fx, _) = key_to_frame(&mut d, key("ctrl-u"), size);
        finish(&mut d, fx, size);
    }
    figures.push(echo);
    figures.push(work);
    figures.push(result);

    // Drawing alone, a full frame from scratch (resize forces it).
    let mut draw = Figure::new("draw a full frame");
    for i in 0..reps * 5 {
        let (w, h) = if i % 2 == 0 {
            (size.0, size.1 - 1)
        } else {
            size
        };
        let (_, t) = timed(|| d.draw(w, h));
        draw.samples.push(t);
    }
    figures.push(draw);
    figures
}

/// The certification view of `actor`'s first case (a certification case with many items):
/// moving, marking, sorting, filtering and deciding, each key timed to its frame (the
/// decision's command and the reload that follows are background work, timed apart).
pub fn cert(
    service: Arc<dyn Service + Send + Sync>,
    actor: &str,
    size: (u16, u16),
    reps: usize,
) -> Vec<Figure> {
    let keymap = Keymap::defaults().expect("the default keymap");
    let mut d = Driver::new(service, actor, keymap, size);
    let (fx, t) = key_to_frame(&mut d, key("enter"), size);
    let (work, apply) = finish(&mut d, fx, size);
    let items = d.app.cert.progress().1;
    let mut open = Figure::new(format!("certification view: open {items} items → table"));
    open.samples.push(t + work + apply);
    let mut nav = Figure::new(format!("certification view key-to-frame at {items} items"));
    let keys = [
        "j", "j", "k", "pagedown", "ctrl-d", "G", "g", "v", "j", "s", "S", "s",
    ];
    for i in 0..reps * keys.len() {
        let (fx, t) = key_to_frame(&mut d, key(keys[i % keys.len()]), size);
        nav.samples.push(t);
        finish(&mut d, fx, size);
    }
    let mut filter = Figure::new(format!("certification filter: key → frame ({items})"));
    d.press("esc");
    d.press("/");
    for c in "team-3 p0".chars() {
        let ev = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let (fx, t) = key_to_frame(&mut d, ev, size);
        filter.samples.push(t);
        finish(&mut d, fx, size);
    }
    d.press("esc");
    let mut decide = Figure::new("certification decide a/r: key → frame");
    let mut reload = Figure::new("  background: the decision and the reload");
    for i in 0..reps * 2 {
        let k = if i % 2 == 0 { "a" } else { "r" };
        let (fx, t) = key_to_frame(&mut d, key(k), size);
        decide.samples.push(t);
        let (work, _) = finish(&mut d, fx, size);
        reload.samples.push(work);
    }
    vec![open, nav, filter, decide, reload]
}
