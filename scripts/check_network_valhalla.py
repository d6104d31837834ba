#!/usr/bin/env python3
"""Compare lacuna's network catchments with Valhalla's isochrones (an independent routing engine).

Usage:
  lacuna network STUDY.toml --out OUT
  python3 check_network_valhalla.py OUT STUDY.toml VALHALLA.json [--denoise 1,0] [--matrix]
                                    [--dump FILE.csv] [--isochrones FILE.geojson]

Setup (outside the repo; pyvalhalla >= 3.6 ships the C++ tile builder inside its wheel, and the
newest wheels are cp312 abi3, so use Python >= 3.12; osmium is pyosmium, for the providers):
  python3.12 -m venv /tmp/vh/venv312
  /tmp/vh/venv312/bin/pip install pyvalhalla shapely osmium
  export PATH=/tmp/vh/venv312/bin:$PATH      # the wrappers look their executables up on PATH
  mkdir -p /tmp/valhalla-iom && cd /tmp/valhalla-iom
  valhalla_build_config --mjolnir-tile-dir $PWD/tiles --mjolnir-tile-extract $PWD/tiles.tar \\
      --mjolnir-admin $PWD/admin.sqlite --mjolnir-timezone $PWD/tz.sqlite \\
      --mjolnir-concurrency 2 > valhalla.json    # admin/timezone dbs are not built: not needed
  valhalla_build_tiles -c valhalla.json REGION.osm.pbf      # the study's [network] path
  valhalla_build_extract -c valhalla.json -v                # optional: tiles.tar
  /tmp/vh/venv312/bin/python check_network_valhalla.py OUT STUDY.toml valhalla.json --matrix

What it does. The providers are read again from the study's PBF ([network] path) with the
study's [[providers]] osm tags (nodes as they are, ways at the mean of their distinct nodes, as
lacuna does); those in OUT/service_areas.geojson of each service type with a network standard
are used. For each provider Valhalla's Actor computes an isochrone: costing "pedestrian"
(walking_speed = [network] walk_kmh, default 4.8) for network = "walk", "auto" (its own speeds)
for network = "drive"; one time contour = max_minutes, or max_m / walking speed for a metres
standard (1600 m at 4.8 km/h = 20 minutes); "reverse": true (the area from which the provider
is reached: people travel to the service, which matters for one-way streets when driving);
polygons = true; once per --denoise value (Valhalla's default 1 keeps only the largest ring and
drops its holes; 0 keeps every ring and the holes, the unreached grid cells inside).
A population point (first coordinate of its LineString in OUT/network_points.geojson, or its
Point when off the network) is covered by Valhalla when it lies in the union of its type's
polygons. The table compares that with lacuna's `covered`: points and population in both,
lacuna only, Valhalla only, neither, and the share of points (population) where they agree.

--matrix also asks Valhalla's matrix (sources_to_targets, sources = all points of the type,
target = one provider per request, one-to-many Dijkstra backwards from it) for each point's
quickest time to its nearest provider. "covered" by the matrix = that time within the
standard (Valhalla snaps the building to a street itself; no leg is counted); printed as a
third table, with, for the points both reach, the correlation and median difference between
Valhalla's distance (of its quickest path, legs excluded) and lacuna's network_m (of the
shortest path, legs included).
--dump writes one row per point with every verdict (for QGIS); --isochrones the polygons.
"""
import argparse
import csv
import json
import math
import sys
import time
import tomllib
from collections import defaultdict

import osmium
import shapely
from shapely.geometry import mapping, shape
from valhalla import Actor


def providers_from_pbf(pbf, tag_to_type):
    """{(type, 'node/ID'|'way/ID'): (lon, lat)} for the features carrying the study's tags."""

    class H(osmium.SimpleHandler):
        def __init__(self):
            super().__init__()
            self.found = {}

        def _types(self, tags):
            return [st for (k, v), st in tag_to_type.items()
                    if k in tags and (v == "*" or tags[k] == v)]

        def node(self, n):
            for st in self._types(n.tags):
                self.found[(st, f"node/{n.id}")] = (n.location.lon, n.location.lat)

        def way(self, w):
            sts = self._types(w.tags)
            if not sts:
                return
            pts = [(nd.location.lon, nd.location.lat) for nd in w.nodes if nd.location.valid()]
            if len(pts) > 1 and w.nodes[0].ref == w.nodes[-1].ref:
                pts = pts[:-1]  # a closed way repeats its first node: count it once
            if not pts:
                return
            at = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            for st in sts:
                self.found[(st, f"way/{w.id}")] = at

    h = H()
    h.apply_file(pbf, locations=True)
    return h.found


