pub mod models;
pub mod process;
pub mod jobs;
pub mod worker;
