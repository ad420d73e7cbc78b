use crate::journal::JournalError;
use crate::report::{DatabaseFailure, Failure, SettingProblem, ShopFailure};
use crate::secrets::SecretError;
use crate::settings::SettingsError;

/// Why a task could not run at all (problems with single items are reported as events and do
/// not stop a run). [`EngineError::failure`] gives it typed, for the app to word.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("warehouse: {0}")]
    Warehouse(#[from] skladsync_warehouse::Error),
    #[error("shop: {0}")]
    Shop(#[source] skladsync_cloudcart::Error),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the settings are not complete ({} problems)", .0.len())]
    InvalidSettings(Vec<SettingProblem>),
    #[error("the run was stopped")]
    Stopped,
}

impl EngineError {
    /// The failure, typed.
    pub fn failure(&self) -> Failure {
        match self {
            EngineError::Warehouse(e) => Failure::Database {
                failure: DatabaseFailure::from(e),
            },
            EngineError::Shop(e) => Failure::Shop {
                failure: ShopFailure::from(e),
            },
            EngineError::Secret(e) => Failure::Secret {
                detail: e.to_string(),
            },
            EngineError::Settings(e) => Failure::SettingsFile {
                detail: e.to_string(),
            },
            EngineError::Journal(e) => Failure::Journal {
                detail: e.to_string(),
            },
            EngineError::InvalidSettings(problems) => Failure::Settings {
                problems: problems.clone(),
            },
            EngineError::Stopped => Failure::Stopped,
        }
    }
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
