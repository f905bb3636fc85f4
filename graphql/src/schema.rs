//! The GraphQL schema, apart from any transport: the types a client may ask for, the roots it
//! starts from, and the limits that keep one query from costing the server too much.
//!
//! ```graphql
//! { users(limit: 2) { name orders { total } } }      # nested data in one request
//! mutation { createUser(input: {name: "Barbara Liskov", email: "barbara@example.com"}) { id } }
//! subscription { userCreated { id name } }           # every new user, pushed
//! ```
//!
//! `User.orders` goes through a [`DataLoader`]: the resolvers of all users in a response ask
//! for their orders at once, and the loader turns those asks into one store lookup.

use crate::orders::OrderStore;
use crate::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use async_graphql::dataloader::DataLoader;
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Object, Schema, SimpleObject, Subscription,
};
use common::{NewUser, UserError, UserStore};
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tracing::warn;

/// The schema this crate serves.
pub type UsersSchema = Schema<Query, Mutation, Subscription>;

/// New users, as `createUser` announces them to `userCreated` subscribers.
pub type UserEvents = broadcast::Sender<common::User>;

/// How many new users a slow subscriber may fall behind before it misses some.
pub const EVENT_BUFFER: usize = 64;

/// The data behind the schema: users, their orders, and the channel of new users.
/// Cloning it shares all three.
#[derive(Debug, Clone)]
pub struct Backend {
    pub users: UserStore,
    pub orders: OrderStore,
    pub events: UserEvents,
}

impl Backend {
    pub fn new(users: UserStore, orders: OrderStore) -> Self {
        Self { users, orders, events: broadcast::channel(EVENT_BUFFER).0 }
    }

    /// The three sample users of [`UserStore::with_sample_users`] and their orders.
    pub fn sample() -> Self {
        Self::new(UserStore::with_sample_users(), OrderStore::with_sample_orders())
    }
}

/// Limits on what one operation may ask for. Each one refused gives a GraphQL error naming it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest selection nesting. Ours needs 4 (`users { orders { items { sku } } }`);
    /// GraphiQL's introspection query needs 13.
    pub max_depth: usize,
    /// Most fields one operation may select, counting each list field as its `limit` times
    /// its children: bounds alias floods (`a1: users … a500: users`) as well as big pages.
    pub max_complexity: usize,
    /// Deepest nesting the parser follows (also of values such as `[[[[1]]]]`) before
    /// it stops, so a hostile document cannot overflow the stack.
    pub max_recursive_depth: usize,
    /// Whether `__schema` and `__type` answer. On for a public API's tools (GraphiQL, code
    /// generators); off when only your own clients call, to keep the schema to yourself.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 16, max_complexity: 2_000, max_recursive_depth: 32, introspection: true }
    }
}

/// How long the orders loader collects keys before it looks them up, by default: long enough
/// for every `User.orders` of a list to ask, short enough not to be noticed.
pub const DEFAULT_BATCH_DELAY: Duration = Duration::from_millis(1);

/// Builds the schema over `backend` with `limits`; the orders loader waits `batch_delay` for
/// more keys before each lookup.
pub fn build(backend: Backend, limits: &Limits, batch_delay: Duration) -> UsersSchema {
    // No cache: the loader only batches, so a response never shows stale orders.
    let orders =
        DataLoader::new(OrdersLoader(backend.orders.clone()), tokio::spawn).delay(batch_delay);
    let builder = Schema::build(Query, Mutation, Subscription)
        .data(orders)
        .data(backend)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .limit_directives(8);
    let builder = if limits.introspection { builder } else { builder.disable_introspection() };
    builder.finish()
}

/// The schema in SDL, as checked in at `graphql/schema.graphql`.
pub fn sdl() -> String {
    build(Backend::sample(), &Limits::default(), DEFAULT_BATCH_DELAY).sdl()
}

/// A user, with the orders they placed.
#[derive(Debug, Clone)]
pub struct User(pub common::User);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The user's orders, oldest first. Batched: however many users a response lists, their
    /// orders are fetched in one lookup.
    async fn orders(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Order>> {
        let loader = ctx.data::<DataLoader<OrdersLoader>>()?;
        let orders = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(orders.into_iter().map(Order).collect())
    }
}

