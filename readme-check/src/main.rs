//! Runs the commands of the workspace's READMEs and compares what they print with what the
//! READMEs show; exits 1 on any difference. The convention is in the root README
//! ("README commands") and in `src/lib.rs`.
//!
//! ```text
//! cargo run -p readme-check                          # every README: the root's and each crate's
//! cargo run -p readme-check -- --readme tcp/README.md
//! cargo run -p readme-check -- --readme tcp --timeout 120 --no-build
//! ```

use readme_check::run::{Settings, prebuild, run_readme};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: readme-check [--readme PATH]... [--timeout SECONDS] [--no-build] [--list]

Runs every `$ ` command of the ```console blocks of the READMEs (the workspace root's and those
of its crates, or only the ones given with --readme: a file or a crate directory) from the
workspace root and compares their output with the README.
  --readme PATH      check only this README (repeatable)
  --timeout SECONDS  limit for one command, and for a server to print its lines (default 60)
  --no-build         run `cargo run` commands as written (no workspace build first, no shortcut)
  --list             print the commands that would run and exit";

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("readme-check: {message}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode, String> {
    // The workspace root is this crate's parent directory.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the crate has no parent directory")?
        .to_path_buf();
    let mut settings =
        Settings { root: root.clone(), timeout: Duration::from_secs(60), prebuild: true };
    let mut readmes: Vec<PathBuf> = Vec::new();
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--readme" => {
                let path = PathBuf::from(args.next().ok_or("--readme needs a path")?);
                let path = if path.is_absolute() {
                    path
                } else {
                    std::env::current_dir().map_err(|e| e.to_string())?.join(path)
                };
                let path = if path.is_dir() { path.join("README.md") } else { path };
                if !path.is_file() {
                    return Err(format!("no README at {}", path.display()));
                }
                readmes.push(path);
            }
            "--timeout" => {
                let secs: u64 = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&s| s > 0)
                    .ok_or("--timeout needs a number of seconds")?;
                settings.timeout = Duration::from_secs(secs);
            }
            "--no-build" => settings.prebuild = false,
            "--list" => list = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if readmes.is_empty() {
        readmes = readme_check::discover(&root)
            .map_err(|error| format!("cannot list {}: {error}", root.display()))?;
    }

    let started = Instant::now();
    if settings.prebuild
        && !list
        && let Err(message) = prebuild(&settings)
    {
        eprintln!("readme-check: {message}");
        return Ok(ExitCode::FAILURE);
    }
    let (mut ran, mut skipped, mut failed) = (0, 0, Vec::new());
    for readme in &readmes {
        let name = readme.strip_prefix(&root).unwrap_or(readme).display().to_string();
        let text = std::fs::read_to_string(readme)
            .map_err(|error| format!("cannot read {name}: {error}"))?;
        let blocks = match readme_check::parse(&text) {
            Ok(blocks) => blocks,
            Err(error) => {
                eprintln!("readme-check: {name}:{error}");
                failed.push(format!("{name}:{}: does not follow the convention", error.line));
                continue;
            }
        };
        if list {
            for block in &blocks {
                for command in &block.commands {
                    println!("{name}:{}: {:?}: $ {}", command.line, block.kind, command.script);
                }
            }
            continue;
        }
        let readme_started = Instant::now();
        let outcome = run_readme(&settings, readme, &blocks);
        ran += outcome.ran;
        skipped += outcome.skipped;
        eprintln!(
            "readme-check: {name}: {} commands run, {} not run by CI, {} failed ({:.1} s)",
            outcome.ran,
            outcome.skipped,
            outcome.failures.len(),
            readme_started.elapsed().as_secs_f64()
        );
        for failure in outcome.failures {
            failed.push(format!(
                "{name}:{}: $ {}",
                failure.line,
                failure.script.replace('\n', " ")
            ));
        }
    }
    if list {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "readme-check: {} READMEs, {ran} commands run, {skipped} not run by CI, {} failed, in {:.1} s",
        readmes.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for failure in &failed {
            eprintln!("readme-check: FAILED {failure}");
        }
        Ok(ExitCode::FAILURE)
    }
}
