"""Lab 3B envelope encryption, written differently: context as AAD too, the tag stored apart."""

import base64
import functools
import json
import secrets

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TAG = 16


@functools.cache
def _kms():
    return boto3.client("kms")


def _aad(context):
    return json.dumps(context, sort_keys=True).encode()


def encrypt_record(key_id, plaintext, context):
    answer = _kms().generate_data_key(KeyId=key_id, NumberOfBytes=32, EncryptionContext=context)
    iv = secrets.token_bytes(12)
    sealed = AESGCM(answer["Plaintext"]).encrypt(iv, plaintext, _aad(context))
    fields = {"ct": sealed[:-TAG], "tag": sealed[-TAG:], "iv": iv, "edk": answer["CiphertextBlob"]}
    return {name: base64.b64encode(raw).decode() for name, raw in fields.items()}


def decrypt_record(record, context):
    raw = {name: base64.b64decode(value) for name, value in record.items()}
    key = _kms().decrypt(CiphertextBlob=raw["edk"], EncryptionContext=context)["Plaintext"]
    return AESGCM(key).decrypt(raw["iv"], raw["ct"] + raw["tag"], _aad(context))
