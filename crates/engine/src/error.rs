use crate::journal::JournalError;
use crate::secrets::SecretError;
use crate::settings::SettingsError;

/// Why a task could not run at all (problems with single items are reported as events and do
/// not stop a run).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("Склад Pro: {0}")]
    Warehouse(#[from] skladsync_warehouse::Error),
    #[error("CloudCart: {0}")]
    Shop(#[source] skladsync_cloudcart::Error),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the settings are not complete: {}", .0.join("; "))]
    InvalidSettings(Vec<String>),
    #[error("the run was stopped")]
    Stopped,
}

impl From<skladsync_cloudcart::Error> for EngineError {
    /// A shop request cut short by the stop token is the run being stopped.
    fn from(e: skladsync_cloudcart::Error) -> Self {
        match e {
            skladsync_cloudcart::Error::Stopped => EngineError::Stopped,
            e => EngineError::Shop(e),
        }
    }
}
