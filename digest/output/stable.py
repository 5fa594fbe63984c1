"""Put a Pagefind bundle's filters in a stable order, so the same pages give the same bytes.

Pagefind 1.5.2 writes each filter's values, and the list of filters in its meta file, in the
order of a hash map seeded anew by each process (fixed upstream after 1.5.2, Pagefind/pagefind
#1124): two indexings of the same pages name and fill their filter and meta files differently,
and a bundle kept from an earlier build would differ from a clean build's. So the filter files
and the meta file are decoded, sorted and encoded again here, and named as Pagefind names them
(a SHA-1 of the encoding). They hold only CBOR arrays, text strings and unsigned integers.
"""

from __future__ import annotations

import gzip
import hashlib

MAGIC = b"pagefind_dcd"
"""What each of Pagefind's gzipped index files starts with, once inflated."""
Item = int | str | list["Item"]


def stable(files: dict[str, bytes]) -> dict[str, bytes]:
    """Return the bundle ``files`` with its filter and meta files in a stable order."""
    metas = [name for name in files if name.startswith("pagefind.") and name.endswith(".pf_meta")]
    out = dict(files)
    for meta_name in metas:
        language = meta_name[len("pagefind."):-len(".pf_meta")].rpartition("_")[0]
        meta = _decode(_inflate(files[meta_name]))
        assert isinstance(meta, list) and isinstance(meta[3], list)
        renamed = []
        for name, old in meta[3]:  # type: ignore[misc]
            index = _decode(_inflate(out.pop(f"filter/{old}.pf_filter")))
            assert isinstance(index, list) and isinstance(index[1], list)
            index[1].sort(key=lambda value: value[0])  # type: ignore[index, return-value]
            data = _encode(index)
            new = _name(language, data, len(language) + 8, {n for _, n in renamed})
            out[f"filter/{new}.pf_filter"] = _deflate(data)
            renamed.append((name, new))
        meta[3] = sorted([[name, new] for name, new in renamed])  # type: ignore[misc]
        data = _encode(meta)
        new_meta = _name(language, data, 2 * len(language) + 9, set())
        del out[meta_name]
        out[f"pagefind.{new_meta}.pf_meta"] = _deflate(data)
        old_meta = meta_name[len("pagefind."):-len(".pf_meta")]
        out["pagefind-entry.json"] = out["pagefind-entry.json"].replace(
            f'"{old_meta}"'.encode(), f'"{new_meta}"'.encode())
    return out


def _name(language: str, data: bytes, length: int, taken: set[str]) -> str:
    # As Pagefind names them: each byte of the digest as hex without padding ({:x?}), after
    # the language; the first ``length`` characters, more on a collision.
    full = f"{language}_" + "".join(f"{byte:x}" for byte in hashlib.sha1(data).digest())
    while full[:length] in taken and length < len(full):
        length += 1
    return full[:length]


def _inflate(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(MAGIC):
        raise ValueError("not a Pagefind index file")
    return raw[len(MAGIC):]


def _deflate(data: bytes) -> bytes:
    return gzip.compress(MAGIC + data, compresslevel=9, mtime=0)


def _decode(data: bytes) -> Item:
    item, end = _item(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return item


def _item(data: bytes, at: int) -> tuple[Item, int]:
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        length = info
    elif info <= 27:
        size = 1 << (info - 24)
        length, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise ValueError(f"unexpected CBOR item {data[at - 1]:#x}")
    if major == 0:
        return length, at
    if major == 3:
        return data[at:at + length].decode("utf-8"), at + length
    if major == 4:
        items = []
        for _ in range(length):
            item, at = _item(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unexpected CBOR major type {major}")


def _encode(item: Item) -> bytes:
    if isinstance(item, int):
        return _head(0, item)
    if isinstance(item, str):
        text = item.encode("utf-8")
        return _head(3, len(text)) + text
    return _head(4, len(item)) + b"".join(_encode(part) for part in item)


def _head(major: int, value: int) -> bytes:
    """A CBOR head in its shortest form, as minicbor writes it."""
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")
