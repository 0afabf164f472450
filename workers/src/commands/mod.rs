pub mod batch;
pub mod jobs;
pub mod models;
pub mod playbook;
pub mod process;
pub mod reanalyze;
pub mod serve;
pub mod worker;
