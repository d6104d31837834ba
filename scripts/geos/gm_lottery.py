#!/usr/bin/env python3
"""Cross-boundary pairs of the Greater Manchester study from GEOS adjacency (boundaries sharing a
positive length), lacuna's coverage shares, need deciles within 1, shares 0.3 apart, different
councils; compared with lottery_pairs.csv.

Usage: python3 scripts/geos/gm_lottery.py OUT
(needs geopandas and pyogrio, e.g. in a virtualenv outside the repository)."""
import os, sys
D = os.environ.get("LACUNA_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
import collections
import geopandas as gpd, pandas as pd, shapely
out=sys.argv[1]
areas=gpd.read_file(f'{D}/boundaries/gm_lsoa_2011_generalised.geojson').to_crs(27700)
need=pd.read_csv(f'{D}/deprivation/gm_lsoa11_need_indicators_derived.csv').set_index('lsoa11cd')
cov=pd.read_csv(f'{out}/coverage.csv')
pairs=pd.read_csv(f'{out}/lottery_pairs.csv')
geoms=areas.geometry.values; codes=list(areas.area_code)
left,right=areas.sindex.query(geoms, predicate='intersects')
adj={}
for i,j in zip(left,right):
    if i>=j: continue
    L=shapely.intersection(geoms[i].boundary, geoms[j].boundary).length
    if L>0: adj[(codes[i],codes[j])]=L
print('GEOS adjacent pairs', len(adj))
share={(r.area_code,r.service_type):r.population_share for r in cov.itertuples()}
worst=0
for t in sorted(cov.service_type.unique()):
    exp={}
    for (a,b),L in adj.items():
        ga,gb=need.loc[a,'lad19cd'],need.loc[b,'lad19cd']
        if ga==gb: continue
        na,nb=need.loc[a,'imd_decile'],need.loc[b,'imd_decile']
        if abs(na-nb)>1: continue
        sa,sb=share[(a,t)],share[(b,t)]
        if pd.isna(sa) or pd.isna(sb) or abs(sa-sb) < 0.3-1e-12: continue
        exp[tuple(sorted((a,b)))]=L
    got={tuple(sorted((r.area_a,r.area_b))):r.shared_boundary_m for r in pairs[pairs.service_type==t].itertuples()}
    both=set(exp)&set(got)
    for k in both: worst=max(worst, abs(exp[k]-got[k]))
    print(t, 'expected', len(exp), 'lacuna', len(got), 'missing', sorted(set(exp)-set(got))[:4], 'extra', sorted(set(got)-set(exp))[:4])
print('largest shared-boundary difference (m)', round(worst,2))
