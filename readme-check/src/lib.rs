//! Reads the console blocks of a README and compares a command's output with the lines the
//! README shows after it. The convention (also in the root README, "README commands"):
//!
//! - Commands are lines starting with `$ ` inside ```` ```console ```` blocks; a command line
//!   ending in ` \` continues on the next line. The lines after a command, up to the next
//!   `$ ` line or the end of the block, are its expected output (stdout and stderr together).
//! - In an expected line, `[..]` matches any text within that line; a line holding only
//!   `...` matches any number of lines (none included).
//! - `<!-- check: background -->` before a block: its commands are servers, started in the
//!   background and stopped at the end of the README.
//! - `*Not run by CI: <reason>.*` before a block: the block is skipped.
//!
//! The markers may be separated from their block by blank lines, but by nothing else.
//! [`parse`] reads the blocks, [`matches`] and [`diff`] compare; `run` executes them.

pub mod run;

/// What a block is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Run each command to completion and compare its output.
    Foreground,
    /// Start each command, wait for its expected lines, keep it running until the README ends.
    Background,
    /// Shown to the reader, not run (`*Not run by CI: <reason>.*`).
    Skipped,
}

/// One `$ ` command and the lines the README shows after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// 1-based line of the `$ ` in the README.
    pub line: usize,
    /// The shell text, continuation lines joined with newlines (bash reads them as one).
    pub script: String,
    /// Expected output lines, trailing blank lines dropped.
    pub expected: Vec<String>,
}

/// One ```` ```console ```` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    pub kind: Kind,
    /// The reason given in a `*Not run by CI: ...*` marker.
    pub skip_reason: Option<String>,
    pub commands: Vec<Command>,
}

/// A README that does not follow the convention, with the line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

const BACKGROUND_MARKER: &str = "<!-- check: background -->";
const SKIP_PREFIX: &str = "*Not run by CI:";

/// The console blocks of a README, in order.
pub fn parse(text: &str) -> Result<Vec<Block>, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    // The marker seen since the last non-blank line, if any: (line, kind, reason).
    let mut pending: Option<(usize, Kind, Option<String>)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        if trimmed == BACKGROUND_MARKER {
            pending = Some((i + 1, Kind::Background, None));
            i += 1;
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(SKIP_PREFIX) {
            let Some(reason) = rest.strip_suffix(".*").or_else(|| rest.strip_suffix('*')) else {
                return Err(ParseError {
                    line: i + 1,
                    message: "a `*Not run by CI: <reason>.*` marker must be a line of its own"
                        .into(),
                });
            };
            pending = Some((i + 1, Kind::Skipped, Some(reason.trim().to_string())));
            i += 1;
            continue;
        }
        if let Some(fence) = fence_of(trimmed) {
            let info = trimmed[fence.len()..].trim();
            let start = i;
            i += 1;
            let body_start = i;
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                i += 1;
            }
            if i == lines.len() {
                return Err(ParseError {
                    line: start + 1,
                    message: "code block is never closed".into(),
                });
            }
            // A block indented in a list item: its lines lose the fence's indentation.
            let indent = line.len() - trimmed.len();
            let body: Vec<&str> = lines[body_start..i]
                .iter()
                .map(|l| {
                    let spaces = l.len() - l.trim_start_matches(' ').len();
                    &l[spaces.min(indent)..]
                })
                .collect();
            i += 1;
            if info != "console" {
                if let Some((marker_line, _, _)) = pending.take() {
                    return Err(ParseError {
                        line: marker_line,
                        message: "this marker must be directly before a ```console block".into(),
                    });
                }
                continue;
            }
            let (kind, skip_reason) = match pending.take() {
                Some((_, kind, reason)) => (kind, reason),
                None => (Kind::Foreground, None),
            };
            let commands = parse_body(&body, body_start + 1)?;
            if commands.is_empty() {
                return Err(ParseError {
                    line: start + 1,
                    message: "console block without a `$ ` command".into(),
                });
            }
            blocks.push(Block { line: start + 1, kind, skip_reason, commands });
            continue;
        }
        if let Some((marker_line, _, _)) = pending.take() {
            return Err(ParseError {
                line: marker_line,
                message: "this marker must be directly before a ```console block (only blank lines between)"
                    .into(),
            });
        }
        i += 1;
    }
    if let Some((marker_line, _, _)) = pending {
        return Err(ParseError {
            line: marker_line,
            message: "marker without a block after it".into(),
        });
    }
    Ok(blocks)
}

