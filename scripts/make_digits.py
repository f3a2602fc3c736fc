#!/usr/bin/env python3
"""Regenerate assets/digits.npz, the handwritten-digits set of the "digits" presets.

    pip install scikit-learn        # only to regenerate; the engine never imports it
    python scripts/make_digits.py   # writes assets/digits.npz (or --output PATH)

The data are scikit-learn's bundled copy of the test set of the UCI "Optical
Recognition of Handwritten Digits" data set (``sklearn.datasets.load_digits``):
1797 greyscale 8×8 digits, pixels 0..16, labels 0..9, kept in scikit-learn's
order.  See assets/DIGITS.md for the origin and licences.

The file is an ordinary .npz (a zip of .npy files) holding two uint8 arrays,
``images`` (1797 × 64, each row an 8×8 image read row by row) and ``labels``
(1797), so ``numpy.load(path, allow_pickle=False)`` reads it.  It is written
byte for byte reproducibly.  numpy.savez_compressed happens to be reproducible
on CPython 3.11 (zipfile.ZipFile.open(name, "w") gives each entry ZipInfo's
default date, 1980-01-01), but that is an implementation detail, and the
entry's "made by" system still depends on the platform; so this script writes
the zip itself with every field pinned: the date (1980-01-01 00:00:00, the
earliest a zip can hold), Unix permissions 0644 and deflate level 9.  Running
it twice gives the same sha256; the output can only change if scikit-learn's
data, numpy's .npy header format or zlib's deflate output change.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "assets" / "digits.npz"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 9


def digits_arrays() -> dict[str, np.ndarray]:
    """images (1797 × 64 uint8, 0..16) and labels (1797 uint8, 0..9) from scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit("scikit-learn is needed to regenerate the digits "
                         "(pip install scikit-learn); it is not needed to use them.") from exc
    X, y = load_digits(return_X_y=True)
    images, labels = X.astype(np.uint8), y.astype(np.uint8)
    # The conversion to uint8 must be exact: integer pixels 0..16, labels 0..9.
    if not (np.array_equal(images, X) and np.array_equal(labels, y)):
        raise SystemExit("scikit-learn's digits are not whole numbers in 0..255; refusing to round.")
    if images.shape != (1797, 64) or images.max() > 16 or labels.max() > 9:
        raise SystemExit(f"Unexpected digits data: images {images.shape}, max pixel "
                         f"{images.max()}, max label {labels.max()}.")
    return {"images": images, "labels": labels}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deflated .npz of ``arrays`` with fixed zip metadata, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as zf:
        for name, array in arrays.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3               # Unix, whatever the platform
            info.external_attr = 0o644 << 16     # -rw-r--r--
            zf.writestr(info, npy.getvalue(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"where to write the .npz (default {DEFAULT_OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    data = npz_bytes(digits_arrays())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()})")


if __name__ == "__main__":
    main()
