"""Θ^(1), Θ^(2), ... from a NumPy ``.npz`` file, read without unpickling anything."""
from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO

import numpy as np

from .. import validation
from ..network import Network
from .uploads import raw_bytes

_THETA_NAME = re.compile(r"theta_?(\d+)", re.IGNORECASE)
_ARR_NAME = re.compile(r"arr_(\d+)")


def load_weights_npz(data, net: Network) -> Network:
    """``net`` with its weights replaced by the Θ matrices in an ``.npz`` file.

    The arrays are found by name: ``Theta1``, ``Theta2``, ... (the course's
    names; ``theta_1``, ``Theta_1`` and any letter case work too), or, for a
    file written as ``np.savez(f, Theta1, Theta2)`` without names, ``arr_0``,
    ``arr_1``, ... in order.  Other arrays in the file (X, y, ...) are ignored
    when named Θs are found.  Each must have exactly the shape of ``net``'s
    Θ^(l), (s_{l+1}, s_l + 1) with the bias in column 0, and hold finite
    numbers.  Members are read with ``numpy.load(..., allow_pickle=False)``,
    so an array of Python objects is refused, and no member is read past the
    size its shape needs.  Returns ``net.with_thetas(...)``: ``net`` itself
    never changes.
    """
    if not isinstance(net, Network):
        raise ValueError(f"load_weights_npz needs the engine Network whose weights to replace, "
                         f"got {type(net).__name__}.")
    archive, members = _open(raw_bytes(data, "weights file"))
    chosen = _choose(members, net)
    return net.with_thetas([_read(archive, members[chosen[l]], chosen[l], l, net)
                            for l in range(1, net.L)])


def _open(raw: bytes):
    """(zip archive, {member name without .npy: its ZipInfo})."""
    if raw.startswith(b"\x93NUMPY"):
        raise ValueError("This is a .npy file, which holds a single array. Save the weight "
                         "matrices together in an .npz file: np.savez(f, Theta1=..., Theta2=...).")
    if raw[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError("This is not an .npz file (a zip archive written by numpy.savez, e.g. "
                         "np.savez(f, Theta1=..., Theta2=...)); it does not start like one.")
    try:
        archive = zipfile.ZipFile(BytesIO(raw))
        members = {info.filename[:-4]: info for info in archive.infolist()
                   if info.filename.endswith(".npy")}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError("The .npz file is damaged: it cannot be opened as a zip archive.") from None
    return archive, members


def _choose(members, net: Network) -> dict[int, str]:
    """{l: the member holding Θ^(l)} for l = 1..L−1: found by name, or else in order."""
    n = net.L - 1
    wanted = f"Theta1..Theta{n}" if n > 1 else "Theta1"
    by_name, by_order = {}, {}
    for key in members:
        if (found := _THETA_NAME.fullmatch(key)):
            l = int(found.group(1))
            if l in by_name:
                raise ValueError(f"The file has both {by_name[l]!r} and {key!r} for Θ^({l}); "
                                 f"keep one.")
            by_name[l] = key
        elif (found := _ARR_NAME.fullmatch(key)):
            by_order[int(found.group(1)) + 1] = key
    listed = ", ".join(sorted(members)) or "nothing"
    if by_name and by_order:
        raise ValueError(f"The file mixes named weights ({', '.join(by_name.values())}) with "
                         f"unnamed arrays ({', '.join(by_order.values())}); use one or the other.")
    chosen = by_name or by_order
    if not chosen:
        raise ValueError(f"The file has no weight matrices: expected arrays named {wanted} (or "
                         f"unnamed, as np.savez writes them, arr_0..arr_{n - 1}); it holds {listed}.")
    extra = sorted(l for l in chosen if not 1 <= l <= n)
    if extra:
        raise ValueError(f"The file has {chosen[extra[0]]!r}, but this network "
                         f"{'-'.join(map(str, net.sizes))} has only {n} weight "
                         f"matri{'ces' if n != 1 else 'x'} ({wanted}).")
    absent = [l for l in range(1, n + 1) if l not in chosen]
    if absent:
        raise ValueError(f"The file has no Θ^({absent[0]}): this network needs {n} weight "
                         f"matri{'ces' if n != 1 else 'x'} named {wanted} (or arr_0..arr_{n - 1}); "
                         f"it holds {listed}.")
    return chosen


def _read(archive, info, key: str, l: int, net: Network) -> np.ndarray:
    """Θ^(l) from one member, read no further than its shape needs."""
    shape = net.theta(l).shape
    limit = 8 * shape[0] * shape[1] + 65536       # the data plus a generous header
    try:
        if info.file_size > limit:
            blob = b""
        else:
            with archive.open(info) as member:
                blob = member.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
            NotImplementedError, ValueError):
        raise ValueError(f"{key} in the .npz file is damaged and cannot be read.") from None
    if not blob or len(blob) > limit:
        raise ValueError(f"{key} in the file is far larger than Θ^({l}) of this network "
                         f"(shape {shape}); it was not read.")
    if not blob.startswith(b"\x93NUMPY"):
        raise ValueError(f"{key} in the .npz file is not a numpy array.")
    try:
        arr = np.load(BytesIO(blob), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        if _holds_objects(blob):
            raise ValueError(f"{key} in the .npz file contains Python objects; only numeric "
                             f"arrays are accepted, nothing is unpickled.") from None
        raise ValueError(f"{key} in the .npz file is damaged and cannot be read.") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
        kind = arr.dtype if isinstance(arr, np.ndarray) else type(arr).__name__
        raise ValueError(f"{key} holds {kind} values; weights must be numbers "
                         f"(float or int).")
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1]:
            hint = " It looks transposed."
        elif arr.shape == (shape[0], shape[1] - 1):
            hint = " Column 0, the bias weights, seems to be missing."
        raise ValueError(
            f"{key} has shape {arr.shape}, but Θ^({l}) of this network "
            f"{'-'.join(map(str, net.sizes))} must have shape (s_{l + 1}, s_{l} + 1) = "
            f"{shape}, the bias in column 0.{hint}")
    try:
        return validation.matrix(arr, key)
    except ValueError as e:
        raise ValueError(f"{e} It was read from the .npz file.") from None


def _holds_objects(npy: bytes) -> bool:
    """Does this .npy member's header declare an array of Python objects?"""
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    try:
        f = BytesIO(npy)
        reader = readers.get(np.lib.format.read_magic(f))
        return reader is not None and reader(f)[2].hasobject
    except (ValueError, OSError, EOFError):
        return False
