"""Where packs and bundled resources are: the base pack, the bundled templates, and the order
packs are layered in."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from kamadvisor.errors import InputError
from kamadvisor.packs import MANIFEST
from kamadvisor.sourcefile import MAX_INPUT_BYTES, read_bounded


def resource_dir(name: str) -> Path:
    """A bundled directory (`rules`, `templates`): in the installed package, or the checkout."""
    packaged = Path(str(resources.files("kamadvisor"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"bundled '{name}' directory not found (is kamadvisor installed?)")


def base_pack_dir() -> Path:
    return resource_dir("rules")


def pack_directories(house_packs: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """The base pack followed by the house packs. A directory holding the base pack itself (the
    installed copy, or `rules/` of a checkout, known by its manifest's name) takes the base's
    place instead of being layered over it."""
    base = base_pack_dir().resolve()
    base_name = _manifest_name(base)
    layered: list[Path] = []
    for pack in house_packs:
        if pack.resolve() == base or (base_name is not None and _manifest_name(pack) == base_name):
            base = pack
        else:
            layered.append(pack)
    return [base, *layered]


def _manifest_name(directory: Path) -> str | None:
    """The `name:` line of a pack's manifest, read without parsing the whole file (and, like every
    pack file, only when it is a regular file inside the pack)."""
    try:
        raw = read_bounded(directory / MANIFEST, MAX_INPUT_BYTES, root=directory)
        text = raw.decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return None
    found = re.search(r"^name:\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*$", text, re.MULTILINE)
    return found.group(1) if found else None
