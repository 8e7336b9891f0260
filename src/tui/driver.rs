//! The event loop without a terminal or threads: keys in, effects carried out inline, frames
//! drawn on ratatui's `TestBackend`. Tests and the benchmark drive the TUI through it.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::DateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{self, Action, App, Effect, Session};
use super::format::Zone;
use super::keymap::{Key, Keymap};
use super::theme::Theme;
use super::{draw, jobs};
use crate::api::Service;

pub struct Driver {
    pub app: App,
    service: Arc<dyn Service + Send + Sync>,
    /// Text sent to the clipboard.
    pub copied: Vec<String>,
    /// Every effect carried out, in order.
    pub effects: Vec<Effect>,
    terminal: Terminal<TestBackend>,
}

impl Driver {
    /// A started TUI as `actor` at `width`×`height`, times in UTC, everything loaded.
    pub fn new(
        service: Arc<dyn Service + Send + Sync>,
        actor: &str,
        keymap: Keymap,
        (width, height): (u16, u16),
    ) -> Driver {
        let session = Session {
            actor: actor.to_string(),
            store: "test-store".into(),
            zone: Zone::utc(),
            theme: Theme::default(),
        };
        // The time shown is the engine's, as its first sweep reports it.
        let app = App::new(
            session,
            Arc::new(keymap),
            DateTime::UNIX_EPOCH,
            (width, height),
        );
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        let mut d = Driver {
            app,
            service,
            copied: vec![],
            effects: vec![],
            terminal,
        };
        let fx = d.app.start();
        d.run(fx);
        if let Some(s) = &d.app.status.sweep {
            let at = s.at;
            d.app.set_now(at);
        }
        d
    }

    /// Carries out effects, feeding each reply back, until nothing is left to do.
    pub fn run(&mut self, fx: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = fx.into();
        while let Some(e) = queue.pop_front() {
            self.effects.push(e.clone());
            match e {
                Effect::Copy(text) => self.copied.push(text),
                Effect::Quit => {}
                e => {
                    let actor = self.app.session.actor.clone();
                    if let Some(reply) = jobs::perform(&*self.service, &actor, e) {
                        queue.extend(app::update(&mut self.app, Action::Reply(reply)));
                    }
                }
            }
        }
    }

    /// One action, its effects carried out.
    pub fn act(&mut self, action: Action) {
        let fx = app::update(&mut self.app, action);
        self.run(fx);
    }

    /// One key press; returns whether the keymap (or a text field) took it.
    pub fn key(&mut self, ev: KeyEvent) -> bool {
        match app::resolve(&self.app, ev) {
            Some(a) => {
                self.act(a);
                true
            }
            None => false,
        }
    }

    /// One mouse event, resolved against the layout as the event loop does.
    pub fn mouse(&mut self, ev: MouseEvent) {
        if let Some(a) = app::mouse(&self.app, ev) {
            self.act(a);
        }
    }

    /// Presses keys written as in keymap.toml, separated by spaces: `"j j enter ctrl-s"`.
    pub fn press(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            let key = Key::parse(k).unwrap_or_else(|e| panic!("{e}"));
            self.key(key.event());
        }
    }

    /// Types text, one key per character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let ev = if c == '\n' {
                KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
            } else {
                KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
            };
            self.key(ev);
        }
    }

    /// Runs a sweep as the sweep interval would.
    pub fn sweep(&mut self) {
        self.run(vec![Effect::Sweep]);
    }

    /// Resizes and draws; returns the frame's text, one line per row.
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        self.draw(width, height);
        self.terminal.backend().to_string()
    }

    /// Resizes (if needed) and draws a frame.
    pub fn draw(&mut self, width: u16, height: u16) {
        if self.app.size.width != width || self.app.size.height != height {
            self.act(Action::Resize(width, height));
            self.terminal.backend_mut().resize(width, height);
        }
        let app = &self.app;
        self.terminal
            .draw(|f| draw::draw(app, f))
            .expect("drawing on a test backend");
        self.app.dirty = false;
    }

    /// The last frame drawn.
    pub fn backend(&self) -> &TestBackend {
        self.terminal.backend()
    }

    pub fn service(&self) -> &Arc<dyn Service + Send + Sync> {
        &self.service
    }
}
