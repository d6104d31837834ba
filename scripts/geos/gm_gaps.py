#!/usr/bin/env python3
"""Gap polygons of the Greater Manchester study with GeoPandas/GEOS: the region (union of the
LSOAs) minus the union of each type's 256-vertex buffers, exploded into parts over 1 m²; prints
counts and compares each part's area and areas with lacuna's gaps.geojson.

Usage: python3 scripts/geos/gm_gaps.py OUT/gaps.geojson   (OUT from `lacuna run studies/greater_manchester.toml`)
(needs geopandas and pyogrio, e.g. in a virtualenv outside the repository)."""
import os, sys
D = os.environ.get("LACUNA_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
import geopandas as gpd, shapely
areas=gpd.read_file(f'{D}/boundaries/gm_lsoa_2011_generalised.geojson').to_crs(27700)
region=shapely.union_all(areas.geometry.values)
files={'gp':('gm_general_practices_2018',1000),'pharmacy':('gm_pharmacies',1000),'library':('gm_libraries',1500),'food_bank':('gm_food_banks',1500)}
for t,(f,r) in files.items():
    p=gpd.read_file(f'{D}/services/gm/{f}.geojson').to_crs(27700)
    discs=shapely.union_all(p.geometry.buffer(r, quad_segs=64).values)
    g=region.difference(discs)
    parts=[x for x in getattr(g,'geoms',[g]) if x.area>1.0]
    parts.sort(key=lambda x:-x.area)
    print(t, len(parts), round(sum(x.area for x in parts)/1e6,2), 'largest km2', round(parts[0].area/1e6,2), [round(x.area/1e6,2) for x in parts[1:6]])

# Per gap: match lacuna's gaps.geojson by area, compare areas lists.
import json, collections
lac=collections.defaultdict(list)
for f in json.load(open(sys.argv[1]))['features']:
    p=f['properties']; lac[p['service_type']].append((p['area_m2'], set(p['areas'].split(';'))))
sidx=areas.sindex
worst=0; mism=0; total=0
for t,(f,r) in files.items():
    p=gpd.read_file(f'{D}/services/gm/{f}.geojson').to_crs(27700)
    discs=shapely.union_all(p.geometry.buffer(r, quad_segs=64).values)
    g=region.difference(discs)
    parts=sorted([x for x in getattr(g,'geoms',[g]) if x.area>1.0], key=lambda x:-x.area)
    mine=sorted(lac[t], key=lambda x:-x[0])
    for x,(a,codes) in zip(parts,mine):
        total+=1
        worst=max(worst, abs(x.area-a)/x.area)
        cand=areas.iloc[sidx.query(x)]
        ref={c for c,geom in zip(cand.area_code,cand.geometry) if geom.intersection(x).area>1.0}
        if ref!=codes: mism+=1; print(t, round(a), 'ref-only', sorted(ref-codes)[:5], 'lacuna-only', sorted(codes-ref)[:5])
print('gaps compared', total, 'worst relative area difference', worst, 'area-list mismatches', mism)
