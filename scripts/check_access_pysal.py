"""Compares lacuna's capacity-aware access (access.csv) with PySAL `access` on the same inputs.

usage: python scripts/check_access_pysal.py PROVIDERS.csv POINTS.csv ACCESS.csv METHOD MAX_M [PARAM]
  PROVIDERS.csv: provider_id,easting,northing,<capacity> (the capacity is the last column)
  POINTS.csv:    <area code>,easting,northing,population (one point per area)
  ACCESS.csv:    lacuna's access.csv for one service type
  METHOD:        2sfca | e2sfca (PARAM = sigma_m, Gaussian) | gravity (PARAM = beta; min_m 100)
Straight-line distances in the inputs' CRS (metres), every pair within MAX_M, as lacuna measures.
Needs: pip install access pandas numpy scipy
"""
import sys

import numpy as np
import pandas as pd
from access import Access, weights
from scipy.spatial import cKDTree

prov_f, pts_f, acc_f, method, max_m = sys.argv[1:6]
max_m = float(max_m)
param = float(sys.argv[6]) if len(sys.argv) > 6 else None
prov = pd.read_csv(prov_f)
cap = prov.columns[-1]
pts = pd.read_csv(pts_f)
code = pts.columns[0]
# Every demand-supply pair within max_m (inclusive, as lacuna's d^2 <= max^2).
tree = cKDTree(prov[["easting", "northing"]].to_numpy())
pairs = tree.query_ball_point(pts[["easting", "northing"]].to_numpy(), r=max_m * (1 + 1e-9))
rows = []
for k, js in enumerate(pairs):
    for j in js:
        dx = pts.easting[k] - prov.easting[j]
        dy = pts.northing[k] - prov.northing[j]
        if dx * dx + dy * dy <= max_m * max_m:
            rows.append((pts[code][k], prov.provider_id[j], float(np.hypot(dx, dy))))
cost = pd.DataFrame(rows, columns=["origin", "dest", "cost"])
a = Access(
    demand_df=pts.set_index(code),
    demand_index=True,
    demand_value="population",
    supply_df=prov.set_index("provider_id"),
    supply_index=True,
    supply_value=cap,
    cost_df=cost,
    cost_origin="origin",
    cost_dest="dest",
    cost_name="cost",
)
if method == "2sfca":
    out = a.two_stage_fca(name="x", max_cost=max_m)
elif method == "e2sfca":
    out = a.enhanced_two_stage_fca(name="x", max_cost=max_m, weight_fn=weights.gaussian(param))
elif method == "gravity":
    fn = weights.gravity(scale=1, alpha=-param, min_dist=100)
    out = a.two_stage_fca(name="x", max_cost=max_m, weight_fn=fn)
else:
    sys.exit(f"unknown method {method}")
ref = out.iloc[:, 0].fillna(0.0)
ours = pd.read_csv(acc_f).set_index("area_code")["access"]
both = pd.concat([ours.rename("lacuna"), ref.rename("pysal")], axis=1).dropna()
rel = (both.lacuna - both.pysal).abs() / both.pysal.abs().clip(lower=1e-300)
print(
    f"{method}: {len(both)} areas compared, max |diff| {np.max(np.abs(both.lacuna - both.pysal)):.3e}, "
    f"max relative {rel[both.pysal != 0].max():.3e}, areas with access 0 in one and not the other: "
    f"{int(((both.lacuna == 0) != (both.pysal == 0)).sum())}"
)
