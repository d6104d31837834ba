#!/usr/bin/env python3
"""Check lacuna's network distances against networkx on the graph lacuna exports.

Usage: lacuna network STUDY --out OUT; python3 check_network_networkx.py OUT SERVICE PROFILE

Reads OUT/network_edges_PROFILE.csv (the graph as built), OUT/service_areas.geojson (where each
provider of SERVICE joins the network: edge, t, to_street_m) and OUT/network_points.geojson
(each population point's join and lacuna's network_m). Splits every edge at the joins on it,
runs networkx's multi-source Dijkstra from the providers (through a super-source whose edges
carry each provider's leg to the street), travelling backwards (people go to the service), and
compares each point's leg + distance with lacuna's network_m (metres of the shortest path).
Prints the number of points compared and the largest absolute difference in metres.
"""
import csv
import json
import sys
from collections import defaultdict

import networkx as nx


def main(out, service, profile):
    edges = {}
    with open(f"{out}/network_edges_{profile}.csv") as f:
        for r in csv.DictReader(f):
            edges[int(r["edge"])] = (int(r["a"]), int(r["b"]), float(r["length_m"]),
                                     r["forward"] == "true", r["backward"] == "true")
    providers = [f["properties"] for f in json.load(open(f"{out}/service_areas.geojson"))["features"]
                 if f["properties"]["service_type"] == service and f["properties"]["edge"] is not None]
    points = [f["properties"] for f in json.load(open(f"{out}/network_points.geojson"))["features"]
              if f["properties"]["service_type"] == service]
    # Joins per edge, as ("p"/"q", index, t).
    on = defaultdict(list)
    for i, p in enumerate(providers):
        on[p["edge"]].append(("p", i, p["t"]))
    for i, q in enumerate(points):
        if q["edge"] is not None:
            on[q["edge"]].append(("q", i, q["t"]))
    g = nx.DiGraph()
    for k, (a, b, length, fwd, bwd) in edges.items():
        stops = [(0.0, ("n", a))] + sorted((t, (kind, i)) for kind, i, t in on.get(k, [])) + [(1.0, ("n", b))]
        for (t0, u), (t1, v) in zip(stops, stops[1:]):
            w = (t1 - t0) * length
            # Backwards: an edge of the reversed graph from v to u when u -> v may be travelled.
            # Two joins at the same place are joined both ways (a building that is both a
            # population point and the library).
            for x, y, ok in ((u, v, fwd or w == 0.0), (v, u, bwd or w == 0.0)):
                if ok and (not g.has_edge(y, x) or g[y][x]["w"] > w):
                    g.add_edge(y, x, w=w)
    for i, p in enumerate(providers):
        g.add_edge("source", ("p", i), w=p["to_street_m"])
    dist = nx.single_source_dijkstra_path_length(g, "source", weight="w")
    worst, compared, unreachable_agree, disagree = 0.0, 0, 0, 0
    for i, q in enumerate(points):
        if q["edge"] is None:
            continue
        d = dist.get(("q", i))
        if d is None or q["network_m"] is None:
            unreachable_agree += d is None and q["network_m"] is None
            disagree += (d is None) != (q["network_m"] is None)
            continue
        mine = q["to_street_m"] + d
        compared += 1
        worst = max(worst, abs(mine - q["network_m"]))
    print(f"{service}/{profile}: {compared} points compared, largest |difference| {worst:.3e} m; "
          f"{unreachable_agree} unreachable in both, {disagree} reachable in one only")


if __name__ == "__main__":
    main(*sys.argv[1:4])
