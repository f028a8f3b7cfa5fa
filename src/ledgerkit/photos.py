"""Photos of 形象进度 that units send with their ledgers, in the month's folder:

    2024-04/照片/<项目名称或编码>/*.jpg
    2024-04/照片/<责任单位>/<项目名称或编码>/*.jpg

A folder is matched to a project by its code or its name (as `name_key` compares names);
under a unit's folder only that unit's projects are candidates. The date is the camera's
(EXIF DateTimeOriginal), else the file's time. A photo is opened only within bounds (file
size, pixel count: a decompression bomb is refused before it is decoded) and checked whole
(a truncated file is found); a bad one is skipped with its reason, never the end of a merge.

Nothing is copied or cached: the merged workbook's 照片 sheet counts the photos per project,
and the screen and the photo book read the folder again and downscale in memory, so there
is no second copy to keep in step with the folder.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerkit.issues import Issue, issue
from ledgerkit.project import Project, name_key

PHOTO_FOLDER = "照片"
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MAX_PHOTO_BYTES = 40 * 1024 * 1024  # a phone's photo is 2-10 MB
MAX_PHOTO_PIXELS = 100_000_000  # 100 megapixels; past it Pillow would decode gigabytes
SCREEN_SIDE, BOOK_SIDE = 1280, 1600  # the longest side of a downscaled copy, in pixels
JPEG_QUALITY = 75
EXIF_DATETIME_ORIGINAL, EXIF_DATETIME, EXIF_IFD = 0x9003, 0x0132, 0x8769


class BadPhoto(Exception):
    """A photo that cannot be used; its message is the reason, in Chinese."""


@dataclass(frozen=True)
class Photo:
    """A photo matched to a project: where it is, whose it is, when it was taken."""

    path: Path
    unit: str
    project: str
    taken: str  # '2024-04-18'
    taken_from: str  # 'EXIF' (the camera) or '文件时间'


@dataclass(frozen=True)
class PhotoIndex:
    """The month's photos: those matched, those skipped with why, folders matching nothing."""

    folder: Path
    photos: tuple[Photo, ...] = ()
    skipped: tuple[tuple[Path, str], ...] = ()
    unmatched: tuple[Path, ...] = ()

    def count(self, unit: str, project: str) -> int:
        return sum(1 for p in self.photos if p.unit == unit and p.project == project)

    def of(self, unit: str, project: str) -> list[Photo]:
        """A project's photos, the latest first."""
        found = [p for p in self.photos if p.unit == unit and p.project == project]
        return sorted(found, key=lambda p: (p.taken, p.path.name), reverse=True)


def photo_folder(paths: Iterable[Path]) -> Path | None:
    """The 照片 folder of the month's folder given to merge, if there is one."""
    for path in paths:
        if path.is_dir() and (path / PHOTO_FOLDER).is_dir():
            return path / PHOTO_FOLDER
    return None


def is_photo_path(path: Path, root: Path) -> bool:
    """A file under the month's 照片 folder: not a ledger, and not a file to list as skipped."""
    try:
        return path.relative_to(root).parts[0] == PHOTO_FOLDER
    except (ValueError, IndexError):
        return False


def index_photos(folder: Path, projects: Sequence[Project]) -> PhotoIndex:
    """Every photo under `folder` matched to its project, checked and dated."""
    by_key: dict[str, list[Project]] = {}
    for p in projects:
        for key in {name_key(p.name), name_key(p.code) if p.code not in (None, "") else ""}:
            if key:
                by_key.setdefault(key, []).append(p)
    photos: list[Photo] = []
    skipped: list[tuple[Path, str]] = []
    unmatched: list[Path] = []
    skipped += [(f, LOOSE) for f in _loose(folder)]
    for sub in sorted(d for d in folder.iterdir() if d.is_dir()):
        found = by_key.get(name_key(sub.name))
        if found:
            _add(sub, found[0], photos, skipped)
            continue
        inner = sorted(d for d in sub.iterdir() if d.is_dir())
        unit_projects = [p for p in projects if name_key(p.unit) == name_key(sub.name)]
        if not inner or not unit_projects:
            unmatched.append(sub)
            continue
        skipped += [(f, LOOSE) for f in _loose(sub)]
        for project_dir in inner:
            match = [p for p in by_key.get(name_key(project_dir.name), []) if p in unit_projects]
            if match:
                _add(project_dir, match[0], photos, skipped)
            else:
                unmatched.append(project_dir)
    return PhotoIndex(folder, tuple(photos), tuple(skipped), tuple(unmatched))


