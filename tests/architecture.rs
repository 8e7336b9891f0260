//! The layers of DESIGN.md §3, which the compiler cannot enforce inside one crate. Every file
//! under src/ is read as Rust (syn): every `use` tree and every path starting with `crate::`,
//! `super::`, `self::` (or `casebench::` in the binary) is resolved to the module it names, and
//! the test checks who may name whom, that no modules import each other in a circle, and the
//! size limits of files and functions. `the_checker_catches_violations` feeds it sources that
//! break each rule, so a checker that stopped seeing would fail too.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use syn::spanned::Spanned;
use syn::visit::Visit;

/// A source file: its module path (`["tui", "app", "handle"]`) and its text.
struct Source {
    module: Vec<String>,
    shown: String,
    text: String,
}

/// One path naming a module of ours, resolved, and its line.
#[derive(Debug, Clone)]
struct Use {
    to: Vec<String>,
    line: usize,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.last().map(String::as_str) {
        Some("mod") | Some("lib") => {
            parts.pop();
        }
        Some("main") if parts.len() == 1 => parts = vec!["<bin>".into()],
        _ => {}
    }
    parts
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(src()).unwrap();
                out.push(Source {
                    module: module_of(rel),
                    shown: format!("src/{}", rel.display()),
                    text: fs::read_to_string(&p).unwrap(),
                });
            }
        }
    }
    let mut out = vec![];
    walk(&src(), &mut out);
    out
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

struct Collector {
    module: Vec<String>,
    bin: bool,
    uses: Vec<Use>,
}

impl Collector {
    /// `crate::a::b` → `[a, b]`; `super::`/`self::` relative to the current module.
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" if !self.bin => vec![],
            "casebench" if self.bin => vec![],
            "self" => self.module.clone(),
            "super" => {
                let mut m = self.module.clone();
                m.pop();
                m
            }
            _ => return None,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|s| *s == "super") {
            base.pop();
            rest.next();
        }
        base.extend(rest.cloned());
        Some(base)
    }

    fn record(&mut self, segments: Vec<String>, line: usize) {
        if let Some(to) = self.resolve(&segments) {
            if !to.is_empty() {
                self.uses.push(Use { to, line });
            }
        }
    }

    fn use_tree(&mut self, prefix: Vec<String>, tree: &syn::UseTree) {
        let line = tree.span().start().line;
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix;
                next.push(p.ident.to_string());
                self.use_tree(next, &p.tree);
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix;
                if n.ident != "self" {
                    full.push(n.ident.to_string());
                }
                self.record(full, line);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix;
                full.push(r.ident.to_string());
                self.record(full, line);
            }
            syn::UseTree::Glob(_) => self.record(prefix, line),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix.clone(), t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(vec![], &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.record(segments, p.span().start().line);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_cfg_test(&m.attrs) || m.content.is_none() {
            return;
        }
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
}

fn parse(s: &Source) -> syn::File {
    syn::parse_file(&s.text).unwrap_or_else(|e| panic!("{}: {e}", s.shown))
}

fn uses_of(s: &Source) -> Vec<Use> {
    let mut c = Collector {
        module: s.module.clone(),
        bin: s.module == ["<bin>"],
        uses: vec![],
    };
    c.visit_file(&parse(s));
    c.uses
}

/// The modules there are (one per file, plus inline ones), for mapping a path to its module.
fn modules(files: &[Source]) -> BTreeSet<Vec<String>> {
    files.iter().map(|f| f.module.clone()).collect()
}

/// The module a resolved path lands in: its longest prefix that is a module.
fn target(modules: &BTreeSet<Vec<String>>, to: &[String]) -> Vec<String> {
    (1..=to.len())
        .rev()
        .map(|n| to[..n].to_vec())
        .find(|p| modules.contains(p))
        .unwrap_or_else(|| to[..1].to_vec())
}

/// Whether `layer` may name `other` (top-level modules of src/, DESIGN.md §3): domain and
/// clock name nothing of ours, api, store and itsm only domain, verbs only api/domain/clock, the
/// engine no front end, the TUI no engine, store, CLI or socket, the CLI not the TUI. Nothing
/// but the binary names `bench`, which measures the CLI and the TUI alike.
fn may_name(layer: &str, other: &str) -> bool {
    let below_front_ends = |o: &str| matches!(o, "api" | "clock" | "domain");
    layer == other
        || match layer {
            "domain" | "clock" => false,
            "api" | "store" | "itsm" => other == "domain",
            "verbs" | "import" => below_front_ends(other),
            "engine" => below_front_ends(other) || matches!(other, "store" | "import" | "itsm"),
            "demo" => below_front_ends(other) || matches!(other, "engine" | "import"),
            "tui" => below_front_ends(other) || matches!(other, "verbs" | "import"),
            "remote" => below_front_ends(other) || other == "engine",
            "cli" => !matches!(other, "tui" | "bench"),
            _ => true,
        }
}

