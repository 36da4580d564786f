#!/usr/bin/env python3
"""Independent reference for tests/unit/test_wg_noise.c's known answers.

Computes WireGuard's KDF chain and a complete handshake with fixed keys and
ephemerals using Python's hashlib (BLAKE2s reference code), hmac and the
`cryptography` package (X25519, ChaCha20-Poly1305) -- none of which share
code with wg/. Run it and compare with the constants in the C tests:
    python3 tests/unit/wg_vectors.py
"""
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def H(*parts):
    return hashlib.blake2s(b"".join(parts)).digest()


def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def KDF(ck, data, n):
    prk = HMAC(ck, data)
    out, t = [], b""
    for i in range(1, n + 1):
        t = HMAC(prk, t + bytes([i]))
        out.append(t)
    return out


def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(*RAW)


def DH(priv, pubk):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pubk))


def AEAD(key, counter, pt, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + counter.to_bytes(8, "little"), pt, ad)


def c_array(name, b):
    hexes = ", ".join("0x%02x" % x for x in b)
    print("static const uint8_t %s[%d] = {%s};" % (name, len(b), hexes))


CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"

ck0 = H(CONSTRUCTION)
h0 = H(ck0, IDENTIFIER)
c_array("kat_initial_ck", ck0)
c_array("kat_initial_h", h0)

# KDF chain on fixed inputs
key32 = bytes(range(32))
c_array("kat_hmac_key32_abc", HMAC(key32, b"abc"))
c_array("kat_hmac_key100_abc", HMAC(bytes(range(100)), b"abc"))
t = KDF(key32, b"wireguard", 3)
c_array("kat_kdf_t1", t[0])
c_array("kat_kdf_t2", t[1])
c_array("kat_kdf_t3", t[2])
c_array("kat_blake2s_keyed_00", hashlib.blake2s(b"\x00", key=key32).digest())
c_array("kat_blake2s_keyed16", hashlib.blake2s(b"abc", key=key32, digest_size=16).digest())

# Handshake with fixed keys: i = initiator, r = responder
si = bytes([0x11] * 32)
sr = bytes([0x22] * 32)
ei = bytes([0x33] * 32)
er = bytes([0x44] * 32)
psk = bytes([0x55] * 32)
Si, Sr, Ei, Er = pub(si), pub(sr), pub(ei), pub(er)
c_array("kat_si_pub", Si)
c_array("kat_sr_pub", Sr)

# Initiation (up to and including encrypted static; the timestamp varies)
ck, h = ck0, H(h0, Sr)
ck = KDF(ck, Ei, 1)[0]
h = H(h, Ei)
ck, k = KDF(ck, DH(ei, Sr), 2)
enc_static = AEAD(k, 0, Si, h)
c_array("kat_init_ephemeral", Ei)
c_array("kat_init_static", enc_static)
h = H(h, enc_static)
ck, k = KDF(ck, DH(si, Sr), 2)
# Response: the chaining key never sees the timestamp, the hash does.
ck_r = KDF(ck, Er, 1)[0]
ck_r = KDF(ck_r, DH(er, Ei), 1)[0]
ck_r = KDF(ck_r, DH(er, Si), 1)[0]
ck_r, tau, k = KDF(ck_r, psk, 3)
c_array("kat_resp_ephemeral", Er)
t_send_i, t_recv_i = KDF(ck_r, b"", 2)
c_array("kat_initiator_send", t_send_i)
c_array("kat_initiator_recv", t_recv_i)
# A data message from the initiator: counter 7, 20-byte payload padded to 32
payload = bytes(range(20)) + b"\0" * 12
c_array("kat_data_ct", AEAD(t_send_i, 7, payload, b""))

# mac1 of a fixed 148-byte initiation (bytes 0..147, type forced to 1) to Sr
msg = bytearray(range(148))
msg[0:4] = b"\x01\0\0\0"
c_array("kat_mac1", hashlib.blake2s(bytes(msg[:116]), key=H(b"mac1----", Sr), digest_size=16).digest())
