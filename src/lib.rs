//! capsim: a discrete-event Monte Carlo simulator of an AI lab's compute demand against its
//! cloud contracts.
//!
//! Data flow: scenario file → validated [`model::Scenario`] → experiment plan → replications in
//! parallel ([`experiment`]) → results → CSV ([`report`]) and charts ([`plot`]).

pub mod cli;
pub mod engine;
pub mod experiment;
pub mod guard;
pub mod model;
pub mod number;
pub mod plot;
pub mod policy;
pub mod report;
pub mod results;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod sweep;
