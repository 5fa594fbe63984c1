"""Make a new site: ``digest new DIR``, as ``hugo new site`` and ``mkdocs new`` do.

The site is ready to build and to publish: ``digest.toml`` with every setting shown
(commented, at its default), a sample record and its body, a ``.gitignore`` and the GitHub
Pages workflow, with ``requirements.txt`` saying where the workflow installs digest from.
Nothing is ever overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from digest.config import CONFIG_NAME
from digest.errors import ConfigError

STARTER = Path(__file__).resolve().parent / "starter"
"""The files of a new site, as the package ships them."""
FILES = {
    CONFIG_NAME: "digest.toml",
    ".gitignore": "gitignore",
    ".github/workflows/pages.yml": "pages.yml",
    "content/first-story.yaml": "first-story.yaml",
    "content/first-story.md": "first-story.md",
}
"""Each file of a new site, by its path in the site, and the starter file it is copied from."""
REQUIREMENTS = "requirements.txt"
_UNKNOWN_SOURCE = """\
# Where the Pages workflow installs digest from. This digest was installed from a folder on
# your computer, which GitHub's runners cannot reach: replace the line below with its Git
# repository, a tag or commit of it, e.g.
#   digest @ git+https://github.com/<owner>/digest@<tag>
# digest @ git+https://github.com/<owner>/digest
"""


def new_site(folder: Path) -> list[str]:
    """Write a new site into ``folder`` (made if need be); return what to tell the user.

    Raise ``ConfigError``, writing nothing, if any of its files or a ``content`` folder is there.
    """
    targets = [folder / rel for rel in [*FILES, REQUIREMENTS]]
    taken = [path for path in [*targets, folder / "content"] if path.exists() or path.is_symlink()]
    if taken:
        raise ConfigError(f"{folder}: not making a new site over what is there "
                          f"({', '.join(str(p.relative_to(folder)) for p in taken)}); "
                          "choose an empty or new folder")
    texts = [(STARTER / name).read_text(encoding="utf-8") for name in FILES.values()]
    for path, text in zip(targets, [*texts, requirements()], strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as stream:  # "x": never over a file made meanwhile
            stream.write(text)
    said = [f"  {path}" for path in targets]
    said.append(f"A new site in {folder}. Next: cd {folder} && digest build (or digest serve "
                "to preview); set base_url in digest.toml before publishing.")
    if not _names_a_source(targets[-1].read_text(encoding="utf-8")):
        said.append(f"Before pushing to GitHub: say in {targets[-1]} where the Pages workflow "
                    "installs digest from.")
    return said


def requirements() -> str:
    """Say where the workflow installs digest from: where this digest came from, when pip
    recorded a place GitHub's runners can reach (a Git repository or a web address)."""
    from importlib import metadata  # here: the command line imports this module for its help

    try:
        recorded = metadata.distribution("digest").read_text("direct_url.json")
        source = json.loads(recorded or "null")
    except (metadata.PackageNotFoundError, ValueError):
        source = None
    if not isinstance(source, dict) or not str(source.get("url", "")).startswith("https://"):
        return _UNKNOWN_SOURCE
    url, vcs = source["url"], source.get("vcs_info")
    if isinstance(vcs, dict):
        return f"digest @ {vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}\n"
    return f"digest @ {url}\n"


def _names_a_source(text: str) -> bool:
    """Whether requirements ``text`` names a source (else the workflow cannot install digest)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())
