//! A fixed set of threads for the CPU-heavy, order-free part of a submit:
//! validation, the text pipeline and fact extraction.
//!
//! Why not tokio's blocking pool: it starts threads on demand, and the
//! fact extractor's regular expressions keep their lazily built automata in
//! per-thread caches. Fresh threads start with cold caches and spent a third
//! of the server's time rebuilding them; a pool of one thread per core keeps
//! them warm, and leaves the reactor threads free for I/O.

use std::{
    panic::AssertUnwindSafe,
    sync::{mpsc, Arc, Mutex},
    thread::JoinHandle,
};

use tokio::sync::oneshot;

type Task = Box<dyn FnOnce() + Send>;

/// Why the pool did not take a task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// As many tasks are waiting as the queue holds.
    Full,
    /// The pool is shutting down.
    Closed,
}

/// Worker threads fed from one bounded queue.
pub(crate) struct PreparePool {
    queue: Mutex<Option<mpsc::SyncSender<Task>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl PreparePool {
    /// Starts `threads` workers behind a queue of `capacity` tasks. Each
    /// worker first runs `warm_up`, so that the first real tasks do not pay
    /// for building lazily initialised tables and per-thread caches; tasks
    /// queued meanwhile simply wait.
    pub fn new(
        threads: usize,
        capacity: usize,
        warm_up: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let (queue, tasks) = mpsc::sync_channel::<Task>(capacity);
        let tasks = Arc::new(Mutex::new(tasks));
        let warm_up = Arc::new(warm_up);
        let mut handles = Vec::with_capacity(threads);
        for n in 0..threads.max(1) {
            let tasks = Arc::clone(&tasks);
            let warm_up = Arc::clone(&warm_up);
            handles.push(
                std::thread::Builder::new()
                    .name(format!("wirecopy-prepare-{n}"))
                    .spawn(move || {
                        warm_up();
                        loop {
                            // Holding the lock only to take the next task.
                            let next = tasks.lock().unwrap_or_else(|p| p.into_inner()).recv();
                            match next {
                                // A panicking task (a bug the input found)
                                // must not take its worker with it: its
                                // caller gets an error, the worker goes on.
                                Ok(task) => {
                                    if std::panic::catch_unwind(AssertUnwindSafe(task)).is_err() {
                                        tracing::error!(
                                            "a prepare task panicked; its article was not analysed"
                                        );
                                    }
                                }
                                Err(_) => return,
                            }
                        }
                    })?,
            );
        }
        Ok(PreparePool {
            queue: Mutex::new(Some(queue)),
            threads: Mutex::new(handles),
        })
    }

    /// Runs `work` on a worker. Fails at once, rather than queue without
    /// bound, when the queue is full or the pool is closed. When `work`
    /// panics, the answer's sender is dropped (the receiver errs) and the
    /// worker takes the next task.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<oneshot::Receiver<T>, Refused> {
        let (reply, answer) = oneshot::channel();
        let task: Task = Box::new(move || {
            // The caller may have gone away; nothing to do then.
            let _ = reply.send(work());
        });
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        match queue.as_ref().map(|q| q.try_send(task)) {
            Some(Ok(())) => Ok(answer),
            Some(Err(mpsc::TrySendError::Full(_))) => Err(Refused::Full),
            Some(Err(mpsc::TrySendError::Disconnected(_))) | None => Err(Refused::Closed),
        }
    }

    /// Lets the workers finish what is queued, then stops them.
    pub fn close(&self) {
        drop(self.queue.lock().unwrap_or_else(|p| p.into_inner()).take());
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for thread in threads {
            if thread.join().is_err() {
                tracing::error!("a prepare thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_instead_of_growing() {
        let pool = PreparePool::new(1, 1, || {}).unwrap_or_else(|e| panic!("pool starts: {e}"));
        let (release, wait) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        // Occupy the only worker, then the only queue slot.
        let busy = pool.run(move || {
            let _ = started.send(());
            let _ = wait.recv();
            1
        });
        assert!(busy.is_ok());
        assert!(running.recv().is_ok());
        let queued = pool.run(|| 2);
        assert!(queued.is_ok());
        assert_eq!(pool.run(|| 3).err(), Some(Refused::Full));
        let _ = release.send(());
        pool.close();
        assert_eq!(pool.run(|| 4).err(), Some(Refused::Closed));
        let answers: Vec<i32> = [busy, queued]
            .into_iter()
            .filter_map(|answer| answer.ok()?.blocking_recv().ok())
            .collect();
        assert_eq!(answers, vec![1, 2]);
    }

    #[test]
    fn a_panicking_task_does_not_take_its_worker_with_it() {
        let pool = PreparePool::new(1, 4, || {}).unwrap_or_else(|e| panic!("pool starts: {e}"));
        let panicked = pool
            .run(|| -> i32 { panic!("an extractor bug") })
            .unwrap_or_else(|_| panic!("task queued"));
        assert!(panicked.blocking_recv().is_err());
        let next = pool.run(|| 5).unwrap_or_else(|_| panic!("task queued"));
        assert_eq!(next.blocking_recv().ok(), Some(5));
        pool.close();
    }

    #[test]
    fn every_worker_warms_up_before_its_first_task() {
        let (warmed, count) = mpsc::channel::<()>();
        let warmed = Mutex::new(warmed);
        let pool = PreparePool::new(3, 4, move || {
            let _ = warmed.lock().unwrap_or_else(|p| p.into_inner()).send(());
        })
        .unwrap_or_else(|e| panic!("pool starts: {e}"));
        let answer = pool.run(|| 7).unwrap_or_else(|_| panic!("task queued"));
        assert_eq!(answer.blocking_recv().ok(), Some(7));
        pool.close();
        assert_eq!(count.iter().count(), 3);
    }
}
