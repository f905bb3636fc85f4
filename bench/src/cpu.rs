//! CPU time from the OS's own accounting, per side: the server runtime's threads (named
//! `bench-server`, workers and blocking pool alike) and the clients' thread (the main thread).
//! `/proc/self/task/<tid>/schedstat` gives each thread's time on a CPU in nanoseconds, user and
//! system together. Where there is no `/proc` (not Linux) every reading is `None`.

use std::time::Duration;

/// CPU time spent so far by each side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub server: Duration,
    pub client: Duration,
}

impl std::ops::Sub for Spent {
    type Output = Spent;
    fn sub(self, earlier: Spent) -> Spent {
        Spent {
            server: self.server.saturating_sub(earlier.server),
            client: self.client.saturating_sub(earlier.client),
        }
    }
}

/// The server threads' name (main.rs names the server runtime's threads so).
pub const SERVER_THREAD: &str = "bench-server";

/// What both sides have spent until now.
pub fn now() -> Option<Spent> {
    let main_thread = std::process::id().to_string();
    let mut spent = Spent::default();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        let read = |file| std::fs::read_to_string(path.join(file)).unwrap_or_default();
        // A thread that exited between the listing and the read counts as nothing.
        let Some(on_cpu) = on_cpu(&read("schedstat")) else { continue };
        if task.file_name().to_str() == Some(main_thread.as_str()) {
            spent.client += on_cpu;
        } else if read("comm").trim_end().starts_with(SERVER_THREAD) {
            spent.server += on_cpu;
        }
    }
    Some(spent)
}

/// The first field of a `schedstat` line: nanoseconds spent on a CPU.
fn on_cpu(schedstat: &str) -> Option<Duration> {
    schedstat.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_gives_nanoseconds_on_cpu() {
        assert_eq!(on_cpu("139196947 359105149 339\n"), Some(Duration::from_nanos(139_196_947)));
        assert_eq!(on_cpu(""), None);
    }

    #[test]
    fn a_spinning_server_thread_is_counted_as_the_server() {
        let Some(before) = now() else { return };
        // Spins until the accounting shows 40 ms for the server side: on a busy machine the
        // thread may get less CPU than wall time, so the bound is on wall time, 5 s.
        let spin = std::thread::Builder::new().name(SERVER_THREAD.into()).spawn(move || {
            let give_up = std::time::Instant::now() + Duration::from_secs(5);
            loop {
                for _ in 0..10_000 {
                    std::hint::spin_loop();
                }
                // Read while alive: the accounting of an exited thread is gone.
                let spent = now().unwrap() - before;
                if spent.server >= Duration::from_millis(40) || std::time::Instant::now() > give_up
                {
                    return spent;
                }
            }
        });
        let spent = spin.unwrap().join().unwrap();
        assert!(spent.server >= Duration::from_millis(40), "{spent:?}");
        assert!(spent.client < spent.server, "the spin was counted as the client: {spent:?}");
    }
}
