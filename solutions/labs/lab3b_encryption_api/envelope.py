"""Envelope encryption of Parts Unlimited's order records with a KMS key and AES-GCM.

Reference solution for Lab 3B. The numbered comments match the README's steps.

KMS never sees the record: it generates a fresh data key per record and returns it twice, in the
clear and encrypted under the KMS key. The record is encrypted locally with the plaintext data key
(AES-256-GCM), which is then forgotten; only the encrypted data key is stored beside the ciphertext.
"""

import base64
import os

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12  # the size AES-GCM is designed for; never reuse a nonce with the same key

# One client per process, reused by every call (as in a Lambda function).
kms = boto3.client("kms")


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def encrypt_record(key_id, plaintext, context):
    """Step 3: encrypt plaintext (bytes) under a fresh data key; return only what may be stored.

    The returned dict holds base64 text: the ciphertext (with AES-GCM's tag), the nonce, and the data
    key encrypted by KMS under key_id with this encryption context.
    """
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, None)
    # The plaintext data key goes out of scope here: it is never stored, logged or returned.
    return {
        "ciphertext": _b64(ciphertext),
        "nonce": _b64(nonce),
        "encrypted_key": _b64(data_key["CiphertextBlob"]),
    }


def decrypt_record(record, context):
    """Step 4: the plaintext bytes of a record from encrypt_record.

    KMS decrypts the data key only with the same encryption context; AES-GCM refuses a changed
    ciphertext or nonce. Either failure raises.
    """
    data_key = kms.decrypt(CiphertextBlob=base64.b64decode(record["encrypted_key"]), EncryptionContext=context)
    return AESGCM(data_key["Plaintext"]).decrypt(
        base64.b64decode(record["nonce"]), base64.b64decode(record["ciphertext"]), None
    )
