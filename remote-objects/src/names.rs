//! The naming service: a registry of names with leases, and the [`Names`] service over it.
//!
//! Every registration expires `lease` after it was made or last renewed. A server renews its
//! names well before that ([`keep_registered`]); one that crashes stops renewing, and its names
//! vanish from `lookup` and `list` within one lease, without anyone having to notice the crash.

use crate::{Entry, Lease, Names, NamesClient, NamesError};
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tarpc::context::Context;
use tracing::{info, warn};

/// The longest accepted name, in bytes.
pub const MAX_NAME: usize = 128;

/// The registry's settings. `Default` gives the values `remote-objects-names` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a registration lives without a renewal.
    pub lease: Duration,
    /// The most names held at once.
    pub max_names: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self { lease: Duration::from_secs(10), max_names: 1000 }
    }
}

/// The registry every connection to the naming service shares. Cloning it shares the names.
#[derive(Debug, Clone)]
pub struct Registry {
    inner: Arc<Mutex<BTreeMap<String, Registration>>>,
    config: Arc<Config>,
    /// Seeds the tokens: random per process, so a token cannot be guessed from another.
    tokens: RandomState,
}

#[derive(Debug)]
struct Registration {
    addr: SocketAddr,
    interface: String,
    token: u64,
    expires: Instant,
}

impl Registry {
    pub fn new(config: Config) -> Self {
        Self { inner: Arc::default(), config: Arc::new(config), tokens: RandomState::new() }
    }

    pub fn register(
        &self,
        name: String,
        addr: SocketAddr,
        interface: String,
    ) -> Result<Lease, NamesError> {
        validate(&name)?;
        if interface.len() > MAX_NAME {
            return Err(NamesError::InvalidName("interface longer than 128 bytes".into()));
        }
        let now = Instant::now();
        let mut names = self.lock(now);
        if names.contains_key(&name) {
            return Err(NamesError::Taken(name));
        }
        if names.len() >= self.config.max_names {
            return Err(NamesError::Full(self.config.max_names));
        }
        let token = self.tokens.hash_one((&name, now, names.len()));
        let expires = now + self.config.lease;
        info!(%name, %addr, %interface, "registered");
        names.insert(name, Registration { addr, interface, token, expires });
        Ok(Lease { token, ttl_ms: millis(self.config.lease) })
    }

    pub fn renew(&self, name: &str, token: u64) -> Result<u64, NamesError> {
        let now = Instant::now();
        let mut names = self.lock(now);
        let registration = owned(&mut names, name, token)?;
        registration.expires = now + self.config.lease;
        Ok(millis(self.config.lease))
    }

    pub fn unregister(&self, name: &str, token: u64) -> Result<(), NamesError> {
        let mut names = self.lock(Instant::now());
        owned(&mut names, name, token)?;
        names.remove(name);
        info!(%name, "unregistered");
        Ok(())
    }

    pub fn lookup(&self, name: &str) -> Result<Entry, NamesError> {
        let now = Instant::now();
        let names = self.lock(now);
        let registration = names.get(name).ok_or_else(|| NamesError::NotFound(name.into()))?;
        Ok(entry(name, registration, now))
    }

    pub fn list(&self, prefix: &str) -> Vec<Entry> {
        let now = Instant::now();
        let names = self.lock(now);
        let matching =
            names.range(prefix.to_owned()..).take_while(|(name, _)| name.starts_with(prefix));
        matching.map(|(name, registration)| entry(name, registration, now)).collect()
    }

    /// The registry with every expired lease removed first, so no caller ever sees one.
    fn lock(&self, now: Instant) -> MutexGuard<'_, BTreeMap<String, Registration>> {
        // Every update is a single map operation, so a poisoned lock still guards whole data.
        let mut names = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        names.retain(|name, registration| {
            let live = registration.expires > now;
            if !live {
                warn!(%name, addr = %registration.addr, "lease expired; name removed");
            }
            live
        });
        names
    }
}

fn owned<'a>(
    names: &'a mut BTreeMap<String, Registration>,
    name: &str,
    token: u64,
) -> Result<&'a mut Registration, NamesError> {
    match names.get_mut(name) {
        None => Err(NamesError::NotFound(name.into())),
        Some(registration) if registration.token != token => {
            Err(NamesError::WrongToken(name.into()))
        }
        Some(registration) => Ok(registration),
    }
}

