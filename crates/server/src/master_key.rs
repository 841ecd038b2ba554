//! Loads the master key that encrypts provider keys: `CALLBRIDGE_MASTER_KEY` when set, else
//! the key file `master.key` in the data directory, generated on first start with mode 0600
//! (owner read/write only). Losing the key makes stored provider keys unreadable; they must
//! then be entered again.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use callbridge_store::secrets::MasterKey;

use crate::config::Config;

pub fn load(cfg: &Config) -> anyhow::Result<MasterKey> {
    if let Some(hex) = &cfg.master_key {
        return MasterKey::from_hex(&hex.0).context("CALLBRIDGE_MASTER_KEY");
    }
    let path = cfg.data_dir.join("master.key");
    load_or_create(&path)
}

fn load_or_create(path: &Path) -> anyhow::Result<MasterKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_permissions(path)?;
            MasterKey::from_hex(&text).with_context(|| format!("{}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hex = MasterKey::generate_hex();
            write_private(path, &hex)
                .with_context(|| format!("cannot create the key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new master key file");
            MasterKey::from_hex(&hex).context("generated master key")
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // create_new: never overwrite a key written concurrently by another process.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "{} is readable by others (mode {mode:o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_file_once() {
        let dir = std::env::temp_dir().join(format!("cb-mk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        let _ = std::fs::remove_file(&path);
        let a = load_or_create(&path).unwrap();
        let b = load_or_create(&path).unwrap();
        assert_eq!(format!("{a:?}"), "MasterKey(..)");
        // Same key both times: encrypt with one, decrypt with the other.
        let (n, c) = a.seal(b"x", b"aad").unwrap();
        assert_eq!(b.open(&n, &c, b"aad").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                load_or_create(&path).is_err(),
                "a world-readable key is refused"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
