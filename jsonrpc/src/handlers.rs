//! What each method does. Nothing here knows about HTTP or JSON: jsonrpsee decodes the
//! parameters into Rust arguments and encodes the returned value or error.

use crate::{ApiServer, MAX_PAGE, NewUser, SUM, UPDATE, User, out_of_range, user_error};
use common::UserStore;
use jsonrpsee::RpcModule;
use jsonrpsee::core::{RegisterMethodError, async_trait};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The server's state: the users, and how many notifications arrived. Cloning shares both.
#[derive(Debug, Clone)]
pub struct Handlers {
    users: UserStore,
    notifications: Arc<AtomicU64>,
}

impl Handlers {
    pub fn new(users: UserStore) -> Self {
        Self { users, notifications: Arc::default() }
    }

    /// Notifications handled so far (`update`, `notify_hello`, sent without an `id`).
    pub fn notifications_received(&self) -> u64 {
        self.notifications.load(Ordering::Relaxed)
    }

    /// Every method in one [`RpcModule`]: the [`ApiServer`] methods, plus the two whose
    /// parameters are a list of any length.
    pub fn into_module(self) -> Result<RpcModule<Self>, RegisterMethodError> {
        let mut module = self.into_rpc();
        module.register_method(SUM, |params, _, _| {
            numbers(params)?.into_iter().try_fold(0i64, i64::checked_add).ok_or_else(out_of_range)
        })?;
        module.register_method(UPDATE, |params: Params, handlers: &Handlers, _| {
            handlers.count_notification(UPDATE, &numbers(params)?);
            Ok::<_, ErrorObjectOwned>(())
        })?;
        Ok(module)
    }

    fn count_notification(&self, method: &str, params: &dyn std::fmt::Debug) {
        self.notifications.fetch_add(1, Ordering::Relaxed);
        tracing::info!(method, ?params, "notification");
    }
}

/// Positional parameters that are all integers; none at all is an empty list.
fn numbers(params: Params) -> Result<Vec<i64>, ErrorObjectOwned> {
    Ok(params.parse::<Option<Vec<i64>>>()?.unwrap_or_default())
}

#[async_trait]
impl ApiServer for Handlers {
    async fn get_user(&self, id: u64) -> Result<User, ErrorObjectOwned> {
        self.users.get(id).map_err(user_error)
    }

    async fn create_user(&self, name: String, email: String) -> Result<User, ErrorObjectOwned> {
        self.users.create(NewUser { name, email }).map_err(user_error)
    }

    async fn list_users(
        &self,
        offset: Option<usize>,
        limit: Option<usize>,
    ) -> Result<Vec<User>, ErrorObjectOwned> {
        let limit = limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
        Ok(self.users.list(offset.unwrap_or(0), limit))
    }

    async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, ErrorObjectOwned> {
        minuend.checked_sub(subtrahend).ok_or_else(out_of_range)
    }

    async fn get_data(&self) -> Result<(String, u32), ErrorObjectOwned> {
        // The specification's sample answer, so its batch example can be replayed verbatim.
        Ok(("hello".to_owned(), 5))
    }

    async fn notify_hello(&self, value: i64) -> Result<(), ErrorObjectOwned> {
        self.count_notification("notify_hello", &value);
        Ok(())
    }
}
