"""Checks `lacuna sites` against PySAL's spopt MCLP on the demo: the pharmacies' demand (the
population points outside every existing pharmacy's 1,000 m, weighted by people x need weight
2 - (decile - 1) / 9), candidates from a CSV, k sites; spopt's optimum (CBC through PuLP) must
equal lacuna's objective (`need_weighted_newly_covered` summed over sites.csv).

    lacuna sites data/demo/study.toml --service pharmacy --k 5 --candidates C.csv --exact --out OUT
    python scripts/check_sites_spopt.py data/demo C.csv OUT 5 1000

Needs numpy, pandas, pyproj, spopt and pulp.
"""

import sys

import numpy as np
import pandas as pd
import pulp
from pyproj import Transformer
from spopt.locate import MCLP

demo, candidates, out, k, radius = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
points = pd.read_csv(f"{demo}/population_points.csv")
need = pd.read_csv(f"{demo}/need.csv")
health = pd.read_csv(f"{demo}/health.csv")
pharm = health[health["service_type"] == "pharmacy"]
to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
px, py = to_bng.transform(pharm["lon"].to_numpy(), pharm["lat"].to_numpy())
xy = points[["easting", "northing"]].to_numpy()
d_existing = np.hypot(xy[:, None, 0] - px[None, :], xy[:, None, 1] - py[None, :])
uncovered = ~(d_existing <= radius).any(axis=1)
decile = points["ward_code"].map(need.set_index("ward_code")["deprivation_decile"])
weight = (points["population"] * (2.0 - (decile - 1.0) / 9.0)).to_numpy()
demand = xy[uncovered]
w = weight[uncovered]
cand = pd.read_csv(candidates)[["easting", "northing"]].to_numpy()
cost = np.hypot(demand[:, None, 0] - cand[None, :, 0], demand[:, None, 1] - cand[None, :, 1])
model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=k, name="mclp")
model = model.solve(pulp.PULP_CBC_CMD(msg=False))
reached = (cost <= radius)[:, [j for j in range(cand.shape[0]) if model.fac_vars[j].varValue > 0.5]].any(axis=1)
spopt_value = float(w[reached].sum())
ours = pd.read_csv(f"{out}/sites.csv")["need_weighted_newly_covered"].sum()
print(f"demand points {len(w)}, candidates {cand.shape[0]}, k {k}: spopt {spopt_value:.3f}, lacuna {ours:.3f}")
sys.exit(0 if abs(spopt_value - ours) <= 1e-6 * max(1.0, spopt_value) else 1)
