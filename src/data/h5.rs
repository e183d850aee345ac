//! The HDF5 plumbing both dataset kinds share (`sersic_h5`, `pairs_h5`): writing a file to a
//! temporary name and renaming it when complete, creating the chunked `images` dataset, one
//! column or attribute at a time, and reading them back with errors that name the file and the
//! dataset or attribute at fault.

use crate::error::{Error, Result};
use hdf5::H5Type;
use hdf5::types::VarLenUnicode;
use std::path::{Path, PathBuf};

/// An HDF5 error on `path`.
pub(crate) fn h5err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Hdf5 {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes a dataset with `write` into a temporary file beside `out` and renames it to `out`
/// once complete (a failed or killed run leaves no file at `out`); returns the file's size.
pub(crate) fn write_atomically(out: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<u64> {
    let tmp = crate::io::temp_beside(out, ".h5.tmp")?;
    write(tmp.path())?;
    tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
}

/// A file being written.
pub(crate) struct H5Writer {
    /// The file.
    pub file: hdf5::File,
    path: PathBuf,
}

impl H5Writer {
    /// Creates `path` (truncating it).
    pub fn create(path: &Path) -> Result<Self> {
        Ok(H5Writer {
            file: hdf5::File::create(path).map_err(|x| h5err(path, x))?,
            path: path.to_path_buf(),
        })
    }

    /// The `images` dataset `[N, C, H, W]` of f32, chunked one image (all its channels) at a time,
    /// shuffled and deflated.
    pub fn images(&self, shape: [usize; 4]) -> Result<hdf5::Dataset> {
        let [n, c, h, w] = shape;
        self.file
            .new_dataset::<f32>()
            .chunk((1, c, h, w))
            .shuffle()
            .deflate(4)
            .shape((n, c, h, w))
            .create("images")
            .map_err(|x| h5err(&self.path, x))
    }

    /// Images `first..` of `images` from the row-major block `data` (`[m, C, H, W]`).
    pub fn write_images(
        &self,
        images: &hdf5::Dataset,
        first: usize,
        shape: [usize; 4],
        data: Vec<f32>,
    ) -> Result<()> {
        let [m, c, h, w] = shape;
        let arr = ndarray::Array4::from_shape_vec((m, c, h, w), data)
            .map_err(|x| h5err(&self.path, x))?;
        images
            .write_slice(&arr, ndarray::s![first..first + m, .., .., ..])
            .map_err(|x| h5err(&self.path, x))
    }

    /// A one-dimensional dataset `name`.
    pub fn column<T: H5Type>(&self, name: &str, values: &[T]) -> Result<()> {
        self.file
            .new_dataset_builder()
            .with_data(values)
            .create(name)
            .map(|_| ())
            .map_err(|x| h5err(&self.path, x))
    }

    /// A scalar attribute `name` of the file.
    pub fn scalar_attr<T: H5Type>(&self, name: &str, value: &T) -> Result<()> {
        self.file
            .new_attr::<T>()
            .create(name)
            .and_then(|a| a.write_scalar(value))
            .map_err(|x| h5err(&self.path, x))
    }

    /// A text attribute `name` of the file.
    pub fn text_attr(&self, name: &str, text: &str) -> Result<()> {
        let v: VarLenUnicode = text
            .parse()
            .map_err(|x: hdf5::types::StringError| h5err(&self.path, x))?;
        self.scalar_attr(name, &v)
    }

    /// The `generator` attribute: this crate's name and version.
    pub fn generator_attr(&self) -> Result<()> {
        self.text_attr(
            "generator",
            &format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
        )
    }

    /// Closes the file (errors surface here rather than at drop).
    pub fn close(self) -> Result<()> {
        self.file.close().map_err(|x| h5err(&self.path, x))
    }
}

/// A file being read.
pub(crate) struct H5Reader {
    /// The file.
    pub file: hdf5::File,
    path: PathBuf,
}

impl H5Reader {
    /// Opens `path`; a missing file is an I/O error naming it, a foreign one an HDF5 error.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            ));
        }
        Ok(H5Reader {
            file: hdf5::File::open(path).map_err(|x| h5err(path, x))?,
            path: path.to_path_buf(),
        })
    }

    /// The `images` dataset and its four dimensions (`layout` names them in the error).
    pub fn images(&self, layout: &str) -> Result<(hdf5::Dataset, [usize; 4])> {
        let images = self
            .file
            .dataset("images")
            .map_err(|x| h5err(&self.path, format!("no `images` dataset ({x})")))?;
        let shape = images.shape();
        if shape.len() != 4 {
            return Err(h5err(
                &self.path,
                format!("`images` has shape {shape:?}, expected {layout}"),
            ));
        }
        Ok((images, [shape[0], shape[1], shape[2], shape[3]]))
    }

    /// Dataset `name` in full, which must hold `n` values.
    pub fn column<T: H5Type>(&self, name: &str, n: usize) -> Result<Vec<T>> {
        let ds = self
            .file
            .dataset(name)
            .map_err(|x| h5err(&self.path, format!("no `{name}` dataset ({x})")))?;
        let v = ds
            .read_raw::<T>()
            .map_err(|x| h5err(&self.path, format!("bad `{name}` dataset ({x})")))?;
        if v.len() != n {
            return Err(h5err(
                &self.path,
                format!("`{name}` has {} values, expected {n}", v.len()),
            ));
        }
        Ok(v)
    }

    /// [`H5Reader::column`], or `n` copies of `default` where the file has no such dataset
    /// (columns added after files were written).
    pub fn column_or<T: H5Type + Clone>(&self, name: &str, n: usize, default: T) -> Result<Vec<T>> {
        if self.file.link_exists(name) {
            self.column(name, n)
        } else {
            Ok(vec![default; n])
        }
    }

    /// Scalar attribute `name`.
    pub fn scalar_attr<T: H5Type>(&self, name: &str) -> Result<T> {
        self.file
            .attr(name)
            .and_then(|a| a.read_scalar::<T>())
            .map_err(|x| h5err(&self.path, format!("bad `{name}` attribute ({x})")))
    }

    /// Text attribute `name`.
    pub fn text_attr(&self, name: &str) -> Result<String> {
        Ok(self
            .scalar_attr::<VarLenUnicode>(name)?
            .as_str()
            .to_string())
    }

    /// Text attribute `name` parsed as JSON; `what` names the expected content in the error.
    pub fn json_attr<T: serde::de::DeserializeOwned>(&self, name: &str, what: &str) -> Result<T> {
        serde_json::from_str(&self.text_attr(name)?)
            .map_err(|x| h5err(&self.path, format!("`{name}` is not {what} ({x})")))
    }
}
