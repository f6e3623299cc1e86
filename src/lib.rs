//! capsim: a discrete-event Monte Carlo simulator of an AI lab's compute demand against its
//! cloud contracts.

pub mod engine;
pub mod plot;
