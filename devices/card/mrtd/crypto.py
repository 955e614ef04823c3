"""Cryptographic building blocks of ICAO 9303-11 (no state, no I/O).

- Key derivation: 9303-11 §9.7.1.
- Padding: ISO/IEC 9797-1 method 2.
- 3DES (two-key) in CBC with a zero IV, and the ISO/IEC 9797-1 MAC algorithm 3
  ("retail MAC") with single DES: 9303-11 §9.8.3 / §9.8.6.
- AES in CBC and AES-CMAC truncated to 8 bytes: 9303-11 §9.8.5, §9.8.6.2.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

ZERO_IV = bytes(8)


def kdf(seed: bytes, counter: int, cipher: str = "3DES", key_bits: int = 128) -> bytes:
    """9303-11 §9.7.1: keydata = H(seed || counter), counter 1 = ENC, 2 = MAC, 3 = PACE."""
    data = seed + counter.to_bytes(4, "big")
    if cipher == "3DES":
        digest = hashlib.sha1(data).digest()
        return adjust_parity(digest[:16])
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    return hashlib.sha256(data).digest()[: key_bits // 8]


def adjust_parity(key: bytes) -> bytes:
    """DES keys carry odd parity in the low bit of every byte."""
    out = bytearray(key)
    for i, byte in enumerate(out):
        ones = bin(byte >> 1).count("1")
        out[i] = (byte & 0xFE) | (0 if ones % 2 else 1)
    return bytes(out)


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80, then zeros to the block size."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def unpad(data: bytes) -> bytes:
    index = data.rstrip(b"\x00")
    if not index.endswith(b"\x80"):
        raise ValueError("bad ISO 9797-1 padding")
    return index[:-1]


def _des3(key: bytes) -> TripleDES:
    return TripleDES(key if len(key) != 16 else key + key[:8])


def des3_encrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    enc = Cipher(_des3(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def des3_decrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    dec = Cipher(_des3(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES, over already padded ``data``."""
    ka, kb = key[:8], key[8:16]
    chain = Cipher(TripleDES(ka * 3), modes.CBC(ZERO_IV)).encryptor()
    last = (chain.update(data) + chain.finalize())[-8:]
    step = Cipher(TripleDES(kb * 3), modes.ECB()).decryptor()
    last = step.update(last) + step.finalize()
    final = Cipher(TripleDES(ka * 3), modes.ECB()).encryptor()
    return final.update(last) + final.finalize()


def aes_encrypt(key: bytes, data: bytes, iv: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def aes_decrypt(key: bytes, data: bytes, iv: bytes) -> bytes:
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def aes_ecb(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC truncated to 8 bytes (9303-11 §9.8.6.2)."""
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()[:8]
