"""What every file reader checks first: bytes, not too many, not empty, UTF-8 for text."""
from __future__ import annotations

# Files larger than this are refused before they are parsed: 5 MB holds the
# digits presets with their test set (about 1 MB as a state file) five times over.
MAX_UPLOAD_BYTES = 5 * 2**20


def megabytes(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def check_size(n: int, what: str):
    if n > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The {what} is {megabytes(n)} ({n:,} bytes), over the limit of "
            f"{MAX_UPLOAD_BYTES / 2**20:g} MB ({MAX_UPLOAD_BYTES:,} bytes); it was not read.")


def raw_bytes(data, what: str) -> bytes:
    """The upload as bytes, checked for type, size and emptiness."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
    else:
        raise ValueError(f"The {what} must be given as its contents (bytes), "
                         f"got {type(data).__name__}.")
    check_size(len(data), what)
    if not data.strip():
        raise ValueError(f"The {what} is empty.")
    return data


def as_text(data, what: str) -> str:
    """The upload as text: str is taken as it is, bytes must be UTF-8 (a BOM is fine)."""
    if isinstance(data, str):
        check_size(len(data.encode("utf-8", "surrogatepass")), what)
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        raw = raw_bytes(data, what)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(
                f"The {what} is not UTF-8 text: byte 0x{raw[e.start]:02x} at position {e.start} "
                f"is not valid UTF-8. Save the file as UTF-8 text and try again.") from None
    if not text.strip():
        raise ValueError(f"The {what} is empty.")
    return text
