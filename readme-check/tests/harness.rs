//! The harness on fixture READMEs: one that passes (with a server it must stop), one whose
//! output differs, one that times out. Without these, a harness that passes everything
//! would look exactly like a good one.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn check(readme: &str, extra: &[&str], pidfile: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_readme-check"))
        .arg("--readme")
        .arg(fixture(readme))
        .arg("--no-build")
        .args(extra)
        .env("FIXTURE_PIDFILE", pidfile)
        .output()
        .expect("readme-check runs")
}

fn pidfile(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("readme-check-{}-{name}.pid", std::process::id()))
}

#[test]
fn a_readme_that_matches_passes_and_its_server_is_stopped() {
    let pids = pidfile("pass");
    let out = check("pass.md", &[], &pids);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("5 commands run, 1 not run by CI, 0 failed"), "{stderr}");
    // The background block's child (in the server's process group) is gone.
    let pid = std::fs::read_to_string(&pids).expect("the server wrote its pid");
    let _ = std::fs::remove_file(&pids);
    assert!(gone(pid.trim()), "the server's child {} still runs", pid.trim());
}

#[test]
fn a_differing_output_fails_with_line_command_and_diff() {
    let out = check("fail.md", &[], &pidfile("fail"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fail.md:6: FAILED"), "{stderr}");
    assert!(stderr.contains("+ actual output\n- expected output"), "{stderr}");
    assert!(
        stderr.contains("FAILED readme-check/tests/fixtures/fail.md:6: $ echo actual output"),
        "{stderr}"
    );
    assert!(stderr.contains("1 failed"), "{stderr}");
}

#[test]
fn a_command_over_the_time_limit_fails() {
    let started = std::time::Instant::now();
    let out = check("slow.md", &["--timeout", "2"], &pidfile("slow"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timed out after 2 s"), "{stderr}");
    assert!(stderr.contains("  started"), "the output so far is shown: {stderr}");
    assert!(started.elapsed().as_secs() < 20, "the sleep was killed, not waited for");
}

#[test]
fn every_crate_readme_is_found() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = readme_check::discover(&root).expect("the workspace lists");
    let names: Vec<String> =
        found.iter().map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string()).collect();
    assert_eq!(names[0], "README.md");
    assert!(names.contains(&"tcp/README.md".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("fixtures")), "{names:?}");
}

/// Whether a process has exited (a zombie waiting for its reaper counts as exited), polled
/// for a few seconds.
fn gone(pid: &str) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            // The state follows the command name in parentheses: `123 (sleep) Z ...`.
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with('Z')) =>
            {
                return true;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
    false
}
