//! The client side: one connection, one request line out, one response line back.

use crate::protocol::{Request, Response};
use common::{NewUser, User};
use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// The longest response line the client accepts: responses are as short as requests, so a
/// server sending more is broken, and the client will not buffer it.
const MAX_RESPONSE: u64 = 4096;

/// Why a request did not get the answer it wanted.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("the server closed the connection")]
    Closed,
    /// The server answered `ERR <reason>`.
    #[error("server error: {0}")]
    Server(String),
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// A connection to a `tcp-server`.
#[derive(Debug)]
pub struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    pub async fn connect(addr: impl tokio::net::ToSocketAddrs) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        // Requests are small and each waits for its answer: send them without delay.
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        Ok(Self { reader: BufReader::new(reader), writer })
    }

    /// Sends one raw request line and returns the raw response line, without line endings.
    /// This is what the interactive client uses; the typed methods below build on it.
    pub async fn request_line(&mut self, line: &str) -> Result<String, ClientError> {
        if line.contains(['\n', '\r']) {
            return Err(ClientError::Protocol("a request is a single line".into()));
        }
        self.writer.write_all(format!("{line}\r\n").as_bytes()).await?;
        let mut response = Vec::new();
        let read = (&mut self.reader).take(MAX_RESPONSE).read_until(b'\n', &mut response).await?;
        match response.last() {
            Some(b'\n') => {}
            _ if read == 0 => return Err(ClientError::Closed),
            _ if read as u64 == MAX_RESPONSE => {
                return Err(ClientError::Protocol("response line too long".into()));
            }
            _ => return Err(ClientError::Closed),
        }
        let text = String::from_utf8(response)
            .map_err(|_| ClientError::Protocol("response is not UTF-8".into()))?;
        Ok(text.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Sends a request and parses the answer; an `ERR` answer becomes [`ClientError::Server`].
    pub async fn request(&mut self, request: &Request) -> Result<Response, ClientError> {
        let line = self.request_line(&request.to_string()).await?;
        match Response::parse(&line).map_err(ClientError::Protocol)? {
            Response::Err(reason) => Err(ClientError::Server(reason)),
            response => Ok(response),
        }
    }

    pub async fn ping(&mut self) -> Result<(), ClientError> {
        match self.request(&Request::Ping).await? {
            Response::Pong => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    pub async fn echo(&mut self, text: &str) -> Result<String, ClientError> {
        match self.request(&Request::Echo(text.into())).await? {
            Response::Echo(echoed) => Ok(echoed),
            other => Err(unexpected(other)),
        }
    }

    pub async fn get_user(&mut self, id: u64) -> Result<User, ClientError> {
        match self.request(&Request::Get(id)).await? {
            Response::User(user) => Ok(user),
            other => Err(unexpected(other)),
        }
    }

    pub async fn create_user(&mut self, new: NewUser) -> Result<User, ClientError> {
        match self.request(&Request::Create(new)).await? {
            Response::Created(user) => Ok(user),
            other => Err(unexpected(other)),
        }
    }

    /// Says goodbye and waits for the server's `BYE`.
    pub async fn quit(mut self) -> Result<(), ClientError> {
        match self.request(&Request::Quit).await? {
            Response::Bye(_) => Ok(()),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(response: Response) -> ClientError {
    ClientError::Protocol(format!("unexpected response: {response}"))
}