LOOSE = "照片要放在以项目名称或项目编码命名的文件夹里，这张没有对应到项目"


def _loose(folder: Path) -> list[Path]:
    """Photos lying in a folder that should hold only project (or unit) folders."""
    return sorted(f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in PHOTO_SUFFIXES)


def _add(
    folder: Path, project: Project, photos: list[Photo], skipped: list[tuple[Path, str]]
) -> None:
    for path in sorted(f for f in folder.rglob("*") if f.is_file()):
        if path.name.startswith(".") or path.name.lower() == "thumbs.db":
            continue
        try:
            taken, source = check_photo(path)
        except BadPhoto as exc:
            skipped.append((path, str(exc)))
            continue
        except OSError as exc:  # unreadable: permissions, a broken link, a disk fault
            skipped.append((path, f"无法读取（{exc.strerror or exc}）"))
            continue
        photos.append(Photo(path, project.unit or "", str(project.name or ""), taken, source))


def _open(path: Path) -> Any:
    """The image opened within the bounds, or BadPhoto saying why not."""
    from PIL import Image

    if path.suffix.lower() not in PHOTO_SUFFIXES:
        raise BadPhoto(f"不是照片文件（{path.suffix or '无扩展名'}），请用 JPG 或 PNG")
    size = path.stat().st_size
    if size > MAX_PHOTO_BYTES:
        raise BadPhoto(
            f"文件太大（{size // (1024 * 1024)} MB），请压缩到 {MAX_PHOTO_BYTES // (1024 * 1024)} MB 以内"
        )
    try:
        image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadPhoto(_too_many_pixels()) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadPhoto("不是能打开的图片（文件损坏或不是图片）") from exc
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        image.close()
        raise BadPhoto(_too_many_pixels(width, height))
    return image


def _too_many_pixels(width: int = 0, height: int = 0) -> str:
    size = f"（{width}×{height}）" if width else ""
    return f"图片像素过多{size}，超过 {MAX_PHOTO_PIXELS // 1_000_000} 百万像素，可能是异常文件"


def check_photo(path: Path) -> tuple[str, str]:
    """The photo's date and where it came from, once the whole image has decoded."""
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(path)
        try:
            with image:
                taken = _exif_date(image)
                if image.format == "JPEG":  # decoded at 1/8 scale: every byte still read, 6× faster
                    image.draft("RGB", (image.width // 8, image.height // 8))
                image.load()  # decodes every byte: a truncated file fails here
        except BadPhoto:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
            raise BadPhoto("图片不完整或已损坏，无法显示") from exc
    if taken:
        return taken, "EXIF"
    when = dt.datetime.fromtimestamp(path.stat().st_mtime)
    return when.date().isoformat(), "文件时间"


def _exif_date(image: Any) -> str:
    """'2024-04-18' from the camera's EXIF (DateTimeOriginal, else DateTime), or ''."""
    try:
        exif = image.getexif()
        text = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""
    try:
        return dt.datetime.strptime(str(text).strip()[:10], "%Y:%m:%d").date().isoformat()
    except ValueError:
        return ""


def downscaled(path: Path, side: int = SCREEN_SIDE, quality: int = JPEG_QUALITY) -> bytes:
    """A JPEG of the photo no larger than `side` pixels each way, turned upright as the
    camera meant (EXIF orientation)."""
    from PIL import Image, ImageOps

    image = _open(path)
    with image:
        if image.format == "JPEG":  # decoded at the smallest scale still >= side
            image.draft("RGB", (side, side))
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        upright.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
        return out.getvalue()


def photo_issues(index: PhotoIndex, projects: Sequence[Project]) -> list[Issue]:
    """Findings: a photo skipped and why, a folder matching no project, and each started
    project without a photo this month (for the clerk to ask for one)."""
    found = [
        issue("photo-skipped", _shown(path, index.folder), reason=reason)
        for path, reason in index.skipped
    ]
    found += [
        issue("photo-unmatched", _shown(d, index.folder), name=d.name) for d in index.unmatched
    ]
    with_photos = {(p.unit, p.project) for p in index.photos}
    for p in projects:
        if p.started and (p.unit or "", str(p.name or "")) not in with_photos:
            found.append(issue("photo-missing", p.source.file, name=p.name, unit=p.unit))
    return found


def _shown(path: Path, folder: Path) -> str:
    """照片/卧龙镇/道路工程/1.jpg: the path as the clerk finds it in the month's folder."""
    try:
        return str(Path(PHOTO_FOLDER) / path.relative_to(folder))
    except ValueError:
        return str(path)