fn entry(name: &str, registration: &Registration, now: Instant) -> Entry {
    Entry {
        name: name.to_owned(),
        addr: registration.addr,
        interface: registration.interface.clone(),
        expires_in_ms: millis(registration.expires.saturating_duration_since(now)),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Names are dotted words: `example.users`, `shop.orders-v2`.
fn validate(name: &str) -> Result<(), NamesError> {
    let invalid = |reason: &str| Err(NamesError::InvalidName(reason.into()));
    if name.is_empty() || name.len() > MAX_NAME {
        return invalid("must be 1 to 128 bytes");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return invalid("may contain only ASCII letters, digits, '.', '_' and '-'");
    }
    Ok(())
}

/// The [`Names`] service: one per connection, all over the same [`Registry`].
#[derive(Debug, Clone)]
pub struct NamesServer(pub Registry);

impl Names for NamesServer {
    async fn register(
        self,
        _: Context,
        name: String,
        addr: SocketAddr,
        interface: String,
    ) -> Result<Lease, NamesError> {
        self.0.register(name, addr, interface)
    }

    async fn renew(self, _: Context, name: String, token: u64) -> Result<u64, NamesError> {
        self.0.renew(&name, token)
    }

    async fn lookup(self, _: Context, name: String) -> Result<Entry, NamesError> {
        self.0.lookup(&name)
    }

    async fn list(self, _: Context, prefix: String) -> Vec<Entry> {
        self.0.list(&prefix)
    }

    async fn unregister(self, _: Context, name: String, token: u64) -> Result<(), NamesError> {
        self.0.unregister(&name, token)
    }
}

/// Runs the naming service on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Registry,
    config: crate::server::Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    crate::server::serve(
        listener,
        config,
        move |stream, _peer, config| {
            crate::server::connection(stream, NamesServer(registry.clone()).serve(), config)
        },
        shutdown,
    )
    .await
}

/// One object a server keeps registered: its name, address and interface.
#[derive(Debug, Clone)]
pub struct Registered {
    pub name: String,
    pub addr: SocketAddr,
    pub interface: String,
}

/// A server's registrations with the naming service, kept alive by [`Registrations::keep`].
#[derive(Debug)]
pub struct Registrations {
    names: SocketAddr,
    client: NamesClient,
    objects: Vec<Registered>,
    leases: Vec<Lease>,
}

impl Registrations {
    /// Registers every object with the naming service at `names`; fails if any is refused
    /// (a name taken, the service unreachable), so a wrong `--names` shows at once.
    pub async fn register(names: SocketAddr, objects: Vec<Registered>) -> anyhow::Result<Self> {
        let client = crate::client::names(names).await?;
        let mut leases = Vec::with_capacity(objects.len());
        for object in &objects {
            leases.push(register(&client, object).await?);
        }
        Ok(Self { names, client, objects, leases })
    }

    /// Renews the leases a third of a lease apart, registers again after the naming service
    /// restarts, and keeps trying while it is unreachable, until `shutdown` completes; then
    /// unregisters every name.
    pub async fn keep(self, shutdown: impl std::future::Future<Output = ()>) {
        let Self { names, mut client, objects, mut leases } = self;
        tokio::pin!(shutdown);
        loop {
            let ttl = leases.iter().map(|lease| lease.ttl_ms).min().unwrap_or(3000);
            let pause = Duration::from_millis((ttl / 3).max(30));
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(pause) => {}
            }
            let mut reconnect = false;
            for (object, lease) in objects.iter().zip(leases.iter_mut()) {
                match client.renew(crate::client::context(), object.name.clone(), lease.token).await
                {
                    Ok(Ok(_ttl)) => {}
                    // The lease ran out (a pause longer than the lease) or the naming service
                    // restarted and forgot us: register again.
                    Ok(Err(NamesError::NotFound(_))) => match register(&client, object).await {
                        Ok(new) => {
                            info!(name = %object.name, "registered again");
                            *lease = new;
                        }
                        Err(error) => {
                            warn!(%error, name = %object.name, "registering again failed")
                        }
                    },
                    Ok(Err(error)) => warn!(%error, name = %object.name, "renewal refused"),
                    Err(error) => {
                        warn!(%error, "naming service unreachable; reconnecting");
                        reconnect = true;
                        break;
                    }
                }
            }
            if reconnect {
                match crate::client::names(names).await {
                    Ok(new) => client = new,
                    Err(error) => warn!(%error, "cannot reach the naming service"),
                }
            }
        }
        for (object, lease) in objects.iter().zip(&leases) {
            let (context, name) = (crate::client::context(), object.name.clone());
            let _ = client.unregister(context, name, lease.token).await;
        }
    }
}

async fn register(client: &NamesClient, object: &Registered) -> anyhow::Result<Lease> {
    let context = crate::client::context();
    let (name, interface) = (object.name.clone(), object.interface.clone());
    Ok(client.register(context, name, object.addr, interface).await??)
}
