"""Envelope encryption of Parts Unlimited's order records with a KMS key and AES-GCM.

Lab 3B starter. Work through the numbered TODOs; each matches a step of README.md.
Grade your work with `course grade lab3b` (or `pytest labs/lab3b_encryption_api`).

KMS never sees the record: it generates a fresh data key per record and returns it twice, in the
clear and encrypted under the KMS key. Encrypt the record locally with the plaintext data key
(AES-256-GCM), then forget that key; store only the encrypted data key beside the ciphertext.
"""

import base64
import os

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12  # the size AES-GCM is designed for; never reuse a nonce with the same key

# One client per process, reused by every call (as in a Lambda function).
kms = boto3.client("kms")


def encrypt_record(key_id, plaintext, context):
    """Encrypt plaintext (bytes) under a fresh data key; return only what may be stored.

    key_id: the KMS key (an alias such as "alias/parts-unlimited-data", a key id or an ARN).
    context: the encryption context, a dict of strings, e.g. {"order_id": "PU-ORD-1001", "table": "Orders"}.
    Returns a dict of base64 text: the ciphertext (with AES-GCM's tag), the nonce, and the data key
    encrypted by KMS. Never the plaintext data key.
    """
    # TODO 3 (README step 3): generate_data_key with the key and the context, AESGCM encrypt with a
    # fresh nonce, return the three values base64-encoded.
    raise NotImplementedError("TODO 3: write encrypt_record (README step 3)")


def decrypt_record(record, context):
    """Return the plaintext bytes of a record made by encrypt_record, given the same context.

    Raises when the context differs or any field was changed.
    """
    # TODO 4 (README step 4): kms.decrypt the data key with the context, then AESGCM decrypt.
    raise NotImplementedError("TODO 4: write decrypt_record (README step 4)")
