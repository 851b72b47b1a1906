//! The page cache of one file, as the operating system keeps it: what was written since the
//! last sync, over the file's content on disk. Readers see both; a sync writes the cache to the
//! disk; a power cut forgets it. Plain Rust, no `unsafe`: the disk below is a [`Disk`].

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

/// The unit the cache keeps (a page of the OS's cache).
pub const BLOCK: usize = 4096;
const BLOCK_BYTES: u64 = BLOCK as u64;

/// The file on disk below the cache. Errors are SQLite result codes.
pub trait Disk {
    /// Fills `buf` from `offset`; bytes past the end of the file read as zeros.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), i32>;
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), i32>;
    fn truncate(&mut self, size: u64) -> Result<(), i32>;
    fn size(&mut self) -> Result<u64, i32>;
}

/// What was written to one file and not synced yet.
#[derive(Default, Debug)]
pub struct Overlay {
    /// Blocks written since the last sync, whole (filled from the disk when first written).
    /// Bytes of a block past the file's end are always zeros.
    blocks: BTreeMap<u64, Box<[u8]>>,
    /// The file's length as its readers see it; `None`: the disk's.
    len: Option<u64>,
    /// Truncated since the last sync: the disk's bytes from here on are gone.
    cut: Option<u64>,
}

/// `n` as a length within a buffer of `limit` bytes.
fn at_most(n: u64, limit: usize) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX).min(limit)
}

impl Overlay {
    /// Whether the cache holds a length of its own (the file was written or truncated).
    pub fn len_if_changed(&self) -> Option<u64> {
        self.len
    }

    /// The file's length.
    pub fn len(&self, disk: &mut impl Disk) -> Result<u64, i32> {
        match self.len {
            Some(len) => Ok(len),
            None => disk.size(),
        }
    }

