"""Media files shipped with a case: where they may lie, what they must be, how big they may be.

A case's images and audio clips sit in ``media/<case-id>/`` next to the case file. Each file is
named in the case by a plain file name, and its type is decided by its bytes, not by its name
alone: PNG, JPEG and WebP by their signatures, SVG by parsing it (with no DTD, no entities and
no processing instructions) and refusing anything that could run, load or show something the
case does not declare: scripts, event handlers, references outside the file, foreign content,
animation and text (text in an image is not translated; words go in the alt text or the long
description). See docs/case-format.md, "Media".
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.parsers import expat

MediaKind = Literal["image", "audio"]

MEDIA_FOLDER = "media"
MAX_BYTES: dict[MediaKind, int] = {"image": 500 * 1024, "audio": 5 * 1024 * 1024}
ALT_MAX_LENGTH = 250

# file extension -> (kind, format name, Content-Type)
FORMATS: dict[str, tuple[MediaKind, str, str]] = {
    ".svg": ("image", "SVG", "image/svg+xml"),
    ".png": ("image", "PNG", "image/png"),
    ".jpg": ("image", "JPEG", "image/jpeg"),
    ".jpeg": ("image", "JPEG", "image/jpeg"),
    ".webp": ("image", "WebP", "image/webp"),
    ".mp3": ("audio", "MP3", "audio/mpeg"),
    ".ogg": ("audio", "Ogg", "audio/ogg"),
    ".m4a": ("audio", "MPEG-4 audio", "audio/mp4"),
}
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_REFUSED_ELEMENTS = {
    "script": "a script",
    "foreignObject": "foreign content (<foreignObject>)",
    "iframe": "an embedded page (<iframe>)",
    "embed": "embedded content (<embed>)",
    "object": "embedded content (<object>)",
    "audio": "audio (<audio>)",
    "video": "video (<video>)",
    "handler": "a script (<handler>)",
    "listener": "an event listener (<listener>)",
}
_ANIMATION = {"animate", "animateMotion", "animateTransform", "animateColor", "set", "discard"}
_TEXT = {"text", "tspan", "textPath"}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


def kind_of(name: str) -> MediaKind | None:
    found = FORMATS.get(Path(name).suffix.lower())
    return found[0] if found else None


def extensions(kind: MediaKind) -> list[str]:
    return [extension for extension, found in FORMATS.items() if found[0] == kind]


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A checked media file: where it is, its Content-Type, and the digest that names its
    content in the address it is served at."""

    path: Path
    content_type: str
    size: int
    digest: str  # the first 16 hex digits of the SHA-256 of the bytes
    width: int | None = None
    height: int | None = None


def locate(case_file: Path, case_id: str, name: str) -> tuple[Path | None, str]:
    """The file ``name`` of the case's media folder, or None and why it cannot be used."""
    folder = f"{MEDIA_FOLDER}/{case_id}/"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return None, f"`{name}` is an absolute path; name a file in {folder}"
    parts = re.split(r"[/\\]", name)
    if ".." in parts:
        return None, f"`{name}` points outside {folder}; name a file in that folder"
    if not _FILE_NAME.match(name):
        return None, (
            f"`{name}` is not a plain file name in {folder} (letters, digits, `.`, `_` and `-`; "
            "no folders)"
        )
    directory = case_file.parent / MEDIA_FOLDER / case_id
    path = directory / name
    if not path.exists() and not path.is_symlink():
        return None, f"`{name}` is not in {folder} (no such file)"
    try:
        inside = path.resolve(strict=True).is_relative_to(directory.resolve(strict=True))
    except (OSError, RuntimeError):  # RuntimeError: a loop of links (Python before 3.13)
        return None, f"`{name}` in {folder} is a link to a file that does not exist"
    if not inside:
        return None, f"`{name}` in {folder} is a link to a file outside that folder"
    if not path.is_file():
        return None, f"`{name}` in {folder} is not a file"
    return path, ""


def inspect(path: Path, kind: MediaKind) -> tuple[MediaFile | None, list[str]]:
    """The checked file, or None and every reason it is refused."""
    name = path.name
    found = FORMATS.get(path.suffix.lower())
    if found is None or found[0] != kind:
        allowed = ", ".join(extensions(kind))
        return None, [f"`{name}`: {'an image' if kind == 'image' else 'audio'} must be one of "
                      f"{allowed}"]  # fmt: skip
    _, format_name, content_type = found
    limit = MAX_BYTES[kind]
    size = path.stat().st_size
    if size > limit:
        return None, [
            f"`{name}` is {_kilobytes(size)} ({size} bytes); "
            f"{'an image' if kind == 'image' else 'an audio file'} may be at most "
            f"{_kilobytes(limit)} ({limit} bytes)"
        ]
    data = path.read_bytes()
    actual = sniff(data)
    if format_name == "SVG" and actual in (None, "SVG"):
        size_found, reasons = svg_problems(data)
        if reasons:
            return None, [f"`{name}` is refused: {reason}" for reason in reasons]
    else:
        if actual != format_name:
            if actual is None:
                return None, [f"`{name}`: its bytes are not {format_name} as its name says "
                              "(nor any other format this tool accepts)"]  # fmt: skip
            return None, [f"`{name}`: its bytes are {actual}, not {format_name} as its name says"]
        size_found = raster_size(data, format_name)
    width, height = size_found or (None, None)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return MediaFile(path, content_type, len(data), digest, width, height), []


