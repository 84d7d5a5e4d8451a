//! A file read in chunks on tokio's blocking pool, opened when the first chunk is asked for.

use std::io::{self, Read};
use std::path::PathBuf;

use bytes::Bytes;
use futures::Stream;

use super::CHUNK;

/// The file at `path`, which must have `len` bytes, as chunks of at most [`CHUNK`] bytes.
pub(super) fn chunks(path: PathBuf, len: u64) -> impl Stream<Item = io::Result<Bytes>> + Send {
    futures::stream::try_unfold(
        (None::<std::fs::File>, path, 0u64),
        move |(file, path, read)| async move {
            if read >= len {
                return Ok(None);
            }
            let want = (len - read).min(CHUNK as u64) as usize;
            let (file, path, chunk) = tokio::task::spawn_blocking(move || {
                let mut file = match file {
                    Some(f) => f,
                    None => std::fs::File::open(&path)?,
                };
                let chunk = read_chunk(&mut file, want)?;
                Ok::<_, io::Error>((file, path, chunk))
            })
            .await
            .map_err(io::Error::other)??;
            let next = read + chunk.len() as u64;
            Ok(Some((chunk, (Some(file), path, next))))
        },
    )
}

/// Up to `want` bytes (at least one); a file that ends early is an error.
fn read_chunk(file: &mut std::fs::File, want: usize) -> io::Result<Bytes> {
    let mut buf = vec![0u8; want];
    let n = loop {
        match file.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file is shorter than when the upload was created",
        ));
    }
    buf.truncate(n);
    Ok(Bytes::from(buf))
}