/// The fence (```` ``` ```` or longer, or `~~~`) a line opens, if it opens one.
fn fence_of(trimmed: &str) -> Option<&str> {
    for c in ['`', '~'] {
        let n = trimmed.chars().take_while(|&x| x == c).count();
        if n >= 3 {
            return Some(&trimmed[..n]);
        }
    }
    None
}

fn parse_body(body: &[&str], first_line: usize) -> Result<Vec<Command>, ParseError> {
    let mut commands: Vec<Command> = Vec::new();
    let mut j = 0;
    while j < body.len() {
        let raw = body[j].trim_end();
        if let Some(first) = raw.strip_prefix("$ ").or_else(|| (raw == "$").then_some("")) {
            let line = first_line + j;
            let mut script = first.to_string();
            // ` \` at the end continues the command on the next line, as in bash.
            while script.ends_with('\\') && j + 1 < body.len() {
                j += 1;
                script.push('\n');
                script.push_str(body[j].trim_end());
            }
            if script.trim().is_empty() {
                return Err(ParseError { line, message: "empty command".into() });
            }
            commands.push(Command { line, script, expected: Vec::new() });
        } else if let Some(command) = commands.last_mut() {
            command.expected.push(raw.to_string());
        } else if !raw.is_empty() {
            return Err(ParseError {
                line: first_line + j,
                message: "text before the first `$ ` command of a console block".into(),
            });
        }
        j += 1;
    }
    for command in &mut commands {
        while command.expected.last().is_some_and(|l| l.is_empty()) {
            command.expected.pop();
        }
    }
    Ok(commands)
}

/// Output as the comparison sees it: `\r\n` and lone `\r` as line ends, trailing whitespace
/// of each line and trailing blank lines dropped.
pub fn output_lines(output: &str) -> Vec<String> {
    let normalized = output.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = normalized.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Whether one actual line matches one expected line (`[..]` matches any text).
pub fn line_matches(expected: &str, actual: &str) -> bool {
    let expected = expected.trim_end();
    let pieces: Vec<&str> = expected.split("[..]").collect();
    if pieces.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn is_ellipsis(line: &str) -> bool {
    line.trim() == "..."
}

/// Whether the actual lines match the expected ones entirely (`...` lines match any run).
pub fn matches(expected: &[String], actual: &[String]) -> bool {
    // memo[i][j]: whether expected[i..] matches actual[j..], filled from the back.
    let (n, m) = (expected.len(), actual.len());
    let mut memo = vec![vec![false; m + 1]; n + 1];
    memo[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            memo[i][j] = if is_ellipsis(&expected[i]) {
                memo[i + 1][j] || (j < m && memo[i][j + 1])
            } else {
                j < m && line_matches(&expected[i], &actual[j]) && memo[i + 1][j + 1]
            };
        }
    }
    memo[0][0]
}

/// Whether the actual lines so far start with the expected ones (what a server has printed
/// once it is ready: the expected lines, then anything).
pub fn matches_prefix(expected: &[String], actual: &[String]) -> bool {
    let mut with_tail = expected.to_vec();
    with_tail.push("...".into());
    matches(&with_tail, actual)
}

/// A line diff of expected against actual: ` ` both, `-` only expected, `+` only actual.
/// Lines matched by a `...` are shown as context.
pub fn diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    // lcs[i][j]: length of the longest common subsequence of expected[i..] and actual[j..],
    // where `...` is left out and `[..]` lines count as equal when they match.
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if !is_ellipsis(&expected[i]) && line_matches(&expected[i], &actual[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && !is_ellipsis(&expected[i]) && line_matches(&expected[i], &actual[j]) {
            out.push_str(&format!("  {}\n", actual[j]));
            i += 1;
            j += 1;
        } else if i < n && is_ellipsis(&expected[i]) {
            // Take the actual lines up to the next match of what follows the `...`.
            out.push_str("  ...\n");
            i += 1;
            while j < m && (i == n || !line_matches(&expected[i], &actual[j])) {
                out.push_str(&format!("  {}\n", actual[j]));
                j += 1;
            }
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", actual[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", expected[i]));
            i += 1;
        }
    }
    out
}

