"""Lab 3B envelope encryption, written differently: a Session, a record class, 16-byte nonces."""

from base64 import b64decode, b64encode
from dataclasses import asdict, dataclass
from os import urandom

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

session = boto3.Session()
kms_client = session.client("kms")


@dataclass
class EncryptedRecord:
    data: str
    iv: str
    wrapped_key: str


def encrypt_record(key_id: str, plaintext: bytes, context: dict) -> dict:
    generated = kms_client.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
    iv = urandom(16)
    data = AESGCM(generated["Plaintext"]).encrypt(iv, plaintext, None)
    record = EncryptedRecord(b64encode(data).decode(), b64encode(iv).decode(), b64encode(generated["CiphertextBlob"]).decode())
    return asdict(record)


def decrypt_record(record: dict, context: dict) -> bytes:
    stored = EncryptedRecord(**record)
    key = kms_client.decrypt(CiphertextBlob=b64decode(stored.wrapped_key), EncryptionContext=context)["Plaintext"]
    return AESGCM(key).decrypt(b64decode(stored.iv), b64decode(stored.data), None)
