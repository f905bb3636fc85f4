//! The shared [`UserError`] as a gRPC status. INVALID_ARGUMENT names the field twice: in the
//! message for people, and as a `google.rpc.BadRequest` detail for programs (any language's
//! gRPC library can decode it: Python's `grpcio-status`, Go's `errdetails`, ...).

use common::UserError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The status a failed store operation answers with.
pub fn from_user_error(error: &UserError) -> Status {
    let message = error.to_string();
    match error {
        UserError::NotFound(_) => Status::not_found(message),
        UserError::Invalid { field, reason } => Status::with_error_details(
            Code::InvalidArgument,
            message,
            ErrorDetails::with_bad_request_violation(*field, *reason),
        ),
        UserError::AlreadyExists(_) => Status::already_exists(message),
        UserError::Full(_) => Status::resource_exhausted(message),
    }
}

/// The same status with `context` in front of its message; the details are kept.
pub fn with_context(status: &Status, context: &str) -> Status {
    let message = format!("{context}: {}", status.message());
    Status::with_details(status.code(), message, status.details().to_vec().into())
}

/// The field an INVALID_ARGUMENT status blames, read from its `BadRequest` detail.
pub fn invalid_field(status: &Status) -> Option<String> {
    let bad_request = status.get_details_bad_request()?;
    bad_request.field_violations.first().map(|violation| violation.field.clone())
}

/// One line for a person: `NOT_FOUND: user 99 not found`.
pub fn describe(status: &Status) -> String {
    let code = format!("{:?}", status.code());
    let mut line = format!("{}: {}", screaming_snake(&code), status.message());
    if let Some(field) = invalid_field(status) {
        line.push_str(&format!(" (field: {field})"));
    }
    line
}

/// `DeadlineExceeded` -> `DEADLINE_EXCEEDED`, the spelling every gRPC tool uses.
fn screaming_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_the_field_in_message_and_details() {
        let status = from_user_error(&UserError::Invalid { field: "email", reason: "bad" });
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "invalid email: bad");
        assert_eq!(invalid_field(&status).as_deref(), Some("email"));
        let wrapped = with_context(&status, "user #2");
        assert_eq!(wrapped.message(), "user #2: invalid email: bad");
        assert_eq!(invalid_field(&wrapped).as_deref(), Some("email"));
        assert_eq!(
            describe(&wrapped),
            "INVALID_ARGUMENT: user #2: invalid email: bad (field: email)"
        );
    }

    #[test]
    fn every_error_has_its_own_code() {
        assert_eq!(from_user_error(&UserError::NotFound(9)).code(), Code::NotFound);
        assert_eq!(
            from_user_error(&UserError::AlreadyExists("a@b.c".into())).code(),
            Code::AlreadyExists
        );
        assert_eq!(from_user_error(&UserError::Full(1)).code(), Code::ResourceExhausted);
        assert_eq!(describe(&Status::deadline_exceeded("late")), "DEADLINE_EXCEEDED: late");
    }
}
