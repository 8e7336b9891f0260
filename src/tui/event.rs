//! The event loop: one `tokio::select!` over terminal input, a one-second tick, the sweep
//! interval, signals and background replies. It alone owns and changes the state; service
//! calls run on the blocking pool and come back as replies.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream, KeyEventKind,
};
use crossterm::execute;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::future::Future;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use super::app::{self, Action, App, Effect, Reply, Session};
use super::options::Options;
use super::{clipboard, draw, format, jobs, theme};
use crate::api::{ApiError, Service};

fn io_err(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("terminal: {e}"))
}

pub fn run(options: Options) -> Result<(), ApiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io_err)?;
    rt.block_on(run_async(options))
}

/// Undoes what we turned on beyond ratatui's own setup (mouse, bracketed paste).
fn undo_modes(mouse: bool) {
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, DisableBracketedPaste);
}

async fn run_async(options: Options) -> Result<(), ApiError> {
    let mouse = options.config.mouse;
    // Signals end the loop like `q` does, so the terminal is restored on the way out.
    let mut term = signal(SignalKind::terminate()).map_err(io_err)?;
    let mut hup = signal(SignalKind::hangup()).map_err(io_err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(io_err)?;
    let stop = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    };
    // After color-eyre's hook (main): ratatui's restores the terminal before reporting.
    let mut terminal = ratatui::try_init().map_err(io_err)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        undo_modes(mouse);
        previous(info);
    }));
    let setup = if mouse {
        execute!(std::io::stdout(), EnableBracketedPaste, EnableMouseCapture)
    } else {
        execute!(std::io::stdout(), EnableBracketedPaste)
    };
    let look = (format::Zone::Local, theme::Theme::from_env());
    let result = match setup {
        Ok(()) => run_on(&mut terminal, EventStream::new(), options, look, stop).await,
        Err(e) => Err(io_err(e)),
    };
    undo_modes(mouse);
    ratatui::restore();
    result
}

struct Runner {
    service: Arc<dyn Service + Send + Sync>,
    actor: String,
    tx: mpsc::UnboundedSender<Reply>,
    sweeping: bool,
    views: jobs::Views,
}

impl Runner {
    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Copy(text) => {
                let mut out = std::io::stdout();
                let _ = out.write_all(clipboard::osc52(&text).as_bytes());
                let _ = out.flush();
            }
            Effect::Sweep if self.sweeping => {}
            Effect::View(job) => {
                if let Some(job) = self.views.offer(job) {
                    self.spawn(Effect::View(job));
                }
            }
            effect => {
                if matches!(effect, Effect::Sweep) {
                    self.sweeping = true;
                }
                self.spawn(effect);
            }
        }
    }

    /// Runs an effect on the blocking pool; its reply comes back on the channel.
    fn spawn(&self, effect: Effect) {
        let service = self.service.clone();
        let actor = self.actor.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(reply) = jobs::perform(&*service, &actor, effect) {
                let _ = tx.send(reply);
            }
        });
    }

    /// A reply came back: note what finished, start what waited for it.
    fn answered(&mut self, reply: &mut Reply) {
        match reply {
            Reply::Swept(_) => self.sweeping = false,
            Reply::View { .. } => {
                if let Some(job) = self.views.done(reply) {
                    self.spawn(Effect::View(job));
                }
            }
            _ => {}
        }
    }
}

/// The loop on any backend and event stream, until the user quits, the stream ends or `stop`
/// resolves. The binary runs it on the terminal; tests on a `TestBackend` with paused time.
pub async fn run_on<B: Backend>(
    terminal: &mut Terminal<B>,
    mut events: impl Stream<Item = std::io::Result<Event>> + Unpin,
    options: Options,
    (zone, theme): (format::Zone, theme::Theme),
    stop: impl Future<Output = ()>,
) -> Result<(), ApiError> {
    let draw_err = |e: B::Error| ApiError::Internal(format!("terminal: {e}"));
    let size = terminal.size().map_err(draw_err)?;
    let session = Session {
        actor: options.actor.clone(),
        store: options.store.clone(),
        zone,
        theme,
    };
    let service = options.service.clone();
    let clock = options.clock.clone();
    let mut app = App::new(
        session,
        Arc::new(options.keymap),
        clock.now(),
        (size.width, size.height),
    );
    let (tx, mut rx) = mpsc::unbounded_channel::<Reply>();
    let mut runner = Runner {
        service: service.clone(),
        actor: options.actor,
        tx,
        sweeping: false,
        views: jobs::Views::default(),
    };
    if let Some(m) = options.message {
        app.say(m);
    }
    for e in app.start() {
        runner.perform(e);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let every = options.config.sweep_interval;
    let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mouse = options.config.mouse;
    tokio::pin!(stop);
    loop {
        if app.dirty {
            terminal.draw(|f| draw::draw(&app, f)).map_err(draw_err)?;
            app.dirty = false;
        }
        if app.quit {
            break;
        }
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => event_action(&app, ev, mouse),
                Some(Err(e)) => {
                    app.fail(format!("terminal input: {e}"));
                    app.dirty = true;
                    None
                }
                None => Some(Action::Quit),
            },
            Some(mut reply) = rx.recv() => {
                runner.answered(&mut reply);
                Some(Action::Reply(reply))
            }
            _ = tick.tick() => Some(Action::Tick(clock.now())),
            _ = sweep.tick() => {
                runner.perform(Effect::Sweep);
                None
            }
            _ = &mut stop => Some(Action::Quit),
        };
        if let Some(action) = action {
            for e in app::update(&mut app, action) {
                runner.perform(e);
            }
        }
    }
    Ok(())
}

fn event_action(app: &App, ev: Event, mouse: bool) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => app::resolve(app, k),
        Event::Paste(s) => Some(Action::Paste(s)),
        Event::Mouse(m) if mouse => app::mouse(app, m),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}
