pub mod models;
pub mod process;
