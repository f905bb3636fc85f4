//! The client side: jsonrpsee's HTTP client with the typed methods the `#[rpc]` macro generated
//! (`client.get_user(1)`), and the untyped calls for what a trait method cannot express
//! (notifications, batches, list-of-any-length parameters).

use crate::{ApiClient, SUM, codes};
use jsonrpsee::core::client::{BatchResponse, ClientT, Error};
use jsonrpsee::core::params::BatchRequestBuilder;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::types::ErrorObjectOwned;
use std::net::SocketAddr;
use std::time::Duration;

/// How long the client waits for any one answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client for the server at `addr`. No connection is made until the first call.
pub fn connect(addr: SocketAddr) -> anyhow::Result<HttpClient> {
    Ok(HttpClientBuilder::new().request_timeout(REQUEST_TIMEOUT).build(format!("http://{addr}"))?)
}

/// `sum`: the specification's method whose positional parameters are the numbers to add.
pub async fn sum(client: &HttpClient, numbers: &[i64]) -> Result<i64, Error> {
    let mut params = jsonrpsee::core::params::ArrayParams::new();
    for number in numbers {
        params.insert(number)?;
    }
    client.request(SUM, params).await
}

/// Sends `notify_hello` as a notification: no `id`, and the server sends no answer back.
pub async fn notify_hello(client: &HttpClient, value: i64) -> Result<(), Error> {
    client.notification("notify_hello", rpc_params![value]).await
}

/// One line per step of a short tour: a call, a call with named parameters, a notification,
/// a batch, and an error the program branches on by its code.
pub async fn demo(client: &HttpClient) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();

    let ada = client.get_user(1).await?;
    lines.push(format!("call          users.get [1] -> {}", serde_json::to_string(&ada)?));

    // `subtract` is declared with `param_kind = map`: the client sends
    // {"minuend": 42, "subtrahend": 23}.
    let difference = client.subtract(42, 23).await?;
    lines.push(format!("named params  subtract {{minuend: 42, subtrahend: 23}} -> {difference}"));

    notify_hello(client, 7).await?;
    lines.push("notification  notify_hello [7] -> (no reply, as intended)".to_owned());

    let mut batch = BatchRequestBuilder::new();
    batch.insert(SUM, rpc_params![1, 2, 4])?;
    batch.insert("subtract", rpc_params![42, 23])?;
    batch.insert("users.get", rpc_params![99])?;
    let answers: BatchResponse<serde_json::Value> = client.batch_request(batch).await?;
    let answers: Vec<String> = answers.into_iter().map(describe).collect();
    lines.push(format!(
        "batch         [sum [1,2,4], subtract [42,23], users.get [99]] -> [{}]",
        answers.join(", ")
    ));

    match client.get_user(99).await {
        Err(Error::Call(err)) if err.code() == codes::USER_NOT_FOUND => {
            lines.push(format!(
                "error         users.get [99] -> code {}: {}",
                err.code(),
                err.message()
            ));
        }
        other => {
            anyhow::bail!("expected error {} for user 99, got {other:?}", codes::USER_NOT_FOUND)
        }
    }
    Ok(lines)
}

fn describe(answer: Result<serde_json::Value, ErrorObjectOwned>) -> String {
    match answer {
        Ok(value) => value.to_string(),
        Err(err) => format!("error {}", err.code()),
    }
}
