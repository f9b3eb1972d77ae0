"""The site network in memory: parents, ancestors and jurisdiction (a site and everything below it)."""

from __future__ import annotations

from collections.abc import Iterable

from domain.site import Site


class SiteDirectory:
    def __init__(self, sites: Iterable[Site]):
        self._by_code = {site.code: site for site in sites}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_code.values())

    def get(self, code: str) -> Site | None:
        return self._by_code.get(code)

    def parent_of(self, code: str) -> str | None:
        site = self._by_code.get(code)
        return site.parent_code if site else None

    def ancestors(self, code: str) -> list[str]:
        """The chain above a site, nearest first (post → station → center)."""
        chain, parent = [], self.parent_of(code)
        while parent is not None:
            chain.append(parent)
            parent = self.parent_of(parent)
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        """Whether `code` is `ancestor` itself or lies below it: a dispatcher's jurisdiction."""
        return code == ancestor or ancestor in self.ancestors(code)

    def subtree(self, ancestor: str) -> list[str]:
        return [code for code in self._by_code if self.is_within(code, ancestor)]
