//! The retention policy: articles older than the configured age are
//! deleted, by publication date (else the time they were stored).
//!
//! A thread of its own sweeps at start-up and then at a fixed interval. It
//! asks the store for the oldest articles past the cut-off and hands each
//! one to the writer as an ordinary deletion, so a retention delete is
//! exactly a `DeleteArticle`: the same batch, the same events on the
//! stream, in the same order with the submits around it. The thread holds
//! no state between sweeps: what is due is always read from the store, so
//! a sweep cut short by a crash or a shutdown is finished by the next one.

use std::{
    sync::{mpsc as std_mpsc, Arc},
    time::{Duration, SystemTime},
};

use tokio::sync::{mpsc, oneshot};

use super::{writer::Work, Shared};
use crate::{error::Error, store::Instant};

/// How long articles are kept, and how often that is enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Articles dated more than this long ago are deleted.
    pub keep: Duration,
    /// Time between two sweeps (the first runs at start-up).
    pub every: Duration,
}

impl Retention {
    /// Keeps articles `days` days, sweeping every ten minutes.
    pub fn days(days: u32) -> Self {
        Retention {
            keep: Duration::from_secs(u64::from(days) * 86_400),
            every: Duration::from_secs(600),
        }
    }
}

/// Articles asked for per read of the store.
const SWEEP_PAGE: usize = 256;

/// Sweeps until `stop` is dropped (or sent to).
pub(crate) fn run(
    shared: Arc<Shared>,
    retention: Retention,
    work: mpsc::Sender<Work>,
    stop: std_mpsc::Receiver<()>,
) {
    loop {
        match sweep(&shared, retention.keep, &work, &stop) {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "retention sweep deleted articles"),
            Err(error) => tracing::error!(%error, "retention sweep stopped"),
        }
        match stop.recv_timeout(retention.every) {
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// Deletes every article dated before now minus `keep`; returns how many.
fn sweep(
    shared: &Shared,
    keep: Duration,
    work: &mpsc::Sender<Work>,
    stop: &std_mpsc::Receiver<()>,
) -> Result<usize, Error> {
    let cutoff = cutoff(SystemTime::now(), keep);
    let mut deleted = 0;
    loop {
        let due = shared.store.dated_before(cutoff, SWEEP_PAGE)?;
        let mut progress = false;
        for sequence in due {
            if !matches!(stop.try_recv(), Err(std_mpsc::TryRecvError::Empty)) {
                return Ok(deleted);
            }
            let Some(id) = shared.store.article_id(sequence)? else {
                continue;
            };
            let (reply, answer) = oneshot::channel();
            if work.blocking_send(Work::Delete { id, reply }).is_err() {
                return Ok(deleted);
            }
            match answer.blocking_recv() {
                Ok(Ok(_)) => {
                    deleted += 1;
                    progress = true;
                }
                // Deleted by someone else in the meantime.
                Ok(Err(Error::NotFound(_))) => progress = true,
                Ok(Err(error)) => return Err(error),
                Err(_) => return Ok(deleted),
            }
        }
        if !progress {
            return Ok(deleted);
        }
    }
}

/// `now` minus `keep`, as a store instant (the epoch for a clock before
/// it).
fn cutoff(now: SystemTime, keep: Duration) -> Instant {
    let since_epoch = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_sub(keep);
    Instant {
        seconds: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_now_minus_the_age_kept() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(10 * 86_400 + 5);
        assert_eq!(
            cutoff(now, Retention::days(3).keep),
            Instant {
                seconds: 7 * 86_400 + 5,
                nanos: 0
            }
        );
        assert_eq!(
            cutoff(now, Retention::days(30).keep).seconds,
            0,
            "never before the epoch"
        );
    }
}