/// The README files of the workspace at `root`: its own, then each direct subdirectory's
/// that has a `Cargo.toml` (every crate, including ones added later), sorted by path.
pub fn discover(root: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let dir = entry?.path();
        if dir.join("Cargo.toml").is_file() && dir.join("README.md").is_file() {
            found.push(dir.join("README.md"));
        }
    }
    found.sort();
    if root.join("README.md").is_file() {
        found.insert(0, root.join("README.md"));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| (*l).to_string()).collect()
    }

    #[test]
    fn wildcards_within_a_line() {
        assert!(line_matches("listening on 127.0.0.1:[..]", "listening on 127.0.0.1:7878"));
        assert!(line_matches("sent [..] in [..]ms", "sent 5 readings in 402.46ms"));
        assert!(line_matches("[..]", ""));
        assert!(!line_matches("sent [..] in [..]ms", "sent 5 readings in 4s"));
        assert!(!line_matches("ab[..]ba", "aba"));
        assert!(!line_matches("PONG", "PONG!"));
    }

    #[test]
    fn ellipsis_spans_lines() {
        let expected = lines(&["first", "...", "last"]);
        assert!(matches(&expected, &lines(&["first", "last"])));
        assert!(matches(&expected, &lines(&["first", "a", "b", "last"])));
        assert!(!matches(&expected, &lines(&["first", "a", "b"])));
        assert!(!matches(&lines(&["only"]), &lines(&["only", "extra"])));
        assert!(matches_prefix(&lines(&["listening on [..]"]), &lines(&["listening on x", "log"])));
        assert!(!matches_prefix(&lines(&["listening on [..]"]), &lines(&["compiling"])));
    }

    #[test]
    fn parses_blocks_markers_and_continuations() {
        let readme = "# t\n\n<!-- check: background -->\n\n```console\n$ server\nlistening\n```\n\n\
                      ```console\n$ a \\\n  --flag\nout\n\n$ b\n```\n\n*Not run by CI: needs Docker.*\n\
                      ```console\n$ docker compose up\n```\n\n```text\n$ not a command\n```\n";
        let blocks = parse(readme).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].kind, Kind::Background);
        assert_eq!(blocks[0].commands[0].expected, lines(&["listening"]));
        assert_eq!(blocks[1].commands[0].script, "a \\\n  --flag");
        assert_eq!(blocks[1].commands[0].expected, lines(&["out"]));
        assert_eq!(blocks[1].commands[1].line, 15);
        assert_eq!(blocks[2].kind, Kind::Skipped);
        assert_eq!(blocks[2].skip_reason.as_deref(), Some("needs Docker"));

        let in_a_list = "- item:\n\n  ```console\n  $ echo hi\n  hi\n  ```\n";
        let blocks = parse(in_a_list).unwrap();
        assert_eq!(blocks[0].commands[0].script, "echo hi");
        assert_eq!(blocks[0].commands[0].expected, lines(&["hi"]));
    }

    #[test]
    fn misplaced_marker_is_an_error() {
        let readme = "*Not run by CI: Docker.*\nsome prose\n```console\n$ x\n```\n";
        assert_eq!(parse(readme).unwrap_err().line, 1);
        assert!(parse("```console\noutput first\n$ x\n```\n").is_err());
    }

    #[test]
    fn diff_marks_both_sides() {
        let d = diff(&lines(&["a", "b", "c"]), &lines(&["a", "x", "c"]));
        assert_eq!(d, "  a\n+ x\n- b\n  c\n");
    }
}
