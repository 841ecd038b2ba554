//! Files the API owns under the data directory (recordings). Paths stored in the database are
//! relative to the data directory; anything that would resolve outside it is refused.

use std::path::{Component, Path, PathBuf};

/// The absolute path of a stored relative path, or `None` if it tries to leave `data_dir`.
pub fn resolve(data_dir: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(data_dir.join(rel))
}

/// Deletes recording files; a file already gone is fine, other failures are logged.
pub async fn remove_recordings(data_dir: &Path, paths: &[String]) {
    for p in paths {
        let Some(abs) = resolve(data_dir, p) else {
            tracing::warn!(path = %p, "refusing to delete a recording path outside the data directory");
            continue;
        };
        match tokio::fs::remove_file(&abs).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %abs.display(), error = %e, "cannot delete recording"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside() {
        let d = Path::new("/data");
        assert_eq!(
            resolve(d, "recordings/a.wav"),
            Some(PathBuf::from("/data/recordings/a.wav"))
        );
        assert_eq!(resolve(d, "../etc/passwd"), None);
        assert_eq!(resolve(d, "/etc/passwd"), None);
        assert_eq!(resolve(d, "recordings/../../x"), None);
    }
}
