//! Running a README's commands: each with `bash -c` in its own process group, from the
//! workspace root, stdout and stderr into one pipe, bounded in time; servers in the
//! background until the README ends, then stopped with SIGINT (and SIGKILL if they linger).

use crate::{Block, Command, Kind, diff, matches, matches_prefix, output_lines};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Variables a command's environment must not inherit, so that what it prints is what the
/// README shows: log filters, backtraces, and cargo's own verbosity and progress.
const REMOVED_ENV: &[&str] = &[
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "CARGO_TERM_VERBOSE",
    "CARGO_TERM_PROGRESS_WHEN",
];

/// Written once by [`prebuild`] as `cargo` in a directory that goes first on every command's
/// PATH: `cargo run -p <crate> --bin <bin> [-- args]` (and `--example`) runs the binary the
/// workspace build made, instead of asking cargo to build `<crate>` alone. Building one crate
/// alone resolves its dependencies' features for that crate only, so every README would
/// compile its own copy of tokio, hyper and the rest: tens of minutes on two cores. The binary
/// is the same code; any other cargo command goes to the real cargo as written. A file, not a
/// shell function, so that `timeout 6 cargo run ...` finds it too.
const CARGO_SHIM: &str = r#"#!/usr/bin/env bash
if [[ "${1:-}" != run ]]; then exec "$READMECHECK_CARGO" "$@"; fi
all=("$@"); package=tour; bin=; example=
shift
while (($#)); do
  case "$1" in
    -p | --package) package=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --example) example=$2; shift 2 ;;
    -q | --quiet | --locked) shift ;;
    --) shift; break ;;
    *) exec "$READMECHECK_CARGO" "${all[@]}" ;;
  esac
done
if [[ -n "$example" ]]; then
  info=$(grep -l " $package/examples/$example.rs" "$READMECHECK_TARGET"/debug/examples/"$example"-*.d 2>/dev/null | xargs -r ls -t | head -n 1)
  if [[ -z "$info" ]]; then exec "$READMECHECK_CARGO" "${all[@]}"; fi
  exec "${info%.d}" "$@"
fi
exec "$READMECHECK_TARGET/debug/${bin:-$package}" "$@"
"#;

/// Put before every command: the cargo shim, then the Python peers' venv, first on PATH (as
/// if the reader had activated it).
const PRELUDE: &str = r#"PATH="$READMECHECK_TARGET/readme-check-shim:$PATH"
if [[ -n "${PYTHON_PEERS:-}" ]]; then PATH="$(dirname "$PYTHON_PEERS"):$PATH"; fi
"#;

/// How long a server gets to exit after SIGINT before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What the runner needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The workspace root: every command's working directory.
    pub root: PathBuf,
    /// The limit for one command (and for a server to print its expected lines).
    pub timeout: Duration,
    /// Build the workspace's binaries and examples once before running anything, and run
    /// `cargo run` commands as those binaries (see [`CARGO_SHIM`]).
    pub prebuild: bool,
}

impl Settings {
    /// Where cargo puts what it builds: `CARGO_TARGET_DIR`, or `target/` at the root.
    pub fn target_dir(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"))
    }
}

/// A command that did not do what the README shows.
#[derive(Debug)]
pub struct Failure {
    pub line: usize,
    pub script: String,
    pub message: String,
}

/// The outcome of one README.
#[derive(Debug, Default)]
pub struct Outcome {
    pub ran: usize,
    pub skipped: usize,
    pub failures: Vec<Failure>,
}

/// Output collected from a child's pipe by a reader thread.
#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    closed: bool,
}

/// A child in a process group of its own, with its combined output being collected.
#[derive(Debug)]
struct Running {
    child: Child,
    output: Arc<Mutex<Captured>>,
}