fn layer_violations(files: &[Source]) -> Vec<String> {
    let mut bad = vec![];
    for f in files {
        let Some(layer) = f.module.first() else {
            continue;
        };
        for u in uses_of(f) {
            let to = &u.to[0];
            if !may_name(layer, to) {
                bad.push(format!(
                    "{}:{}: {layer} may not name {}",
                    f.shown,
                    u.line,
                    u.to.join("::")
                ));
            }
        }
    }
    bad
}

/// Module → the modules it names (within the crate, without itself).
fn graph(
    files: &[Source],
    level: impl Fn(&[String]) -> Vec<String>,
) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules(files);
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in files {
        if f.module.is_empty() || f.module == ["<bin>"] {
            continue;
        }
        for u in uses_of(f) {
            let from = level(&f.module);
            let to = level(&target(&mods, &u.to));
            if from != to && !from.starts_with(&to) && !to.starts_with(&from) {
                g.entry(from).or_default().insert(to);
            } else if from != to {
                // A module naming its own parent or child (mod.rs and its files) is not a
                // circle between modules.
                g.entry(from).or_default();
            }
        }
    }
    g
}

/// The circles of a graph: its strongly connected components of more than one node.
fn circles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, recursive (the graphs are small).
    struct T<'a> {
        g: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let Some((w, _)) = t.g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = vec![];
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                t.out.push(scc);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn circle_violations(files: &[Source]) -> Vec<String> {
    // Layers, their parts (tui::app, tui::draw …), and every module.
    let top = graph(files, |m| m[..1].to_vec());
    let parts = graph(files, |m| m[..m.len().min(2)].to_vec());
    let each = graph(files, |m| m.to_vec());
    circles(&top)
        .into_iter()
        .chain(circles(&parts))
        .chain(circles(&each))
        .map(|c| format!("import circle: {}", c.join(" ↔ ")))
        .collect()
}

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 120;

struct Sizes<'a> {
    shown: &'a str,
    bad: Vec<String>,
}

impl Sizes<'_> {
    fn check(&mut self, name: &syn::Ident, span: proc_macro2::Span) {
        let lines = span.end().line - span.start().line + 1;
        if lines > MAX_FN_LINES {
            self.bad.push(format!(
                "{}:{}: fn {name} is {lines} lines (at most {MAX_FN_LINES})",
                self.shown,
                span.start().line
            ));
        }
    }
}

impl<'ast> Visit<'ast> for Sizes<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.check(&f.sig.ident, f.span());
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.check(&f.sig.ident, f.span());
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.check(&f.sig.ident, f.span());
        syn::visit::visit_trait_item_fn(self, f);
    }
}

fn size_violations(files: &[Source]) -> Vec<String> {
    let mut bad = vec![];
    for f in files {
        let lines = f.text.lines().count();
        if lines > MAX_FILE_LINES {
            bad.push(format!(
                "{}: {lines} lines (at most {MAX_FILE_LINES}; split it by concept)",
                f.shown
            ));
        }
        let mut s = Sizes {
            shown: &f.shown,
            bad: vec![],
        };
        s.visit_file(&parse(f));
        bad.extend(s.bad);
    }
    bad
}

fn assert_clean(what: &str, bad: Vec<String>) {
    assert!(bad.is_empty(), "{what}:\n{}", bad.join("\n"));
}

#[test]
fn every_layer_names_only_the_layers_below_it() {
    assert_clean("layer rule broken", layer_violations(&sources()));
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    assert_clean("modules in a circle", circle_violations(&sources()));
}

#[test]
fn files_and_functions_stay_small() {
    assert_clean("too big", size_violations(&sources()));
}

fn fake(path: &str, text: &str) -> Source {
    Source {
        module: module_of(Path::new(path)),
        shown: format!("src/{path}"),
        text: text.to_string(),
    }
}

