//! Test plumbing for the crates' own tests; nothing an example needs at run time.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback address where nothing listens: a free port, bound and closed again.
pub fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("its address")
}

/// Runs `command` (at most 30 s) and checks that it failed the way every binary here fails:
/// a failure status and exactly one line on stderr, `error: ...`, that contains `expected` (the
/// address involved, say). Returns that line.
pub fn one_error_line(command: &mut Command, expected: &str) -> String {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG")
        .spawn()
        .expect("start the binary");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} still ran after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().expect("piped").read_to_string(&mut stderr).expect("stderr is text");
    assert!(!status.success(), "{command:?} succeeded: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{command:?}: not one line: {stderr}");
    let line = lines[0];
    assert!(line.starts_with("error: "), "{command:?}: {line}");
    assert!(line.contains(expected), "{command:?}: no `{expected}` in: {line}");
    line.to_owned()
}

/// The built `examples/<name>.rs` of the calling crate, for a test to run it.
///
/// Call it as `example_binary(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"), "minimal")`.
/// Several crates have an example of the same name, and cargo copies only one of them to
/// `target/debug/examples/<name>`; the hashed copies beside it are each crate's own, and
/// their dep-info files (`<name>-<hash>.d`) say which source each was built from. A filtered
/// run (`cargo test --test minimal`) builds no examples, so then it builds this one.
pub fn example_binary(manifest_dir: &str, package: &str, name: &str) -> PathBuf {
    let crate_dir = Path::new(manifest_dir);
    let source = crate_dir.join("examples").join(format!("{name}.rs"));
    // A test runs from target/<profile>/deps/; the examples are in target/<profile>/examples/.
    let test = std::env::current_exe().expect("the test's own path");
    let examples = test.parent().and_then(Path::parent).expect("target/<profile>").join("examples");
    // Cargo writes the source into the dep-info relative to the workspace root.
    let relative = match crate_dir.file_name() {
        Some(dir) => format!(" {}/examples/{name}.rs", dir.to_string_lossy()),
        None => source.display().to_string(),
    };
    if let Some(found) = find(&examples, &source, &relative, name) {
        return found;
    }
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "-p", package, "--example", name])
        .status()
        .expect("run cargo");
    assert!(built.success(), "cargo build -p {package} --example {name} failed");
    find(&examples, &source, &relative, name)
        .unwrap_or_else(|| panic!("no build of {}", source.display()))
}

/// The newest `<name>-<hash>` in `examples` whose dep-info names `source` (absolute) or
/// `relative` (from the workspace root).
fn find(examples: &Path, source: &Path, relative: &str, name: &str) -> Option<PathBuf> {
    let prefix = format!("{name}-");
    let source = source.to_string_lossy();
    std::fs::read_dir(examples)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
            file.starts_with(&prefix) && file.ends_with(".d")
        })
        .filter(|dep_info| {
            // First line: "<output>: <source> ...".
            std::fs::read_to_string(dep_info).is_ok_and(|text| {
                text.lines().next().is_some_and(|line| {
                    line.contains(source.as_ref())
                        || line.ends_with(relative)
                        || line.contains(&format!("{relative} "))
                })
            })
        })
        .map(|dep_info| dep_info.with_extension(""))
        .filter(|binary| binary.is_file())
        .max_by_key(|binary| binary.metadata().and_then(|m| m.modified()).ok())
}