/// One order. Money is in integer cents, never floats.
#[derive(Debug, Clone)]
pub struct Order(pub common::Order);

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn items(&self) -> Vec<OrderItem> {
        self.0.items.iter().map(OrderItem::from).collect()
    }

    /// The order's total in cents.
    async fn total(&self) -> u64 {
        self.0.total_cents()
    }
}

/// One line of an order.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderItem {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_cents: u64,
}

impl From<&common::OrderItem> for OrderItem {
    fn from(item: &common::OrderItem) -> Self {
        Self {
            sku: item.sku.clone(),
            quantity: item.quantity,
            unit_price_cents: item.unit_price_cents,
        }
    }
}

/// What `createUser` takes; the server assigns the id.
#[derive(Debug, Clone, InputObject)]
pub struct NewUserInput {
    pub name: String,
    pub email: String,
}

/// Loads the orders of many users at once, for [`DataLoader`].
#[derive(Debug)]
pub struct OrdersLoader(OrderStore);

impl async_graphql::dataloader::Loader<u64> for OrdersLoader {
    type Value = Vec<common::Order>;
    type Error = Infallible;

    async fn load(&self, user_ids: &[u64]) -> Result<HashMap<u64, Self::Value>, Self::Error> {
        Ok(self.0.for_users(user_ids))
    }
}

/// The read-only root.
#[derive(Debug, Default)]
pub struct Query;

#[Object]
impl Query {
    /// The user with this id, or null if there is none.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let Ok(id) = id.parse::<u64>() else { return Ok(None) };
        match backend(ctx)?.users.get(id) {
            Ok(user) => Ok(Some(User(user))),
            Err(UserError::NotFound(_)) => Ok(None),
            Err(error) => Err(user_error(error)),
        }
    }

    /// Up to `limit` users in id order, skipping the first `offset`.
    #[graphql(complexity = "limit.saturating_mul(child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 0)] offset: usize,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] limit: usize,
    ) -> async_graphql::Result<Vec<User>> {
        debug_assert_eq!((DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT), (20, 100));
        Ok(backend(ctx)?.users.list(offset, limit).into_iter().map(User).collect())
    }

    /// How many users there are in all (for paging through `users`).
    async fn user_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        Ok(backend(ctx)?.users.len())
    }
}

/// The root of changes.
#[derive(Debug, Default)]
pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates a user and announces it to `userCreated` subscribers. Errors carry
    /// `extensions.code`: `BAD_USER_INPUT`, `ALREADY_EXISTS` or `STORE_FULL`.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: NewUserInput,
    ) -> async_graphql::Result<User> {
        let backend = backend(ctx)?;
        let new = NewUser { name: input.name, email: input.email };
        let user = backend.users.create(new).map_err(user_error)?;
        // An error only means that nobody is subscribed right now.
        let _ = backend.events.send(user.clone());
        Ok(User(user))
    }
}

/// The root of event streams.
#[derive(Debug, Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every user created from now on.
    async fn user_created(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = User> + use<>> {
        let events = BroadcastStream::new(backend(ctx)?.events.subscribe());
        Ok(events.filter_map(|event| async move {
            match event {
                Ok(user) => Some(User(user)),
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    warn!(missed, "a userCreated subscriber fell behind and missed events");
                    None
                }
            }
        }))
    }
}

fn backend<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Backend> {
    ctx.data::<Backend>()
}

/// A store error as a GraphQL error: the message for people, `extensions.code` for programs.
fn user_error(error: UserError) -> async_graphql::Error {
    let code = match &error {
        UserError::NotFound(_) => "NOT_FOUND",
        UserError::Invalid { .. } => "BAD_USER_INPUT",
        UserError::AlreadyExists(_) => "ALREADY_EXISTS",
        UserError::Full(_) => "STORE_FULL",
    };
    async_graphql::Error::new(error.to_string()).extend_with(|_, e| e.set("code", code))
}
