//! The places where jsonrpsee 0.26, left alone, answers differently from the JSON-RPC 2.0
//! specification, and the small fixes this server applies. `tests/spec_examples.rs` pins each.
//!
//! 1. jsonrpsee parses a notification and drops it: no handler runs. [`RunNotifications`]
//!    runs it like a call and throws the result away, so `update` and `notify_hello` happen.
//! 2. A single message that is valid JSON but not a request (`{"jsonrpc": "2.0", "method": 1}`,
//!    `42`, or an `id` jsonrpsee cannot hold such as `-1`) gets -32700 Parse error from
//!    jsonrpsee, or is even taken for a notification. The specification keeps -32700 for
//!    invalid JSON and wants -32600 Invalid Request: [`invalid_request`] answers that.
//! 3. A notification, or a batch of only notifications, is answered `200 OK` with the body
//!    `null`: a reply, where the specification says "The Server MUST NOT reply". HTTP must send
//!    some response, so [`no_content`] makes it `204 No Content` with an empty body.

use jsonrpsee::core::middleware::{Batch, BatchEntry, Notification, RpcServiceT};
use jsonrpsee::server::{HttpBody, HttpResponse, MethodResponse, http::response};
use jsonrpsee::types::{
    ErrorCode, ErrorObject, Id, InvalidRequest, Request, Response, ResponsePayload,
};
use std::future::Future;

/// RPC middleware: hands every notification to its method, discards what the method returns,
/// and replies nothing. An unknown method in a notification is ignored, as the specification
/// asks ("The Server MUST NOT reply to a Notification").
#[derive(Debug, Clone)]
pub struct RunNotifications<S>(pub S);

impl<S> RpcServiceT for RunNotifications<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.0.call(request)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        let call = as_call(notification);
        let inner = self.0.clone();
        async move {
            // The method's answer (even "method not found") is for no one: drop it.
            let _ = inner.call(call).await;
            no_reply()
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.0.clone();
        async move {
            // Run the notifications here and leave the rest of the batch to jsonrpsee, which
            // keeps the answers in request order and turns an empty batch into -32600.
            let mut rest = Vec::new();
            let mut notified = false;
            for entry in batch {
                match entry {
                    Ok(BatchEntry::Notification(notification)) => {
                        let _ = inner.call(as_call(notification)).await;
                        notified = true;
                    }
                    other => rest.push(other),
                }
            }
            if notified && rest.is_empty() {
                // Only notifications: "nothing is returned for all notification batches".
                return no_reply();
            }
            inner.batch(Batch::from(rest)).await
        }
    }
}

/// Marks a response that must not reach the client; see [`no_content`].
#[derive(Debug, Clone, Copy)]
struct NoReply;

/// jsonrpsee's notification response (body `null`), marked so the HTTP side can drop it.
/// jsonrpsee copies a response's extensions onto the HTTP response.
fn no_reply() -> MethodResponse {
    let mut response = MethodResponse::notification();
    response.extensions_mut().insert(NoReply);
    response
}

/// The same message as a call with a `null` id, which is how jsonrpsee invokes a method.
fn as_call(notification: Notification<'_>) -> Request<'_> {
    let Notification { method, params, extensions, .. } = notification;
    let mut call = Request::owned(method.into_owned(), params.map(|p| p.into_owned()), Id::Null);
    call.extensions = extensions;
    call
}

/// For a single (non-batch) message that is valid JSON yet not a request or notification,
/// the -32600 Invalid Request answer, with the message's `id` when jsonrpsee can represent it.
/// `None` for everything jsonrpsee already answers as the specification says.
pub fn invalid_request(body: &[u8]) -> Option<HttpResponse> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return None; // batches: jsonrpsee classifies each element itself
    }
    if serde_json::from_slice::<Request>(body).is_ok() {
        return None; // a well-formed call: the common case, decided in one parse
    }
    // Not JSON at all: jsonrpsee's -32700 Parse error with a null id is right.
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("id");
    if id.is_none() && serde_json::from_slice::<Notification<'_>>(body).is_ok() {
        return None; // a notification: no reply
    }
    let id = serde_json::from_slice::<InvalidRequest>(body).map_or(Id::Null, |request| request.id);
    let error = ResponsePayload::<()>::error(ErrorObject::from(ErrorCode::InvalidRequest));
    let body = serde_json::to_string(&Response::new(error, id)).ok()?;
    Some(response::ok_response(body))
}

/// Replaces jsonrpsee's `200 OK` + `null` for "no reply" with `204 No Content`.
pub fn no_content(mut reply: HttpResponse) -> HttpResponse {
    if reply.extensions().get::<NoReply>().is_some() {
        *reply.status_mut() = hyper::StatusCode::NO_CONTENT;
        reply.headers_mut().remove(hyper::header::CONTENT_TYPE);
        *reply.body_mut() = HttpBody::empty();
    }
    reply
}
