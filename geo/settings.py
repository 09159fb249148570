"""Locations of map data, bundled data and caches, from the environment.

``ONEHOUR_DATA_DIR`` (default ``./data``) holds OSM extracts and downloads under
``osm/<city>/``. ``ONEHOUR_CACHE_DIR`` (default ``~/.cache/onehour``) receives
everything onehour builds: compact graphs, gazetteers, matrices. The data
directory may be read-only; onehour never writes there.
"""

import os
from pathlib import Path

DATA_DIR_ENV = "ONEHOUR_DATA_DIR"
CACHE_DIR_ENV = "ONEHOUR_CACHE_DIR"


def data_dir() -> Path:
    """Return the directory that holds map extracts (may be read-only)."""
    return Path(os.environ.get(DATA_DIR_ENV, "data")).expanduser().resolve()


def cache_dir() -> Path:
    """Return the writable cache directory, creating it if needed."""
    default = Path.home() / ".cache" / "onehour"
    path = Path(os.environ.get(CACHE_DIR_ENV, default)).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundled_data_dir() -> Path:
    """Return the ``data/`` directory shipped with the source tree.

    Notes
    -----
    onehour is installed from a clone (``pip install -e``); the bundled city
    definitions and catalogue are read from the clone, not from a wheel.
    """
    return Path(__file__).resolve().parents[1] / "data"
