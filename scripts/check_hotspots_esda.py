"""Checks lacuna's hot spots against PySAL's esda: Getis-Ord Gi* z-scores and local Moran's I
(to 1e-9) and the local Moran pseudo p-values (within Monte Carlo error), on the neighbours
lacuna used (hotspots_weights.gal) restricted to the areas with population, per service.

    python scripts/check_hotspots_esda.py OUT_DIR

Needs numpy, pandas, libpysal and esda (pip install esda libpysal pandas). Prints, per
service, the largest absolute differences and how many p-values differ by more than 4
Monte Carlo standard errors; exits 1 when z or I differ by more than 1e-9.
"""

import sys
import warnings

import esda
import libpysal
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
out = sys.argv[1]
table = pd.read_csv(f"{out}/hotspots.csv", dtype={"area_code": str})
gal = libpysal.io.open(f"{out}/hotspots_weights.gal").read()
neighbours = {str(k): [str(j) for j in v] for k, v in gal.neighbors.items()}
worst = 0.0
for service, rows in table.groupby("service_type", sort=True):
    codes = list(rows["area_code"])
    keep = set(codes)
    nb = {c: [j for j in neighbours.get(c, []) if j in keep] for c in codes}
    w = libpysal.weights.W(nb, id_order=codes, silence_warnings=True)
    y = rows["value"].to_numpy(dtype=float)
    g = esda.G_Local(y, w, transform="R", star=True, permutations=0)
    w2 = libpysal.weights.W(nb, id_order=codes, silence_warnings=True)
    m = esda.Moran_Local(y, w2, transformation="r", permutations=999, seed=1)
    dz = np.nanmax(np.abs(g.Zs - rows["gi_star_z"].to_numpy()))
    di = np.nanmax(np.abs(m.Is - rows["local_moran_i"].to_numpy()))
    quads = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    same_q = np.mean([quads[q] == r for q, r in zip(m.q, rows["quadrant"])])
    p = rows["local_moran_p"].to_numpy(dtype=float)
    se = np.sqrt(np.clip(m.p_sim * (1 - m.p_sim), 1e-6, None) / 999)
    far = int(np.nansum(np.abs(p - m.p_sim) > 4 * se * np.sqrt(2)))
    print(
        f"{service}: {len(codes)} areas; max |dz| {dz:.2e}, max |dI| {di:.2e}, "
        f"quadrants equal {same_q:.4f}, p-values beyond 4 MC s.e. {far} "
        f"(mean |dp| {np.nanmean(np.abs(p - m.p_sim)):.4f})"
    )
    worst = max(worst, dz, di)
sys.exit(0 if worst <= 1e-9 else 1)