def _kilobytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB"


def sniff(data: bytes) -> str | None:
    """The format the bytes begin with, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "MP3"
    if data.startswith(b"OggS"):
        return "Ogg"
    if data[4:8] == b"ftyp":
        return "MPEG-4 audio"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<svg")):
        return "SVG"
    return None


def raster_size(data: bytes, format_name: str) -> tuple[int, int] | None:
    """Width and height in pixels, when the header says them plainly."""
    try:
        if format_name == "PNG" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if format_name == "JPEG":
            return _jpeg_size(data)
        if format_name == "WebP":
            return _webp_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE}:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


class _Refused(Exception):
    pass


def svg_problems(data: bytes) -> tuple[tuple[int, int] | None, list[str]]:
    """The SVG's size (from width and height, else its viewBox) and every reason to refuse it.

    expat reads the bytes with DTDs, entity declarations and processing instructions refused
    (so no entity expansion and no external entity is ever loaded), and every element and
    attribute is checked against what a static, self-contained picture needs."""
    reasons: list[str] = []
    root: dict[str, str] = {}
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    style_depth = 0

    def where() -> str:
        return f" (line {parser.CurrentLineNumber} of the SVG)"

    def refuse(*_args: object) -> None:
        raise _Refused("it declares a DTD or entities" + where())

    def instruction(target: str, _data: str) -> None:
        raise _Refused(f"it contains a processing instruction (<?{target}?>){where()}")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal style_depth
        namespace, _, local = name.rpartition(" ")
        if not root:
            root.update(attributes, _name=name)
            if namespace != _SVG_NS or local != "svg":
                raise _Refused(
                    f'it is not an SVG image: the root element must be <svg xmlns="{_SVG_NS}">'
                )
        if namespace != _SVG_NS:
            reasons.append(f"it contains <{local}>, which is not an SVG element{where()}; "
                           "save it as plain SVG")  # fmt: skip
        elif local in _REFUSED_ELEMENTS:
            reasons.append(f"it contains {_REFUSED_ELEMENTS[local]}{where()}")
        elif local in _ANIMATION:
            reasons.append(f"it contains animation (<{local}>){where()}")
        elif local in _TEXT:
            reasons.append(f"it contains text (<{local}>){where()}: words in a picture are not "
                           "translated; put them in `alt` or `long_description`")  # fmt: skip
        elif local == "style":
            style_depth += 1
        for attribute, value in attributes.items():
            reasons.extend(_attribute_problems(attribute, value, where()))

    def end(name: str) -> None:
        nonlocal style_depth
        if name == f"{_SVG_NS} style":
            style_depth -= 1

    def text(content: str) -> None:
        if style_depth:
            reasons.extend(_css_problems(content, where()))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.NotationDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        return None, [str(refused)]
    except expat.ExpatError as error:
        return None, [f"it is not well-formed XML ({expat.ErrorString(error.code)} "
                      f"at line {error.lineno} of the SVG)"]  # fmt: skip
    return _svg_size(root), list(dict.fromkeys(reasons))


def _attribute_problems(attribute: str, value: str, where: str) -> list[str]:
    namespace, _, local = attribute.rpartition(" ")
    shown = f"xlink:{local}" if namespace == _XLINK_NS else local
    if namespace not in ("", _XLINK_NS, _XML_NS):
        return [f"it has the attribute `{local}` of another vocabulary{where}; "
                "save it as plain SVG"]  # fmt: skip
    if local.lower().startswith("on"):
        return [f"it has an event handler (`{shown}`){where}"]
    if local == "href" and not value.strip().startswith("#"):
        return [f"`{shown}` refers to `{_short(value)}` outside the file{where}; only "
                "references to parts of the same file (`#id`) are allowed"]  # fmt: skip
    if "javascript:" in value.lower().replace(" ", ""):
        return [f"`{shown}` contains a `javascript:` address{where}"]
    if local == "style" or "url(" in value.lower():
        return _css_problems(value, where)
    return []


def _css_problems(css: str, where: str) -> list[str]:
    problems = []
    if "@import" in css.lower():
        problems.append(f"its style sheet imports another file (@import){where}")
    for _, address in _CSS_URL.findall(css):
        if not address.strip().startswith("#"):
            problems.append(f"its style refers to `{_short(address)}` outside the file{where}; "
                            "only `url(#id)` is allowed")  # fmt: skip
    return problems


def _short(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 60 else value[:57] + "..."


_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


def _svg_size(root: dict[str, str]) -> tuple[int, int] | None:
    width, height = _LENGTH.match(root.get("width", "")), _LENGTH.match(root.get("height", ""))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        try:
            box_width, box_height = float(box[2]), float(box[3])
        except ValueError:
            return None
        if box_width > 0 and box_height > 0:
            return round(box_width), round(box_height)
    return None
