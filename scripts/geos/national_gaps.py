#!/usr/bin/env python3
"""Gap counts of the national bench with GEOS: the region (union of the Voronoi LSOAs) minus the
union of each type's 256-vertex buffers, parts over 1 m², against lacuna's gaps.geojson (run the
bench study with `[findings] gap_polygons = true`).

Usage: python3 scripts/geos/national_gaps.py OUT/gaps.geojson
(needs geopandas and pyogrio, e.g. in a virtualenv outside the repository)."""
import os, sys
D = os.environ.get("LACUNA_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
import json, collections, time
import geopandas as gpd, pandas as pd, shapely
B=f'{D}/bench'
t0=time.time()
areas=gpd.read_file(f'{B}/england_lsoa11_voronoi_bng.geojson')
region=shapely.union_all(areas.geometry.values)
print('region', round(time.time()-t0,1), 's', flush=True)
p=pd.read_csv(f'{B}/england_providers_synthetic_bng.csv')
xcol=[c for c in p.columns if c.lower() in ('easting','x')][0]; ycol=[c for c in p.columns if c.lower() in ('northing','y')][0]
lac=collections.defaultdict(list)
for f in json.load(open(sys.argv[1]))['features']:
    q=f['properties']; lac[q['service_type']].append(q['area_m2'])
for t,g in p.groupby('service_type'):
    pts=shapely.points(g[xcol].values, g[ycol].values)
    discs=shapely.union_all(shapely.buffer(pts, g['radius_m'].values, quad_segs=64))
    gaps=region.difference(discs)
    parts=sorted([x.area for x in getattr(gaps,'geoms',[gaps]) if x.area>1.0], reverse=True)
    mine=sorted(lac[t], reverse=True)
    worst=max(abs(a-b)/a for a,b in zip(parts,mine)) if len(parts)==len(mine) else None
    print(t, 'GEOS', len(parts), round(parts[0]/1e6), 'lacuna', len(mine), round(mine[0]/1e6), 'worst rel area diff', worst, round(time.time()-t0,1),'s', flush=True)