def table(title, pts, verdict):
    """Print both / lacuna only / Valhalla only / neither for points and population."""
    cnt = defaultdict(lambda: [0, 0.0])
    for f, v in zip(pts, verdict):
        p = f["properties"]
        c = cnt[(bool(p["covered"]), bool(v))]
        c[0] += 1
        c[1] += p["population"]
    n, pop = len(pts), sum(f["properties"]["population"] for f in pts)
    b, lo, vo, ne = cnt[(True, True)], cnt[(True, False)], cnt[(False, True)], cnt[(False, False)]
    print(f"  {title}")
    print(f"    {'':10} {'both':>8} {'lacuna':>8} {'valhalla':>8} {'neither':>8} {'agree':>8}")
    print(f"    {'points':10} {b[0]:8d} {lo[0]:8d} {vo[0]:8d} {ne[0]:8d} "
          f"{100 * (b[0] + ne[0]) / n:7.2f}%")
    print(f"    {'population':10} {b[1]:8.0f} {lo[1]:8.0f} {vo[1]:8.0f} {ne[1]:8.0f} "
          f"{100 * (b[1] + ne[1]) / pop:7.2f}%")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="lacuna network's output directory")
    ap.add_argument("study", help="the study TOML")
    ap.add_argument("config", help="Valhalla's config JSON (valhalla_build_config)")
    ap.add_argument("--denoise", default="1,0", help="isochrone denoise values (default 1,0)")
    ap.add_argument("--generalize", type=float, default=None,
                    help="Douglas-Peucker tolerance in m (default: Valhalla's, 1/4 grid cell)")
    ap.add_argument("--matrix", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--isochrones")
    a = ap.parse_args()
    denoises = [float(d) for d in a.denoise.split(",")]

    study = tomllib.load(open(a.study, "rb"))
    net = study.get("network", {})
    walk_kmh = float(net.get("walk_kmh", 4.8))
    tag_to_type = {}
    for p in study.get("providers", []):
        if "osm" in p:
            k, _, v = p["osm"].partition("=")
            tag_to_type[(k, v or "*")] = p["service_type"]
    services = {k: v for k, v in study.get("services", {}).items() if v.get("network")}

    sites = providers_from_pbf(net["path"], tag_to_type)
    areas = json.load(open(f"{a.out}/service_areas.geojson"))["features"]
    points = json.load(open(f"{a.out}/network_points.geojson"))["features"]

    cfg = json.load(open(a.config))
    cfg["mjolnir"]["logging"] = {"type": "", "color": False}
    cfg["mjolnir"].pop("traffic_extract", None)
    # Room for the matrix: all the points of a type against one provider at a time.
    for c in ("pedestrian", "auto"):
        cfg["service_limits"][c]["max_matrix_location_pairs"] = 10**7
        cfg["service_limits"][c]["max_locations"] = 10**5
        cfg["service_limits"][c]["max_matrix_distance"] = 10**7
    # The one-to-many Dijkstra for every matrix: Valhalla would pick the bidirectional CostMatrix
    # for driving, which runs out of memory with thousands of sources.
    cfg["thor"]["source_to_target_algorithm"] = "timedistancematrix"
    actor = Actor(cfg)

    rows = []
    iso_out = []
    for st, svc in services.items():
        costing = "pedestrian" if svc["network"] == "walk" else "auto"
        if "max_minutes" in svc:
            minutes = float(svc["max_minutes"])
        else:  # metres standard: its walking time
            minutes = float(svc["max_m"]) / (walk_kmh * 1000 / 60)
        options = {"walking_speed": walk_kmh} if costing == "pedestrian" else {}
        provs = [f["properties"]["provider_id"] for f in areas
                 if f["properties"]["service_type"] == st]
        pts = [f for f in points if f["properties"]["service_type"] == st]
        # A LineString from the point to its join; a Point when it is off the network.
        at = [f["geometry"]["coordinates"] if f["geometry"]["type"] == "Point"
              else f["geometry"]["coordinates"][0] for f in pts]
        xs = [c[0] for c in at]
        ys = [c[1] for c in at]
        print(f"\n{st}: {len(provs)} providers, {len(pts)} points; Valhalla {costing}, "
              f"{minutes:g} min, reverse", flush=True)

        inside = {}
        for dn in denoises:
            polys = []
            for pid in provs:
                lon, lat = sites[(st, pid)]
                req = {"locations": [{"lon": lon, "lat": lat}], "costing": costing,
                       "costing_options": {costing: options}, "contours": [{"time": minutes}],
                       "polygons": True, "reverse": True, "denoise": dn}
                if a.generalize is not None:
                    req["generalize"] = a.generalize
                try:
                    res = actor.isochrone(req)
                except RuntimeError as e:  # e.g. no street near the provider
                    print(f"  {st} {pid}: Valhalla refused: {e}", file=sys.stderr)
                    continue
                for feat in res["features"]:
                    if feat["geometry"]["type"] in ("Polygon", "MultiPolygon"):
                        g = shapely.make_valid(shape(feat["geometry"]))
                        polys.append(g)
                        iso_out.append({"type": "Feature", "geometry": mapping(g),
                                        "properties": {"service_type": st, "provider_id": pid,
                                                       "minutes": minutes, "denoise": dn,
                                                       "costing": costing}})
            union = shapely.union_all(polys) if polys else shapely.GeometryCollection()
            shapely.prepare(union)
            inside[dn] = shapely.contains_xy(union, xs, ys)
            table(f"isochrone polygons, denoise={dn:g} ({len(polys)} of {len(provs)} providers)",
                  pts, inside[dn])

        best = {}
        if a.matrix:
            t1 = time.time()
            srcs = [{"lon": x, "lat": y} for x, y in zip(xs, ys)]
            for pid in provs:
                lon, lat = sites[(st, pid)]
                res = actor.matrix({"sources": srcs, "targets": [{"lon": lon, "lat": lat}],
                                    "costing": costing, "costing_options": {costing: options},
                                    "verbose": False})["sources_to_targets"]
                for i, (t, d) in enumerate(zip(res["durations"], res["distances"])):
                    if t[0] is not None and (i not in best or t[0] < best[i][0]):
                        best[i] = (t[0], d[0])
            within = [i in best and best[i][0] <= minutes * 60 for i in range(len(pts))]
            table(f"matrix: quickest time to the nearest provider <= {minutes:g} min "
                  f"({time.time() - t1:.0f} s)", pts, within)
            pairs = [(f["properties"]["network_m"], best[i][1] * 1000) for i, f in enumerate(pts)
                     if i in best and f["properties"]["network_m"] is not None]
            if len(pairs) > 2:
                d = sorted(v - l for l, v in pairs)
                lx, vx = [l for l, _ in pairs], [v for _, v in pairs]
                ml, mv = sum(lx) / len(lx), sum(vx) / len(vx)
                r = (sum((l - ml) * (v - mv) for l, v in pairs)
                     / math.sqrt(sum((l - ml) ** 2 for l in lx) * sum((v - mv) ** 2 for v in vx)))
                print(f"    {len(pairs)} points reached by both: Valhalla metres vs lacuna "
                      f"network_m r = {r:.4f}, median difference {d[len(d) // 2]:+.0f} m, "
                      f"quartiles {d[len(d) // 4]:+.0f} / {d[3 * len(d) // 4]:+.0f} m")
            reached = sum(f["properties"]["network_m"] is not None for f in pts)
            print(f"    reached at all: lacuna {reached}, Valhalla {len(best)} of {len(pts)}")

        for i, f in enumerate(pts):
            p = f["properties"]
            row = {"service_type": st, "lon": xs[i], "lat": ys[i],
                   "lacuna": int(bool(p["covered"]))}
            for dn in denoises:
                row[f"valhalla_d{dn:g}"] = int(bool(inside[dn][i]))
            row.update({"network_m": p["network_m"], "network_minutes": p["network_minutes"],
                        "to_street_m": p["to_street_m"], "on_network": p["on_network"],
                        "edge": p["edge"], "population": p["population"]})
            if a.matrix:
                row["vh_min"] = best[i][0] / 60 if i in best else None
                row["vh_m"] = best[i][1] * 1000 if i in best else None
            rows.append(row)

    if a.dump and rows:
        with open(a.dump, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
    if a.isochrones:
        with open(a.isochrones, "w") as f:
            json.dump({"type": "FeatureCollection", "features": iso_out}, f)


if __name__ == "__main__":
    main()
