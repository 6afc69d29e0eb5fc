"""The synthetic world as Telegram Desktop JSON exports: the Telegram part of
:func:`workbench.synth.write_fixtures` on its own (``<out_dir>/<handle>/result.json.gz``, gzip
without timestamp, control characters written as ``\\xHH`` as Desktop writes them).

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> world = generate_world(1, n_channels=15, messages_scale=0.05)
>>> paths = write_desktop_json(world, tempfile.mkdtemp())
>>> len(paths) == len(world.exports), paths[0].name
(True, 'result.json.gz')
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_desktop_json"]


def write_desktop_json(world, out_dir: str | Path) -> list[Path]:
    """Write every channel of ``world`` as ``<out_dir>/<handle>/result.json.gz``, byte for byte
    what :func:`workbench.synth.write_fixtures` writes under ``telegram/``.

    Returns
    -------
    list of Path
        The files written, one per channel.

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from workbench.synth import generate_world
    >>> world = generate_world(1, n_channels=15, messages_scale=0.05)
    >>> out = tempfile.mkdtemp()
    >>> _ = write_desktop_json(world, out)
    >>> wb.load(out).channels["resolved"].sum() >= len(world.exports)
    np.True_
    """
    from . import _desktop_json, _gzip  # the fixture writer's own serialisers

    out = Path(out_dir)
    written = []
    for handle, export in world.exports.items():
        folder = out / handle
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "result.json.gz"
        path.write_bytes(_gzip(_desktop_json(export).encode("utf-8")))
        written.append(path)
    return written
