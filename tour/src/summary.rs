//! The closing table, and the same results as JSON.

use crate::outcome::{Outcome, Verdict};
use crate::protocols::Protocol;
use serde_json::json;

pub fn table(results: &[(Protocol, Outcome)]) -> String {
    let mut out = format!(
        "{:<14} {:<38} {:<16} {:<8} {:>11} {:>9}\n",
        "protocol", "model", "transport", "result", "round trip", "payload"
    );
    let mut reasons = Vec::new();
    for (protocol, outcome) in results {
        let (result, rtt, bytes) = match &outcome.verdict {
            Verdict::Ok(m) => {
                ("ok", format!("{:.1?}", m.round_trip), format!("{} B", m.payload_bytes))
            }
            Verdict::Skipped(why) => {
                reasons.push(format!("{}: skipped: {why}", protocol.name));
                ("skipped", "-".into(), "-".into())
            }
            Verdict::Failed(why) => {
                reasons.push(format!("{}: FAILED: {why}", protocol.name));
                ("FAILED", "-".into(), "-".into())
            }
        };
        out += &format!(
            "{:<14} {:<38} {:<16} {:<8} {:>11} {:>9}\n",
            protocol.name, protocol.model, protocol.transport, result, rtt, bytes
        );
    }
    for reason in reasons {
        out += &format!("\n{reason}");
    }
    out
}

pub fn json(results: &[(Protocol, Outcome)]) -> String {
    let rows: Vec<_> = results
        .iter()
        .map(|(protocol, outcome)| {
            let (result, reason, measured) = match &outcome.verdict {
                Verdict::Ok(m) => ("ok", None, Some(m)),
                Verdict::Skipped(why) => ("skipped", Some(why), None),
                Verdict::Failed(why) => ("failed", Some(why), None),
            };
            json!({
                "protocol": protocol.name,
                "model": protocol.model,
                "transport": protocol.transport,
                "result": result,
                "reason": reason,
                "round_trip_us": measured.map(|m| m.round_trip.as_secs_f64() * 1e6),
                "payload_bytes": measured.map(|m| m.payload_bytes),
                "transcript": outcome.transcript.lines.iter().map(|l| l.trim()).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Serializing a `serde_json::Value` cannot fail.
    serde_json::to_string_pretty(&rows).expect("JSON values serialize")
}
