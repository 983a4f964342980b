"""Media in cases: what the checker accepts and refuses beyond the bad case files, what the
loaded case holds, and the texts translators get."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lti_tool.simulation import check_file
from lti_tool.simulation import iter_texts
from lti_tool.simulation import load_case
from lti_tool.simulation.media import MAX_BYTES
from lti_tool.simulation.media import raster_size
from lti_tool.simulation.media import sniff
from lti_tool.simulation.media import svg_problems

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLER = DATA / "media_cases" / "media-sampler.yaml"
SAMPLER_MEDIA = DATA / "media_cases" / "media" / "media-sampler"

ONE_IMAGE = """\
  arrival:
    text: A patient arrives.
    media:
      - {kind}: {name}
        {words}
    choices:
      - id: ask
        verdict: best
        text: Ask how she is.
        feedback: Good.
        points: {{safety: 1}}
        next: end
  end:
    text: Done.
    ending: {{title: Done, debrief: Done.}}
"""


@pytest.fixture
def with_media(write_case: Callable[..., Path], tmp_path: Path) -> Callable[..., Path]:
    """``with_media(name, content, kind="image")``: a case showing ``name``, whose media folder
    holds ``content`` under that name (no file when ``content`` is None)."""

    def written(name: str, content: bytes | None, kind: str = "image") -> Path:
        words = "alt: A picture." if kind == "image" else "transcript: Words."
        path = write_case("small", ONE_IMAGE.format(kind=kind, name=name, words=words))
        folder = tmp_path / "media" / "small"
        folder.mkdir(parents=True, exist_ok=True)
        if content is not None:
            (folder / name).write_bytes(content)
        return path

    return written


def problems(path: Path) -> list[str]:
    return [f"{problem.line}: {problem.node}: {problem.message}" for problem in check_file(path)]


def test_the_sampler_loads_each_kind_of_media_with_its_type_size_and_digest() -> None:
    case = load_case(SAMPLER)
    plan, swatch, sound = case.nodes["room"].media
    assert [(m.kind, m.file, m.content_type) for m in (plan, swatch, sound)] == [
        ("image", "plan.svg", "image/svg+xml"),
        ("image", "swatch.png", "image/png"),
        ("audio", "silence.mp3", "audio/mpeg"),
    ]
    assert (plan.width, plan.height) == (480, 300)
    assert (swatch.width, swatch.height) == (24, 12)
    assert (sound.width, sound.height) == (None, None)
    for item in (plan, swatch, sound):
        content = (SAMPLER_MEDIA / item.file).read_bytes()
        assert item.digest == hashlib.sha256(content).hexdigest()[:16]
        assert item.path == SAMPLER_MEDIA / item.file
    assert plan.alt.startswith("A plan of the room")
    assert plan.long_description and "the only way out" in plan.long_description
    assert swatch.long_description is None
    assert sound.transcript == "*A second of silence.*"
    assert case.media_file("swatch.png") is swatch
    assert case.media_file("other.png") is None


def test_alt_long_description_and_transcript_are_texts_to_translate() -> None:
    case = load_case(SAMPLER)
    texts = {item.context: item.text for item in iter_texts(case)}
    assert texts["media-sampler/room/media/1/alt"] == case.nodes["room"].media[0].alt
    assert "media-sampler/room/media/1/long_description" in texts
    assert "media-sampler/room/media/2/alt" in texts
    assert "media-sampler/room/media/2/long_description" not in texts
    assert texts["media-sampler/room/media/3/transcript"] == "*A second of silence.*"
    lines = [item.line for item in iter_texts(case)]
    assert lines == sorted(lines)


def test_a_link_to_a_file_outside_the_media_folder_is_refused(
    with_media: Callable[..., Path], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.svg"
    shutil.copy(SAMPLER_MEDIA / "plan.svg", secret)
    path = with_media("plan.svg", None)
    (tmp_path / "media" / "small" / "plan.svg").symlink_to(secret)
    assert problems(path) == [
        "24: arrival: media[0]: `plan.svg` in media/small/ is a link to a file outside that folder"
    ]


def test_a_link_inside_the_media_folder_is_followed(
    with_media: Callable[..., Path], tmp_path: Path
) -> None:
    path = with_media("plan.svg", None)
    folder = tmp_path / "media" / "small"
    shutil.copy(SAMPLER_MEDIA / "plan.svg", folder / "drawing.svg")
    (folder / "plan.svg").symlink_to("drawing.svg")
    assert problems(path) == [
        "1: -: media/small/drawing.svg is not shown by any node; remove it or add it to a "
        "node's `media`"
    ]


def test_a_broken_link_is_reported(with_media: Callable[..., Path], tmp_path: Path) -> None:
    path = with_media("plan.svg", None)
    (tmp_path / "media" / "small" / "plan.svg").symlink_to(tmp_path / "nowhere.svg")
    assert problems(path) == [
        "24: arrival: media[0]: `plan.svg` in media/small/ is a link to a file that does not exist"
    ]


def test_a_loop_of_links_is_reported(with_media: Callable[..., Path], tmp_path: Path) -> None:
    path = with_media("plan.svg", None)
    folder = tmp_path / "media" / "small"
    (folder / "plan.svg").symlink_to("other.svg")
    (folder / "other.svg").symlink_to("plan.svg")
    assert problems(path)[-1] == (
        "24: arrival: media[0]: `plan.svg` in media/small/ is a link to a file that does not exist"
    )


def test_a_folder_is_not_a_media_file(with_media: Callable[..., Path], tmp_path: Path) -> None:
    path = with_media("plan.svg", None)
    (tmp_path / "media" / "small" / "plan.svg").mkdir()
    assert problems(path) == ["24: arrival: media[0]: `plan.svg` in media/small/ is not a file"]


def test_audio_may_be_five_megabytes_and_no_more(
    with_media: Callable[..., Path], tmp_path: Path
) -> None:
    limit = MAX_BYTES["audio"]
    assert limit == 5 * 1024 * 1024
    path = with_media("voice.ogg", b"OggS" + bytes(limit - 4), kind="audio")
    assert problems(path) == []
    (tmp_path / "media" / "small" / "voice.ogg").write_bytes(b"OggS" + bytes(limit - 3))
    assert problems(path) == [
        "24: arrival: media[0]: `voice.ogg` is 5.0 MB (5242881 bytes); an audio file may be at "
        "most 5.0 MB (5242880 bytes)"
    ]


def test_an_image_may_be_500_kilobytes(with_media: Callable[..., Path]) -> None:
    png = (SAMPLER_MEDIA / "swatch.png").read_bytes()
    padded = png + bytes(MAX_BYTES["image"] - len(png))
    assert MAX_BYTES["image"] == 500 * 1024
    assert problems(with_media("swatch.png", padded)) == []


def test_an_audio_file_must_be_audio(with_media: Callable[..., Path]) -> None:
    svg = (SAMPLER_MEDIA / "plan.svg").read_bytes()
    assert problems(with_media("plan.svg", svg, kind="audio")) == [
        "24: arrival: media[0]: `plan.svg`: audio must be one of .mp3, .ogg, .m4a"
    ]


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"\x89PNG\r\n\x1a\n\x00", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"ID3\x04", "MP3"),
        (b"\xff\xfb\x90\xc0", "MP3"),
        (b"OggS\x00", "Ogg"),
        (b"\x00\x00\x00\x20ftypM4A ", "MPEG-4 audio"),
        (b'\xef\xbb\xbf<?xml version="1.0"?><svg', "SVG"),
        (b"<svg xmlns=", "SVG"),
        (b"GIF89a", None),
        (b"<html>", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(data: bytes, found: str | None) -> None:
    assert sniff(data) == found


def test_raster_sizes_come_from_the_headers() -> None:
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xc0\x00\x11\x08\x00\x30\x00\x40\x03"
    ) + bytes(20)
    assert raster_size(jpeg, "JPEG") == (64, 48)
    lossless = b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f" + (
        (63 | (31 << 14)).to_bytes(4, "little")
    )
    assert raster_size(lossless, "WebP") == (64, 32)
    extended = b"RIFF\x00\x00\x00\x00WEBPVP8X" + bytes(8) + (99).to_bytes(3, "little")
    assert raster_size(extended + (49).to_bytes(3, "little"), "WebP") == (100, 50)
    assert raster_size(b"\x89PNG\r\n\x1a\n", "PNG") is None


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}">{body}</svg>'


def svg(body: str, w: str = "40", h: str = "20") -> bytes:
    return SVG.format(body=body, w=w, h=h).encode()


@pytest.mark.parametrize(
    "body",
    [
        '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="4" height="4"/>',
        '<style>rect { fill: url("#g"); stroke: #000 }</style><rect width="4" height="4"/>',
        '<g id="a"><circle r="2"/></g><use href="#a" x="10"/>',
        '<title>Not shown</title><desc>Not shown either</desc><path d="M0 0L4 4"/>',
        '<rect style="fill: #2a6f97; stroke-dasharray: 4 2" width="4" height="4"/>',
    ],
)
def test_a_static_self_contained_svg_is_accepted(body: str) -> None:
    assert svg_problems(svg(body)) == ((40, 20), [])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body/></html>", "it is not an SVG image: the root element must be <svg"),
        (b'<svg viewBox="0 0 4 4"/>', "it is not an SVG image"),
        (svg("<rect>"), "it is not well-formed XML (mismatched tag at line 1 of the SVG)"),
        (
            b'<?xml-stylesheet href="https://example.org/a.css"?>' + svg(""),
            "it contains a processing instruction (<?xml-stylesheet?>) (line 1 of the SVG)",
        ),
        (
            b'<!DOCTYPE svg SYSTEM "file:///etc/passwd">' + svg(""),
            "it declares a DTD or entities (line 1 of the SVG)",
        ),
        (svg('<a onClick="x()"/>'), "it has an event handler (`onClick`)"),
        (svg('<image href=" HTTP://example.org/x.png"/>'), "refers to `HTTP://example.org/x.png`"),
        (svg('<rect fill="url(https://example.org/p#x)"/>'), "its style refers to `https://"),
        (svg("<rect filter=\"url( '//example.org/f.svg#f' )\"/>"), "refers to `//example.org/f"),
        (svg('<style>@IMPORT "x.css";</style>'), "its style sheet imports another file"),
        (svg('<set attributeName="href" to="https://example.org"/>'), "animation (<set>)"),
        (svg("<textPath>x</textPath>"), "it contains text (<textPath>)"),
        (svg('<handler type="text/javascript">x()</handler>'), "it contains a script"),
        (
            svg('<rect xmlns:i="http://ns.adobe.com/x" i:k="v"/>'),
            "it has the attribute `k` of another vocabulary",
        ),
    ],
)
def test_an_svg_that_could_run_load_or_show_more_is_refused(data: bytes, reason: str) -> None:
    _, reasons = svg_problems(data)
    assert any(reason in found for found in reasons), reasons


def test_an_entity_bomb_is_refused_at_once() -> None:
    entities = "".join(
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(10)
    )
    bomb = f"<!DOCTYPE svg [{entities}]>".encode() + svg("<desc>&e9;</desc>")
    started = time.monotonic()
    assert svg_problems(bomb) == (None, ["it declares a DTD or entities (line 1 of the SVG)"])
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [
        ('width="300" height="150"', "", (300, 150)),
        ('width="300px" height="150.4px"', "", (300, 150)),
        ('width="100%" height="100%"', "", (40, 20)),  # relative: the viewBox says the shape
    ],
)
def test_the_svg_size_comes_from_width_and_height_or_the_viewbox(
    width: str, height: str, size: tuple[int, int]
) -> None:
    data = svg("<rect/>").replace(b"<svg ", f"<svg {width} {height} ".encode())
    assert svg_problems(data)[0] == size


def test_the_checker_never_reads_a_file_it_refuses_for_its_size(
    with_media: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_media("huge.png", None)
    huge = tmp_path / "media" / "small" / "huge.png"
    with huge.open("wb") as sparse:
        sparse.truncate(2 * 1024 * 1024 * 1024)  # 2 GB, no disk used
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert self.name != "huge.png", "the checker read the huge file"
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert problems(path) == [
        "24: arrival: media[0]: `huge.png` is 2048.0 MB (2147483648 bytes); an image may be at "
        "most 500 KB (512000 bytes)"
    ]
    assert os.path.getsize(huge) == 2 * 1024 * 1024 * 1024
