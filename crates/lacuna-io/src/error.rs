//! Typed library errors. Every variant names the file, and where it applies the feature index,
//! row number, column or area code involved, so a user can find and fix the input.

use std::path::PathBuf;

/// The result type of every fallible library function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A library error: what went wrong and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A file could be read but its content is not valid for its format.
    #[error("{path}: {message}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong, with the feature or row, and what to do.
        message: String,
    },
    /// The coordinate reference system is missing, unknown or inconsistent.
    #[error("{path}: {message}")]
    Crs {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with the CRS and what to do.
        message: String,
    },
    /// A column that is needed was not found, or could not be chosen unambiguously.
    #[error("{path}: {message}")]
    Column {
        /// The file involved.
        path: PathBuf,
        /// Which column, which were available, and which flag chooses it.
        message: String,
    },
    /// A value in a row or feature is not usable (not a number, negative population, ...).
    #[error("{path}: {message}")]
    Value {
        /// The file involved.
        path: PathBuf,
        /// The row or feature, the column, the value and what to do.
        message: String,
    },
    /// The study configuration is inconsistent or incomplete.
    #[error("{0}")]
    Config(String),
    /// A problem that `--strict` turned from a warning into an error.
    #[error("--strict: {0}")]
    Strict(String),
}

/// The longest message kept, in bytes: messages quote input (column names, cells), and a binary
/// or runaway file must not turn one error into gigabytes of output.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// `message` cut to [`MAX_MESSAGE_BYTES`] (at a character boundary) with "…".
fn bounded(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut at = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(at) {
            at -= 1;
        }
        message.truncate(at);
        message.push('…');
    }
    message
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A format error in `path`.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: bounded(message.into()),
        }
    }

    /// A CRS error in `path`.
    pub fn crs(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Crs {
            path: path.into(),
            message: bounded(message.into()),
        }
    }

    /// A column error in `path`.
    pub fn column(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Column {
            path: path.into(),
            message: bounded(message.into()),
        }
    }

    /// A value error in `path`.
    pub fn value(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Value {
            path: path.into(),
            message: bounded(message.into()),
        }
    }
}
