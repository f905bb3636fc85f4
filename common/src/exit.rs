//! How every binary ends: status 0, or one line on stderr, `error: ...`, and a failure status.
//!
//! One line, because a person reads it and a script greps it; each cause said once, because
//! many libraries' errors already include their cause's text, and printing the chain as
//! anyhow's `{:#}` does would say it again:
//! `IO error: Connection reset by peer (os error 104): Connection reset by peer (os error 104)`.
//! What the line says (the address involved, what to do) is the binary's own context.

use std::error::Error;
use std::process::ExitCode;

/// Status 0 for `Ok`; for `Err`, the error as one line on stderr and status 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    result.map_or_else(failure, |()| ExitCode::SUCCESS)
}

/// Prints the error as one line on stderr and returns status 1; for a `main` that picks its
/// own status on success: `run(args).await.unwrap_or_else(common::exit::failure)`.
pub fn failure(error: anyhow::Error) -> ExitCode {
    print_error(error.as_ref());
    ExitCode::FAILURE
}

/// The error of a client whose server did not answer, in the words every client here uses:
/// `cannot reach 127.0.0.1:7878: Connection refused (os error 111); start the server with
/// `cargo run -p tcp --bin tcp-server``.
pub fn unreachable(
    server: impl std::fmt::Display,
    error: &(dyn Error + 'static),
    start: &str,
) -> anyhow::Error {
    anyhow::anyhow!("cannot reach {server}: {}; start the server with `{start}`", one_line(error))
}

/// Prints `error: ` and the error's [`one_line`] to stderr.
pub fn print_error(error: &(dyn Error + 'static)) {
    eprintln!("error: {}", one_line(error));
}

/// The error and its causes joined by `: `, leaving out a cause whose text is already there.
pub fn one_line(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = next.source();
    }
    // A multi-line message (a server's error body, say) still makes one line.
    if line.contains('\n') {
        line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::one_line;
    use std::io;

    #[derive(Debug, thiserror::Error)]
    #[error("IO error: {0}")]
    struct Wrapped(#[source] io::Error);

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = io::Error::new(io::ErrorKind::ConnectionReset, "Connection reset");
        let error = anyhow::Error::new(Wrapped(io)).context("declaring queue `orders`");
        assert_eq!(
            one_line(error.as_ref()),
            "declaring queue `orders`: IO error: Connection reset"
        );
    }

    #[test]
    fn every_new_cause_is_joined_once() {
        let error = anyhow::anyhow!("connection refused").context("cannot reach 127.0.0.1:1");
        let error = error.context("fetching user 1");
        assert_eq!(
            one_line(error.as_ref()),
            "fetching user 1: cannot reach 127.0.0.1:1: connection refused"
        );
    }

    #[test]
    fn unreachable_names_the_server_then_the_cause_then_what_to_do() {
        let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused");
        let error =
            super::unreachable("127.0.0.1:1", &refused, "cargo run -p tcp --bin tcp-server");
        assert_eq!(
            one_line(error.as_ref()),
            "cannot reach 127.0.0.1:1: Connection refused; \
             start the server with `cargo run -p tcp --bin tcp-server`"
        );
    }

    #[test]
    fn a_message_over_several_lines_becomes_one() {
        let error = anyhow::anyhow!("the server said:\n  bad request\n");
        assert_eq!(one_line(error.as_ref()), "the server said: bad request");
    }
}
