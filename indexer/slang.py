"""Officers' everyday words, rewritten into the words the evidence uses before searching.

``knowledge/slang.yaml`` (kept by the Hub beside the taxonomy) maps what officers type on a
phone ("motors", "selling gear", "kicking-out time") to plain English ("cars", "drug
dealing", "closing time"). The search model reads the rewritten question; the keyword search
gets both, so a word that is in an entry ("fob") still counts. The file is optional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available

__all__ = ["Slang", "SlangError", "slang_path"]


class SlangError(ValueError):
    """The glossary cannot be read; the message names the path, the entry and the reason."""


@dataclass(frozen=True)
class Slang:
    meanings: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "slang.yaml") -> "Slang":
        if data is None:
            return cls()
        if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
            raise SlangError(f"{path}: field 'terms': expected a list of {{say: [...], means: ...}}")
        meanings: dict[str, str] = {}
        for number, term in enumerate(data["terms"], 1):
            says = term.get("say") if isinstance(term, dict) else None
            means = term.get("means") if isinstance(term, dict) else None
            if isinstance(says, str):
                says = [says]
            if not isinstance(says, list) or not says or not all(isinstance(s, str) and s.strip() for s in says):
                raise SlangError(f"{path}: term {number}: field 'say' must be a list of words or phrases")
            if not isinstance(means, str) or not means.strip():
                raise SlangError(f"{path}: term {number}: field 'means' must be text")
            for say in says:
                key = " ".join(say.lower().split())
                if key in meanings and meanings[key] != means.strip():
                    raise SlangError(f"{path}: term {number}: {say!r} is already listed with another meaning")
                meanings[key] = means.strip()
        if not meanings:
            return cls()
        alternatives = "|".join(
            r"\s+".join(map(re.escape, phrase.split())) for phrase in sorted(meanings, key=lambda p: (-len(p), p))
        )
        return cls(meanings, re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])", re.IGNORECASE))

    @classmethod
    def load(cls, path: Path | None) -> "Slang":
        """The glossary in ``path``; an empty one when there is no such file."""
        if path is None or not Path(path).is_file():
            return cls()
        try:
            data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
        except OSError as exc:
            raise SlangError(f"{path}: cannot be read: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise SlangError(f"{path}: not valid YAML: {exc}") from exc
        return cls.from_mapping(data, path=str(path))

    def rewrite(self, text: str) -> str:
        """``text`` with every listed word or phrase replaced by its plain meaning."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.meanings[" ".join(m.group(0).lower().split())], text)

    def __len__(self) -> int:
        return len(self.meanings)


def slang_path(source: Path, fallback: Path = Path("knowledge/slang.yaml")) -> Path | None:
    """The glossary for a knowledge folder: its own ``slang.yaml``, the one beside it, or the
    shipped one; None when there is none."""
    for candidate in (Path(source) / "slang.yaml", Path(source).parent / "slang.yaml", fallback):
        if candidate.is_file():
            return candidate
    return None
