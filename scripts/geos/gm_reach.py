#!/usr/bin/env python3
"""Reach of GM libraries and food banks by areal share with GEOS (1,024-vertex buffers), compared
with reach.csv: each provider's population and exclusive population, each network's population.

Usage: python3 scripts/geos/gm_reach.py OUT
(needs geopandas and pyogrio, e.g. in a virtualenv outside the repository)."""
import os, sys
D = os.environ.get("LACUNA_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
import collections
import geopandas as gpd, pandas as pd, shapely, numpy as np
out=sys.argv[1]
areas=gpd.read_file(f'{D}/boundaries/gm_lsoa_2011_generalised.geojson').to_crs(27700)
need=pd.read_csv(f'{D}/deprivation/gm_lsoa11_need_indicators_derived.csv').set_index('lsoa11cd')
areas['pop']=need.loc[areas.area_code,'pop_total_mid2015'].values
reach=pd.read_csv(f'{out}/reach.csv')
files={'library':('gm_libraries',1500),'food_bank':('gm_food_banks',1500)}
for t,(f,r) in files.items():
    p=gpd.read_file(f'{D}/services/gm/{f}.geojson').to_crs(27700)
    discs=list(p.geometry.buffer(r, quad_segs=256).values)
    tree=shapely.STRtree(areas.geometry.values)
    def pop_in(shape):
        if shape.is_empty: return 0.0
        idx=tree.query(shape, predicate='intersects')
        g=areas.geometry.values[idx]
        return float(np.sum(areas['pop'].values[idx]*shapely.area(shapely.intersection(g, shape))/shapely.area(g)))
    pops=[];excl=[]
    for k,d in enumerate(discs):
        others=shapely.union_all([x for j,x in enumerate(discs) if j!=k and x.intersects(d)]) if any(x.intersects(d) for j,x in enumerate(discs) if j!=k) else shapely.Polygon()
        pops.append(pop_in(d)); excl.append(pop_in(d.difference(others)))
    mine=reach[(reach.service_type==t)&(reach.level=='provider')]
    a=np.sort(np.array(pops)); b=np.sort(mine.population.values)
    ea=np.sort(np.array(excl)); eb=np.sort(mine.exclusive_population.values)
    net=reach[(reach.service_type==t)&(reach.level=='service_type')].iloc[0]
    cov=pop_in(shapely.union_all(discs))
    print(t, len(a), len(b), 'population max rel diff', np.max(np.abs(a-b)/np.maximum(a,1)), 'exclusive max abs diff', np.max(np.abs(ea-eb)), 'network', round(cov,1), net.population)