#[test]
fn the_checker_catches_violations() {
    let files = vec![
        fake("domain/case.rs", "use crate::api::Command;\nfn f() {}"),
        fake(
            "domain/event.rs",
            "fn f() { let _ = crate::tui::run(); }\nuse super::super::store::Store;",
        ),
        fake("tui/app/handle.rs", "use crate::engine::{Engine};"),
        fake(
            "tui/app/keys.rs",
            "use crate::{api::Query, remote::{client::Client}};",
        ),
        fake("api.rs", "use crate::store::StoreError;"),
        fake("cli/commands/inbox.rs", "fn f() { crate::tui::run(); }"),
        fake("tui/app/modals.rs", "use super::handle::run;"),
        fake("tui/app/replies.rs", "use super::modals::x;"),
        fake("tui/app/mod.rs", "mod handle;"),
    ];
    let layers = layer_violations(&files);
    for want in [
        "src/domain/case.rs:1: domain may not name api::Command",
        "src/domain/event.rs:1: domain may not name tui::run",
        "src/domain/event.rs:2: domain may not name store::Store",
        "src/tui/app/handle.rs:1: tui may not name engine::Engine",
        "src/tui/app/keys.rs:1: tui may not name remote::client::Client",
        "src/api.rs:1: api may not name store::StoreError",
        "src/cli/commands/inbox.rs:1: cli may not name tui::run",
    ] {
        assert!(
            layers.iter().any(|l| l == want),
            "missed {want:?} in {layers:#?}"
        );
    }
    assert_eq!(layers.len(), 7, "{layers:#?}");
    // handle → modals is fine alone; a circle needs the way back.
    assert!(circle_violations(&files).is_empty());
    let mut files = files;
    files.push(fake("tui/app/handle.rs", "use super::replies::y;"));
    let circles = circle_violations(&files);
    assert_eq!(
        circles,
        ["import circle: tui::app::handle ↔ tui::app::modals ↔ tui::app::replies"],
    );
    let long = format!("fn long() {{\n{}}}\n", "    let _ = 1;\n".repeat(130));
    let sizes = size_violations(&[fake("engine/x.rs", &long)]);
    assert_eq!(
        sizes,
        ["src/engine/x.rs:1: fn long is 132 lines (at most 120)"]
    );
}

// Rules about words rather than modules.

fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.starts_with("//"))
}

fn words(files: &[Source], allowed: impl Fn(&Source) -> bool, words: &[&str]) -> Vec<String> {
    let mut bad = vec![];
    for f in files.iter().filter(|f| !allowed(f)) {
        for (n, line) in code_lines(&f.text) {
            for w in words {
                if line.contains(w) {
                    bad.push(format!("{}:{n}: {w}", f.shown));
                }
            }
        }
    }
    bad
}

#[test]
fn domain_does_no_io_and_reads_no_clock() {
    let bad = words(
        &sources(),
        |f| f.module.first().map(String::as_str) != Some("domain"),
        &[
            "sled",
            "tokio",
            "ratatui",
            "crossterm",
            "Utc::now",
            "Local::now",
            "SystemTime",
            "Instant::now",
            "std::fs",
            "std::io",
        ],
    );
    assert_clean("domain/ must not do IO or read the clock", bad);
}

#[test]
fn only_store_names_sled() {
    let bad = words(
        &sources(),
        |f| f.module.first().map(String::as_str) == Some("store"),
        &["sled::", "use sled"],
    );
    assert_clean("only store/ may name sled", bad);
}

#[test]
fn only_the_bench_sqlite_comparison_names_rusqlite() {
    let bad = words(
        &sources(),
        |f| f.shown == "src/bench/sqlite.rs",
        &["rusqlite"],
    );
    assert_clean("only src/bench/sqlite.rs may name rusqlite", bad);
}

#[test]
fn front_ends_change_data_only_through_the_engine() {
    let bad = words(
        &sources(),
        |f| {
            !matches!(
                f.module.first().map(String::as_str),
                Some("cli" | "tui" | "remote")
            )
        },
        &[
            "WriteSet",
            ".commit(",
            "commit_unflushed",
            ".store()",
            ".inspect()",
        ],
    );
    assert_clean("front ends go through api::Service", bad);
}

#[test]
fn the_clock_is_read_in_one_place() {
    let bad = words(
        &sources(),
        |f| f.shown == "src/clock.rs" || f.shown == "src/cli/mod.rs",
        &["Utc::now()"],
    );
    assert_clean("read time from a Clock", bad);
}
