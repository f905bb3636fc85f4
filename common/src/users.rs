//! The in-memory user store that the request/response examples (TCP, JSON-RPC, REST, gRPC)
//! serve. Keeping it here means each crate shows only how *its protocol* carries the same
//! operations and the same errors.

use crate::types::{NewUser, User};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest accepted email address, in bytes (the SMTP limit).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Why a user operation failed. Each protocol maps these to its own error form
/// (`ERR` line, JSON-RPC error code, HTTP status, gRPC status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: &'static str },
    #[error("a user with email {0} already exists")]
    AlreadyExists(String),
    #[error("the store is full ({0} users)")]
    Full(usize),
}

impl NewUser {
    /// Checks the fields every protocol must refuse, before anything is stored.
    pub fn validate(&self) -> Result<(), UserError> {
        let invalid = |field, reason| Err(UserError::Invalid { field, reason });
        let name = self.name.trim();
        if name.is_empty() {
            return invalid("name", "must not be empty");
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return invalid("name", "must be at most 64 characters");
        }
        if name.chars().any(char::is_control) {
            return invalid("name", "must not contain control characters");
        }
        let email = self.email.as_str();
        if email.len() > MAX_EMAIL_BYTES {
            return invalid("email", "must be at most 254 bytes");
        }
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                Ok(())
            }
            _ => invalid("email", "must look like name@example.com"),
        }
    }
}

/// A thread-safe, bounded user store. Cloning it shares the same users.
#[derive(Debug, Clone)]
pub struct UserStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    users: BTreeMap<u64, User>,
    /// Lower-cased email to user id: emails are unique, case-insensitively.
    emails: HashMap<String, u64>,
    next_id: u64,
    capacity: usize,
}

impl UserStore {
    /// The default bound on stored users: enough for any demo, small enough that a client
    /// looping on "create" cannot exhaust the server's memory.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// An empty store holding at most `capacity` users.
    pub fn new(capacity: usize) -> Self {
        let inner = Inner { users: BTreeMap::new(), emails: HashMap::new(), next_id: 1, capacity };
        Self { inner: Arc::new(Mutex::new(inner)) }
    }

    /// A store with three well-known users (ids 1, 2, 3), so every example has data to show.
    pub fn with_sample_users() -> Self {
        let store = Self::new(Self::DEFAULT_CAPACITY);
        for (name, email) in [
            ("Ada Lovelace", "ada@example.com"),
            ("Alan Turing", "alan@example.com"),
            ("Grace Hopper", "grace@example.com"),
        ] {
            let user = NewUser { name: name.into(), email: email.into() };
            // Cannot fail: the samples are valid, distinct, and far below the capacity.
            store.create(user).expect("sample users are valid");
        }
        store
    }

    pub fn get(&self, id: u64) -> Result<User, UserError> {
        self.lock().users.get(&id).cloned().ok_or(UserError::NotFound(id))
    }

    /// Up to `limit` users in id order, skipping the first `offset`.
    pub fn list(&self, offset: usize, limit: usize) -> Vec<User> {
        self.lock().users.values().skip(offset).take(limit).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.lock().users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn create(&self, new: NewUser) -> Result<User, UserError> {
        new.validate()?;
        let mut inner = self.lock();
        inner.ensure_email_free(&new.email, None)?;
        if inner.users.len() >= inner.capacity {
            return Err(UserError::Full(inner.capacity));
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let user = User { id, name: new.name.trim().to_owned(), email: new.email };
        inner.emails.insert(user.email.to_lowercase(), id);
        inner.users.insert(id, user.clone());
        Ok(user)
    }

    /// Replaces the name and email of an existing user.
    pub fn update(&self, id: u64, new: NewUser) -> Result<User, UserError> {
        new.validate()?;
        let mut inner = self.lock();
        inner.ensure_email_free(&new.email, Some(id))?;
        let user = inner.users.get_mut(&id).ok_or(UserError::NotFound(id))?;
        let old_email = std::mem::replace(&mut user.email, new.email);
        user.name = new.name.trim().to_owned();
        let user = user.clone();
        inner.emails.remove(&old_email.to_lowercase());
        inner.emails.insert(user.email.to_lowercase(), id);
        Ok(user)
    }

    pub fn delete(&self, id: u64) -> Result<User, UserError> {
        let mut inner = self.lock();
        let user = inner.users.remove(&id).ok_or(UserError::NotFound(id))?;
        inner.emails.remove(&user.email.to_lowercase());
        Ok(user)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code path can panic between the paired updates of `users` and `emails`, so a
        // poisoned lock still guards consistent data and is safe to use.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn ensure_email_free(&self, email: &str, except_id: Option<u64>) -> Result<(), UserError> {
        let taken = self
            .users
            .values()
            .any(|u| u.email.eq_ignore_ascii_case(email) && Some(u.id) != except_id);
        if taken { Err(UserError::AlreadyExists(email.to_owned())) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(name: &str, email: &str) -> NewUser {
        NewUser { name: name.into(), email: email.into() }
    }

    #[test]
    fn create_assigns_increasing_ids_and_get_finds_them() {
        let store = UserStore::with_sample_users();
        let created = store.create(new_user("  Barbara Liskov ", "barbara@example.com")).unwrap();
        assert_eq!(created.id, 4);
        assert_eq!(created.name, "Barbara Liskov");
        assert_eq!(store.get(4).unwrap(), created);
        assert_eq!(store.get(99), Err(UserError::NotFound(99)));
    }

    #[test]
    fn invalid_and_duplicate_users_are_refused() {
        let store = UserStore::with_sample_users();
        assert!(matches!(
            store.create(new_user(" ", "x@example.com")),
            Err(UserError::Invalid { field: "name", .. })
        ));
        assert!(matches!(
            store.create(new_user("X", "not-an-email")),
            Err(UserError::Invalid { field: "email", .. })
        ));
        assert!(matches!(
            store.create(new_user("X", "a b@example.com")),
            Err(UserError::Invalid { field: "email", .. })
        ));
        assert_eq!(
            store.create(new_user("Other Ada", "ADA@example.com")),
            Err(UserError::AlreadyExists("ADA@example.com".into()))
        );
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn capacity_bounds_the_store() {
        let store = UserStore::new(1);
        store.create(new_user("One", "one@example.com")).unwrap();
        assert_eq!(store.create(new_user("Two", "two@example.com")), Err(UserError::Full(1)));
    }

    #[test]
    fn update_list_and_delete() {
        let store = UserStore::with_sample_users();
        let updated = store.update(2, new_user("Alan M. Turing", "alan@example.com")).unwrap();
        assert_eq!(updated.name, "Alan M. Turing");
        assert!(matches!(
            store.update(2, new_user("A", "ada@example.com")),
            Err(UserError::AlreadyExists(_))
        ));
        assert_eq!(store.list(1, 5).iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(store.delete(1).unwrap().id, 1);
        assert_eq!(store.delete(1), Err(UserError::NotFound(1)));
        // Freed and changed emails can be taken again; the new one cannot.
        store.create(new_user("Ada Again", "ada@example.com")).unwrap();
        store.update(2, new_user("Alan", "turing@example.com")).unwrap();
        store.create(new_user("Another Alan", "alan@example.com")).unwrap();
        assert!(matches!(
            store.create(new_user("T", "Turing@example.com")),
            Err(UserError::AlreadyExists(_))
        ));
    }
}
