"""Build a Lambda deployment package that is the same zip, byte for byte, whenever the code is the same.

    python package.py FOLDER ZIPFILE     writes ZIPFILE from FOLDER's files and prints its CodeSha256

`zip` and `python -m zipfile` store every file's modification time, so the same code zipped again after
a `git checkout` or a copy is another zip with another CodeSha256, and a deploy script that compares
hashes would publish a version of unchanged code. Here every entry gets the same date and permissions,
in sorted order, so the hash changes only when the code does. What it prints is Lambda's CodeSha256 of
that zip: the base64 of its SHA-256 (`aws lambda get-function-configuration` shows the same value).
"""

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
LEFT_OUT = {"__pycache__", ".pytest_cache"}


def build(folder: Path, target: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not LEFT_OUT & set(p.parts) and p.suffix != ".pyc")
    with zipfile.ZipFile(target, "w") as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), FIXED_DATE)
            entry.external_attr = 0o644 << 16  # rw-r--r--, whatever the file's mode here
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return base64.b64encode(hashlib.sha256(target.read_bytes()).digest()).decode()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python package.py FOLDER ZIPFILE")
    print(build(Path(sys.argv[1]), Path(sys.argv[2])))
