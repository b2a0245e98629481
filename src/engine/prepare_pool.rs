//! A fixed set of threads for the CPU-heavy, order-free part of a submit:
//! validation, the text pipeline and fact extraction.
//!
//! Why not tokio's blocking pool: it starts threads on demand, and the
//! fact extractor's regular expressions keep their lazily built automata in
//! per-thread caches. Fresh threads start with cold caches and spent a third
//! of the server's time rebuilding them; a pool of one thread per core keeps
//! them warm, and leaves the reactor threads free for I/O.

use std::{
    sync::{mpsc, Arc, Mutex},
    thread::JoinHandle,
};

use tokio::sync::oneshot;

type Task = Box<dyn FnOnce() + Send>;

/// Worker threads fed from one queue.
pub(crate) struct PreparePool {
    queue: Mutex<Option<mpsc::Sender<Task>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl PreparePool {
    /// Starts `threads` workers.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (queue, tasks) = mpsc::channel::<Task>();
        let tasks = Arc::new(Mutex::new(tasks));
        let mut handles = Vec::with_capacity(threads);
        for n in 0..threads.max(1) {
            let tasks = Arc::clone(&tasks);
            handles.push(
                std::thread::Builder::new()
                    .name(format!("wirecopy-prepare-{n}"))
                    .spawn(move || loop {
                        // Holding the lock only to take the next task.
                        let next = tasks.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match next {
                            Ok(task) => task(),
                            Err(_) => return,
                        }
                    })?,
            );
        }
        Ok(PreparePool {
            queue: Mutex::new(Some(queue)),
            threads: Mutex::new(handles),
        })
    }

    /// Runs `work` on a worker; `None` once the pool is closed.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<oneshot::Receiver<T>> {
        let (reply, answer) = oneshot::channel();
        let task: Task = Box::new(move || {
            // The caller may have gone away; nothing to do then.
            let _ = reply.send(work());
        });
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.as_ref()?.send(task).ok()?;
        Some(answer)
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
