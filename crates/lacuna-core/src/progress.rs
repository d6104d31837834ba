//! Progress of the long steps, for a front end to show: the library never prints, so it counts
//! here and the binary draws a bar from the counts while the run goes on. One run at a time per
//! process (the counts are process-wide, like the run itself).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

static STAGE: Mutex<&'static str> = Mutex::new("");
static DONE: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

/// Starts a stage of `total` steps.
pub fn start(stage: &'static str, total: usize) {
    *STAGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = stage;
    DONE.store(0, Ordering::Relaxed);
    TOTAL.store(total, Ordering::Relaxed);
}

/// One more step of the current stage done.
pub fn step() {
    DONE.fetch_add(1, Ordering::Relaxed);
}

/// Ends the current stage.
pub fn finish() {
    start("", 0);
}

/// The current stage, steps done and steps in all; the stage is empty between stages.
pub fn now() -> (&'static str, usize, usize) {
    let stage = *STAGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (
        stage,
        DONE.load(Ordering::Relaxed),
        TOTAL.load(Ordering::Relaxed),
    )
}
