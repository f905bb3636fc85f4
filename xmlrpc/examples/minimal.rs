//! XML-RPC in one file: the crate's server on a free port, then one call written by hand, so
//! you see the whole protocol. A call is an HTTP POST whose body is a `<methodCall>`; the
//! answer is a `<methodResponse>` with one value or a `<fault>`.
//!
//! ```text
//! cargo run -p xmlrpc --example minimal
//! ```

use xmlrpc::dxr::{FaultResponse, MethodResponse, Value};
use xmlrpc::server::{Config, spawn};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // 1. The server: users.get and the rest at POST /RPC2, until the program ends.
    let (addr, _server) =
        spawn(([127, 0, 0, 1], 0).into(), Config::default(), std::future::pending()).await?;
    let url = format!("http://{addr}/RPC2");
    let http = reqwest::Client::new();

    // 2. Two calls: one that succeeds, one that ends in a fault.
    for id in [1, 99] {
        if id != 1 {
            println!();
        }
        let call = format!(
            "<?xml version=\"1.0\"?>\n<methodCall><methodName>users.get</methodName>\
             <params><param><value><i4>{id}</i4></value></param></params></methodCall>"
        );
        println!("> POST /RPC2\n{call}");
        let answer = http.post(&url).header("content-type", "text/xml").body(call).send().await?;
        let document = answer.text().await?;
        println!("< 200 OK\n{}", document.trim());

        // 3. Decode it: a value, or a fault with a code and a string. (The crate's client
        //    also runs every answer through `xmlrpc::guard` first: a server is untrusted too.)
        match MethodResponse::from_xml(&document) {
            Ok(MethodResponse { value: Value::Struct(user) }) => {
                println!("= user {}", xmlrpc::display(&Value::Struct(user)));
            }
            Ok(other) => println!("= {}", xmlrpc::display(&other.value)),
            Err(_) => {
                let fault = FaultResponse::from_xml(&document)?.fault;
                println!("= fault {}: {}", fault.code(), fault.string());
            }
        }
    }
    Ok(())
}