    /// Fills `buf` from `offset`; answers how many of its bytes lie within the file (the rest
    /// are zeros, as SQLite wants of a short read).
    pub fn read(&self, disk: &mut impl Disk, offset: u64, buf: &mut [u8]) -> Result<usize, i32> {
        let len = self.len(disk)?;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let within = at_most(at % BLOCK_BYTES, BLOCK);
            let n = (BLOCK - within).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.blocks.get(&(at / BLOCK_BYTES)) {
                Some(block) => out.copy_from_slice(&block[within..within + n]),
                None => read_disk(disk, self.cut, at, out)?,
            }
            done += n;
        }
        let inside = at_most(len.saturating_sub(offset), buf.len());
        buf[inside..].fill(0);
        Ok(inside)
    }

    pub fn write(&mut self, disk: &mut impl Disk, offset: u64, data: &[u8]) -> Result<(), i32> {
        let len = self.len(disk)?;
        let mut done = 0;
        while done < data.len() {
            let at = offset + done as u64;
            let index = at / BLOCK_BYTES;
            let within = at_most(at % BLOCK_BYTES, BLOCK);
            let n = (BLOCK - within).min(data.len() - done);
            let block = match self.blocks.entry(index) {
                Entry::Occupied(block) => block.into_mut(),
                Entry::Vacant(slot) => {
                    let start = index * BLOCK_BYTES;
                    let mut fresh = vec![0; BLOCK].into_boxed_slice();
                    let inside = at_most(len.saturating_sub(start), BLOCK);
                    read_disk(disk, self.cut, start, &mut fresh[..inside])?;
                    slot.insert(fresh)
                }
            };
            block[within..within + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
        self.len = Some(len.max(offset + data.len() as u64));
        Ok(())
    }

    pub fn truncate(&mut self, disk: &mut impl Disk, size: u64) -> Result<(), i32> {
        let len = self.len(disk)?;
        if size < len {
            // Blocks wholly past the new end go; the one it falls in keeps zeros past it, so a
            // later extension reads zeros there.
            drop(self.blocks.split_off(&size.div_ceil(BLOCK_BYTES)));
            if let Some(block) = self.blocks.get_mut(&(size / BLOCK_BYTES)) {
                block[at_most(size % BLOCK_BYTES, BLOCK)..].fill(0);
            }
            self.cut = Some(self.cut.map_or(size, |cut| cut.min(size)));
        }
        self.len = Some(size);
        Ok(())
    }

    /// Writes the cache to the disk and empties it (the caller then syncs the disk).
    pub fn flush(&mut self, disk: &mut impl Disk) -> Result<(), i32> {
        let len = self.len(disk)?;
        if let Some(cut) = self.cut
            && disk.size()? > cut
        {
            disk.truncate(cut)?;
        }
        for (&index, block) in &self.blocks {
            let start = index * BLOCK_BYTES;
            let n = at_most(len.saturating_sub(start), BLOCK);
            if n > 0 {
                disk.write(start, &block[..n])?;
            }
        }
        if disk.size()? != len {
            disk.truncate(len)?;
        }
        *self = Overlay::default();
        Ok(())
    }

    /// Forgets everything not synced (the power went); answers how many bytes of written
    /// blocks were lost.
    pub fn discard(&mut self) -> u64 {
        let lost = (self.blocks.len() * BLOCK) as u64;
        *self = Overlay::default();
        lost
    }
}

/// The disk's bytes at `at`, zeros from `cut` on.
fn read_disk(disk: &mut impl Disk, cut: Option<u64>, at: u64, out: &mut [u8]) -> Result<(), i32> {
    let keep = match cut {
        Some(cut) => at_most(cut.saturating_sub(at), out.len()),
        None => out.len(),
    };
    if keep > 0 {
        disk.read(at, &mut out[..keep])?;
    }
    out[keep..].fill(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk in memory.
    #[derive(Default, Clone, Debug, PartialEq)]
    struct Memory(Vec<u8>);

    impl Disk for Memory {
        fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), i32> {
            for (i, byte) in buf.iter_mut().enumerate() {
                *byte = *self.0.get(offset as usize + i).unwrap_or(&0);
            }
            Ok(())
        }
        fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), i32> {
            let end = offset as usize + data.len();
            if self.0.len() < end {
                self.0.resize(end, 0);
            }
            self.0[offset as usize..end].copy_from_slice(data);
            Ok(())
        }
        fn truncate(&mut self, size: u64) -> Result<(), i32> {
            self.0.resize(size as usize, 0);
            Ok(())
        }
        fn size(&mut self) -> Result<u64, i32> {
            Ok(self.0.len() as u64)
        }
    }

    fn contents(overlay: &Overlay, disk: &mut Memory) -> Vec<u8> {
        let len = overlay.len(disk).expect("len") as usize;
        let mut buf = vec![0xAA; len + 100];
        let inside = overlay.read(disk, 0, &mut buf).expect("read");
        assert_eq!(inside, len);
        assert!(buf[len..].iter().all(|&b| b == 0), "zeros past the end");
        buf.truncate(len);
        buf
    }

    #[test]
    fn writes_stay_in_memory_until_synced() {
        let mut disk = Memory(vec![1; 10_000]);
        let mut overlay = Overlay::default();
        overlay.write(&mut disk, 4090, &[7; 20]).expect("write");
        overlay.write(&mut disk, 12_000, &[9; 3]).expect("write");
        assert_eq!(disk.0, vec![1; 10_000], "the disk is untouched");
        let seen = contents(&overlay, &mut disk);
        assert_eq!(seen.len(), 12_003);
        assert_eq!(&seen[4089..4111], &[[1].as_slice(), &[7; 20], &[1]].concat()[..]);
        assert!(seen[10_000..12_000].iter().all(|&b| b == 0), "a hole reads zeros");
        overlay.flush(&mut disk).expect("flush");
        assert_eq!(disk.0, seen);
        assert_eq!(overlay.len_if_changed(), None);
    }

    #[test]
    fn a_power_cut_forgets_what_was_not_synced() {
        let mut disk = Memory(vec![1; 5000]);
        let mut overlay = Overlay::default();
        overlay.write(&mut disk, 0, &[2; 100]).expect("write");
        overlay.flush(&mut disk).expect("flush");
        overlay.write(&mut disk, 50, &[3; 100]).expect("write");
        overlay.truncate(&mut disk, 120).expect("truncate");
        assert_eq!(contents(&overlay, &mut disk).len(), 120);
        assert_eq!(overlay.discard(), BLOCK as u64);
        let mut expected = vec![2; 100];
        expected.extend([1; 4900]);
        assert_eq!(contents(&overlay, &mut disk), expected);
    }

    #[test]
    fn a_truncation_hides_the_disk_until_synced() {
        let mut disk = Memory(vec![5; 9000]);
        let mut overlay = Overlay::default();
        overlay.truncate(&mut disk, 100).expect("truncate");
        overlay.truncate(&mut disk, 6000).expect("extend");
        let seen = contents(&overlay, &mut disk);
        assert_eq!(&seen[..100], &[5; 100]);
        assert!(seen[100..].iter().all(|&b| b == 0), "past the cut: zeros");
        assert_eq!(disk.0.len(), 9000);
        overlay.flush(&mut disk).expect("flush");
        assert_eq!(disk.0, seen);
    }

    /// Random writes, truncations, syncs and power cuts against a plain model of the file.
    #[test]
    fn agrees_with_a_model_file() {
        let mut state: u64 = 0x5EED;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let mut disk = Memory::default();
        let mut overlay = Overlay::default();
        // What readers see, and what the disk will hold after a power cut.
        let mut seen: Vec<u8> = Vec::new();
        for step in 0..3000 {
            match next(10) {
                0..=5 => {
                    let offset = next(20_000);
                    let data: Vec<u8> = (0..next(6000)).map(|_| next(255) as u8 + 1).collect();
                    overlay.write(&mut disk, offset, &data).expect("write");
                    let end = offset as usize + data.len();
                    if seen.len() < end {
                        seen.resize(end, 0);
                    }
                    seen[offset as usize..end].copy_from_slice(&data);
                }
                6 | 7 => {
                    let size = next(22_000);
                    overlay.truncate(&mut disk, size).expect("truncate");
                    seen.resize(size as usize, 0);
                }
                8 => {
                    overlay.flush(&mut disk).expect("flush");
                    assert_eq!(disk.0, seen, "step {step}: synced");
                }
                _ => {
                    overlay.discard();
                    seen = disk.0.clone();
                }
            }
            assert_eq!(contents(&overlay, &mut disk), seen, "step {step}");
            let offset = next(25_000);
            let mut buf = vec![0xAA; next(9000) as usize];
            let inside = overlay.read(&mut disk, offset, &mut buf).expect("read");
            let expected: Vec<u8> = (0..buf.len())
                .map(|i| *seen.get(offset as usize + i).unwrap_or(&0))
                .collect();
            assert_eq!(buf, expected, "step {step}: read at {offset}");
            assert_eq!(inside, seen.len().saturating_sub(offset as usize).min(buf.len()));
        }
    }
}
