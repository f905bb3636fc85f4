//! Byte for byte against ZeroC: `fixtures/zeroc-3.7-session.txt` is what crossed the socket
//! between ZeroC's Python client (`peers/directory_client.py`) and ZeroC's Python server
//! (`peers/directory_server.py`), both python3-zeroc-ice 3.7.8, recorded with
//! `socat -x TCP-LISTEN:10511 TCP:127.0.0.1:10510`. This crate must read every message of it,
//! write each back identically, send the same requests, and answer with the same replies.

use common::UserStore;
use ice::directory::Call;
use ice::message::{Message, Reply};
use ice::server::dispatch;

/// The recorded messages: (client to server, server to client), each split at its header's
/// size.
fn session() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let dump = include_str!("fixtures/zeroc-3.7-session.txt");
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    let mut towards_server = true;
    for line in dump.lines() {
        if line.starts_with('>') {
            towards_server = true;
        } else if line.starts_with('<') {
            towards_server = false;
        } else {
            let stream = if towards_server { &mut to_server } else { &mut to_client };
            stream.extend(line.split_whitespace().map(|hex| u8::from_str_radix(hex, 16).unwrap()));
        }
    }
    (split(&to_server), split(&to_client))
}

fn split(mut stream: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    while !stream.is_empty() {
        let size = i32::from_le_bytes(stream[10..14].try_into().unwrap()) as usize;
        messages.push(stream[..size].to_vec());
        stream = &stream[size..];
    }
    messages
}

#[test]
fn the_recording_has_every_kind_of_exchange() {
    let (requests, replies) = session();
    assert_eq!(requests.len(), 17, "16 requests and a close-connection");
    assert_eq!(replies.len(), 16, "validate-connection and 15 replies (one call was oneway)");
}

#[test]
fn every_message_zeroc_sent_reads_and_writes_back_byte_for_byte() {
    let (requests, replies) = session();
    for bytes in requests.iter().chain(&replies) {
        let message = Message::from_bytes(bytes).unwrap_or_else(|e| panic!("{e}: {bytes:02x?}"));
        let mut expected = bytes.clone();
        if message == Message::CloseConnection {
            // ZeroC sets compression status 1 ("I could compress") on its close-connection;
            // this crate never compresses and writes 0.
            expected[9] = 0;
        }
        assert_eq!(message.to_bytes(), expected, "{message:?}");
    }
}

#[test]
fn our_client_sends_what_zerocs_client_sends() {
    let (requests, _) = session();
    let mut compared = 0;
    for bytes in &requests {
        let Ok(Message::Request(request)) = Message::from_bytes(bytes) else { continue };
        let Ok(Some(call)) = Call::parse(&request.operation, &request.params) else { continue };
        if request.facet.is_some() || request.request_id == 0 {
            continue;
        }
        let ours = Message::Request(call.request(request.request_id, &request.identity));
        assert_eq!(ours.to_bytes(), *bytes, "{call:?}");
        compared += 1;
    }
    // All but the facet call, the oneway ping and the `deleteUser` no Call knows.
    assert_eq!(compared, 13);
}

#[test]
fn our_server_answers_zerocs_client_as_zerocs_server_does() {
    let (requests, replies) = session();
    // Both servers start with the same three sample users.
    let store = UserStore::with_sample_users();
    assert_eq!(replies[0], Message::ValidateConnection.to_bytes(), "the server speaks first");
    let mut replies = replies[1..].iter();
    for bytes in &requests {
        let Message::Request(request) = Message::from_bytes(bytes).unwrap() else { continue };
        let body = dispatch(&request, &store);
        if request.request_id == 0 {
            continue; // oneway: neither server answers
        }
        let ours = Message::Reply(Reply { request_id: request.request_id, body }).to_bytes();
        let theirs = replies.next().expect("ZeroC answered this request");
        assert_eq!(ours, *theirs, "{} (request {})", request.operation, request.request_id);
    }
}
