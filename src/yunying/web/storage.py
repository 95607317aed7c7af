"""Static files under hashed names, compressed (WhiteNoise's manifest storage), with a fallback for a tree
whose files are not collected yet."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """``collectstatic`` writes each file under a name carrying its content's hash (so it can be cached for
    a year) plus a gzip copy. Before the first ``collectstatic`` (a bare ``runserver``), or for a file built
    after it, ``{% static %}`` answers the plain name, which WhiteNoise serves from the build folder with a
    short cache, instead of failing the page; ``yunying serve`` and ``make assets`` collect each time."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        try:
            return super().stored_name(name)
        except ValueError:
            return name
