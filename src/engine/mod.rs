//! The discrete-event engine: a clock in days and an event queue; it knows nothing of clouds.
//!
//! Events are ordered by (time, sequence number): two events at the same instant run in the
//! order they were scheduled (FIFO), so a run is a pure function of its inputs and seed.

mod queue;

pub use queue::{EventQueue, Scheduled};
