"""Generates colormaps.data.json: 256-entry RGBA tables of common matplotlib colormaps.

Run with a Python that has matplotlib:  python src/raster/colormap/generate_colormaps.py
The output is data (the colours each map takes at 256 evenly spaced points), sampled from matplotlib's
installed package at generation time; TerraHub ships the JSON and never needs Python at run time.
Reversed maps ("viridis_r") are derived at run time.
"""

import json
import pathlib

import matplotlib

NAMES = [
    "viridis", "plasma", "inferno", "magma", "cividis", "turbo", "terrain", "gist_earth", "ocean",
    "rdylgn", "rdylbu", "rdbu", "spectral", "coolwarm", "bwr", "seismic", "brbg", "piyg", "prgn", "puor",
    "rdgy", "greys", "gray", "blues", "greens", "reds", "oranges", "purples", "ylgn", "ylgnbu", "ylorrd",
    "ylorbr", "bugn", "gnbu", "pubu", "rdpu", "jet", "rainbow", "hot", "cool", "bone", "copper", "pink",
    "spring", "summer", "autumn", "winter", "twilight", "hsv", "cubehelix", "tab10", "tab20", "set1",
    "set2", "set3", "pastel1", "paired", "accent", "dark2",
]


def by_lower_name():
    return {name.lower(): name for name in matplotlib.colormaps}


def main():
    names = by_lower_name()
    out = {}
    for name in NAMES:
        cmap = matplotlib.colormaps[names[name]]
        # Listed (qualitative) maps keep their discrete colours: index i -> colour i of N, repeated.
        values = cmap.resampled(256)(range(256), bytes=True) if cmap.N != 256 else cmap(range(256), bytes=True)
        out[name] = "".join("%02x%02x%02x%02x" % tuple(int(c) for c in row) for row in values)
    path = pathlib.Path(__file__).with_name("colormaps.data.json")
    path.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(out)} colormaps to {path}")


if __name__ == "__main__":
    main()