impl Running {
    fn start(settings: &Settings, script: &str) -> std::io::Result<Self> {
        let (mut reader, writer) = std::io::pipe()?;
        let mut command = std::process::Command::new("bash");
        let script =
            if settings.prebuild { format!("{PRELUDE}{script}") } else { script.to_owned() };
        command
            .arg("-c")
            .arg(script)
            .current_dir(&settings.root)
            .env("READMECHECK_TARGET", settings.target_dir())
            .env("READMECHECK_CARGO", cargo())
            .env("CARGO_TERM_QUIET", "true")
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer);
        for name in REMOVED_ENV {
            command.env_remove(name);
        }
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn()?;
        // The Command holds the pipe's write ends: drop it, or the reader never sees the end.
        drop(command);
        let output = Arc::new(Mutex::new(Captured::default()));
        let sink = Arc::clone(&output);
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => lock(&sink).bytes.extend_from_slice(&buf[..n]),
                }
            }
            lock(&sink).closed = true;
        });
        Ok(Self { child, output })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.output).bytes).into_owned()
    }

    /// Sends a signal to the whole process group (bash, cargo, the program, its children).
    fn signal(&self, signal: &str) {
        let group = format!("-{}", self.child.id());
        let _ = std::process::Command::new("kill")
            .args(["-s", signal, "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Waits for the process to exit, for at most `limit`. True if it exited.
    fn wait_for(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the pipe is closed (everything written has been read), for at most `limit`.
    fn drain(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !lock(&self.output).closed && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the group: SIGINT (what Ctrl-C sends), then SIGKILL if it is still there.
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            // bash is gone; anything it left in the group goes too.
            self.signal("KILL");
            return;
        }
        self.signal("INT");
        if !self.wait_for(STOP_GRACE) {
            self.signal("KILL");
            let _ = self.child.wait();
        }
        self.signal("KILL");
    }
}

fn lock(m: &Mutex<Captured>) -> std::sync::MutexGuard<'_, Captured> {
    // A reader thread cannot panic while holding the lock; recover the data if it did.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The servers a README started; dropping it stops them all, also on an early return or a panic.
#[derive(Debug, Default)]
struct Servers(Vec<Running>);

impl Drop for Servers {
    fn drop(&mut self) {
        for server in self.0.iter_mut().rev() {
            server.stop();
        }
    }
}

fn shown(script: &str) -> String {
    script.replace('\n', "\n  ")
}

fn mismatch(command: &Command, heading: &str, actual: &[String]) -> String {
    format!("{heading}\n--- expected (README)\n+++ actual\n{}", diff(&command.expected, actual))
}

/// Builds every binary and example of the workspace the way `cargo test --workspace` does
/// (a no-op right after the tests), so the `cargo run` commands find them.
pub fn prebuild(settings: &Settings) -> Result<(), String> {
    let status = std::process::Command::new(cargo())
        .args(["test", "--workspace", "--locked", "--no-run", "--quiet"])
        .current_dir(&settings.root)
        .stdin(Stdio::null())
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !status.success() {
        return Err("`cargo test --workspace --no-run` failed".into());
    }
    let shim = settings.target_dir().join("readme-check-shim");
    let write = || -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&shim)?;
        std::fs::write(shim.join("cargo"), CARGO_SHIM)?;
        std::fs::set_permissions(shim.join("cargo"), std::fs::Permissions::from_mode(0o755))
    };
    write().map_err(|error| format!("cannot write {}: {error}", shim.display()))
}

/// The real cargo, as a path: the one that runs this harness, or the first on PATH. (A bare
/// `cargo` would find the shim again, first on the commands' PATH.)
fn cargo() -> PathBuf {
    if let Some(cargo) = std::env::var_os("CARGO") {
        return cargo.into();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("cargo"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| "cargo".into())
}

/// Runs the blocks of one README in order and compares every command's output.
pub fn run_readme(settings: &Settings, readme: &Path, blocks: &[Block]) -> Outcome {
    let mut outcome = Outcome::default();
    let mut servers = Servers::default();
    let name = readme.strip_prefix(&settings.root).unwrap_or(readme).display().to_string();
    for block in blocks {
        if block.kind == Kind::Skipped {
            outcome.skipped += block.commands.len();
            continue;
        }
        for command in &block.commands {
            eprintln!("readme-check: {name}:{}: $ {}", command.line, shown(&command.script));
            outcome.ran += 1;
            let result = match block.kind {
                Kind::Background => {
                    start_server(settings, command).map(|server| servers.0.push(server))
                }
                _ => run_foreground(settings, command),
            };
            if let Err(message) = result {
                eprintln!("readme-check: {name}:{}: FAILED\n{message}", command.line);
                let server_failed = block.kind == Kind::Background;
                outcome.failures.push(Failure {
                    line: command.line,
                    script: command.script.clone(),
                    message,
                });
                if server_failed {
                    // What follows talks to this server: stop here rather than pile up errors.
                    return outcome;
                }
            }
        }
    }
    drop(servers);
    outcome
}

fn run_foreground(settings: &Settings, command: &Command) -> Result<(), String> {
    let mut running = Running::start(settings, &command.script)
        .map_err(|error| format!("cannot start bash: {error}"))?;
    let exited = running.wait_for(settings.timeout);
    if exited {
        // Output a background child of the command still writes is not waited for long.
        running.drain(Duration::from_secs(2));
    }
    running.stop();
    running.drain(Duration::from_secs(1));
    let actual = output_lines(&running.text());
    if !exited {
        return Err(mismatch(
            command,
            &format!("timed out after {} s (the output so far below)", settings.timeout.as_secs()),
            &actual,
        ));
    }
    if matches(&command.expected, &actual) {
        Ok(())
    } else {
        Err(mismatch(command, "the output differs from the README's", &actual))
    }
}

fn start_server(settings: &Settings, command: &Command) -> Result<Running, String> {
    let mut running = Running::start(settings, &command.script)
        .map_err(|error| format!("cannot start bash: {error}"))?;
    let deadline = Instant::now() + settings.timeout;
    loop {
        let actual = output_lines(&running.text());
        if matches_prefix(&command.expected, &actual) {
            return Ok(running);
        }
        if matches!(running.child.try_wait(), Ok(Some(_))) {
            running.drain(Duration::from_secs(1));
            let actual = output_lines(&running.text());
            running.stop();
            return Err(mismatch(
                command,
                "the server exited before printing the README's lines",
                &actual,
            ));
        }
        if Instant::now() >= deadline {
            running.stop();
            return Err(mismatch(
                command,
                &format!(
                    "the server did not print the README's lines within {} s",
                    settings.timeout.as_secs()
                ),
                &actual,
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}
